//! Two-factor sign-in: TOTP (RFC 6238; 6 digits, 30-second steps, one step of clock
//! drift either way) with ten single-use recovery codes.
//!
//! Enrolment keeps the new secret aside until a code from it is confirmed; only then is
//! it the user's, and the recovery codes are shown, once (only their SHA-256 is kept).
//! A code works once: the step it was accepted for is kept and only later steps pass,
//! by a conditional write, so two requests racing with one code cannot both sign in. The
//! secret is never returned after enrolment nor logged. Wrong codes are failed sign-ins
//! for the throttles.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
use totp_rs::{Algorithm, TOTP};

use super::AuthService;
use super::security_notices::{self, SecurityNotice};
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::entities::{recovery_code, user};
use crate::{Actor, DomainError, ErrorCode, Result, tokens};

const DIGITS: usize = 6;
const STEP_SECONDS: i64 = 30;
const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "Clientele";

/// A secret being enrolled: shown to the user once, for their authenticator app.
#[derive(Clone, Debug)]
pub struct Enrolment {
    /// Base32, as apps take it typed in.
    pub secret: String,
    /// `otpauth://totp/…`, as apps take it from a QR code.
    pub uri: String,
}

/// UNAUTHENTICATED with reason TOTP_REQUIRED: sign-in needs (another) code.
fn code_needed(message: &str) -> DomainError {
    DomainError::WithReason {
        code: ErrorCode::Unauthenticated,
        reason: crate::Reason::TotpRequired,
        message: message.into(),
    }
}

fn totp(secret: &str, label: &str) -> Result<TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|_| DomainError::Internal("a stored TOTP secret does not decode".into()))?;
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS as u64,
        bytes,
        Some(ISSUER.into()),
        label.into(),
    )
    .map_err(|e| DomainError::Internal(format!("TOTP: {e}")))
}

/// The step `code` is right for, at `now` (unix seconds) give or take one step.
fn step_of(totp: &TOTP, code: &str, now: i64) -> Option<i64> {
    let current = now / STEP_SECONDS;
    (current - 1..=current + 1).find(|step| {
        let expected = totp.generate((step * STEP_SECONDS) as u64);
        // Compared in constant time: no early exit on the first wrong digit.
        expected.len() == code.len()
            && expected
                .bytes()
                .zip(code.bytes())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    })
}

/// A code as typed: spaces and dashes dropped, lower case.
fn normalized(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Ten fresh recovery codes, `xxxxx-xxxxx` (50 random bits each).
fn recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw = tokens::random_base32(10).to_lowercase();
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect()
}

