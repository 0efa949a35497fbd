//! `clientele seed-demo`: a believable portal in an empty database, made through the
//! GraphQL API as its people would make it (owners adding their contacts, staff billing,
//! an agency accepting invitations), so the demo obeys every rule a client does.
//!
//! Idempotent: run again on the seeded database, it only prints the logins. It refuses
//! a database that holds other accounts, and one where an earlier run stopped part-way.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use chrono::{Duration, Utc};
use domain::entities::{email, user};
use domain::{Domain, RequestMeta};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::Config;

/// Every demo login's password.
pub const PASSWORD: &str = "Demo-Password-2026";

/// Who to sign in as, and what they show.
pub const LOGINS: &[(&str, &str)] = &[
    (
        "olivia@northwind.example",
        "owner of Northwind Hosting Ltd: contacts, invitations, everything",
    ),
    (
        "adam@northwind.example",
        "Northwind's admin: manages contacts, cannot transfer ownership",
    ),
    (
        "bella@northwind.example",
        "Northwind's billing contact: invoices, no contacts",
    ),
    (
        "theo@northwind.example",
        "Northwind's technical contact: services and tickets",
    ),
    (
        "dana@devshop.example",
        "a developer with temporary access to Northwind (a week)",
    ),
    ("maria@garcia.example", "owner of the Garcia household"),
    (
        "alex@agency.example",
        "an agency managing Blue Bakery and Green Garage with one login",
    ),
    ("staff@clientele.example", "staff: every account, billing"),
];

/// The last login the demo creates: present, the demo is complete.
const LAST: &str = "alex@agency.example";
/// The first one: present without [`LAST`], a run stopped part-way.
const FIRST: &str = "olivia@northwind.example";
const STAFF: &str = "staff@clientele.example";

/// What a run did.
pub enum Seeded {
    Created,
    AlreadyThere,
}

/// Seeds the demo into the configured database (migrating it first).
pub async fn seed(config: &Config) -> anyhow::Result<Seeded> {
    let db = crate::connect_database(&config.database).await?;
    crate::migrate(&db).await?;
    let user_exists = |email: &'static str| {
        let db = db.clone();
        async move {
            user::Entity::find()
                .filter(user::Column::Email.eq(email))
                .count(&db)
                .await
                .map(|n| n > 0)
        }
    };
    if user_exists(LAST).await? {
        return Ok(Seeded::AlreadyThere);
    }
    if user_exists(FIRST).await? {
        bail!("an earlier seed-demo stopped part-way: seed an empty database (a new DATABASE_URL)");
    }
    let accounts = domain::entities::account::Entity::find().count(&db).await?;
    if accounts > 0 {
        bail!(
            "the database already holds {accounts} account(s); seed-demo only fills an empty one"
        );
    }

    let (stop, stopped) = watch::channel(false);
    let bus = crate::startup::event_bus(config, stopped.clone()).await?;
    let domain = crate::build_domain(
        config,
        db.clone(),
        Arc::new(bus.clone()),
        Arc::new(domain::throttle::InProcessRates::default()),
    )?;
    let (live, reader) = live::LiveFeed::start(
        domain.clone(),
        &bus,
        config.events.poll_interval,
        config.limits.live_buffer,
        stopped,
    )
    .await
    .map_err(|e| anyhow::anyhow!("starting the event feed: {e}"))?;
    let demo = Demo {
        api: api::Api::new(domain.clone(), live, api::ApiConfig::default()),
        domain,
        db,
    };
    let outcome = demo.build().await;
    let _ = stop.send(true);
    let _ = reader.await;
    outcome.map(|()| Seeded::Created)
}

struct Demo {
    api: api::Api,
    domain: Domain,
    db: sea_orm::DatabaseConnection,
}

/// One signed-in person of the demo.
struct DemoLogin {
    token: String,
    account: String,
}

