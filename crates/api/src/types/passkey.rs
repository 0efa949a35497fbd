//! Passkeys as their user sees them: a name and dates, never the key.

use async_graphql::{ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entities::passkey;

/// One of the signed-in user's passkeys: it signs them in without a password.
pub struct Passkey(pub passkey::Model);

/// One of the signed-in user's passkeys (`viewer.passkeys`): a name and dates, never the
/// key. It signs them in without a password, and counts as two-factor sign-in.
#[Object]
impl Passkey {
    /// The passkey's id (`renamePasskey`, `removePasskey`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The name the user gave it.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// When it was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last signed its user in (null: never).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

/// A passkey ceremony begun: pass `options` to the browser
/// (`navigator.credentials.create` or `.get`, after decoding its base64url fields),
/// then finish with what it answers (and `challengeId`, for a sign-in) within five
/// minutes.
#[derive(SimpleObject)]
pub struct PasskeyCeremony {
    /// This ceremony, for `finishPasskeyLogin`.
    pub challenge_id: ID,
    /// `{ publicKey: … }`, binary fields as base64url.
    pub options: Json<serde_json::Value>,
}

impl From<domain::auth::PasskeyCeremony> for PasskeyCeremony {
    fn from(ceremony: domain::auth::PasskeyCeremony) -> Self {
        Self {
            challenge_id: ID(ceremony.challenge_id),
            options: Json(ceremony.options),
        }
    }
}
