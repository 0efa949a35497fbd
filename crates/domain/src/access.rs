//! Authorization: what an actor may do in one account. Every service checks here, so
//! tenancy and permissions are decided in one place, whatever the schema does.

use std::collections::HashMap;

use sea_orm::sea_query::{Condition, Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};

use chrono::{DateTime, Utc};

use crate::api_tokens::grant::ApiTokenGrant;
use crate::entities::{account, contact, domain_name, service, ticket, user};
use crate::permissions::{Permission, Role};
use crate::scope::{self, Scope};
use crate::{Actor, Domain, DomainError, Reason, Result};

/// The actor's standing in one account, with the account itself (read together): the
/// one door to an account's rows. Only this module makes one, from the actor as their
/// session was read and the account as the database has it, so every route that
/// reaches an account (GraphQL over HTTP and WebSocket, the invoice PDF, anything
/// later) answers the same: the session's state (a password to change, a second factor
/// the account requires) is decided here, once.
#[derive(Clone, Debug)]
pub struct Access {
    account: account::Model,
    is_staff: bool,
    /// The actor's own contact in the account, when they are a member.
    contact: Option<contact::Model>,
    /// What they may do here; nothing while restricted.
    permissions: Vec<Permission>,
    /// The services and domains the actor sees (`None`: the whole account): their
    /// membership's scope, narrowed by their API token's.
    scope: Option<Scope>,
    restriction: Option<Restriction>,
}

/// Why someone signed in holds nothing in an account for now: they see its id and
/// name and their role there, and every other read or change answers FORBIDDEN with
/// the reason, until they do what it says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restriction {
    /// Their password was generated and emailed: they choose their own first (every
    /// account, and every operation but `viewer`, `changePassword` and `logout`).
    PasswordChangeRequired,
    /// The account requires two-factor sign-in and they have not turned it on.
    TwoFactorRequired,
}

/// Whose access is decided: what of a user decides it. The actor of a request, or
/// someone who is not acting now (the sender of an invitation being accepted).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Holder<'a> {
    user_id: i64,
    is_staff: bool,
    password_change_required: bool,
    two_factor: bool,
    /// The API token the actor acts through: it narrows what they hold.
    api_token: Option<&'a ApiTokenGrant>,
}

impl<'a> From<&'a Actor> for Holder<'a> {
    fn from(actor: &'a Actor) -> Self {
        Self {
            user_id: actor.user_id,
            is_staff: actor.is_staff,
            password_change_required: actor.password_change_required,
            two_factor: actor.signed_in_with_two_factors(),
            api_token: actor.api_token.as_ref(),
        }
    }
}

impl From<&user::Model> for Holder<'static> {
    fn from(user: &user::Model) -> Self {
        Self {
            user_id: user.id,
            is_staff: user.is_staff,
            password_change_required: user.password_change_required,
            two_factor: user.totp_secret.is_some(),
            api_token: None,
        }
    }
}

impl Restriction {
    /// The state of `actor`'s session in `account`, if it is restricted there.
    fn of(actor: Holder, account: &account::Model) -> Option<Self> {
        if actor.password_change_required {
            Some(Self::PasswordChangeRequired)
        } else if account.require_two_factor
            && !actor.is_staff
            && !actor.two_factor
            // An API token was made by its member with their password; the second
            // factor is a sign-in's, and a token never signs in.
            && actor.api_token.is_none()
        {
            Some(Self::TwoFactorRequired)
        } else {
            None
        }
    }

    /// FORBIDDEN with the reason, for `account_name`.
    pub fn error(self, account_name: &str) -> DomainError {
        match self {
            Self::PasswordChangeRequired => password_change_required(),
            Self::TwoFactorRequired => DomainError::forbidden_until(
                Reason::TwoFactorRequired,
                format!(
                    "{account_name} requires two-factor sign-in: turn it on (enrollTotp), or sign in with a passkey, to use it"
                ),
            ),
        }
    }
}

