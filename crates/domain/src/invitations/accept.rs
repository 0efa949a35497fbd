//! Accepting an invitation: the one way in for a new person, and the way into another
//! account for someone who has a login already.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{BAD_LINK, InvitationService};
use crate::audit::{AuditAction, AuditActor, AuditRecord};
use crate::auth::sign_in;
use crate::change::Change;
use crate::entities::invitation::{self, InvitationStatus};
use crate::entities::{contact, email_is, user};
use crate::events::{EventKind, Notice};
use crate::permissions::{self, Permission, Role};
use crate::scope::{self, Scope};
use crate::store::sessions::SignedIn;
use crate::throttle::Rule;
use crate::{Actor, DomainError, RequestMeta, Result, store, tokens, validate};

/// The answer for an invitation whose sender can no longer give what it gives.
const SENDER_GONE: &str = "this invitation no longer holds: whoever sent it can no longer give this access; ask for a new one";

/// What the person accepting gives: a new user their name and password; an existing
/// user who is not signed in as the invitee, their password (and second factor).
#[derive(Clone, Debug, Default)]
pub struct Acceptance {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub password: Option<String>,
    /// An existing user with two-factor sign-in: a code from their app, or a
    /// recovery code, as `login` takes it.
    pub totp_code: Option<String>,
}

/// Who accepts: a login that proved itself, or one to create.
enum Accepting {
    Existing(user::Model),
    New {
        first_name: String,
        last_name: String,
        hash: String,
    },
}

