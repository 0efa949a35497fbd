//! Staff users: the portal's administrators, made from the command line or from
//! ADMIN_EMAIL/ADMIN_PASSWORD at start-up, never by promoting a client's login.

use super::AuthService;
use crate::audit::{AuditAction, AuditActor, AuditRecord};
use crate::change::Change;
use crate::entities::user;
use crate::{DomainError, Result, store, validate};

/// What start-up did with ADMIN_EMAIL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffBootstrap {
    Created,
    AlreadyStaff,
    /// The email belongs to a client's login: no staff user was made, nobody promoted.
    TakenByClient,
}

impl AuthService<'_> {
    /// Adds a staff user (`clientele create-staff`). An email already in use is a conflict.
    pub async fn create_staff(
        &self,
        email: &str,
        password: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<user::Model> {
        let email = validate::email("email", email)?;
        let first_name = validate::name("firstName", first_name)?;
        let last_name = validate::name("lastName", last_name)?;
        validate::new_password("password", password)?;
        let hash = self.domain.passwords().hash(password).await?;
        let change = Change::begin(self.domain).await?;
        let user =
            store::users::insert(&change, &email, &hash, &first_name, &last_name, true).await?;
        change
            .commit(
                AuditActor::default(),
                AuditRecord::new(AuditAction::UserCreateStaff).target("user", user.id),
            )
            .await?;
        Ok(user)
    }

    /// Whether a login has the email `email` (any case).
    pub async fn has_login(&self, email: &str) -> Result<bool> {
        Ok(store::users::find_by_email(self.domain.db(), email)
            .await?
            .is_some())
    }

    /// Creates the staff user from ADMIN_EMAIL/ADMIN_PASSWORD unless that email has a
    /// login already. A client's login with that email is never promoted silently.
    pub async fn ensure_staff(&self, email: &str, password: &str) -> Result<StaffBootstrap> {
        let existing = |user: Option<user::Model>| match user {
            Some(user) if user.is_staff => StaffBootstrap::AlreadyStaff,
            _ => StaffBootstrap::TakenByClient,
        };
        if let Some(user) = store::users::find_by_email(self.domain.db(), email).await? {
            return Ok(existing(Some(user)));
        }
        match self
            .create_staff(email, password, "Portal", "Administrator")
            .await
        {
            Ok(_) => Ok(StaffBootstrap::Created),
            // Another instance starting at the same moment created it first.
            Err(DomainError::Conflict(_)) => Ok(existing(
                store::users::find_by_email(self.domain.db(), email).await?,
            )),
            Err(err) => Err(err),
        }
    }
}
