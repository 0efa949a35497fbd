//! `clientele seed-demo`: a believable portal in an empty database, made through the
//! GraphQL API as its people would make it (owners adding their contacts, staff billing,
//! an agency accepting invitations), so the demo obeys every rule a client does.
//!
//! Idempotent: run again on the seeded database, it only prints the logins. It refuses
//! a database that holds other accounts, and one where an earlier run stopped part-way.

use anyhow::{Context as _, bail};
use chrono::{DateTime, Duration, Utc};
use domain::RequestMeta;
use serde_json::{Value, json};

use crate::Config;
use crate::app::App;
use cast::{
    GARCIA_PEOPLE, NORTHWIND_DOMAINS, NORTHWIND_INVOICES, NORTHWIND_PEOPLE, NORTHWIND_SERVICES,
    Person,
};

mod cast;

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
        "a developer with temporary access to Northwind's VPS alone (a week)",
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

/// Seeds the demo into the configured database (migrating it first), through the
/// application as the server builds it.
pub async fn seed(config: &Config) -> anyhow::Result<Seeded> {
    let app = App::start(config).await?;
    let outcome = seed_into(&app).await;
    app.stop().await;
    outcome
}

async fn seed_into(app: &App) -> anyhow::Result<Seeded> {
    let domain = &app.core.domain;
    if domain.auth().has_login(LAST).await? {
        return Ok(Seeded::AlreadyThere);
    }
    if domain.auth().has_login(FIRST).await? {
        bail!(
            "an earlier seed-demo stopped part-way; seed a new, empty database instead: \
             DATABASE_URL=sqlite://data/demo.db clientele seed-demo"
        );
    }
    let accounts = domain.accounts().count().await?;
    if accounts > 0 {
        bail!(
            "the database already holds {accounts} account(s) and seed-demo only fills an empty \
             one; seed a new database instead: DATABASE_URL=sqlite://data/demo.db clientele \
             seed-demo (then serve with the same DATABASE_URL)"
        );
    }
    let demo = Demo {
        app,
        now: Utc::now(),
    };
    let staff = demo.staff().await?;
    demo.northwind(&staff).await?;
    demo.household().await?;
    demo.agency().await?;
    // Past-due invoices become OVERDUE; the expiring domain gets its reminder.
    domain
        .notifications()
        .run_reminders()
        .await
        .context("running the reminders")?;
    Ok(Seeded::Created)
}

struct Demo<'a> {
    app: &'a App,
    /// When the demo is made: its dates are counted from it.
    now: DateTime<Utc>,
}

/// One signed-in person of the demo.
struct DemoLogin {
    token: String,
    account: String,
}

