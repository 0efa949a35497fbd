//! API tokens: an account's automation without anyone's session. A token is a session
//! its member did not sign in for: a row of `sessions` with a name, a permission list
//! and an optional scope. So it is found, used (its last use written at most once a
//! minute), expired and revoked as sessions are, and its live streams end with it on
//! every instance. It acts as its member on its one account, limited at every request
//! by the door ([`crate::access::Access`]) to its own permissions and scope intersected
//! with what the member holds then. What needs a person refuses it ([`Actor::person`]).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::access::{self, Access};
use crate::audit::{AuditAction, AuditRecord};
use crate::auth::security_notices::{self, SecurityNotice};
use crate::change::Change;
use crate::entities::{contact, session, user};
use crate::events::Notice;
use crate::permissions::{self, Permission};
use crate::scope::{self, Scope};
use crate::{Actor, Domain, DomainError, Result, tokens, validate};

pub mod grant;
pub use grant::ApiTokenGrant;

/// A token lives 90 days unless its creator says otherwise, and a year at the most.
pub const DEFAULT_LIFETIME_DAYS: i64 = 90;
pub const MAX_LIFETIME_DAYS: i64 = 365;

/// `createApiToken`'s input.
pub struct NewApiToken {
    pub name: String,
    pub permissions: Vec<Permission>,
    pub scope: Option<Scope>,
    /// `None`: [`DEFAULT_LIFETIME_DAYS`] from now.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A token just made: the secret (shown this once) and its row.
pub struct CreatedApiToken {
    pub token: String,
    pub row: session::Model,
}

pub struct ApiTokenService<'a> {
    domain: &'a Domain,
}

impl<'a> ApiTokenService<'a> {
    pub(crate) fn new(domain: &'a Domain) -> Self {
        Self { domain }
    }