impl InvitationService<'_> {
    /// Accepts an invitation and signs the person in, placed in the account: one of
    /// the ways in (`auth::sign_in`), with its checks.
    ///
    /// If the email has a login, the caller must be signed in as that user, or prove
    /// it as `login` would (password, then the second factor when the user has one,
    /// under the sign-in throttles); they keep their credentials. Otherwise the caller
    /// sets name and password and a user is created.
    ///
    /// The invitation is re-checked inside the transaction: its sender must still be
    /// able to give what it gives (a member with MANAGE_CONTACTS holding every
    /// permission it grants, or staff), else it dies (REVOKED); a portal invitation
    /// gives the card's role as it is now; the access it gives ends no later than the
    /// sender's own. One transaction; of two concurrent accepts, one wins.
    pub async fn accept(
        &self,
        token: &str,
        signed_in_as: Option<&Actor>,
        input: Acceptance,
        meta: RequestMeta,
    ) -> Result<(SignedIn, invitation::Model)> {
        let found = self.pending(token, &meta).await?;
        let accepting = self.accepting(&found, signed_in_as, input, &meta).await?;

        let mut change = Change::begin(self.domain).await?;
        crate::access::lock_account(change.conn(), found.account_id).await?;
        let card = self.card(&change, &found).await?;
        let Some(grant) = self.standing(&change, &found, card.as_ref()).await? else {
            self.revoke_dead(change, &found, &meta).await?;
            return Err(DomainError::bad_input("token", SENDER_GONE));
        };
        claim(&change, &found).await?;
        let user = match accepting {
            Accepting::Existing(user) => user,
            Accepting::New {
                first_name,
                last_name,
                hash,
            } => crate::error::reword_conflict(
                store::users::insert(&change, &found.email, &hash, &first_name, &last_name, false)
                    .await,
                "a login with this email was just created; sign in and accept again",
            )?,
        };
        let accepted = accepted_by(&change, &found, user.id).await?;
        let contact_id = self.join(&mut change, &found, card, &user, grant).await?;
        let signed_in = sign_in::open_session(
            &mut change,
            &user,
            Some(found.account_id),
            meta.clone(),
            None,
        )
        .await?;
        change.event(EventKind::Accepted, &accepted).await?;
        change.notify(Notice::AccessChanged { user_id: user.id });
        change
            .commit(
                AuditActor::user(user.id, &user.email, &meta),
                AuditRecord::new(AuditAction::InvitationAccept)
                    .account(found.account_id)
                    .target("invitation", found.id)
                    .details(json!({ "contactId": contact_id })),
            )
            .await?;
        Ok((signed_in, accepted))
    }

    /// The pending invitation `token` names. Every attempt counts toward the
    /// acceptances throttle, a guessed link as much as a real one; a link that is not
    /// a pending invitation's gets one answer.
    async fn pending(&self, token: &str, meta: &RequestMeta) -> Result<invitation::Model> {
        self.domain
            .throttle()
            .spend_each(&[(Rule::InvitationAcceptancesPerAddress, meta.address())])
            .await?;
        invitation::Entity::find()
            .filter(invitation::Column::TokenHash.eq(tokens::hash(token)))
            .one(self.domain.db())
            .await?
            .filter(|i| i.effective_status(self.domain.now()) == InvitationStatus::Pending)
            .ok_or_else(|| DomainError::bad_input("token", BAD_LINK))
    }

    /// Who accepts: the invited email's login, proven (see [`Self::prove_identity`]), or
    /// a new one with its name and password checked and hashed (before any
    /// transaction begins).
    async fn accepting(
        &self,
        found: &invitation::Model,
        signed_in_as: Option<&Actor>,
        input: Acceptance,
        meta: &RequestMeta,
    ) -> Result<Accepting> {
        if let Some(user) = store::users::find_by_email(self.domain.db(), &found.email).await? {
            let user = self
                .prove_identity(user, &found.email, signed_in_as, &input, meta)
                .await?;
            return Ok(Accepting::Existing(user));
        }
        let first_name =
            validate::name("firstName", input.first_name.as_deref().unwrap_or_default())?;
        let last_name = validate::name("lastName", input.last_name.as_deref().unwrap_or_default())?;
        let password = input.password.unwrap_or_default();
        validate::new_password("password", &password)?;
        let hash = self.domain.passwords().hash(&password).await?;
        Ok(Accepting::New {
            first_name,
            last_name,
            hash,
        })
    }

    /// The contact card the invitation is for, as it is now: the card a portal
    /// invitation was sent for, else a card of the account with the invited email.
    async fn card(
        &self,
        change: &Change<'_>,
        found: &invitation::Model,
    ) -> Result<Option<contact::Model>> {
        if let Some(id) = found.contact_id
            && let Some(card) = contact::Entity::find_by_id(id)
                .filter(contact::Column::AccountId.eq(found.account_id))
                .one(change.conn())
                .await?
        {
            return Ok(Some(card));
        }
        Ok(contact::Entity::find()
            .filter(contact::Column::AccountId.eq(found.account_id))
            .filter(email_is(contact::Column::Email, &found.email))
            .one(change.conn())
            .await?)
    }

    /// What accepting gives, if the invitation still holds: the role (a portal
    /// invitation's card's role as it is now, else the invitation's), and when the
    /// access ends (the invitation's or the card's, ending no later than the sender's
    /// own; a past end is cleared). `None`: its sender can no longer give it.
    async fn standing(
        &self,
        change: &Change<'_>,
        found: &invitation::Model,
        card: Option<&contact::Model>,
    ) -> Result<Option<Grant>> {
        let sender = match found.invited_by_user_id {
            Some(id) => user::Entity::find_by_id(id).one(change.conn()).await?,
            None => None,
        };
        let Some(sender) = sender else {
            return Ok(None);
        };
        let Some(standing) =
            crate::access::standing_on(change.conn(), &sender, found.account_id).await?
        else {
            return Ok(None);
        };
        let portal_card = card.filter(|c| Some(c.id) == found.contact_id);
        let (role, custom) = match portal_card {
            Some(card) => (card.role, permissions::from_json(&card.permissions)),
            None => (found.role, permissions::from_json(&found.permissions)),
        };
        let granted = permissions::effective(role, &custom);
        let scope = match portal_card {
            Some(card) => card.scope.clone(),
            None => found.scope.clone(),
        };
        let self_service = standing.is_staff()
            || crate::store::settings::read(change.conn())
                .await?
                .allow_client_contact_management;
        if !self_service
            || standing.require(Permission::ManageContacts).is_err()
            || standing.may_grant(&granted).is_err()
            || standing.may_grant_scope(scope.as_ref()).is_err()
            || scope::check_permissions(scope.as_ref(), &granted).is_err()
        {
            return Ok(None);
        }
        let now = self.domain.now();
        let card_ends = card
            .and_then(|c| c.access_expires_at)
            .filter(|at| *at > now);
        let asked = match (found.access_expires_at, card_ends) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let primary = card.is_some_and(|c| c.is_primary);
        Ok(Some(Grant {
            role,
            custom,
            scope,
            access_expires_at: if primary {
                None
            } else {
                standing.clamp_grant(asked)
            },
        }))
    }

    /// An invitation whose sender can no longer give it dies: REVOKED, told to live
    /// dashboards, audited as the portal's doing.
    async fn revoke_dead(
        &self,
        mut change: Change<'_>,
        found: &invitation::Model,
        meta: &RequestMeta,
    ) -> Result<()> {
        if super::revoke_pending(&mut change, found.id)
            .await?
            .is_none()
        {
            return Ok(());
        }
        change
            .commit(
                AuditActor::anonymous(meta),
                AuditRecord::new(AuditAction::InvitationSenderLostAccess)
                    .account(found.account_id)
                    .target("invitation", found.id),
            )
            .await
    }

    /// The member's contact after acceptance: the invitation's card gets the login (and
    /// the role and end of access of `grant`), or a new contact is added. A user who
    /// is a member already stays as they are.
    async fn join(
        &self,
        change: &mut Change<'_>,
        found: &invitation::Model,
        card: Option<contact::Model>,
        user: &user::Model,
        grant: Grant,
    ) -> Result<i64> {
        if let Some(member) = contact::Entity::find()
            .filter(contact::Column::AccountId.eq(found.account_id))
            .filter(contact::Column::UserId.eq(user.id))
            .one(change.conn())
            .await?
        {
            return Ok(member.id);
        }
        match card {
            Some(card) if card.user_id.is_none() => {
                let mut model: contact::ActiveModel = card.clone().into();
                model.user_id = Set(Some(user.id));
                model.access_granted_at = Set(Some(self.domain.now()));
                // Access given again: whatever ended before is not carried over.
                model.access_expires_at = Set(grant.access_expires_at);
                model.access_expiry_warned_at = Set(None);
                if !card.is_primary {
                    model.role = Set(grant.role);
                    model.permissions = Set(permissions::to_json(&grant.custom));
                    model.scope = Set(grant.scope);
                }
                model.updated_at = Set(self.domain.now());
                let linked = model.update(change.conn()).await?;
                change
                    .event(EventKind::PortalAccessChanged, &linked)
                    .await?;
                Ok(linked.id)
            }
            Some(_) => Err(DomainError::conflict(
                "another login already uses this contact",
            )),
            None => {
                let added = store::contacts::insert_linked(
                    change,
                    found.account_id,
                    user,
                    (grant.role, &grant.custom),
                    &crate::notifications::defaults_for(
                        change.conn(),
                        grant.role,
                        &permissions::effective(grant.role, &grant.custom),
                    )
                    .await?,
                    false,
                )
                .await?;
                let added = if grant.access_expires_at.is_some() || grant.scope.is_some() {
                    let mut model: contact::ActiveModel = added.into();
                    model.access_expires_at = Set(grant.access_expires_at);
                    model.scope = Set(grant.scope);
                    model.update(change.conn()).await?
                } else {
                    added
                };
                change.event(EventKind::Created, &added).await?;
                Ok(added.id)
            }
        }
    }

    /// An existing login accepts: signed in as that user, or proving it as `login`
    /// would.
    async fn prove_identity(
        &self,
        user: user::Model,
        email: &str,
        signed_in_as: Option<&Actor>,
        input: &Acceptance,
        meta: &RequestMeta,
    ) -> Result<user::Model> {
        match (signed_in_as, input.password.as_deref()) {
            (Some(actor), _) if actor.user_id == user.id => Ok(user),
            (Some(_), None) => Err(DomainError::forbidden(
                "this invitation is addressed to another login; sign in as that user to accept it",
            )),
            (_, Some(password)) => {
                let proof = sign_in::Proof {
                    password,
                    totp_code: input.totp_code.as_deref(),
                };
                self.domain
                    .auth()
                    .prove(Some(user), email, proof, meta, || {
                        DomainError::bad_input(
                            "password",
                            "the password of the invited login is incorrect",
                        )
                    })
                    .await
            }
            (None, None) => Err(DomainError::Unauthenticated(
                "this email already has a login: sign in, or give its password, to accept".into(),
            )),
        }
    }
}

