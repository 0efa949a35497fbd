//! Adding a contact: a card, with or without a login — its own password, a generated
//! one that is emailed, or an invitation to set one. What needs no database is checked
//! first ([`CheckedContact`]); the grant is checked before any password is hashed, and
//! again inside the change.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;

use super::portal_access::NewLogin;
use super::{CardFields, ContactService, NewContact, check_access_expiry};
use crate::access::{Access, authorize_change};
use crate::audit::{AuditAction, AuditRecord};
use crate::change::Change;
use crate::entities::contact;
use crate::events::EventKind;
use crate::invitations::Offer;
use crate::notifications::{self, PREFERENCES};
use crate::permissions::{self, Permission, Role};
use crate::scope::{self, Scope};
use crate::store::contacts::EMAIL_TAKEN_IN_ACCOUNT;
use crate::{Actor, DomainError, Result, validate};

/// How the new contact signs in, if at all.
enum Joining {
    /// A card only.
    No,
    /// A login now: the password chosen by whoever adds them, or a generated one.
    Login {
        email: String,
        chosen: Option<String>,
    },
    /// An emailed invitation, with which they set their own password.
    Invitation { email: String },
}

/// `addContact`'s input, with everything that needs no database checked.
struct CheckedContact {
    first_name: String,
    last_name: String,
    email: Option<String>,
    card: CardFields,
    role: Role,
    custom: Vec<Permission>,
    /// What the role gives: the grant the adder must hold.
    granted: Vec<Permission>,
    /// Category keys as given (shape checked; looked up in the change).
    preferences: Option<Vec<String>>,
    joining: Joining,
    access_expires_at: Option<DateTime<Utc>>,
    scope: Option<Scope>,
}

impl CheckedContact {
    /// Every field is checked, and all their errors are answered together.
    fn of(input: NewContact, now: DateTime<Utc>) -> Result<Self> {
        let mut fields = validate::Fields::default();
        let first_name = fields.take(validate::name("firstName", &input.first_name))?;
        let last_name = fields.take(validate::name("lastName", &input.last_name))?;
        let email = fields.take(validate::optional_email("email", input.email.as_deref()))?;
        let assigned = fields.take(permissions::assignable(input.role, input.permissions, None))?;
        fields.take(check_access_expiry(input.access_expires_at, now, false))?;
        let card = fields.take(CardFields::checked(
            input.phone,
            input.company_name,
            input.relationship,
            input.address,
        ))?;
        let preferences = fields.take(
            input
                .notification_preferences
                .map(|keys| notifications::shaped_keys(PREFERENCES, keys))
                .transpose(),
        )?;
        let granted = assigned
            .as_ref()
            .map(|(role, custom)| permissions::effective(*role, custom));
        if let Some(granted) = &granted {
            fields.take(scope::check_permissions(input.scope.as_ref(), granted))?;
        }
        let joining = fields.take(joining(
            input.portal_access,
            input.send_invite,
            input.password,
            input
                .email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty()),
            email.clone().flatten(),
        ))?;
        fields.done()?;
        let (
            Some(first_name),
            Some(last_name),
            Some(email),
            Some((role, custom)),
            Some(card),
            Some(preferences),
            Some(granted),
            Some(joining),
        ) = (
            first_name,
            last_name,
            email,
            assigned,
            card,
            preferences,
            granted,
            joining,
        )
        else {
            return Err(DomainError::Internal("a checked field has no value".into()));
        };
        Ok(Self {
            first_name,
            last_name,
            card,
            granted,
            preferences,
            email,
            role,
            custom,
            joining,
            access_expires_at: input.access_expires_at,
            scope: input.scope,
        })
    }

    /// What `access` may give of this: the role and scope within what they hold and, for a
    /// login or an invitation (a card alone grants nothing), an end of access no later
    /// than their own.
    fn grant(&self, access: &Access) -> Result<Option<DateTime<Utc>>> {
        access.may_grant(&self.granted)?;
        access.may_grant_scope(self.scope.as_ref())?;
        match self.joining {
            Joining::No => Ok(self.access_expires_at),
            _ => access.bound_grant(self.access_expires_at),
        }
    }

    /// The categories the contact receives: those chosen, known and within what the
    /// role can see, or the role's defaults.
    async fn preferences(&self, conn: &impl ConnectionTrait) -> Result<Vec<String>> {
        match &self.preferences {
            Some(keys) => notifications::receivable(
                PREFERENCES,
                notifications::known_keys(conn, PREFERENCES, keys.clone()).await?,
                &self.granted,
            ),
            None => notifications::defaults_for(conn, self.role, &self.granted).await,
        }
    }
}