impl AuthService<'_> {
    /// Starts enrolment, after checking the actor's current password (a stolen session
    /// alone cannot put its thief's second factor on someone's login): a new secret,
    /// kept aside until [`AuthService::confirm_totp`].
    pub async fn enroll_totp(&self, actor: &Actor, current_password: &str) -> Result<Enrolment> {
        let user = self.verify_password(actor, current_password).await?;
        if user.totp_secret.is_some() {
            return Err(DomainError::conflict(
                "two-factor sign-in is already on; turn it off first",
            ));
        }
        let secret = tokens::random_base32(32);
        let uri = totp(&secret, &user.email)?.get_url();
        let change = Change::begin(self.domain).await?;
        user::ActiveModel {
            id: Set(user.id),
            totp_pending_secret: Set(Some(secret.clone())),
            ..Default::default()
        }
        .update(change.conn())
        .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::UserTotpEnroll).target("user", user.id),
            )
            .await?;
        Ok(Enrolment { secret, uri })
    }

    /// Turns two-factor sign-in on with a code from the enrolled secret (a wrong code
    /// counts as a failed sign-in); returns the recovery codes, shown this once. The
    /// user is told by email.
    pub async fn confirm_totp(&self, actor: &Actor, code: &str) -> Result<Vec<String>> {
        let user = self.user(actor).await?;
        let Some(pending) = &user.totp_pending_secret else {
            return Err(DomainError::bad_input("code", "enrol first (enrollTotp)"));
        };
        let now = self.domain.now().timestamp();
        let pending_totp = totp(pending, &user.email)?;
        let step = self
            .verify_enrolment_code(actor, &user, || {
                step_of(&pending_totp, &normalized(code), now)
            })
            .await?;
        let codes = recovery_codes();
        let mut change = Change::begin(self.domain).await?;
        let enabled = user::Entity::update_many()
            .col_expr(user::Column::TotpSecret, Expr::value(pending.clone()))
            .col_expr(
                user::Column::TotpPendingSecret,
                Expr::value(Option::<String>::None),
            )
            .col_expr(user::Column::TotpLastStep, Expr::value(step))
            .filter(user::Column::Id.eq(user.id))
            .filter(user::Column::TotpPendingSecret.eq(pending.clone()))
            .exec(change.conn())
            .await?;
        if enabled.rows_affected != 1 {
            return Err(DomainError::conflict("the enrolment changed meanwhile"));
        }
        replace_recovery_codes(&change, user.id, &codes).await?;
        security_notices::send(
            &mut change,
            &user.email,
            &user.first_name,
            SecurityNotice::TwoFactorOn,
        )
        .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::UserTotpEnable).target("user", user.id),
            )
            .await?;
        Ok(codes)
    }

    /// The second factor of a sign-in whose password was right: nothing for a user
    /// without two-factor; otherwise a code from their app or an unused recovery code,
    /// each good once. UNAUTHENTICATED with reason TOTP_REQUIRED when missing or wrong.
    pub(super) async fn second_factor(&self, user: &user::Model, code: Option<&str>) -> Result<()> {
        let Some(secret) = &user.totp_secret else {
            return Ok(());
        };
        let Some(code) = code.map(normalized).filter(|c| !c.is_empty()) else {
            return Err(code_needed(
                "enter the code from your authenticator app, or a recovery code",
            ));
        };
        let db = self.domain.db();
        if code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
            let now = self.domain.now().timestamp();
            if let Some(step) = step_of(&totp(secret, &user.email)?, &code, now) {
                let used = user::Entity::update_many()
                    .col_expr(user::Column::TotpLastStep, Expr::value(step))
                    .filter(user::Column::Id.eq(user.id))
                    .filter(
                        Condition::any()
                            .add(user::Column::TotpLastStep.is_null())
                            .add(user::Column::TotpLastStep.lt(step)),
                    )
                    .exec(db)
                    .await?;
                if used.rows_affected == 1 {
                    return Ok(());
                }
            }
        } else {
            let used = recovery_code::Entity::update_many()
                .col_expr(
                    recovery_code::Column::UsedAt,
                    Expr::value(self.domain.now()),
                )
                .filter(recovery_code::Column::UserId.eq(user.id))
                .filter(recovery_code::Column::CodeHash.eq(tokens::hash(&code)))
                .filter(recovery_code::Column::UsedAt.is_null())
                .exec(db)
                .await?;
            if used.rows_affected == 1 {
                return Ok(());
            }
        }
        Err(code_needed("the code is wrong or was used already"))
    }

    /// Turns two-factor sign-in off; needs the current password and a code (or
    /// recovery code), each checked as a sign-in would be.
    pub async fn disable_totp(&self, actor: &Actor, password: &str, code: &str) -> Result<()> {
        let user = self.verify_password(actor, password).await?;
        if user.totp_secret.is_none() {
            return Err(DomainError::bad_input("code", "two-factor sign-in is off"));
        }
        self.verify_second_factor(actor, &user, code).await?;
        let mut change = Change::begin(self.domain).await?;
        turn_off(&mut change, &user, false).await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::UserTotpDisable).target("user", user.id),
            )
            .await
    }

    /// Staff: turns a user's two-factor sign-in off (they lost their device and codes).
    pub async fn reset_two_factor(&self, actor: &Actor, user_id: i64) -> Result<()> {
        crate::access::require_staff(actor)?;
        let mut change = Change::begin(self.domain).await?;
        let user = user::Entity::find_by_id(user_id)
            .one(change.conn())
            .await?
            .ok_or(DomainError::NotFound("user"))?;
        turn_off(&mut change, &user, true).await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::UserTotpReset).target("user", user_id),
            )
            .await
    }
}

async fn replace_recovery_codes(change: &Change<'_>, user_id: i64, codes: &[String]) -> Result<()> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(change.conn())
        .await?;
    let now = change.now();
    recovery_code::Entity::insert_many(codes.iter().map(|code| recovery_code::ActiveModel {
        user_id: Set(user_id),
        code_hash: Set(tokens::hash(&normalized(code))),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }))
    .exec(change.conn())
    .await?;
    Ok(())
}

/// Two-factor off: secret, pending secret, last step and recovery codes gone, and the
/// user told (by email) who turned it off.
async fn turn_off(change: &mut Change<'_>, user: &user::Model, by_staff: bool) -> Result<()> {
    let user_id = user.id;
    user::Entity::update_many()
        .col_expr(
            user::Column::TotpSecret,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            user::Column::TotpPendingSecret,
            Expr::value(Option::<String>::None),
        )
        .col_expr(user::Column::TotpLastStep, Expr::value(Option::<i64>::None))
        .filter(user::Column::Id.eq(user_id))
        .exec(change.conn())
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(change.conn())
        .await?;
    security_notices::send(
        change,
        &user.email,
        &user.first_name,
        SecurityNotice::TwoFactorOff { by_staff },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (8 digits, the ASCII secret "12345678901234567890").
    #[test]
    fn the_rfc_6238_test_vectors() {
        let totp = TOTP::new(
            Algorithm::SHA1,
            8,
            1,
            30,
            b"12345678901234567890".to_vec(),
            None,
            String::new(),
        )
        .unwrap();
        for (time, code) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(totp.generate(time), code, "at {time}");
        }
    }

    #[test]
    fn a_code_is_right_for_its_step_and_the_next_and_previous_only() {
        let secret = tokens::random_base32(32);
        let totp = totp(&secret, "a@b.c").unwrap();
        let code = totp.generate(3000);
        assert_eq!(step_of(&totp, &code, 3000), Some(100));
        assert_eq!(step_of(&totp, &code, 3030), Some(100));
        assert_eq!(step_of(&totp, &code, 2970), Some(100));
        assert_eq!(step_of(&totp, &code, 3060), None);
        assert_eq!(step_of(&totp, "12345", 3000), None);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_read_however_typed() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(
            codes.iter().collect::<std::collections::HashSet<_>>().len(),
            10
        );
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-')
        );
        assert_eq!(normalized(" ABCDE-fghij "), "abcdefghij");
    }
}