    /// A member makes a token for themselves on one account (their current password
    /// first, throttled as sign-in is): never more than they hold, never wider than
    /// their scope, ending within a year. The account's owner may forbid tokens. The
    /// member is emailed; the audit log names the token.
    pub async fn create(
        &self,
        actor: &Actor,
        account_id: i64,
        input: NewApiToken,
        current_password: &str,
    ) -> Result<CreatedApiToken> {
        actor.person()?;
        let name = validate::name("name", &input.name)?;
        let expires_at = self.lifetime(input.expires_at)?;
        let mut granted = input.permissions;
        granted.sort_unstable();
        granted.dedup();
        if granted.is_empty() {
            return Err(DomainError::bad_input(
                "permissions",
                "a token needs at least one permission",
            ));
        }
        scope::check_permissions(input.scope.as_ref(), &granted)?;
        self.domain
            .auth()
            .verify_password(actor, current_password)
            .await?;
        let (mut change, access) = begin_as_member(self.domain, actor, account_id).await?;
        check_grant(&access, &granted, input.scope.as_ref())?;
        if let Some(scope) = &input.scope {
            scope::check_exists(change.conn(), account_id, scope).await?;
        }
        let (token, token_hash) = tokens::generate_api_token();
        let now = change.now();
        let row = session::ActiveModel {
            token_hash: Set(token_hash),
            user_id: Set(actor.user_id),
            current_account_id: Set(Some(account_id)),
            ip_address: Set(actor.meta.ip.clone()),
            user_agent: Set(actor.meta.user_agent.clone()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            api_token_name: Set(Some(name)),
            api_token_permissions: Set(Some(permissions::to_json(&granted))),
            api_token_scope: Set(input.scope),
            ..Default::default()
        }
        .insert(change.conn())
        .await?;
        security_notices::send(
            &mut change,
            &actor.email,
            &actor.first_name,
            SecurityNotice::ApiTokenCreated {
                account_name: &access.account().name,
                name: row.api_token_name.as_deref().unwrap_or_default(),
            },
        )
        .await?;
        change
            .commit(actor.into(), audited(AuditAction::ApiTokenCreate, &row))
            .await?;
        Ok(CreatedApiToken { token, row })
    }

    /// Revokes a token: one's own, (MANAGE_CONTACTS on its account) a member's whose
    /// permissions and scope do not exceed one's own, or (staff) any. Its next request
    /// is UNAUTHENTICATED and its live streams end, on every instance. Its member is
    /// emailed. Another's token one may not revoke is NOT_FOUND.
    pub async fn revoke(&self, actor: &Actor, token_id: i64) -> Result<session::Model> {
        actor.person()?;
        let row = find(self.domain, token_id).await?;
        let account_id = row
            .current_account_id
            .ok_or(DomainError::NotFound("API token"))?;
        let mut change = Change::begin(self.domain).await?;
        access::lock_account(change.conn(), account_id).await?;
        let access = access::access_on(change.conn(), actor, account_id, "API token")
            .await
            .map_err(|_| DomainError::NotFound("API token"))?;
        access.usable()?;
        if row.user_id != actor.user_id && !access.is_staff() {
            access
                .require(Permission::ManageContacts)
                .map_err(|_| DomainError::NotFound("API token"))?;
            let holder = contact::Entity::find()
                .filter(contact::Column::AccountId.eq(account_id))
                .filter(contact::Column::UserId.eq(row.user_id))
                .one(change.conn())
                .await?;
            if let Some(holder) = &holder {
                access.may_manage(holder)?;
            }
        }
        let deleted = session::Entity::delete_by_id(row.id)
            .exec(change.conn())
            .await?;
        if deleted.rows_affected == 0 {
            return Err(DomainError::NotFound("API token"));
        }
        change.notify(Notice::AccessChanged {
            user_id: row.user_id,
        });
        if let Some(member) = user::Entity::find_by_id(row.user_id)
            .one(change.conn())
            .await?
        {
            security_notices::send(
                &mut change,
                &member.email,
                &member.first_name,
                SecurityNotice::ApiTokenRevoked {
                    account_name: &access.account().name,
                    name: row.api_token_name.as_deref().unwrap_or_default(),
                },
            )
            .await?;
        }
        change
            .commit(actor.into(), audited(AuditAction::ApiTokenRevoke, &row))
            .await?;
        Ok(row)
    }

    /// The actor's own live tokens, newest first.
    pub async fn mine(&self, actor: &Actor) -> Result<Vec<session::Model>> {
        Ok(session::Entity::find()
            .filter(session::Column::UserId.eq(actor.user_id))
            .filter(session::Column::ApiTokenName.is_not_null())
            .filter(session::Column::ExpiresAt.gt(self.domain.now()))
            .order_by_desc(session::Column::Id)
            .all(self.domain.db())
            .await?)
    }

    /// The live tokens of the account's members (MANAGE_CONTACTS), newest first.
    pub async fn of_account(&self, access: &Access) -> Result<Vec<session::Model>> {
        access.require(Permission::ManageContacts)?;
        Ok(session::Entity::find()
            .filter(session::Column::CurrentAccountId.eq(access.account_id()))
            .filter(session::Column::ApiTokenName.is_not_null())
            .filter(session::Column::ExpiresAt.gt(self.domain.now()))
            .order_by_desc(session::Column::Id)
            .all(self.domain.db())
            .await?)
    }

    /// When a new token ends: the one asked for, ahead and within a year.
    fn lifetime(&self, asked: Option<DateTime<Utc>>) -> Result<DateTime<Utc>> {
        let now = self.domain.now();
        match asked {
            None => Ok(now + Duration::days(DEFAULT_LIFETIME_DAYS)),
            Some(at) if at <= now => Err(DomainError::bad_input(
                "expiresAt",
                "a token's end must be in the future",
            )),
            Some(at) if at > now + Duration::days(MAX_LIFETIME_DAYS) => Err(
                DomainError::bad_input("expiresAt", "a token lasts a year at the most"),
            ),
            Some(at) => Ok(at),
        }
    }
}

/// A token gives no more than its member holds, no wider than their scope (none of its
/// own: the member's), and only where the account allows tokens.
fn check_grant(access: &Access, granted: &[Permission], scope: Option<&Scope>) -> Result<()> {
    if !access.account().allow_api_tokens {
        return Err(DomainError::forbidden(
            "this account's owner does not allow API tokens",
        ));
    }
    access.may_grant(granted)?;
    // No scope of its own: the member's, whatever it is then.
    match scope {
        Some(scope) => access.may_grant_scope(Some(scope)),
        None => Ok(()),
    }
}

/// A change to the actor's own standing in `account_id`: a member's (staff hold no
/// tokens), usable, the account locked.
async fn begin_as_member<'d>(
    domain: &'d Domain,
    actor: &Actor,
    account_id: i64,
) -> Result<(Change<'d>, Access)> {
    let change = Change::begin(domain).await?;
    access::lock_account(change.conn(), account_id).await?;
    let access = access::access_on(change.conn(), actor, account_id, "account").await?;
    access.usable()?;
    if access.contact().is_none() {
        return Err(DomainError::forbidden(
            "API tokens belong to the account's members",
        ));
    }
    Ok((change, access))
}

/// A token by id (not another person's session: sessions are not tokens).
async fn find(domain: &Domain, token_id: i64) -> Result<session::Model> {
    session::Entity::find_by_id(token_id)
        .filter(session::Column::ApiTokenName.is_not_null())
        .one(domain.db())
        .await?
        .ok_or(DomainError::NotFound("API token"))
}

/// The audit entry of a token made or revoked: its name, never its secret.
fn audited(action: AuditAction, row: &session::Model) -> AuditRecord<'static> {
    let record = AuditRecord::new(action)
        .target("api_token", row.id)
        .details(json!({ "name": row.api_token_name, "userId": row.user_id }));
    match row.current_account_id {
        Some(account_id) => record.account(account_id),
        None => record,
    }
}

impl Domain {
    pub fn api_tokens(&self) -> ApiTokenService<'_> {
        ApiTokenService::new(self)
    }
}