/// FORBIDDEN with reason PASSWORD_CHANGE_REQUIRED: what a login with a generated
/// password gets for anything but `viewer`, `changePassword` and `logout`.
pub fn password_change_required() -> DomainError {
    DomainError::forbidden_until(
        Reason::PasswordChangeRequired,
        "choose your own password first (changePassword)",
    )
}

impl Access {
    /// The actor's access to `account` given their own contact there (if any): a
    /// member's, staff's, or none.
    fn of(actor: Holder, account: account::Model, contact: Option<contact::Model>) -> Option<Self> {
        if contact.is_none() && !actor.is_staff {
            return None;
        }
        // A token reaches its own account only, as its member, while the account
        // allows tokens.
        if let Some(token) = actor.api_token
            && (token.account_id != account.id || contact.is_none() || !account.allow_api_tokens)
        {
            return None;
        }
        let restriction = Restriction::of(actor, &account);
        let scope = match (&contact, actor.is_staff) {
            (_, true) => None,
            (Some(contact), false) => scope::narrower(
                contact.scope.as_ref(),
                actor.api_token.and_then(|t| t.scope.as_ref()),
            ),
            (None, false) => None,
        };
        let mut permissions = match (&contact, restriction) {
            (_, Some(_)) => Vec::new(),
            (_, None) if actor.is_staff => Permission::ALL.to_vec(),
            (Some(contact), None) => contact.granted(),
            (None, None) => Vec::new(),
        };
        // A scoped member holds nothing account-wide, whatever the row says; a token,
        // nothing it was not given.
        if scope.is_some() {
            permissions.retain(|p| !scope::ACCOUNT_WIDE.contains(p));
        }
        if let Some(token) = actor.api_token {
            permissions.retain(|p| token.permissions.contains(p));
        }
        Some(Self {
            account,
            is_staff: actor.is_staff,
            contact,
            permissions,
            scope,
            restriction,
        })
    }

    pub fn account(&self) -> &account::Model {
        &self.account
    }

    pub fn account_id(&self) -> i64 {
        self.account.id
    }

    pub fn is_staff(&self) -> bool {
        self.is_staff
    }

    /// Why the actor holds nothing here for now, if they do not.
    pub fn restriction(&self) -> Option<Restriction> {
        self.restriction
    }

    /// The actor's role here (a member's; staff who are not members have none). Shown
    /// even while restricted.
    pub fn role(&self) -> Option<Role> {
        self.contact.as_ref().map(|c| c.role)
    }

    /// Anything of the account beyond its id, name and the actor's role: refused while
    /// the actor is restricted here.
    pub fn usable(&self) -> Result<&Self> {
        match self.restriction {
            Some(restriction) => Err(restriction.error(&self.account.name)),
            None => Ok(self),
        }
    }

    /// The actor's own contact here, whatever the session's state (for the domain's
    /// own decisions: badges, grants).
    pub(crate) fn contact(&self) -> Option<&contact::Model> {
        self.contact.as_ref()
    }

    /// The actor's own contact card here (members only), unless restricted.
    pub fn own_contact(&self) -> Result<Option<&contact::Model>> {
        Ok(self.usable()?.contact.as_ref())
    }

    /// When the actor's own access here ends by itself (temporary access); `None`:
    /// permanent, or staff.
    pub fn access_ends(&self) -> Option<DateTime<Utc>> {
        if self.is_staff {
            return None;
        }
        self.contact.as_ref().and_then(|c| c.access_expires_at)
    }

