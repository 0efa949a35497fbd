use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue, Set};

/// A person on file under one account. With `user_id` set, the contact has portal
/// access and is that user's membership in the account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub user_id: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub relationship: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub role: crate::permissions::Role,
    /// The explicit permission names of a CUSTOM role (empty for the presets).
    pub permissions: Json,
    /// Notification category keys this contact receives.
    pub notification_preferences: Json,
    pub is_primary: bool,
    /// When the current login link was made (set by [`ActiveModelBehavior::before_save`]
    /// whenever `user_id` is set); `None` without portal access, or on rows older than
    /// the column, which then count from `created_at`.
    pub access_granted_at: Option<DateTimeUtc>,
    /// Temporary access: when the contact's portal access ends by itself.
    pub access_expires_at: Option<DateTimeUtc>,
    /// The services and domains the contact looks after; `None`: the whole account.
    pub scope: Option<crate::scope::Scope>,
    /// When the holder was warned that their access ends within a day (once).
    pub access_expiry_warned_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Cascade"
    )]
    Account,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    User,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// Every write that links a login says when (`access_granted_at`, by the domain's
    /// clock), so no code path can forget it: one that does fails; unlinking clears it.
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        match (&self.user_id, &self.access_granted_at) {
            (ActiveValue::Set(None), _) => self.access_granted_at = Set(None),
            (ActiveValue::Set(Some(_)), ActiveValue::Set(Some(_))) => {}
            (ActiveValue::Set(Some(_)), _) => {
                return Err(DbErr::Custom(
                    "a contact linked to a login needs access_granted_at".into(),
                ));
            }
            _ => {}
        }
        Ok(self)
    }
}

impl Model {
    /// What this contact's role (and, for CUSTOM, its list) grants.
    pub fn granted(&self) -> Vec<crate::permissions::Permission> {
        crate::permissions::of_stored(self.role, &self.permissions)
    }

    /// Since when this contact has had its portal access.
    pub fn member_since(&self) -> DateTimeUtc {
        self.access_granted_at.unwrap_or(self.created_at)
    }
}
