use sea_orm::entity::prelude::*;

/// A message on a ticket, with a badge saying who wrote it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_replies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: i64,
    pub body: String,
    /// The author's name as it was when they wrote.
    pub author_name: String,
    pub author_email: Option<String>,
    pub author_user_id: Option<i64>,
    pub badge: ReplyBadge,
    pub created_at: DateTimeUtc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ReplyBadge {
    /// The account's primary contact.
    #[sea_orm(string_value = "OWNER")]
    Owner,
    /// A member of the account (a contact with portal access).
    #[sea_orm(string_value = "AUTHORIZED_USER")]
    AuthorizedUser,
    /// A contact of the account without a login (e.g. replying by email).
    #[sea_orm(string_value = "SUB_ACCOUNT")]
    SubAccount,
    /// Someone the account does not know.
    #[sea_orm(string_value = "GUEST")]
    Guest,
    #[sea_orm(string_value = "STAFF")]
    Staff,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
