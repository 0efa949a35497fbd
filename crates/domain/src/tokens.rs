//! Secret tokens (sessions, reset links): 256 bits from the OS CSPRNG, URL-safe, and
//! stored only as their SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// A fresh token and the hash to store for it.
pub(crate) fn generate() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    (token, hash)
}

pub(crate) fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `chars` random base32 characters (RFC 4648 alphabet, 5 bits each): TOTP secrets
/// and recovery codes.
pub(crate) fn random_base32(chars: usize) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bytes = vec![0u8; chars];
    OsRng.fill_bytes(&mut bytes);
    // 256 is a multiple of 32: every character is equally likely.
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect()
}

/// A strong password for people given portal access without one: 120 random bits.
pub(crate) fn generate_password() -> String {
    let mut bytes = [0u8; 15];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_long_unique_and_hashed() {
        let (a, ha) = super::generate();
        let (b, _) = super::generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(ha.len(), 64);
        assert_eq!(super::hash(&a), ha);
    }
}

/// API tokens look like `clt_` + 40 random base62 characters + a 6-character base62
/// CRC-32 of those 40: a secret scanner recognises the prefix and checks the checksum
/// offline, without asking the server.
pub const API_TOKEN_PREFIX: &str = "clt_";
const API_TOKEN_BODY: usize = 40;
const API_TOKEN_CHECKSUM: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A fresh API token and the hash to store for it.
pub(crate) fn generate_api_token() -> (String, String) {
    let mut body = String::with_capacity(API_TOKEN_BODY);
    while body.len() < API_TOKEN_BODY {
        let mut bytes = [0u8; 64];
        OsRng.fill_bytes(&mut bytes);
        // 248 = 4 × 62: bytes above it are dropped, so every character is equally likely.
        body.extend(
            bytes
                .iter()
                .filter(|b| **b < 248)
                .map(|b| BASE62[usize::from(b % 62)] as char)
                .take(API_TOKEN_BODY - body.len()),
        );
    }
    let token = format!("{API_TOKEN_PREFIX}{body}{}", api_token_checksum(&body));
    let hash = hash(&token);
    (token, hash)
}

/// The CRC-32 (ISO-HDLC, as zlib computes it) of `body`, in 6 base62 characters.
pub fn api_token_checksum(body: &str) -> String {
    let mut crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(body.as_bytes());
    let mut out = [b'0'; API_TOKEN_CHECKSUM];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(crc % 62) as usize];
        crc /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `token` has an API token's shape and its checksum holds.
pub fn is_api_token(token: &str) -> bool {
    let Some(rest) = token.strip_prefix(API_TOKEN_PREFIX) else {
        return false;
    };
    if rest.len() != API_TOKEN_BODY + API_TOKEN_CHECKSUM
        || !rest.bytes().all(|b| BASE62.contains(&b))
    {
        return false;
    }
    let (body, checksum) = rest.split_at(API_TOKEN_BODY);
    api_token_checksum(body) == checksum
}

#[cfg(test)]
mod api_token_tests {
    use super::*;

    #[test]
    fn an_api_token_carries_its_prefix_and_a_checksum_that_holds() {
        let (token, hash) = generate_api_token();
        assert!(token.starts_with("clt_"), "{token}");
        assert_eq!(token.len(), 4 + 40 + 6);
        assert!(is_api_token(&token));
        assert_eq!(hash, super::hash(&token));
        // One character changed: the checksum no longer holds.
        let mut bytes = token.into_bytes();
        bytes[10] = if bytes[10] == b'a' { b'b' } else { b'a' };
        assert!(!is_api_token(&String::from_utf8(bytes).unwrap()));
        assert!(!is_api_token("clt_short"));
        assert!(!is_api_token("session-token"));
    }

    #[test]
    fn the_checksum_is_the_crc32_zlib_computes() {
        // zlib.crc32(b"123456789") == 0xCBF43926, the CRC-32 check value.
        let mut n: u64 = 0xCBF4_3926;
        let mut expected = [b'0'; 6];
        for slot in expected.iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        assert_eq!(api_token_checksum("123456789").as_bytes(), expected);
    }
}