impl Demo {
    async fn build(&self) -> anyhow::Result<()> {
        let today = Utc::now().date_naive();
        let days = |n: i64| (today + Duration::days(n)).to_string();

        self.domain
            .auth()
            .ensure_staff(STAFF, PASSWORD)
            .await
            .context("creating the staff user")?;
        let staff = self.login(STAFF).await?;

        // Northwind Hosting Ltd: a hosting customer with the whole cast.
        let olivia = self
            .register("Northwind Hosting Ltd", "Olivia", "Owner", FIRST)
            .await?;
        let n = olivia.account.clone();
        let person = |first: &str, last: &str, email: &str, role: &str| {
            json!({ "firstName": first, "lastName": last, "email": email, "role": role,
                    "portalAccess": true, "password": PASSWORD })
        };
        self.add_contact(
            &olivia,
            person("Adam", "Admin", "adam@northwind.example", "ADMIN"),
        )
        .await?;
        let bella = self
            .add_contact(
                &olivia,
                person("Bella", "Billing", "bella@northwind.example", "BILLING"),
            )
            .await?;
        self.add_contact(
            &olivia,
            person("Theo", "Tech", "theo@northwind.example", "TECHNICAL"),
        )
        .await?;
        self.add_contact(
            &olivia,
            json!({ "firstName": "Alan", "lastName": "Ledger", "email": "alan@ledger-accounting.example",
                    "companyName": "Ledger Accounting", "relationship": "External accountant",
                    "role": "BILLING" }),
        )
        .await?;
        let mut dana = person("Dana", "Developer", "dana@devshop.example", "TECHNICAL");
        dana["companyName"] = json!("DevShop");
        dana["accessExpiresAt"] = json!((Utc::now() + Duration::days(7)).to_rfc3339());
        self.add_contact(&olivia, dana).await?;
        self.call(
            Some(&olivia.token),
            "mutation($c: ID) { setBillingContact(contactId: $c) { id } }",
            json!({ "c": bella }),
        )
        .await?;
        self.call(
            Some(&olivia.token),
            "mutation($a: ID!) { inviteUser(accountId: $a, input: {email: \"sam@northwind.example\", role: TECHNICAL}) { id } }",
            json!({ "a": n }),
        )
        .await?;

        // Staff bill and provision it.
        let invoice =
            |total: &str, due: String| json!({ "total": total, "currency": "USD", "dueDate": due });
        // Paid (by the billing contact, below), due, and overdue once reminders run.
        let mut invoices = Vec::new();
        for (total, due) in [
            ("249.00", days(-20)),
            ("249.00", days(14)),
            ("89.50", days(-10)),
        ] {
            let created = self
                .call(
                    Some(&staff.token),
                    "mutation($a: ID!, $i: CreateInvoiceInput!) { createInvoice(accountId: $a, input: $i) { id } }",
                    json!({ "a": n, "i": invoice(total, due) }),
                )
                .await?;
            invoices.push(created["createInvoice"]["id"].clone());
        }
        let paid = &invoices[0];
        let bella = self.login("bella@northwind.example").await?;
        self.call(
            Some(&bella.token),
            "mutation($i: ID!) { payInvoice(id: $i) { id } }",
            json!({ "i": paid }),
        )
        .await?;
        for service in [
            json!({ "productName": "Cloud VPS 4 GB", "status": "ACTIVE", "username": "northwind", "password": "vps-Root-Pass-7", "recurringAmount": "40.00" }),
            json!({ "productName": "Shared Hosting Pro", "status": "ACTIVE", "recurringAmount": "12.00" }),
            json!({ "productName": "Legacy Mail Server", "status": "SUSPENDED", "recurringAmount": "9.00" }),
        ] {
            self.call(
                Some(&staff.token),
                "mutation($a: ID!, $s: CreateServiceInput!) { createService(accountId: $a, input: $s) { id } }",
                json!({ "a": n, "s": service }),
            )
            .await?;
        }
        for (name, expires) in [
            ("northwind-hosting.com", days(12)),
            ("northwind.io", days(300)),
        ] {
            self.call(
                Some(&staff.token),
                "mutation($a: ID!, $d: CreateDomainInput!) { createDomain(accountId: $a, input: $d) { id } }",
                json!({ "a": n, "d": { "name": name, "expiresAt": expires } }),
            )
            .await?;
        }

        // A ticket with replies from each kind of author (the badges).
        let theo = self.login("theo@northwind.example").await?;
        let ticket = self
            .call(
                Some(&theo.token),
                "mutation($a: ID!) { openTicket(accountId: $a, subject: \"VPS reboots every night\", body: \"Our Cloud VPS restarts at 03:00 UTC. Is that scheduled maintenance?\") { id } }",
                json!({ "a": n }),
            )
            .await?["openTicket"]["id"]
            .clone();
        for (token, body) in [
            (
                &staff.token,
                "It was a kernel update; it is done. Let us know if it happens again.",
            ),
            (&olivia.token, "Thanks. Please warn us before the next one."),
        ] {
            self.call(
                Some(token),
                "mutation($t: ID!, $b: String!) { replyToTicket(ticketId: $t, body: $b) { id } }",
                json!({ "t": ticket, "b": body }),
            )
            .await?;
        }
        for (from, body) in [
            (
                "alan@ledger-accounting.example",
                "Could the invoices for this name the VAT number?",
            ),
            (
                "someone@elsewhere.example",
                "I have the same problem on my server.",
            ),
        ] {
            self.call(
                Some(&staff.token),
                "mutation($t: ID!, $f: String!, $b: String!) { addTicketReplyFromEmail(ticketId: $t, fromEmail: $f, body: $b) { id } }",
                json!({ "t": ticket, "f": from, "b": body }),
            )
            .await?;
        }

        // A custom notification category, and one notification in it.
        self.call(
            Some(&staff.token),
            "mutation { defineNotificationCategory(input: {key: \"MAINTENANCE\", label: \"Maintenance windows\", defaultRoles: [OWNER, ADMIN, TECHNICAL]}) { key } }",
            json!({}),
        )
        .await?;
        self.call(
            Some(&staff.token),
            "mutation($a: ID!) { sendNotification(accountId: $a, category: \"MAINTENANCE\", subject: \"Network maintenance on Saturday\", body: \"The network in Frankfurt is upgraded on Saturday 02:00-04:00 UTC.\") }",
            json!({ "a": n }),
        )
        .await?;

        // A household.
        let maria = self
            .register(
                "Garcia household",
                "Maria",
                "Garcia",
                "maria@garcia.example",
            )
            .await?;
        self.add_contact(
            &maria,
            person("Luis", "Garcia", "luis@garcia.example", "ADMIN"),
        )
        .await?;
        self.add_contact(
            &maria,
            json!({ "firstName": "Sofia", "lastName": "Garcia", "role": "TECHNICAL", "relationship": "Daughter" }),
        )
        .await?;

        // An agency: two customers each invite it; one login manages both.
        let bob = self
            .register("Blue Bakery", "Bob", "Baker", "bob@bluebakery.example")
            .await?;
        let gina = self
            .register("Green Garage", "Gina", "Green", "gina@greengarage.example")
            .await?;
        let first = self.invite_agency(&bob).await?;
        let alex = self
            .call(
                None,
                "mutation($t: String!, $p: String!) { acceptInvitation(token: $t, input: {firstName: \"Alex\", lastName: \"Agency\", password: $p}) { token } }",
                json!({ "t": first, "p": PASSWORD }),
            )
            .await?["acceptInvitation"]["token"]
            .as_str()
            .context("acceptInvitation answered no token")?
            .to_owned();
        let second = self.invite_agency(&gina).await?;
        self.call(
            Some(&alex),
            "mutation($t: String!) { acceptInvitation(token: $t) { token } }",
            json!({ "t": second }),
        )
        .await?;

        // Past-due invoices become OVERDUE; the expiring domain gets its reminder.
        self.domain
            .notifications()
            .run_reminders()
            .await
            .context("running the reminders")?;
        Ok(())
    }

