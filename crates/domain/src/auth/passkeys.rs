//! Passkeys (WebAuthn): a user registers credentials their authenticator keeps, and
//! signs in with one, without a password. The relying party is `PUBLIC_URL`: its host
//! is the id, its origin the only one accepted. User verification is required, so a
//! passkey sign-in is a two-factor sign-in. Every ceremony is stored (begun on one
//! instance, finished on any), used once, for five minutes. The cryptography is
//! webauthn-rs's; a sign-in goes through the one way in ([`super::sign_in`]): the
//! sign-in throttles, the new-device email, the session placed as `login` places it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use rand_core::{OsRng, RngCore};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder, WebauthnError,
};

use super::AuthService;
use super::security_notices::{self, SecurityNotice};
use super::sign_in::{self, Attempt, throttled_login};
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::entities::{passkey, passkey_challenge, session, user};
use crate::stats::SignIn;
use crate::store::sessions::SignedIn;
use crate::{Actor, DomainError, RequestMeta, Result, validate};

/// How long a begun ceremony may be finished.
pub const CEREMONY_TTL: Duration = Duration::minutes(5);

/// Registering a passkey without the current password needs a sign-in this recent.
pub const FRESH_SIGN_IN: Duration = Duration::minutes(10);

const REGISTER: &str = "register";
/// A sign-in with whichever passkey the browser offers (discoverable).
const SIGN_IN: &str = "sign_in";
/// A sign-in begun with an email: only that login's passkeys (none, when the email has
/// no login) are accepted.
const SIGN_IN_AS: &str = "sign_in_as";

/// A ceremony begun: its id (to finish a sign-in with) and the options for the
/// browser's `navigator.credentials.create` / `.get`, as JSON (`{ publicKey: … }`).
pub struct PasskeyCeremony {
    pub challenge_id: String,
    pub options: Value,
}