    /// What the actor may do here: every permission for staff, else their role's;
    /// nothing while restricted.
    pub fn effective(&self) -> Vec<Permission> {
        self.permissions.clone()
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    pub fn require(&self, permission: Permission) -> Result<()> {
        self.usable()?;
        if self.has(permission) {
            Ok(())
        } else {
            Err(forbidden(permission))
        }
    }
}

/// The scope: which of the account's services, domains and tickets the actor sees. Each
/// list query takes its condition here, so a scoped member's lists, counts and single
/// rows are narrowed in the query itself, with no statement of its own.
impl Access {
    /// The services and domains the actor sees here: their membership's scope, narrowed
    /// by their API token's; `None`: the whole account (unscoped members, and staff).
    pub fn scope(&self) -> Option<&Scope> {
        self.scope.as_ref()
    }

    /// The account's services the actor sees.
    pub(crate) fn services(&self) -> Condition {
        let mine = Condition::all().add(service::Column::AccountId.eq(self.account_id()));
        match self.scope() {
            None => mine,
            Some(scope) => mine.add(scope::among(service::Column::Id, &scope.services)),
        }
    }

    /// The account's domains the actor sees.
    pub(crate) fn domains(&self) -> Condition {
        let mine = Condition::all().add(domain_name::Column::AccountId.eq(self.account_id()));
        match self.scope() {
            None => mine,
            Some(scope) => mine.add(scope::among(domain_name::Column::Id, &scope.domains)),
        }
    }

    /// The account's tickets the actor sees: a scoped member, those they opened and
    /// those about a service or domain in their scope.
    pub(crate) fn tickets(&self) -> Condition {
        let mine = Condition::all().add(ticket::Column::AccountId.eq(self.account_id()));
        match (self.scope(), &self.contact) {
            (Some(scope), Some(contact)) => mine.add(scope::any_of([
                scope::among(ticket::Column::ServiceId, &scope.services),
                scope::among(ticket::Column::DomainId, &scope.domains),
                ticket::Column::OpenedByUserId.eq(contact.user_id),
            ])),
            _ => mine,
        }
    }

    /// Whether the actor sees `service_id` (of this account).
    pub fn sees_service(&self, service_id: i64) -> bool {
        self.scope().is_none_or(|s| s.has_service(service_id))
    }

    /// Whether the actor sees `domain_id` (of this account).
    pub fn sees_domain(&self, domain_id: i64) -> bool {
        self.scope().is_none_or(|s| s.has_domain(domain_id))
    }

    /// Whether the actor sees `ticket` (of this account): the condition of
    /// [`Access::tickets`], on a row already read.
    pub fn sees_ticket(&self, ticket: &ticket::Model) -> bool {
        let Some(scope) = self.scope() else {
            return true;
        };
        let opened = self
            .contact
            .as_ref()
            .is_some_and(|c| c.user_id.is_some() && c.user_id == ticket.opened_by_user_id);
        opened
            || ticket.service_id.is_some_and(|id| scope.has_service(id))
            || ticket.domain_id.is_some_and(|id| scope.has_domain(id))
    }

    /// Nobody grants more than they hold, scope included: a scoped actor grants only
    /// within their own scope (never the whole account). `granted` is the scope given.
    pub fn may_grant_scope(&self, granted: Option<&Scope>) -> Result<()> {
        if scope::within(granted, self.scope()) {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                "you can only grant access within the services and domains you look after",
            ))
        }
    }
}

impl Access {
    /// Whether `contact_id` is the actor's own contact in this account.
    pub fn is_own(&self, contact_id: i64) -> bool {
        self.contact.as_ref().is_some_and(|c| c.id == contact_id)
    }

    /// Nobody grants more than they hold: a role or permission list may be given only
    /// if every permission in it is the actor's own. Staff pass; the owner holds all.
    pub fn may_grant(&self, granted: &[Permission]) -> Result<()> {
        match self.lacking(granted) {
            None => Ok(()),
            Some(missing) => Err(DomainError::forbidden(format!(
                "you cannot grant {missing}, which you do not hold yourself"
            ))),
        }
    }