impl Demo<'_> {
    /// The date `n` days from today.
    fn days(&self, n: i64) -> String {
        (self.now.date_naive() + Duration::days(n)).to_string()
    }

    async fn staff(&self) -> anyhow::Result<DemoLogin> {
        self.app
            .core
            .domain
            .auth()
            .ensure_staff(STAFF, PASSWORD)
            .await
            .context("creating the staff user")?;
        self.login(STAFF).await
    }

    /// Northwind Hosting Ltd: its people, its billing contact and a pending
    /// invitation; then billing, provisioning and support.
    async fn northwind(&self, staff: &DemoLogin) -> anyhow::Result<()> {
        let olivia = self
            .register("Northwind Hosting Ltd", "Olivia", "Owner", FIRST)
            .await?;
        for person in NORTHWIND_PEOPLE {
            self.add_contact(&olivia, person).await?;
        }
        let bella = self.contact_id(&olivia, "bella@northwind.example").await?;
        self.call(
            Some(&olivia.token),
            "mutation($c: ID) { setBillingContact(contactId: $c) { id } }",
            json!({ "c": bella }),
        )
        .await?;
        self.call(
            Some(&olivia.token),
            "mutation($a: ID!) { inviteUser(accountId: $a, input: {email: \"sam@northwind.example\", role: TECHNICAL}) { id } }",
            json!({ "a": olivia.account }),
        )
        .await?;
        let vps = self.northwind_billing(staff, &olivia.account).await?;
        // The developer looks after the VPS and nothing else (scoped access).
        let dana = self.contact_id(&olivia, "dana@devshop.example").await?;
        self.call(
            Some(&olivia.token),
            "mutation($c: ID!, $s: ID!) { updateContact(id: $c, input: {scope: {serviceIds: [$s], domainIds: []}}) { id } }",
            json!({ "c": dana, "s": vps }),
        )
        .await?;
        self.northwind_support(staff, &olivia, &vps).await
    }

    /// Staff bill and provision Northwind; the billing contact pays the first invoice.
    /// Returns the id of the first service (the VPS).
    async fn northwind_billing(&self, staff: &DemoLogin, account: &str) -> anyhow::Result<Value> {
        let mut invoices = Vec::new();
        for (total, due) in NORTHWIND_INVOICES {
            let created = self
                .call(
                    Some(&staff.token),
                    "mutation($a: ID!, $i: CreateInvoiceInput!) { createInvoice(accountId: $a, input: $i) { id } }",
                    json!({ "a": account, "i": { "total": total, "currency": "USD", "dueDate": self.days(*due) } }),
                )
                .await?;
            invoices.push(created["createInvoice"]["id"].clone());
        }
        let bella = self.login("bella@northwind.example").await?;
        self.call(
            Some(&bella.token),
            "mutation($i: ID!) { payInvoice(id: $i) { id } }",
            json!({ "i": invoices[0] }),
        )
        .await?;
        let mut services = Vec::new();
        for service in NORTHWIND_SERVICES {
            let service: Value = serde_json::from_str(service)?;
            let created = self
                .call(
                    Some(&staff.token),
                    "mutation($a: ID!, $s: CreateServiceInput!) { createService(accountId: $a, input: $s) { id } }",
                    json!({ "a": account, "s": service }),
                )
                .await?;
            services.push(created["createService"]["id"].clone());
        }
        for (name, expires) in NORTHWIND_DOMAINS {
            self.call(
                Some(&staff.token),
                "mutation($a: ID!, $d: CreateDomainInput!) { createDomain(accountId: $a, input: $d) { id } }",
                json!({ "a": account, "d": { "name": name, "expiresAt": self.days(*expires) } }),
            )
            .await?;
        }
        Ok(services.swap_remove(0))
    }

    /// A ticket about the VPS (so its developer follows it too) with replies from each
    /// kind of author (the badges), and a custom notification category with one
    /// notification in it.
    async fn northwind_support(
        &self,
        staff: &DemoLogin,
        olivia: &DemoLogin,
        vps: &Value,
    ) -> anyhow::Result<()> {
        let theo = self.login("theo@northwind.example").await?;
        let ticket = self
            .call(
                Some(&theo.token),
                "mutation($a: ID!, $s: ID!) { openTicket(accountId: $a, serviceId: $s, subject: \"VPS reboots every night\", body: \"Our Cloud VPS restarts at 03:00 UTC. Is that scheduled maintenance?\") { id } }",
                json!({ "a": olivia.account, "s": vps }),
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
        self.call(
            Some(&staff.token),
            "mutation { defineNotificationCategory(input: {key: \"MAINTENANCE\", label: \"Maintenance windows\", defaultRoles: [OWNER, ADMIN, TECHNICAL]}) { key } }",
            json!({}),
        )
        .await?;
        self.call(
            Some(&staff.token),
            "mutation($a: ID!) { sendNotification(accountId: $a, category: \"MAINTENANCE\", subject: \"Network maintenance on Saturday\", body: \"The network in Frankfurt is upgraded on Saturday 02:00-04:00 UTC.\") }",
            json!({ "a": olivia.account }),
        )
        .await?;
        Ok(())
    }

    /// A household: Maria, Luis with a login, Sofia on file only.
    async fn household(&self) -> anyhow::Result<()> {
        let maria = self
            .register(
                "Garcia household",
                "Maria",
                "Garcia",
                "maria@garcia.example",
            )
            .await?;
        for person in GARCIA_PEOPLE {
            self.add_contact(&maria, person).await?;
        }
        Ok(())
    }

    /// An agency: two customers each invite it; one login manages both.
    async fn agency(&self) -> anyhow::Result<()> {
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

    /// Adds `person` to the owner's current account.
    async fn add_contact(&self, owner: &DemoLogin, person: &Person) -> anyhow::Result<()> {
        self.call(
            Some(&owner.token),
            "mutation($a: ID!, $i: AddContactInput!) { addContact(accountId: $a, input: $i) { id } }",
            json!({ "a": owner.account, "i": person.input(self.now) }),
        )
        .await?;
        Ok(())
    }

    /// The id of the owner's contact with `email`.
    async fn contact_id(&self, owner: &DemoLogin, email: &str) -> anyhow::Result<Value> {
        let data = self
            .call(
                Some(&owner.token),
                "query($a: ID!) { account(id: $a) { contacts(first: 100) { edges { node { id email } } } } }",
                json!({ "a": owner.account }),
            )
            .await?;
        data["account"]["contacts"]["edges"]
            .as_array()
            .and_then(|edges| edges.iter().find(|e| e["node"]["email"] == email))
            .map(|e| e["node"]["id"].clone())
            .with_context(|| format!("no contact {email}"))
    }

    /// Invites the agency as ADMIN of the owner's account; answers the link's token,
    /// read from the invitation email while it waits in the outbox, as the agency would
    /// read it in their mailbox.
    async fn invite_agency(&self, owner: &DemoLogin) -> anyhow::Result<String> {
        self.call(
            Some(&owner.token),
            "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: {email: $e, role: ADMIN}) { id } }",
            json!({ "a": owner.account, "e": LAST }),
        )
        .await?;
        let text = self.app.core.domain.unsent_text_to(LAST).await?.context(
            "the invitation email was already sent (a server is running on this database): stop it and seed an empty database",
        )?;
        text.split("/invite/")
            .nth(1)
            .map(|rest| {
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .filter(|token| !token.is_empty())
            .context("the invitation email holds no link")
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
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        let response = self.app.execute(token, request, meta).await;
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
