use sea_orm::entity::prelude::*;

/// A signed-in session. Only the SHA-256 of its token is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: i64,
    pub current_account_id: Option<i64>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTimeUtc,
    /// When the session was last used, kept at most once a minute (`None`: not since
    /// it was created).
    pub last_seen_at: Option<DateTimeUtc>,
    /// The absolute end (30 days after sign-in; an API token's own); idleness may end a
    /// session sooner, never a token.
    pub expires_at: DateTimeUtc,
    /// Set on an API token (and only there): its name.
    pub api_token_name: Option<String>,
    /// An API token's permission names.
    pub api_token_permissions: Option<Json>,
    /// An API token's scope (`None`: its member's).
    pub api_token_scope: Option<crate::scope::Scope>,
    /// The passkey this session was opened with: a two-factor sign-in.
    pub passkey_id: Option<i64>,
}

impl Model {
    /// Whether this row is an API token rather than someone's sign-in.
    pub fn is_api_token(&self) -> bool {
        self.api_token_name.is_some()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