    /// Grants are bounded in time: what the actor grants ends no later than their own
    /// access. The end of access to give, from the one asked for (`None`: permanent):
    /// a temporary member's grants end when they do, and asking for later is
    /// BAD_USER_INPUT on `accessExpiresAt`.
    pub fn bound_grant(&self, asked: Option<DateTime<Utc>>) -> Result<Option<DateTime<Utc>>> {
        match (self.access_ends(), asked) {
            (Some(own), Some(asked)) if asked > own => Err(DomainError::bad_input(
                "accessExpiresAt",
                format!(
                    "your own access ends at {}; what you grant cannot last longer",
                    own.to_rfc3339()
                ),
            )),
            _ => Ok(self.clamp_grant(asked)),
        }
    }

    /// `asked` (`None`: permanent), ending no later than the actor's own access.
    pub fn clamp_grant(&self, asked: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        match (self.access_ends(), asked) {
            (None, asked) => asked,
            (Some(own), None) => Some(own),
            (Some(own), Some(asked)) => Some(Ord::min(own, asked)),
        }
    }

    /// A member may edit, remove, revoke or re-role only contacts whose permissions do
    /// not exceed their own (so an admin cannot touch the owner, nor a contact manager
    /// an admin), nor their scope. Staff pass.
    pub fn may_manage(&self, target: &contact::Model) -> Result<()> {
        self.may_manage_holder_of(&target.granted())?;
        self.may_grant_scope(target.scope.as_ref())
    }

    /// [`Access::may_manage`] for an invitation's (or any) permission set.
    pub fn may_manage_holder_of(&self, held: &[Permission]) -> Result<()> {
        match self.lacking(held) {
            None => Ok(()),
            Some(missing) => Err(DomainError::forbidden(format!(
                "this person holds {missing}, which you do not; only someone who holds it can change their access"
            ))),
        }
    }

    /// The first of `wanted` the actor lacks (never for staff).
    fn lacking(&self, wanted: &[Permission]) -> Option<Permission> {
        if self.is_staff && self.restriction.is_none() {
            return None;
        }
        wanted
            .iter()
            .copied()
            .find(|p| !self.permissions.contains(p))
    }
}

pub fn forbidden(permission: Permission) -> DomainError {
    DomainError::Forbidden(format!(
        "this needs the {permission} permission on the account"
    ))
}

/// What the actor may do where their session is placed, given their access there (if
/// any): every permission for staff (placed or not), their role's, or nothing (also
/// while they must change their password).
pub fn current_permissions(actor: &Actor, placed: Option<&Access>) -> Vec<Permission> {
    match placed {
        Some(access) => access.effective(),
        None if actor.is_staff && !actor.password_change_required => Permission::ALL.to_vec(),
        None => Vec::new(),
    }
}

/// Staff only: others get FORBIDDEN.
pub fn require_staff(actor: &Actor) -> Result<()> {
    if actor.is_staff {
        Ok(())
    } else {
        Err(DomainError::forbidden("only staff can do this"))
    }
}

/// The actor's access to `account_id`, read on `conn` (inside a change's transaction,
/// so what is checked is what the change sees). Neither a member nor staff:
/// `NotFound`, so an id from another account reveals nothing.
pub(crate) async fn access_on(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    account_id: i64,
    what: &'static str,
) -> Result<Access> {
    accesses_on(conn, actor.into(), &[account_id])
        .await?
        .remove(&account_id)
        .ok_or(DomainError::NotFound(what))
}

/// The actor's access to each of `account_ids` where they have any (staff: every one
/// that exists), in one query: each account joined with the actor's own contact in it.
pub(crate) async fn accesses_on(
    conn: &impl ConnectionTrait,
    actor: Holder<'_>,
    account_ids: &[i64],
) -> Result<HashMap<i64, Access>> {
    let user_id = actor.user_id;
    let own_contact = account::Relation::Contacts
        .def()
        .on_condition(move |_, contact| {
            Expr::col((contact, contact::Column::UserId))
                .eq(user_id)
                .into_condition()
        });
    let rows = account::Entity::find()
        .filter(account::Column::Id.is_in(account_ids.iter().copied()))
        .select_also(contact::Entity)
        .join(JoinType::LeftJoin, own_contact)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(account, contact)| Access::of(actor, account, contact))
        .map(|access| (access.account_id(), access))
        .collect())
}

