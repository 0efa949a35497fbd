//! The data the benchmark measures against: 1,000 filler accounts written straight into
//! the tables (so that indexes matter; seconds, not the minutes argon2 would take
//! through the API), and the measured account built through the API as a client would.

use std::collections::HashMap;

use chrono::Utc;
use clientele_examples::{ServerProcess, gql};
use domain::entities::{account, contact, session, user};
use domain::permissions::Role;
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryFilter, Set,
};
use serde_json::json;

pub const FILLER_ACCOUNTS: usize = 1_000;
pub const FILLER_CONTACTS: usize = 10;

/// The staff user the server creates at start (ADMIN_EMAIL / ADMIN_PASSWORD).
pub const STAFF: (&str, &str) = ("staff@bench.example", "staff benchmark password");
const PASSWORD: &str = "benchmark password";
/// Rows per INSERT: under SQLite's and PostgreSQL's bound-parameter limits.
const BATCH: usize = 500;

/// The filler owner the login scenario's connection `i` signs in as: one user per
/// connection, as real sign-ins are (one user's many sign-ins at once would meet the
/// failed-sign-in throttle, which counts an attempt until it succeeds).
pub fn login_email(i: usize) -> String {
    format!("owner{i}@filler.example")
}

/// Filler: each account an owner (a user, linked as its primary contact) and nine more
/// contacts. Only the first `logins` owners have a usable password (the benchmark's):
/// the login scenario signs in as them.
pub async fn filler(database_url: &str, logins: usize) {
    let db = Database::connect(database_url)
        .await
        .expect("the benchmark database");
    let now = Utc::now();
    let hash = domain::PasswordHasher::new()
        .hash(PASSWORD)
        .await
        .expect("a password hash");

    let users = (0..FILLER_ACCOUNTS).map(|i| user::ActiveModel {
        email: Set(login_email(i)),
        password_hash: Set(if i < logins { hash.clone() } else { "!".into() }),
        first_name: Set(format!("Owner{i}")),
        last_name: Set("Filler".into()),
        is_staff: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    let mut user_ids = HashMap::new();
    for batch in chunks(users) {
        for u in user::Entity::insert_many(batch)
            .exec_with_returning(&db)
            .await
            .expect("filler users")
        {
            user_ids.insert(u.email, u.id);
        }
    }

    let accounts = (0..FILLER_ACCOUNTS).map(|i| account::ActiveModel {
        name: Set(format!("Filler {i}")),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    let mut account_ids = HashMap::new();
    for batch in chunks(accounts) {
        for a in account::Entity::insert_many(batch)
            .exec_with_returning(&db)
            .await
            .expect("filler accounts")
        {
            account_ids.insert(a.name, a.id);
        }
    }

    let contacts = (0..FILLER_ACCOUNTS).flat_map(|i| {
        let account_id = account_ids[&format!("Filler {i}")];
        let owner_id = user_ids[&format!("owner{i}@filler.example")];
        (0..FILLER_CONTACTS).map(move |c| {
            let (user_id, email, role) = match c {
                0 => (
                    Some(owner_id),
                    format!("owner{i}@filler.example"),
                    Role::Owner,
                ),
                _ => (
                    None,
                    format!("contact{c}@filler{i}.example"),
                    [Role::Admin, Role::Billing, Role::Technical][c % 3],
                ),
            };
            contact::ActiveModel {
                account_id: Set(account_id),
                user_id: Set(user_id),
                first_name: Set(format!("Contact{c}")),
                last_name: Set(format!("Filler{i}")),
                email: Set(Some(email)),
                phone: Set(Some(format!("+1 555 {i:04}{c:02}"))),
                role: Set(role),
                permissions: Set(json!([])),
                notification_preferences: Set(json!([])),
                is_primary: Set(c == 0),
                access_granted_at: Set(user_id.map(|_| now)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        })
    });
    for batch in chunks(contacts) {
        contact::Entity::insert_many(batch)
            .exec_without_returning(&db)
            .await
            .expect("filler contacts");
    }
    db.close().await.ok();
}

fn chunks<T>(rows: impl Iterator<Item = T>) -> Vec<Vec<T>> {
    let mut batches = Vec::new();
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        batches.push(rows.by_ref().take(BATCH).collect());
    }
    batches
}

/// What the scenarios act as and on.
pub struct Seeded {
    /// The measured account and its owner's session.
    pub account_id: String,
    pub owner_token: String,
    /// A second account, which `addContact` grows.
    pub writer_account_id: String,
    pub writer_token: String,
    /// The password of the owners who sign in under load ([`login_email`]).
    pub password: &'static str,
}

/// The measured account, as its owner and staff would build it: 50 contacts (the owner
/// and 49 added, one of them the billing contact), 20 invoices, 20 services. And the
/// second account `addContact` writes to.
pub async fn accounts(base_url: &str) -> Seeded {
    let client = reqwest::Client::new();
    let register = async |account: &str, email: &str| {
        let registered =
            clientele_examples::register(&client, base_url, account, email, PASSWORD).await;
        (registered.token, registered.account)
    };
    let (owner_token, account_id) = register("Measured", "owner@bench.example").await;
    let writer_email = "writer@bench.example";
    let (writer_token, writer_account_id) = register("Writer", writer_email).await;

    let staff = gql(
        &client,
        base_url,
        None,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
        json!({ "e": STAFF.0, "p": STAFF.1 }),
    )
    .await["login"]["token"]
        .as_str()
        .expect("staff signs in")
        .to_owned();
    for i in 0..20 {
        gql(
            &client,
            base_url,
            Some(&staff),
            "mutation($a: ID!, $d: Date!) { createInvoice(accountId: $a, input: {total: \"120.50\", currency: \"EUR\", dueDate: $d}) { id } }",
            json!({ "a": account_id, "d": format!("2026-12-{:02}", i + 1) }),
        )
        .await;
        gql(
            &client,
            base_url,
            Some(&staff),
            "mutation($a: ID!, $n: String!) { createService(accountId: $a, input: {productName: $n, recurringAmount: \"9.90\", status: ACTIVE}) { id } }",
            json!({ "a": account_id, "n": format!("Hosting plan {i}") }),
        )
        .await;
    }
    let mut billing = None;
    for i in 1..50 {
        let role = ["ADMIN", "BILLING", "TECHNICAL"][i % 3];
        let added = gql(
            &client,
            base_url,
            Some(&owner_token),
            "mutation($a: ID!, $i: AddContactInput!) { addContact(accountId: $a, input: $i) { id } }",
            json!({ "a": account_id, "i": {
                "firstName": format!("Contact{i}"), "lastName": "Measured",
                "email": format!("contact{i}@measured.example"), "phone": "+1 555 0100", "role": role,
            }}),
        )
        .await;
        if role == "BILLING" && billing.is_none() {
            billing = added["addContact"]["id"].as_str().map(str::to_owned);
        }
    }
    gql(
        &client,
        base_url,
        Some(&owner_token),
        "mutation($c: ID, $a: ID) { setBillingContact(contactId: $c, accountId: $a) { id } }",
        json!({ "c": billing, "a": account_id }),
    )
    .await;

    Seeded {
        account_id,
        owner_token,
        writer_account_id,
        writer_token,
        password: PASSWORD,
    }
}

/// What a database's planner would know about this data by now in production, where
/// autovacuum analyses tables that grew: PostgreSQL plans the scenarios with statistics.
pub async fn analyze(db: &DatabaseConnection) {
    db.execute_unprepared("ANALYZE")
        .await
        .expect("ANALYZE runs");
}

/// The measured owner's user id and session-token hash, read from the rows (so the
/// pgbench script looks up the same session the server does, however tokens are hashed).
pub async fn owner_session(db: &DatabaseConnection) -> (i64, String) {
    let (session, _) = session::Entity::find()
        .find_also_related(user::Entity)
        .filter(user::Column::Email.eq("owner@bench.example"))
        .one(db)
        .await
        .expect("sessions read")
        .expect("the owner's session");
    (session.user_id, session.token_hash)
}

/// Runs the dashboard as a client would and checks it shows what was seeded, so that
/// no scenario measures an empty or failing page. Returns the fewest and the most SQL
/// statements one dashboard ran in five: the count varies with timing (whether the
/// DataLoader's loads fall into one batch or several).
pub async fn check_dashboard(
    server: &ServerProcess,
    seeded: &Seeded,
    document: &str,
) -> (u64, u64) {
    let client = reqwest::Client::new();
    let (mut fewest, mut most) = (u64::MAX, 0);
    let mut data = json!(null);
    let scrape = server.scrape_statements(&client).await;
    for _ in 0..5 {
        let before = server.sql_statements(&client).await;
        data = gql(
            &client,
            &server.url,
            Some(&seeded.owner_token),
            document,
            json!({ "account": seeded.account_id }),
        )
        .await;
        let statements = server.sql_statements(&client).await - before - scrape;
        (fewest, most) = (fewest.min(statements), most.max(statements));
    }
    let account = &data["account"];
    let count = |list: &str| account[list]["totalCount"].as_i64();
    assert_eq!(
        (count("contacts"), count("invoices"), count("services")),
        (Some(50), Some(20), Some(20)),
        "the dashboard shows the seeded account: {data}"
    );
    assert!(account["billingContact"]["id"].is_string(), "{data}");
    (fewest, most)
}