    async fn register(
        &self,
        account: &str,
        first: &str,
        last: &str,
        email: &str,
    ) -> anyhow::Result<DemoLogin> {
        let data = self
            .call(
                None,
                "mutation($i: RegisterInput!) { register(input: $i) { token viewer { currentAccount { id } } } }",
                json!({ "i": { "accountName": account, "firstName": first, "lastName": last, "email": email, "password": PASSWORD } }),
            )
            .await?;
        signed_in(&data["register"])
    }

    async fn login(&self, email: &str) -> anyhow::Result<DemoLogin> {
        let data = self
            .call(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token viewer { currentAccount { id } } } }",
                json!({ "e": email, "p": PASSWORD }),
            )
            .await?;
        signed_in(&data["login"])
    }

    /// Adds a contact to the person's current account; answers its id.
    async fn add_contact(&self, owner: &DemoLogin, input: Value) -> anyhow::Result<Value> {
        let data = self
            .call(
                Some(&owner.token),
                "mutation($a: ID!, $i: AddContactInput!) { addContact(accountId: $a, input: $i) { id } }",
                json!({ "a": owner.account, "i": input }),
            )
            .await?;
        Ok(data["addContact"]["id"].clone())
    }

    /// Invites the agency as ADMIN of the owner's account; answers the link's token,
    /// read from the invitation email before the mail worker sends it (and forgets it).
    async fn invite_agency(&self, owner: &DemoLogin) -> anyhow::Result<String> {
        self.call(
            Some(&owner.token),
            "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: {email: $e, role: ADMIN}) { id } }",
            json!({ "a": owner.account, "e": LAST }),
        )
        .await?;
        let sent = email::Entity::find()
            .filter(email::Column::Subject.contains("invited you to"))
            .order_by_desc(email::Column::Id)
            .one(&self.db)
            .await?
            .context("the invitation email was not queued")?;
        sent.body_text
            .split("/invite/")
            .nth(1)
            .map(|rest| rest.split_whitespace().next().unwrap_or_default().to_owned())
            .filter(|token| !token.is_empty())
            .context(
                "the invitation email was already sent (a server is running on this database): stop it and seed an empty database",
            )
    }

    /// Runs one operation in process, as `token`'s holder; any error fails the demo.
    async fn call(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let meta = RequestMeta {
            ip: Some("127.0.0.1".into()),
            user_agent: Some("clientele seed-demo".into()),
        };
        let auth = api::authenticate(&self.domain, token, meta)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        let response = self
            .api
            .execute(api::prepare_request(request, &self.domain, auth))
            .await;
        if let Some(error) = response.errors.first() {
            bail!("seed-demo: `{query}` failed: {}", error.message);
        }
        Ok(response.data.into_json()?)
    }
}

fn signed_in(payload: &Value) -> anyhow::Result<DemoLogin> {
    Ok(DemoLogin {
        token: payload["token"]
            .as_str()
            .context("no token in the answer")?
            .to_owned(),
        account: payload["viewer"]["currentAccount"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    })
}