impl ContactService<'_> {
    /// Adds a contact. With portal access and no password, a strong password is
    /// generated and emailed to them; with `send_invite`, an invitation instead. The
    /// role given must be within the actor's own permissions, and a login ends no
    /// later than the actor's own access.
    pub async fn add(
        &self,
        actor: &Actor,
        account_id: i64,
        input: NewContact,
    ) -> Result<contact::Model> {
        let checked = CheckedContact::of(input, self.domain.now())?;
        // Checked before any hashing, and again inside the transaction.
        let access = authorize_change(
            self.domain.db(),
            actor,
            account_id,
            Permission::ManageContacts,
            "account",
        )
        .await?;
        checked.grant(&access)?;
        let login = match &checked.joining {
            Joining::Login { chosen, .. } => {
                Some(NewLogin::prepare(self.domain, account_id, chosen.clone()).await?)
            }
            _ => None,
        };

        let (mut change, access) = Change::on_account(
            self.domain,
            actor,
            account_id,
            Permission::ManageContacts,
            "account",
        )
        .await?;
        let ends = checked.grant(&access)?;
        if let Some(scope) = &checked.scope {
            scope::check_exists(change.conn(), account_id, scope).await?;
        }
        let preferences = checked.preferences(change.conn()).await?;
        let user = match (login, &checked.joining) {
            (Some(login), Joining::Login { email, .. }) => Some(
                login
                    .create(
                        &mut change,
                        account_id,
                        email,
                        &checked.first_name,
                        &checked.last_name,
                    )
                    .await?,
            ),
            _ => None,
        };
        let user_id = user.as_ref().map(|u| u.id);
        let contact = insert(&change, account_id, &checked, user_id, ends, preferences).await?;
        if let Joining::Invitation { email } = &checked.joining {
            self.invite(&mut change, actor, &contact, email, &checked)
                .await?;
        }
        change.event(EventKind::Created, &contact).await?;
        change
            .commit(
                actor.into(),
                AuditRecord::new(AuditAction::ContactAdd)
                    .account(account_id)
                    .target("contact", contact.id)
                    .details(json!({
                        "role": checked.role.as_str(),
                        "portalAccess": user_id.is_some(),
                    })),
            )
            .await?;
        Ok(contact)
    }
}

impl ContactService<'_> {
    /// Invites the new card's person to the portal (`send_invite`), in the same change
    /// and audited beside it.
    async fn invite(
        &self,
        change: &mut Change<'_>,
        actor: &Actor,
        contact: &contact::Model,
        email: &str,
        checked: &CheckedContact,
    ) -> Result<()> {
        let invitation = self
            .domain
            .invitations()
            .create_on(
                change,
                actor,
                contact.account_id,
                email,
                Offer {
                    role: checked.role,
                    custom: &checked.custom,
                    scope: checked.scope.as_ref(),
                    access_expires_at: contact.access_expires_at,
                    contact_id: Some(contact.id),
                },
            )
            .await?;
        change
            .also_audit(actor.into(), crate::invitations::sent_record(&invitation))
            .await
    }
}

/// Inserts the new card: the checked fields, its login (if one was made), when that
/// access ends, and the categories it receives.
async fn insert(
    change: &Change<'_>,
    account_id: i64,
    checked: &CheckedContact,
    user_id: Option<i64>,
    access_expires_at: Option<DateTime<Utc>>,
    preferences: Vec<String>,
) -> Result<contact::Model> {
    let now = change.now();
    let mut model = contact::ActiveModel {
        account_id: Set(account_id),
        user_id: Set(user_id),
        access_granted_at: Set(user_id.map(|_| now)),
        first_name: Set(checked.first_name.clone()),
        last_name: Set(checked.last_name.clone()),
        email: Set(checked.email.clone()),
        role: Set(checked.role),
        permissions: Set(permissions::to_json(&checked.custom)),
        notification_preferences: Set(json!(preferences)),
        is_primary: Set(false),
        access_expires_at: Set(access_expires_at),
        scope: Set(checked.scope.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    checked.card.clone().apply(&mut model);
    crate::error::on_conflict(model.insert(change.conn()).await, EMAIL_TAKEN_IN_ACCOUNT)
}

/// How the new contact will sign in: `given` is the email as typed (blank: none),
/// `email` the same once checked (none when it was invalid, already reported).
fn joining(
    portal_access: bool,
    send_invite: bool,
    password: Option<String>,
    given: Option<&str>,
    email: Option<String>,
) -> Result<Joining> {
    let needs = |what: &str| {
        Err(DomainError::bad_input(
            "email",
            format!("{what} needs an email address"),
        ))
    };
    match (portal_access, send_invite, given) {
        (_, true, None) => needs("an invitation"),
        (_, true, Some(_)) if password.is_some() => Err(DomainError::bad_input(
            "password",
            "an invited contact sets their own password",
        )),
        (true, false, None) => needs("portal access"),
        // An invalid address was reported as such; nothing more to say here.
        (_, _, Some(_)) if email.is_none() => Ok(Joining::No),
        (_, true, Some(_)) => Ok(Joining::Invitation {
            email: email.unwrap_or_default(),
        }),
        (true, false, Some(_)) => Ok(Joining::Login {
            email: email.unwrap_or_default(),
            chosen: password,
        }),
        (false, false, _) => Ok(Joining::No),
    }
}