/// Claims the invitation: of two concurrent accepts only one sees it pending (the
/// other gets the one answer for a dead link).
async fn claim(change: &Change<'_>, found: &invitation::Model) -> Result<()> {
    let now = change.now();
    let claimed = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::Status,
            Expr::value(InvitationStatus::Accepted),
        )
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .col_expr(invitation::Column::UpdatedAt, Expr::value(now))
        .filter(invitation::Column::Id.eq(found.id))
        .filter(invitation::Column::TokenHash.eq(found.token_hash.clone()))
        .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(change.conn())
        .await?;
    match claimed.rows_affected {
        1 => Ok(()),
        _ => Err(DomainError::bad_input("token", BAD_LINK)),
    }
}

/// Records who accepted the claimed invitation; the invitation as it is then.
async fn accepted_by(
    change: &Change<'_>,
    found: &invitation::Model,
    user_id: i64,
) -> Result<invitation::Model> {
    invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedByUserId, Expr::value(user_id))
        .filter(invitation::Column::Id.eq(found.id))
        .exec(change.conn())
        .await?;
    invitation::Entity::find_by_id(found.id)
        .one(change.conn())
        .await?
        .ok_or_else(|| DomainError::bad_input("token", BAD_LINK))
}

/// What accepting an invitation gives, decided when it is accepted.
struct Grant {
    role: Role,
    custom: Vec<Permission>,
    /// The services and domains it is limited to (`None`: the whole account).
    scope: Option<Scope>,
    access_expires_at: Option<chrono::DateTime<chrono::Utc>>,
}