/// The actor's memberships, by account name: their access to every account they
/// belong to (a restricted one too: it shows its id, name and their role).
pub(crate) async fn memberships_on(
    conn: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<Access>> {
    let rows = contact::Entity::find()
        .filter(contact::Column::UserId.eq(actor.user_id))
        .find_also_related(account::Entity)
        .order_by_asc(account::Column::Name)
        .order_by_asc(account::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(contact, account)| Access::of(actor.into(), account?, Some(contact)))
        .collect())
}

/// The standing of `user` (who is not the one acting: the sender of an invitation
/// being accepted) in `account_id`, read on `conn`; `None` when they have none.
pub(crate) async fn standing_on(
    conn: &impl ConnectionTrait,
    user: &user::Model,
    account_id: i64,
) -> Result<Option<Access>> {
    Ok(accesses_on(conn, user.into(), &[account_id])
        .await?
        .remove(&account_id))
}

/// Staff's access to an account they found as staff (the `accounts` list).
pub(crate) fn as_staff(actor: &Actor, account: account::Model) -> Result<Access> {
    require_staff(actor)?;
    Access::of(actor.into(), account, None).ok_or(DomainError::NotFound("account"))
}

/// The actor's access for a change needing `permission`, read on `conn`. When staff
/// turned client self-service off, MANAGE_CONTACTS changes are staff's alone.
pub(crate) async fn authorize_change(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    account_id: i64,
    permission: Permission,
    what: &'static str,
) -> Result<Access> {
    let access = access_on(conn, actor, account_id, what).await?;
    access.require(permission)?;
    if permission == Permission::ManageContacts
        && !actor.is_staff
        && !crate::store::settings::read(conn)
            .await?
            .allow_client_contact_management
    {
        return Err(DomainError::forbidden(
            "contact management is reserved to staff on this portal",
        ));
    }
    Ok(access)
}

/// Takes the account's row lock for the rest of the transaction: changes to one
/// account's people (ownership, removal, roles, access, invitations) then commit one
/// after another, and each sees the state the previous one left. A no-op UPDATE, so it
/// works the same on PostgreSQL (row lock) and SQLite (the write lock, taken first).
pub(crate) async fn lock_account(conn: &impl ConnectionTrait, account_id: i64) -> Result<()> {
    account::Entity::update_many()
        .col_expr(account::Column::Id, Expr::col(account::Column::Id))
        .filter(account::Column::Id.eq(account_id))
        .exec(conn)
        .await?;
    Ok(())
}

impl Domain {
    /// The actor's access to `account_id`, for reads. Changes use
    /// `Change::on_account` instead, which checks inside their transaction.
    pub async fn access(
        &self,
        actor: &Actor,
        account_id: i64,
        what: &'static str,
    ) -> Result<Access> {
        access_on(self.db(), actor, account_id, what).await
    }

    /// The actor's access to each of `account_ids` where they have any (staff: all), in
    /// one query, for batched field guards. An account that does not exist is left out.
    pub async fn accesses(
        &self,
        actor: &Actor,
        account_ids: &[i64],
    ) -> Result<HashMap<i64, Access>> {
        accesses_on(self.db(), actor.into(), account_ids).await
    }

    /// The actor's access to `account_id`, which must include `permission`.
    pub async fn require(
        &self,
        actor: &Actor,
        account_id: i64,
        permission: Permission,
        what: &'static str,
    ) -> Result<Access> {
        let access = self.access(actor, account_id, what).await?;
        access.require(permission)?;
        Ok(access)
    }
}
