// The browser's half of a passkey ceremony. The server's `PasskeyCeremony.options` is
// `{ publicKey: … }` in WebAuthn's JSON form: its binary fields (challenge, user.id,
// excludeCredentials[].id, allowCredentials[].id) are base64url strings, decoded here
// to ArrayBuffers for `navigator.credentials.create` / `.get`. What the authenticator
// answers (a PublicKeyCredential, binary throughout) goes back the same way: base64url
// fields, as `finishPasskeyRegistration` and `finishPasskeyLogin` read them.
//
// Written out rather than PublicKeyCredential.parseCreationOptionsFromJSON and
// credential.toJSON(), which not every browser in use has yet; the result is the same
// WebAuthn Level 3 JSON.

import { ApiError } from './graphql';

/** base64url (padded or not) → bytes. */
export function fromBase64url(text: string): ArrayBuffer {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** Bytes → base64url without padding. */
export function toBase64url(data: ArrayBuffer | ArrayBufferView): string {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Whether this browser, on this page, can use passkeys at all. */
export function passkeysSupported(): boolean {
  return typeof window.PublicKeyCredential === 'function' && !!navigator.credentials && window.isSecureContext;
}

type Json = Record<string, unknown>;
interface CredentialDescriptorJson {
  id: string;
  type: string;
  transports?: string[];
}

function publicKeyOf(options: unknown): Json {
  const publicKey = (options as { publicKey?: Json } | null)?.publicKey;
  if (!publicKey || typeof publicKey.challenge !== 'string') {
    throw new ApiError([{ message: 'the server sent passkey options without a challenge', extensions: { code: 'CLIENT_ERROR' } }]);
  }
  // A copy: the caller's JSON stays as the server sent it.
  return structuredClone(publicKey);
}

const descriptors = (list: unknown): PublicKeyCredentialDescriptor[] | undefined =>
  Array.isArray(list)
    ? (list as CredentialDescriptorJson[]).map((d) => ({ ...d, id: fromBase64url(d.id) }) as PublicKeyCredentialDescriptor)
    : undefined;

/** Base64url for every binary value of an extension's output (as toJSON() does). */
function jsonSafe(value: unknown): unknown {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return toBase64url(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

/** What a browser's refusal means, as an error the message area shows with its name
 * as the code (NotAllowedError, InvalidStateError, SecurityError, …). */
function browserError(err: unknown, doing: 'create' | 'get'): ApiError {
  if (err instanceof ApiError) return err;
  const name = err instanceof DOMException || err instanceof Error ? err.name : 'CLIENT_ERROR';
  const said = err instanceof Error ? err.message : String(err);
  const meaning: Record<string, string> = {
    NotAllowedError:
      doing === 'create'
        ? 'no passkey was made: the prompt was cancelled, timed out, or the authenticator refused'
        : 'no passkey was used: the prompt was cancelled, timed out, or no passkey for this site was found',
    InvalidStateError: 'this authenticator already holds a passkey for your login',
    SecurityError: "passkeys only work at the portal's own address (its PUBLIC_URL), with a host name, not an IP address",
    NotSupportedError: 'this authenticator cannot make the kind of passkey the server asks for',
    AbortError: 'the passkey prompt was closed',
  };
  const message = meaning[name] ? `${meaning[name]} (${said})` : said;
  return new ApiError([{ message, extensions: { code: name } }]);
}

/** `navigator.credentials.create` with a registration ceremony's options; answers the
 * new credential as `finishPasskeyRegistration` takes it. */
export async function createPasskey(options: unknown): Promise<Json> {
  const publicKey = publicKeyOf(options);
  const user = publicKey.user as Json;
  const decoded = {
    ...publicKey,
    challenge: fromBase64url(publicKey.challenge as string),
    user: { ...user, id: fromBase64url(user.id as string) },
    excludeCredentials: descriptors(publicKey.excludeCredentials) ?? [],
  } as unknown as PublicKeyCredentialCreationOptions;
  let credential: PublicKeyCredential;
  try {
    const made = await navigator.credentials.create({ publicKey: decoded });
    if (!made) throw new DOMException('the browser answered no credential', 'NotAllowedError');
    credential = made as PublicKeyCredential;
  } catch (err) {
    throw browserError(err, 'create');
  }
  const response = credential.response as AuthenticatorAttestationResponse;
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      attestationObject: toBase64url(response.attestationObject),
      ...(typeof response.getTransports === 'function' ? { transports: response.getTransports() } : {}),
    },
    extensions: jsonSafe(credential.getClientExtensionResults()),
  };
}

/** `navigator.credentials.get` with a sign-in ceremony's options; answers the
 * assertion as `finishPasskeyLogin` takes it. */
export async function getPasskey(options: unknown): Promise<Json> {
  const publicKey = publicKeyOf(options);
  const decoded = {
    ...publicKey,
    challenge: fromBase64url(publicKey.challenge as string),
    allowCredentials: descriptors(publicKey.allowCredentials),
  } as unknown as PublicKeyCredentialRequestOptions;
  let credential: PublicKeyCredential;
  try {
    const got = await navigator.credentials.get({ publicKey: decoded });
    if (!got) throw new DOMException('the browser answered no credential', 'NotAllowedError');
    credential = got as PublicKeyCredential;
  } catch (err) {
    throw browserError(err, 'get');
  }
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      authenticatorData: toBase64url(response.authenticatorData),
      signature: toBase64url(response.signature),
      userHandle: response.userHandle ? toBase64url(response.userHandle) : null,
    },
    extensions: jsonSafe(credential.getClientExtensionResults()),
  };
}
