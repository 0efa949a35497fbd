//! Accepting an invitation: the one way in for a new person, and the way into another
//! account for someone who has a login already.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{BAD_LINK, InvitationService};
use crate::audit::{AuditActor, AuditRecord};
use crate::change::Change;
use crate::entities::invitation::{self, InvitationStatus};
use crate::entities::{contact, email_is, user};
use crate::events::{EventKind, Notice};
use crate::permissions::{self};
use crate::store::sessions::SignedIn;
use crate::throttle::Rule;
use crate::{Actor, DomainError, RequestMeta, Result, store, tokens, validate};

/// What a new user gives when accepting; ignored for an existing user.
#[derive(Clone, Debug, Default)]
pub struct Acceptance {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub password: Option<String>,
}

impl InvitationService<'_> {
    /// Accepts an invitation and signs the person in, placed in the account.
    ///
    /// If the email has a login, the caller must be signed in as that user or give its
    /// password; they keep their credentials. Otherwise the caller sets name and password
    /// and a user is created. One transaction; of two concurrent accepts, one wins.
    pub async fn accept(
        &self,
        token: &str,
        signed_in_as: Option<&Actor>,
        input: Acceptance,
        meta: RequestMeta,
    ) -> Result<(SignedIn, invitation::Model)> {
        let bad_link = || DomainError::bad_input("token", BAD_LINK);
        // Every attempt counts, a guessed link as much as a real one.
        self.domain
            .throttle()
            .spend_each(&[(Rule::InvitationAcceptancesPerAddress, meta.address())])
            .await?;
        let found = invitation::Entity::find()
            .filter(invitation::Column::TokenHash.eq(tokens::hash(token)))
            .one(self.domain.db())
            .await?
            .filter(|i| i.effective_status(self.domain.now()) == InvitationStatus::Pending)
            .ok_or_else(bad_link)?;

        let existing = store::users::find_by_email(self.domain.db(), &found.email).await?;
        let new_user = match &existing {
            Some(user) => {
                self.prove_identity(user, signed_in_as, input.password.as_deref())
                    .await?;
                None
            }
            None => {
                let first_name =
                    validate::name("firstName", input.first_name.as_deref().unwrap_or_default())?;
                let last_name =
                    validate::name("lastName", input.last_name.as_deref().unwrap_or_default())?;
                let password = input.password.unwrap_or_default();
                validate::new_password("password", &password)?;
                let hash = self.domain.passwords().hash(&password).await?;
                Some((first_name, last_name, hash))
            }
        };

        let mut change = Change::begin(self.domain).await?;
        crate::access::lock_account(change.conn(), found.account_id).await?;
        // Claim the invitation: of two concurrent accepts only one sees it pending.
        let now = self.domain.now();
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
        if claimed.rows_affected != 1 {
            return Err(bad_link());
        }
        let user = match (existing, new_user) {
            (Some(user), _) => user,
            (None, Some((first, last, hash))) => crate::error::reword_conflict(
                store::users::insert(change.conn(), &found.email, &hash, &first, &last, false)
                    .await,
                "a login with this email was just created; sign in and accept again",
            )?,
            (None, None) => return Err(DomainError::Internal("no user to accept as".into())),
        };
        invitation::Entity::update_many()
            .col_expr(invitation::Column::AcceptedByUserId, Expr::value(user.id))
            .filter(invitation::Column::Id.eq(found.id))
            .exec(change.conn())
            .await?;
        let contact_id = self.join(&mut change, &found, &user).await?;
        let signed_in = store::sessions::open(
            change.conn(),
            &user,
            Some(found.account_id),
            self.domain.now(),
            self.domain.config().session_ttl,
            meta.clone(),
        )
        .await?;
        let accepted = invitation::Entity::find_by_id(found.id)
            .one(change.conn())
            .await?
            .ok_or_else(bad_link)?;
        change.event(EventKind::Accepted, &accepted).await?;
        change.notify(Notice::AccessChanged { user_id: user.id });
        change
            .commit(
                AuditActor::user(user.id, &user.email, &meta),
                AuditRecord::new("invitation.accept")
                    .account(found.account_id)
                    .target("invitation", found.id)
                    .details(json!({ "contactId": contact_id })),
            )
            .await?;
        Ok((signed_in, accepted))
    }

    /// The member's contact after acceptance: the invited contact card, or a contact in
    /// the account with that email and no login, gets the login; otherwise a new
    /// contact is added. A user who is a member already stays as they are.
    async fn join(
        &self,
        change: &mut Change<'_>,
        found: &invitation::Model,
        user: &user::Model,
    ) -> Result<i64> {
        if let Some(member) = contact::Entity::find()
            .filter(contact::Column::AccountId.eq(found.account_id))
            .filter(contact::Column::UserId.eq(user.id))
            .one(change.conn())
            .await?
        {
            return Ok(member.id);
        }
        let role = permissions::role_named(&found.role);
        let custom = permissions::from_json(&found.permissions);
        let card = match found.contact_id {
            Some(id) => {
                contact::Entity::find_by_id(id)
                    .filter(contact::Column::AccountId.eq(found.account_id))
                    .one(change.conn())
                    .await?
            }
            None => None,
        };
        let card = match card {
            Some(card) => Some(card),
            None => {
                contact::Entity::find()
                    .filter(contact::Column::AccountId.eq(found.account_id))
                    .filter(email_is(contact::Column::Email, &found.email))
                    .one(change.conn())
                    .await?
            }
        };
        match card {
            Some(card) if card.user_id.is_none() => {
                let mut model: contact::ActiveModel = card.clone().into();
                model.user_id = Set(Some(user.id));
                if found.access_expires_at.is_some() {
                    model.access_expires_at = Set(found.access_expires_at);
                }
                if !card.is_primary {
                    model.role = Set(role.as_str().to_owned());
                    model.permissions = Set(permissions::to_json(&custom));
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
                    change.conn(),
                    found.account_id,
                    user,
                    (role, &custom),
                    &crate::notifications::defaults_for(change.conn(), role).await?,
                    false,
                )
                .await?;
                let added = match found.access_expires_at {
                    Some(at) => {
                        let mut model: contact::ActiveModel = added.into();
                        model.access_expires_at = Set(Some(at));
                        model.update(change.conn()).await?
                    }
                    None => added,
                };
                change.event(EventKind::Created, &added).await?;
                Ok(added.id)
            }
        }
    }

    async fn prove_identity(
        &self,
        user: &user::Model,
        signed_in_as: Option<&Actor>,
        password: Option<&str>,
    ) -> Result<()> {
        match (signed_in_as, password) {
            (Some(actor), _) if actor.user_id == user.id => Ok(()),
            (Some(_), None) => Err(DomainError::forbidden(
                "this invitation is addressed to another login; sign in as that user to accept it",
            )),
            (_, Some(password)) => {
                self.domain
                    .auth()
                    .check_password(
                        user,
                        password,
                        "password",
                        "the password of the invited login is incorrect",
                    )
                    .await
            }
            (None, None) => Err(DomainError::Unauthenticated(
                "this email already has a login: sign in, or give its password, to accept".into(),
            )),
        }
    }
}