impl AuthService<'_> {
    /// `PUBLIC_URL` as the relying party.
    fn relying_party(&self) -> Result<Webauthn> {
        let refused = |why: String| {
            DomainError::Internal(format!(
                "PUBLIC_URL cannot be a passkey relying party: {why}"
            ))
        };
        let origin =
            Url::parse(&self.domain.config().public_url).map_err(|e| refused(e.to_string()))?;
        let rp_id = origin
            .host_str()
            .ok_or_else(|| refused("it has no host".into()))?
            .to_owned();
        WebauthnBuilder::new(&rp_id, &origin)
            .and_then(|builder| builder.rp_name("Client portal").build())
            .map_err(|e| refused(e.to_string()))
    }

    /// Starts registering a passkey for the signed-in person: with their current
    /// password, or within ten minutes of signing in. The options exclude the passkeys
    /// they have, ask for user verification, and prefer a discoverable (resident) key.
    pub async fn begin_passkey_registration(
        &self,
        actor: &Actor,
        current_password: Option<&str>,
    ) -> Result<PasskeyCeremony> {
        actor.person()?;
        let user = match current_password {
            Some(password) => self.verify_password(actor, password).await?,
            None => {
                self.require_fresh_sign_in(actor).await?;
                self.user(actor).await?
            }
        };
        let handle = self.passkey_handle(&user).await?;
        let excluded = self
            .passkeys_of(user.id)
            .await?
            .iter()
            .map(|(_, key)| key.cred_id().clone())
            .collect();
        let display = format!("{} {}", user.first_name, user.last_name);
        let (options, state) = self
            .relying_party()?
            .start_passkey_registration(handle, &user.email, &display, Some(excluded))
            .map_err(webauthn_internal)?;
        let mut options = to_json(&options)?;
        let selection = &mut options["publicKey"]["authenticatorSelection"];
        selection["residentKey"] = json!("preferred");
        selection["requireResidentKey"] = json!(false);
        let challenge_id = self
            .store_ceremony(Some(user.id), REGISTER, to_json(&state)?)
            .await?;
        Ok(PasskeyCeremony {
            challenge_id,
            options,
        })
    }

    /// Finishes the signed-in person's registration begun last: the credential their
    /// browser made is checked (origin, relying party, challenge, user verification)
    /// and kept as `name`. They are told by email.
    pub async fn finish_passkey_registration(
        &self,
        actor: &Actor,
        name: &str,
        credential: Value,
    ) -> Result<passkey::Model> {
        actor.person()?;
        let name = validate::name("name", name)?;
        let credential: RegisterPublicKeyCredential = serde_json::from_value(credential)
            .map_err(|e| DomainError::bad_input("credential", format!("not a credential: {e}")))?;
        let user = self.user(actor).await?;
        let ceremony = self.take_ceremony(None, Some(user.id), &[REGISTER]).await?;
        let state: PasskeyRegistration = from_json(ceremony.state)?;
        let key = self
            .relying_party()?
            .finish_passkey_registration(&credential, &state)
            .map_err(|e| {
                DomainError::bad_input("credential", format!("the passkey was refused: {e}"))
            })?;
        let now = self.domain.now();
        let mut change = Change::begin(self.domain).await?;
        let credential_id = URL_SAFE_NO_PAD.encode(key.cred_id());
        // Conditional: a credential registered already (by anyone, or by a finish
        // racing this one) is refused, not stored twice.
        let inserted = passkey::Entity::insert(passkey::ActiveModel {
            user_id: Set(user.id),
            name: Set(name),
            credential_id: Set(credential_id),
            credential: Set(to_json(&key)?),
            counter: Set(0),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([passkey::Column::CredentialId])
        .exec_with_returning(change.conn())
        .await?;
        let sea_orm::TryInsertResult::Inserted(added) = inserted else {
            return Err(DomainError::bad_input(
                "credential",
                "this passkey is registered already",
            ));
        };
        security_notices::send(
            &mut change,
            &user.email,
            &user.first_name,
            SecurityNotice::PasskeyAdded { name: &added.name },
        )
        .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::UserPasskeyAdd).target("passkey", added.id),
            )
            .await?;
        Ok(added)
    }

    /// Starts a passkey sign-in (each client address may begin 60 a minute: each is
    /// stored). With `email`, the options name that login's passkeys (a decoy when it
    /// has none or no login: the answer looks the same); without, the browser offers
    /// the discoverable passkeys it holds for this site.
    pub async fn begin_passkey_login(
        &self,
        email: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<PasskeyCeremony> {
        self.domain
            .throttle()
            .spend_each(&[(
                crate::throttle::Rule::PasskeyCeremoniesPerAddress,
                meta.address(),
            )])
            .await?;
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        let user = match email {
            Some(email) => {
                validate::plain("email", email, validate::MAX_EMAIL_LEN)?;
                crate::store::users::find_by_email(self.domain.db(), email).await?
            }
            None => None,
        };
        let (options, state) = self
            .relying_party()?
            .start_discoverable_authentication()
            .map_err(webauthn_internal)?;
        let mut options = to_json(&options)?;
        // A modal sign-in, not the autofill (conditional) one.
        if let Value::Object(fields) = &mut options {
            fields.remove("mediation");
        }
        if let Some(email) = email {
            // The login's passkeys; for an email with none (or no login), a decoy that
            // stays the same for that email: the answer does not tell them apart.
            let mut allowed: Vec<String> = match &user {
                Some(user) => self
                    .passkeys_of(user.id)
                    .await?
                    .into_iter()
                    .map(|(row, _)| row.credential_id)
                    .collect(),
                None => Vec::new(),
            };
            if allowed.is_empty() {
                allowed.push(self.decoy_credential(email).await?);
            }
            options["publicKey"]["allowCredentials"] = allowed
                .into_iter()
                .map(|id| json!({ "type": "public-key", "id": id }))
                .collect();
        }
        let purpose = if email.is_some() { SIGN_IN_AS } else { SIGN_IN };
        let challenge_id = self
            .store_ceremony(user.map(|u| u.id), purpose, to_json(&state)?)
            .await?;
        Ok(PasskeyCeremony {
            challenge_id,
            options,
        })
    }

    /// Finishes a passkey sign-in and opens a session, as `login` does: one attempt
    /// under the sign-in throttles. The credential must be a registered passkey (of the
    /// login whose email began the ceremony, if one did), signed for this origin and
    /// relying party over this ceremony's challenge, with the user verified, and its
    /// counter must not go back (then the sign-in is refused and its user emailed).
    pub async fn finish_passkey_login(
        &self,
        challenge_id: &str,
        credential: Value,
        meta: RequestMeta,
    ) -> Result<SignedIn> {
        let credential: PublicKeyCredential = serde_json::from_value(credential)
            .map_err(|e| DomainError::bad_input("credential", format!("not a credential: {e}")))?;
        let credential_id = URL_SAFE_NO_PAD.encode(credential.get_credential_id());
        let found = passkey::Entity::find()
            .filter(passkey::Column::CredentialId.eq(&credential_id))
            .one(self.domain.db())
            .await?;
        let owner = match &found {
            Some(row) => {
                user::Entity::find_by_id(row.user_id)
                    .one(self.domain.db())
                    .await?
            }
            None => None,
        };
        let stats = self.domain.stats();
        let attempt = Attempt::begin(
            self.domain,
            throttled_login(owner.as_ref(), &format!("passkey:{credential_id}")),
            &meta,
        )
        .await
        .inspect_err(|_| stats.sign_in(SignIn::Throttled))?;
        let refused = || {
            stats.sign_in(SignIn::Failed);
            DomainError::Unauthenticated("the passkey was not accepted".into())
        };
        let ceremony = self
            .take_ceremony(Some(challenge_id), None, &[SIGN_IN, SIGN_IN_AS])
            .await?;
        let (Some(row), Some(user)) = (found, owner) else {
            return Err(refused());
        };
        if ceremony.purpose == SIGN_IN_AS && ceremony.user_id != Some(user.id) {
            return Err(refused());
        }
        let state: DiscoverableAuthentication = from_json(ceremony.state)?;
        let key: Passkey = from_json(row.credential.clone())?;
        let verified =
            self.relying_party()?
                .finish_discoverable_authentication_v2(&credential, state, &key);
        let result = match verified {
            Ok(result) => result,
            Err(WebauthnError::CredentialPossibleCompromise) => {
                self.report_clone(&user, &row, &meta).await?;
                return Err(refused());
            }
            Err(_) => return Err(refused()),
        };
        let mut change = Change::begin(self.domain).await?;
        if !counter_advanced(&change, &row, result.counter()).await? {
            drop(change);
            self.report_clone(&user, &row, &meta).await?;
            return Err(refused());
        }
        let signed_in = sign_in::placed_session(&mut change, &user, meta, Some(row.id)).await?;
        change
            .commit(
                (&signed_in.actor).into(),
                AuditRecord::new(AuditAction::SessionLogin)
                    .target("passkey", row.id)
                    .details(json!({ "method": "passkey" })),
            )
            .await?;
        attempt.passed().await;
        stats.sign_in(SignIn::Succeeded);
        Ok(signed_in)
    }

    /// The signed-in person's passkeys, oldest first.
    pub async fn passkeys(&self, actor: &Actor) -> Result<Vec<passkey::Model>> {
        Ok(passkey::Entity::find()
            .filter(passkey::Column::UserId.eq(actor.user_id))
            .order_by_asc(passkey::Column::Id)
            .all(self.domain.db())
            .await?)
    }

    /// Renames one of the signed-in person's passkeys.
    pub async fn rename_passkey(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
    ) -> Result<passkey::Model> {
        actor.person()?;
        let name = validate::name("name", name)?;
        let change = Change::begin(self.domain).await?;
        let mut model: passkey::ActiveModel = own_passkey(&change, actor, id).await?.into();
        model.name = Set(name);
        let renamed = model.update(change.conn()).await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::UserPasskeyRename).target("passkey", id),
            )
            .await?;
        Ok(renamed)
    }

    /// Removes one of the signed-in person's passkeys (their current password
    /// checked): it signs nobody in again, and the sessions it opened end (the one
    /// removing it, if it is one of them, goes on as a one-factor session). They are
    /// told by email.
    pub async fn remove_passkey(
        &self,
        actor: &Actor,
        id: i64,
        current_password: &str,
    ) -> Result<()> {
        actor.person()?;
        let user = self.verify_password(actor, current_password).await?;
        let mut change = Change::begin(self.domain).await?;
        let removed = own_passkey(&change, actor, id).await?;
        passkey::Entity::delete_by_id(id)
            .exec(change.conn())
            .await?;
        // What it signed in ends with it (its sockets close, on every instance); the
        // session removing it goes on, no longer a two-factor one.
        session::Entity::delete_many()
            .filter(session::Column::PasskeyId.eq(id))
            .filter(session::Column::Id.ne(actor.session_id))
            .exec(change.conn())
            .await?;
        session::Entity::update_many()
            .col_expr(session::Column::PasskeyId, Expr::value(Option::<i64>::None))
            .filter(session::Column::Id.eq(actor.session_id))
            .exec(change.conn())
            .await?;
        change.notify(crate::events::Notice::AccessChanged {
            user_id: actor.user_id,
        });
        security_notices::send(
            &mut change,
            &user.email,
            &user.first_name,
            SecurityNotice::PasskeyRemoved {
                name: &removed.name,
            },
        )
        .await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::UserPasskeyRemove).target("passkey", id),
            )
            .await
    }

    /// BAD_USER_INPUT on `currentPassword` unless the actor's session began within
    /// [`FRESH_SIGN_IN`]: the password is then what proves it is them.
    async fn require_fresh_sign_in(&self, actor: &Actor) -> Result<()> {
        let signed_in_at = session::Entity::find_by_id(actor.session_id)
            .one(self.domain.db())
            .await?
            .map(|s| s.created_at);
        match signed_in_at {
            Some(at) if self.domain.now() - at <= FRESH_SIGN_IN => Ok(()),
            _ => Err(DomainError::bad_input(
                "currentPassword",
                "give your current password, or sign in again, to add a passkey",
            )),
        }
    }

    /// The user's passkey handle, made at their first passkey (a conditional write: two
    /// first registrations at once agree on one).
    async fn passkey_handle(&self, user: &user::Model) -> Result<Uuid> {
        if let Some(handle) = &user.passkey_handle {
            return Uuid::parse_str(handle).map_err(|e| DomainError::Internal(e.to_string()));
        }
        user::Entity::update_many()
            .col_expr(
                user::Column::PasskeyHandle,
                Expr::value(Uuid::new_v4().to_string()),
            )
            .filter(user::Column::Id.eq(user.id))
            .filter(user::Column::PasskeyHandle.is_null())
            .exec(self.domain.db())
            .await?;
        let stored = user::Entity::find_by_id(user.id)
            .one(self.domain.db())
            .await?
            .and_then(|u| u.passkey_handle)
            .ok_or_else(|| DomainError::Internal("the passkey handle was not kept".into()))?;
        Uuid::parse_str(&stored).map_err(|e| DomainError::Internal(e.to_string()))
    }

    /// The credential id a sign-in names for `email` when it has no passkey: an HMAC
    /// of the email under the portal's decoy key (made once, on first use).
    async fn decoy_credential(&self, email: &str) -> Result<String> {
        use hmac::{Hmac, Mac};
        let key = self.decoy_key().await?;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes())
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        mac.update(email.trim().to_lowercase().as_bytes());
        Ok(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    async fn decoy_key(&self) -> Result<String> {
        use crate::entities::portal_settings;
        let db = self.domain.db();
        let read = async || -> Result<Option<portal_settings::Model>> {
            Ok(portal_settings::Entity::find_by_id(1).one(db).await?)
        };
        if let Some(key) = read().await?.and_then(|row| row.passkey_decoy_key) {
            return Ok(key);
        }
        let mut fresh = [0u8; 32];
        OsRng.fill_bytes(&mut fresh);
        let fresh = URL_SAFE_NO_PAD.encode(fresh);
        if read().await?.is_none() {
            let defaults = self.domain.settings().get().await?;
            let row = portal_settings::ActiveModel {
                id: Set(1),
                allow_client_contact_management: Set(defaults.allow_client_contact_management),
                invitation_ttl_hours: Set(defaults.invitation_ttl_hours),
                updated_at: Set(self.domain.now()),
                passkey_decoy_key: Set(None),
            };
            // Another instance may insert it first: then theirs stands.
            portal_settings::Entity::insert(row)
                .on_conflict_do_nothing_on([portal_settings::Column::Id])
                .exec_without_returning(db)
                .await?;
        }
        // Conditional: of two first uses, one key is kept, and both read it.
        portal_settings::Entity::update_many()
            .col_expr(portal_settings::Column::PasskeyDecoyKey, Expr::value(fresh))
            .filter(portal_settings::Column::Id.eq(1))
            .filter(portal_settings::Column::PasskeyDecoyKey.is_null())
            .exec(db)
            .await?;
        read()
            .await?
            .and_then(|row| row.passkey_decoy_key)
            .ok_or_else(|| DomainError::Internal("the passkey decoy key was not kept".into()))
    }

    /// A user's passkeys, with the credential each holds.
    async fn passkeys_of(&self, user_id: i64) -> Result<Vec<(passkey::Model, Passkey)>> {
        passkey::Entity::find()
            .filter(passkey::Column::UserId.eq(user_id))
            .order_by_asc(passkey::Column::Id)
            .all(self.domain.db())
            .await?
            .into_iter()
            .map(|row| Ok((row.clone(), from_json(row.credential)?)))
            .collect()
    }

    /// Keeps a begun ceremony for [`CEREMONY_TTL`]; its id is random.
    async fn store_ceremony(
        &self,
        user_id: Option<i64>,
        purpose: &str,
        state: Value,
    ) -> Result<String> {
        let mut id = [0u8; 24];
        OsRng.fill_bytes(&mut id);
        let id = URL_SAFE_NO_PAD.encode(id);
        let now = self.domain.now();
        passkey_challenge::Entity::delete_many()
            .filter(passkey_challenge::Column::ExpiresAt.lt(now))
            .exec(self.domain.db())
            .await?;
        passkey_challenge::ActiveModel {
            id: Set(id.clone()),
            user_id: Set(user_id),
            purpose: Set(purpose.to_owned()),
            state: Set(state),
            expires_at: Set(now + CEREMONY_TTL),
            created_at: Set(now),
        }
        .insert(self.domain.db())
        .await?;
        Ok(id)
    }

    /// Takes a ceremony for good (a conditional delete: of two finishes, one gets it):
    /// by id, or a user's latest registration; of one of `purposes`. BAD_USER_INPUT on `challengeId` when it
    /// is unknown, used or expired: begin again.
    async fn take_ceremony(
        &self,
        id: Option<&str>,
        user_id: Option<i64>,
        purposes: &[&str],
    ) -> Result<passkey_challenge::Model> {
        let gone = || {
            DomainError::bad_input(
                "challengeId",
                "this passkey ceremony is unknown, used or expired: begin again",
            )
        };
        let mut find = passkey_challenge::Entity::find()
            .filter(passkey_challenge::Column::Purpose.is_in(purposes.iter().copied()))
            .order_by_desc(passkey_challenge::Column::CreatedAt);
        if let Some(id) = id {
            find = find.filter(passkey_challenge::Column::Id.eq(id));
        }
        if let Some(user_id) = user_id {
            find = find.filter(passkey_challenge::Column::UserId.eq(user_id));
        }
        let ceremony = find.one(self.domain.db()).await?.ok_or_else(gone)?;
        let taken = passkey_challenge::Entity::delete_many()
            .filter(passkey_challenge::Column::Id.eq(&ceremony.id))
            .exec(self.domain.db())
            .await?;
        if taken.rows_affected != 1 || ceremony.expires_at <= self.domain.now() {
            return Err(gone());
        }
        Ok(ceremony)
    }

    /// Tells `user` a sign-in with `key` was refused as a possible clone.
    async fn report_clone(
        &self,
        user: &user::Model,
        key: &passkey::Model,
        meta: &RequestMeta,
    ) -> Result<()> {
        let mut change = Change::begin(self.domain).await?;
        security_notices::send(
            &mut change,
            &user.email,
            &user.first_name,
            SecurityNotice::PasskeyCloned {
                name: &key.name,
                meta,
            },
        )
        .await?;
        change
            .commit(
                crate::audit::AuditActor::system(),
                AuditRecord::new(AuditAction::SessionLogin)
                    .target("passkey", key.id)
                    .details(json!({ "method": "passkey", "refused": "counter went back" })),
            )
            .await
    }
}

