//! Notifications: categories as data (six built in, more defined by staff), reminders
//! sent once each (a unique key, not a check in code), and the tokens in emails that
//! let a contact manage their own mail without signing in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationCategories {
    Table,
    Key,
    Label,
    DefaultRoles,
    BuiltIn,
    /// Where it is listed: built-ins first, then staff's in the order defined.
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RemindersSent {
    Table,
    Id,
    Kind,
    SubjectId,
    /// The due or expiry date the reminder was about: a new date is a new reminder.
    DueOn,
    SentAt,
}

#[derive(DeriveIden)]
enum EmailTokens {
    Table,
    Id,
    TokenHash,
    ContactId,
    /// The contact's email when the token was made: a token dies when it changes.
    Email,
    /// The category of the email that carried it (what one-click unsubscribe removes).
    Category,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Emails {
    Table,
    UnsubscribeUrl,
}

/// The built-ins: key, label, roles that receive them by default (SPEC "Notifications").
const BUILT_IN: [(&str, &str, &str); 6] = [
    (
        "INVOICE",
        "Invoices and payments",
        r#"["OWNER","ADMIN","BILLING"]"#,
    ),
    ("PRODUCT", "Services", r#"["OWNER","ADMIN","TECHNICAL"]"#),
    ("DOMAIN", "Domains", r#"["OWNER","ADMIN","TECHNICAL"]"#),
    (
        "SUPPORT",
        "Support tickets",
        r#"["OWNER","ADMIN","TECHNICAL"]"#,
    ),
    (
        "GENERAL",
        "Account updates and announcements",
        r#"["OWNER","ADMIN"]"#,
    ),
    ("MARKETING", "Marketing", "[]"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationCategories::Table)
                    .col(string(NotificationCategories::Key).primary_key())
                    .col(string(NotificationCategories::Label))
                    .col(json(NotificationCategories::DefaultRoles))
                    .col(boolean(NotificationCategories::BuiltIn))
                    .col(integer(NotificationCategories::Position))
                    .col(timestamp_with_time_zone(NotificationCategories::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (position, (key, label, roles)) in (1..).zip(BUILT_IN) {
            let insert = Query::insert()
                .into_table(NotificationCategories::Table)
                .columns([
                    NotificationCategories::Key,
                    NotificationCategories::Label,
                    NotificationCategories::DefaultRoles,
                    NotificationCategories::BuiltIn,
                    NotificationCategories::Position,
                    NotificationCategories::CreatedAt,
                ])
                .values_panic([
                    key.into(),
                    label.into(),
                    Expr::val(roles).cast_as(json_type(manager)),
                    true.into(),
                    Expr::val(position),
                    Expr::current_timestamp(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(RemindersSent::Table)
                    .col(big_pk_auto(RemindersSent::Id))
                    .col(string(RemindersSent::Kind))
                    .col(big_integer(RemindersSent::SubjectId))
                    .col(date(RemindersSent::DueOn))
                    .col(timestamp_with_time_zone(RemindersSent::SentAt))
                    .index(
                        Index::create()
                            .name("ux_reminders_sent_once")
                            .col(RemindersSent::Kind)
                            .col(RemindersSent::SubjectId)
                            .col(RemindersSent::DueOn)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailTokens::Table)
                    .col(big_pk_auto(EmailTokens::Id))
                    .col(string_uniq(EmailTokens::TokenHash))
                    .col(big_integer(EmailTokens::ContactId))
                    .col(string(EmailTokens::Email))
                    .col(string(EmailTokens::Category))
                    .col(timestamp_with_time_zone(EmailTokens::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_email_tokens_contact")
                            .from(EmailTokens::Table, EmailTokens::ContactId)
                            .to(Contacts::Table, Contacts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Emails::Table)
                    .add_column(string_null(Emails::UnsubscribeUrl))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Emails::Table)
                    .drop_column(Emails::UnsubscribeUrl)
                    .to_owned(),
            )
            .await?;
        for table in [
            EmailTokens::Table.into_iden(),
            RemindersSent::Table.into_iden(),
            NotificationCategories::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// JSON columns are `json` on PostgreSQL and text on SQLite.
fn json_type(manager: &SchemaManager) -> Alias {
    match manager.get_database_backend() {
        sea_orm_migration::sea_orm::DbBackend::Postgres => Alias::new("json"),
        _ => Alias::new("text"),
    }
}