/// Raises the stored counter to `counter` (a conditional write: it must go up, unless
/// the authenticator keeps none and both are 0); `false` when it did not.
async fn counter_advanced(change: &Change<'_>, key: &passkey::Model, counter: u32) -> Result<bool> {
    let counter = i64::from(counter);
    let now = change.now();
    let moved = passkey::Entity::update_many()
        .col_expr(passkey::Column::Counter, Expr::value(counter))
        .col_expr(passkey::Column::LastUsedAt, Expr::value(now))
        .filter(passkey::Column::Id.eq(key.id))
        .filter(
            Expr::col(passkey::Column::Counter)
                .lt(counter)
                .or(Expr::col(passkey::Column::Counter)
                    .eq(0)
                    .and(Expr::value(counter).eq(0))),
        )
        .exec(change.conn())
        .await?;
    Ok(moved.rows_affected == 1)
}

/// One of the actor's own passkeys; another's is NOT_FOUND.
async fn own_passkey(change: &Change<'_>, actor: &Actor, id: i64) -> Result<passkey::Model> {
    passkey::Entity::find_by_id(id)
        .filter(passkey::Column::UserId.eq(actor.user_id))
        .one(change.conn())
        .await?
        .ok_or(DomainError::NotFound("passkey"))
}

fn to_json(value: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| DomainError::Internal(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| DomainError::Internal(e.to_string()))
}

fn webauthn_internal(err: WebauthnError) -> DomainError {
    DomainError::Internal(format!("webauthn: {err}"))
}
