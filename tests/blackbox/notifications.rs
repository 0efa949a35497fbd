//! Who gets which email (SPEC "Notifications"): the routing matrix, generated from the
//! SPEC's table, run through a real SMTP server. Every event × every kind of recipient:
//! exactly who received it and who did not, one recipient per message, amounts only
//! for those who may see invoices, never a service password, no copy for the author.
//! (Over 500 lines: three declarative tables — SPEC's, the people, the events — and
//! what makes each event happen.)

use std::collections::BTreeSet;

use clientele_tests::fixtures::{ADD, OWNER_PASSWORD, Portal};
use clientele_tests::{MEMBER_PASSWORD, SmtpSink, TestApp, decode_qp};
use serde_json::json;

/// SPEC "Notifications", the table: category → the roles that receive it by default.
const SPEC_TABLE: &[(&str, &[&str])] = &[
    ("INVOICE", &["OWNER", "ADMIN", "BILLING"]),
    ("PRODUCT", &["OWNER", "ADMIN", "TECHNICAL"]),
    ("DOMAIN", &["OWNER", "ADMIN", "TECHNICAL"]),
    ("SUPPORT", &["OWNER", "ADMIN", "TECHNICAL"]),
    ("GENERAL", &["OWNER", "ADMIN"]),
    ("MARKETING", &[]),
];

/// A contact of the account under test.
struct Person {
    key: &'static str,
    role: &'static str,
    /// For the CUSTOM role.
    permissions: Option<&'static [&'static str]>,
    login: bool,
    /// Chosen categories; `None`: the role's defaults.
    preferences: Option<&'static [&'static str]>,
    /// Holds VIEW_INVOICES, so may see amounts.
    sees_amounts: bool,
    /// Scoped access (SPEC "Scoped access"): looks after the Mail Hosting service only
    /// (scoped to nothing until it exists, then to it).
    scoped: bool,
}

/// One contact per role, and two without a login who chose their own mail: the
/// accountant who gets invoices, and a site manager who chose account news on top of
/// their services and tickets (invoices they may not choose: they cannot see them).
const PEOPLE: &[Person] = &[
    Person {
        key: "owner",
        role: "OWNER",
        permissions: None,
        login: true,
        preferences: None,
        sees_amounts: true,
        scoped: false,
    },
    Person {
        key: "admin",
        role: "ADMIN",
        permissions: None,
        login: true,
        preferences: None,
        sees_amounts: true,
        scoped: false,
    },
    Person {
        key: "billing",
        role: "BILLING",
        permissions: None,
        login: true,
        preferences: None,
        sees_amounts: true,
        scoped: false,
    },
    Person {
        key: "technical",
        role: "TECHNICAL",
        permissions: None,
        login: true,
        preferences: None,
        sees_amounts: false,
        scoped: false,
    },
    Person {
        key: "custom",
        role: "CUSTOM",
        permissions: Some(&["VIEW_SERVICES", "VIEW_TICKETS", "OPEN_TICKETS"]),
        login: true,
        preferences: None,
        sees_amounts: false,
        scoped: false,
    },
    Person {
        key: "accountant",
        role: "CUSTOM",
        permissions: Some(&["VIEW_INVOICES"]),
        login: false,
        preferences: Some(&["INVOICE"]),
        sees_amounts: true,
        scoped: false,
    },
    Person {
        key: "sitemanager",
        role: "TECHNICAL",
        permissions: None,
        login: false,
        preferences: Some(&["PRODUCT", "SUPPORT", "GENERAL"]),
        sees_amounts: false,
        scoped: false,
    },
    // A freelancer who looks after the Mail Hosting service alone: its news and its
    // tickets, nothing of Web Hosting nor of tickets about nothing in particular.
    Person {
        key: "freelancer",
        role: "TECHNICAL",
        permissions: None,
        login: true,
        preferences: None,
        sees_amounts: false,
        scoped: true,
    },
];

impl Person {
    fn email(&self) -> String {
        format!("{}@acme.test", self.key)
    }

    /// Whether what `about` concerns reaches them: everything, unless scoped.
    fn looks_after(&self, about: About) -> bool {
        !self.scoped || about != About::Elsewhere
    }

    fn receives(&self, category: &str) -> bool {
        match self.preferences {
            Some(chosen) => chosen.contains(&category),
            None => SPEC_TABLE
                .iter()
                .any(|(c, roles)| *c == category && roles.contains(&self.role)),
        }
    }
}

/// What an event is about, as scoped access sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum About {
    /// The account as a whole (invoices, people): scope does not narrow it.
    Account,
    /// The Mail Hosting service (its status, the ticket about it).
    MailHosting,
    /// A service, or a ticket, the scoped freelancer does not look after.
    Elsewhere,
}

/// Something that happens to the account.
#[derive(Clone, Copy, Debug)]
enum Event {
    InvoiceCreated,
    PaymentReceived,
    ServiceCreatedActive,
    ServiceProvisioned,
    ServiceSuspended,
    ServiceTerminated,
    TicketOpenedByStaff,
    TicketOpenedBy(&'static str),
    TicketRepliedByStaff,
    TicketRepliedBy(&'static str),
    TicketReplyEmailedBy(&'static str),
    BillingContactNamed,
    BillingContactCleared,
    OwnershipTransferred,
}

/// A row of the matrix: the event, its category (SPEC table), the person who wrote it
/// (no copy for them), what the subject says, and the amount only some may see.
struct Row {
    event: Event,
    about: About,
    category: &'static str,
    author: Option<&'static str>,
    subject: &'static str,
    amount: Option<&'static str>,
}

const TOTAL: &str = "120.50";
const PRICE: &str = "19.99";
const SERVICE_PASSWORD: &str = "hunter2-s3cret";

const MATRIX: &[Row] = &[
    Row {
        event: Event::InvoiceCreated,
        about: About::Account,
        category: "INVOICE",
        author: None,
        subject: "Invoice INV-000001 for Acme",
        amount: Some(TOTAL),
    },
    Row {
        event: Event::PaymentReceived,
        about: About::Account,
        category: "INVOICE",
        author: None,
        subject: "Payment received for invoice INV-000001",
        amount: Some(TOTAL),
    },
    Row {
        event: Event::ServiceCreatedActive,
        about: About::Elsewhere,
        category: "PRODUCT",
        author: None,
        subject: "Your service Web Hosting is now active",
        amount: Some(PRICE),
    },
    Row {
        event: Event::ServiceProvisioned,
        about: About::MailHosting,
        category: "PRODUCT",
        author: None,
        subject: "Your service Mail Hosting is now active",
        amount: Some(PRICE),
    },
    Row {
        event: Event::ServiceSuspended,
        about: About::MailHosting,
        category: "PRODUCT",
        author: None,
        subject: "Your service Mail Hosting has been suspended",
        amount: Some(PRICE),
    },
    Row {
        event: Event::ServiceTerminated,
        about: About::MailHosting,
        category: "PRODUCT",
        author: None,
        subject: "Your service Mail Hosting has been terminated",
        amount: Some(PRICE),
    },
    Row {
        event: Event::TicketOpenedByStaff,
        about: About::MailHosting,
        category: "SUPPORT",
        author: None,
        subject: "] Scheduled maintenance",
        amount: None,
    },
    Row {
        event: Event::TicketOpenedBy("technical"),
        about: About::Elsewhere,
        category: "SUPPORT",
        author: Some("technical"),
        subject: "] Site is down",
        amount: None,
    },
    Row {
        event: Event::TicketRepliedByStaff,
        about: About::MailHosting,
        category: "SUPPORT",
        author: None,
        subject: "Re: [Ticket #",
        amount: None,
    },
    Row {
        event: Event::TicketRepliedBy("owner"),
        about: About::MailHosting,
        category: "SUPPORT",
        author: Some("owner"),
        subject: "Re: [Ticket #",
        amount: None,
    },
    Row {
        event: Event::TicketReplyEmailedBy("admin"),
        about: About::MailHosting,
        category: "SUPPORT",
        author: Some("admin"),
        subject: "Re: [Ticket #",
        amount: None,
    },
    // A contact without a login writes by email: no copy for them either.
    Row {
        event: Event::TicketReplyEmailedBy("sitemanager"),
        about: About::MailHosting,
        category: "SUPPORT",
        author: Some("sitemanager"),
        subject: "Re: [Ticket #",
        amount: None,
    },
    Row {
        event: Event::BillingContactNamed,
        about: About::Account,
        category: "GENERAL",
        author: None,
        subject: "Billing contact changed for Acme",
        amount: None,
    },
    Row {
        event: Event::BillingContactCleared,
        about: About::Account,
        category: "GENERAL",
        author: None,
        subject: "Billing contact changed for Acme",
        amount: None,
    },
    // Last: it changes two people's roles (OWNER and ADMIN have the same defaults).
    Row {
        event: Event::OwnershipTransferred,
        about: About::Account,
        category: "GENERAL",
        author: None,
        subject: "Acme has a new owner",
        amount: None,
    },
];

/// The account under test and what the events need.
struct Acme {
    account: String,
    staff: String,
    /// Session tokens of the people with a login, by key.
    tokens: Vec<(&'static str, String)>,
    /// Contact ids, by key.
    contacts: Vec<(&'static str, String)>,
    invoice: Option<String>,
    service: Option<String>,
    ticket: Option<String>,
}

impl Acme {
    fn token(&self, key: &str) -> &str {
        &self.tokens.iter().find(|(k, _)| *k == key).unwrap().1
    }

    fn contact(&self, key: &str) -> &str {
        &self.contacts.iter().find(|(k, _)| *k == key).unwrap().1
    }
}

async fn acme(app: &TestApp) -> Acme {
    let Portal {
        owner,
        account,
        owner_contact,
        ..
    } = Portal::acme(app).await;
    let mut acme = Acme {
        account: account.clone(),
        staff: app.staff().await,
        tokens: vec![("owner", owner.clone())],
        contacts: vec![("owner", owner_contact)],
        invoice: None,
        service: None,
        ticket: None,
    };
    for person in PEOPLE.iter().filter(|p| p.role != "OWNER") {
        let r = app
            .gql_as(
                &owner,
                ADD,
                json!({ "a": account, "i": {
                    "firstName": person.key, "lastName": "Acme", "email": person.email(),
                    "role": person.role, "permissions": person.permissions,
                    "portalAccess": person.login,
                    "password": person.login.then_some(MEMBER_PASSWORD),
                    "notificationPreferences": person.preferences,
                    "scope": person.scoped.then(|| json!({ "serviceIds": [], "domainIds": [] })),
                }}),
            )
            .await
            .ok();
        acme.contacts
            .push((person.key, r.str("addContact.id").to_owned()));
        if person.login {
            let token = app
                .login(&person.email(), MEMBER_PASSWORD)
                .await
                .expect("member signs in");
            acme.tokens.push((person.key, token));
        }
    }
    acme
}

/// Makes `event` happen, as the person or staff member who would.
async fn perform(app: &TestApp, acme: &mut Acme, event: Event) {
    let staff = acme.staff.clone();
    let account = acme.account.clone();
    match event {
        Event::InvoiceCreated => {
            let r = app
                .gql_as(
                    &staff,
                    "mutation($a: ID!) { createInvoice(accountId: $a, input: {total: \"120.50\", currency: \"EUR\", dueDate: \"2031-01-31\"}) { id } }",
                    json!({ "a": account }),
                )
                .await
                .ok();
            acme.invoice = Some(r.str("createInvoice.id").to_owned());
        }
        Event::PaymentReceived => {
            app.gql_as(
                acme.token("billing"),
                "mutation($id: ID!) { payInvoice(id: $id) { status } }",
                json!({ "id": acme.invoice }),
            )
            .await
            .ok();
        }
        Event::ServiceCreatedActive => {
            create_service(app, acme, "Web Hosting", "ACTIVE").await;
        }
        Event::ServiceProvisioned => {
            let id = create_service(app, acme, "Mail Hosting", "PENDING").await;
            // New, it is in nobody's scope: the owner gives it to the freelancer.
            app.gql_as(
                acme.token("owner"),
                "mutation($c: ID!, $s: ID!) { updateContact(id: $c, input: { scope: { serviceIds: [$s], domainIds: [] } }) { id } }",
                json!({ "c": acme.contact("freelancer"), "s": id }),
            )
            .await
            .ok();
            acme.service = Some(id);
            set_service_status(app, acme, "ACTIVE").await;
        }
        Event::ServiceSuspended => set_service_status(app, acme, "SUSPENDED").await,
        Event::ServiceTerminated => set_service_status(app, acme, "TERMINATED").await,
        Event::TicketOpenedByStaff => {
            // About Mail Hosting: the freelancer hears of it.
            let service = acme.service.clone();
            let r = open_ticket(
                app,
                &staff,
                &account,
                "Scheduled maintenance",
                service.as_deref(),
            )
            .await;
            acme.ticket = Some(r);
        }
        Event::TicketOpenedBy(key) => {
            open_ticket(app, acme.token(key), &account, "Site is down", None).await;
        }
        Event::TicketRepliedByStaff => reply(app, &staff, acme).await,
        Event::TicketRepliedBy(key) => reply(app, acme.token(key), acme).await,
        Event::TicketReplyEmailedBy(key) => {
            app.gql_as(
                &staff,
                "mutation($t: ID!, $f: String!) { addTicketReplyFromEmail(ticketId: $t, fromEmail: $f, body: \"Sent from my phone.\") { badge } }",
                json!({ "t": acme.ticket, "f": format!("{key}@acme.test") }),
            )
            .await
            .ok();
        }
        Event::BillingContactNamed => {
            app.gql_as(
                acme.token("owner"),
                "mutation($c: ID!) { setBillingContact(contactId: $c) { id } }",
                json!({ "c": acme.contact("accountant") }),
            )
            .await
            .ok();
        }
        Event::BillingContactCleared => {
            app.gql_as(
                acme.token("owner"),
                "mutation($a: ID!) { setBillingContact(contactId: null, accountId: $a) { id } }",
                json!({ "a": account }),
            )
            .await
            .ok();
        }
        Event::OwnershipTransferred => {
            app.gql_as(
                acme.token("owner"),
                "mutation($c: ID!, $p: String!) { transferOwnership(contactId: $c, currentPassword: $p) { id } }",
                json!({ "c": acme.contact("admin"), "p": OWNER_PASSWORD }),
            )
            .await
            .ok();
        }
    }
}

async fn create_service(app: &TestApp, acme: &Acme, name: &str, status: &str) -> String {
    let r = app
        .gql_as(
            &acme.staff,
            &format!(
                "mutation($a: ID!, $n: String!) {{ createService(accountId: $a, input: {{productName: $n, status: {status}, username: \"acme-login\", password: \"{SERVICE_PASSWORD}\", recurringAmount: \"{PRICE}\"}}) {{ id }} }}"
            ),
            json!({ "a": acme.account, "n": name }),
        )
        .await
        .ok();
    r.str("createService.id").to_owned()
}

async fn set_service_status(app: &TestApp, acme: &Acme, status: &str) {
    app.gql_as(
        &acme.staff,
        &format!(
            "mutation($id: ID!) {{ setServiceStatus(id: $id, status: {status}) {{ status }} }}"
        ),
        json!({ "id": acme.service }),
    )
    .await
    .ok();
}

/// Opens a ticket as `token`, about `service` if given.
async fn open_ticket(
    app: &TestApp,
    token: &str,
    account: &str,
    subject: &str,
    service: Option<&str>,
) -> String {
    let r = app
        .gql_as(
            token,
            "mutation($a: ID!, $s: String!, $sv: ID) { openTicket(accountId: $a, subject: $s, body: \"Please have a look.\", serviceId: $sv) { id } }",
            json!({ "a": account, "s": subject, "sv": service }),
        )
        .await
        .ok();
    r.str("openTicket.id").to_owned()
}

async fn reply(app: &TestApp, token: &str, acme: &Acme) {
    app.gql_as(
        token,
        "mutation($t: ID!) { replyToTicket(ticketId: $t, body: \"Looking into it.\") { id } }",
        json!({ "t": acme.ticket }),
    )
    .await
    .ok();
}

/// The addresses in a message's `To:` header.
fn to_addresses(message: &str) -> Vec<String> {
    let line = message
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("to:"))
        .unwrap_or_else(|| panic!("no To: in {message}"));
    line[3..]
        .split(',')
        .map(|a| {
            let a = a.trim();
            a.rsplit_once('<')
                .map_or(a, |(_, rest)| rest.trim_end_matches('>'))
                .to_ascii_lowercase()
        })
        .collect()
}

#[tokio::test]
async fn every_event_reaches_exactly_the_people_the_spec_table_names() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::start_with(|c| c.mail.smtp_url = Some(url.into())).await;
    let mut acme = acme(&app).await;
    // The account's email history as staff read it: what each event queued.
    let (staff, account) = (acme.staff.clone(), acme.account.clone());
    let history = async || app.email_history(&staff, &account).await;
    let mut seen = history().await.len();
    let mut delivered = sink.messages().len();

    for row in MATRIX {
        perform(&app, &mut acme, row.event).await;
        let expected: BTreeSet<String> = PEOPLE
            .iter()
            .filter(|p| p.receives(row.category))
            .filter(|p| p.looks_after(row.about))
            .filter(|p| Some(p.key) != row.author)
            .map(Person::email)
            .collect();
        assert!(!expected.is_empty(), "{:?} reaches someone", row.event);

        // Queued in the change that caused it: one email per recipient, in the category.
        let queued = history().await.split_off(seen);
        seen += queued.len();
        let mut queued_to = BTreeSet::new();
        for email in &queued {
            let to = email["to"].as_array().unwrap();
            assert_eq!(to.len(), 1, "{:?}: one recipient per email", row.event);
            queued_to.insert(to[0].as_str().unwrap().to_owned());
            assert_eq!(email["category"], row.category, "{:?}", row.event);
            assert!(
                email["subject"].as_str().unwrap().contains(row.subject),
                "{:?}: {}",
                row.event,
                email["subject"]
            );
        }
        assert_eq!(
            queued.len(),
            expected.len(),
            "{:?}: {queued_to:?}",
            row.event
        );
        assert_eq!(queued_to, expected, "{:?}", row.event);

        // Delivered through SMTP: the same people, each alone on the To: line.
        let total = delivered + queued.len();
        let messages = clientele_tests::wait_for(
            || {
                let all = sink.messages();
                (all.len() >= total).then_some(all)
            },
            "the event's emails over SMTP",
        )
        .await;
        assert_eq!(messages.len(), total, "{:?}: nothing extra", row.event);
        let mut received = BTreeSet::new();
        for message in &messages[delivered..] {
            let message = decode_qp(message);
            let to = to_addresses(&message);
            assert_eq!(to.len(), 1, "{:?}: {message}", row.event);
            let person = PEOPLE
                .iter()
                .find(|p| p.email() == to[0])
                .unwrap_or_else(|| panic!("{:?} went to a stranger: {message}", row.event));
            // Amounts only for those who may see invoices; never a service password.
            if let Some(amount) = row.amount {
                assert_eq!(
                    message.contains(amount),
                    person.sees_amounts,
                    "{:?} to {}: {message}",
                    row.event,
                    person.key
                );
            }
            assert!(!message.contains(SERVICE_PASSWORD), "{message}");
            assert!(!message.contains("acme-login"), "{message}");
            assert!(message.contains("/unsubscribe/"), "{message}");
            received.insert(to[0].clone());
        }
        assert_eq!(received, expected, "{:?}", row.event);
        delivered = total;
    }

    // The matrix's size: rows × the people checked for each (who got it, who did not).
    let cells = MATRIX.len() * PEOPLE.len();
    println!(
        "routing matrix: {} events × {} recipients = {cells} cells; {} messages checked over SMTP",
        MATRIX.len(),
        PEOPLE.len(),
        delivered
    );
    app.stop().await;
    sink.stop();
}

#[tokio::test]
async fn nothing_is_sent_for_what_did_not_happen() {
    let app = TestApp::start().await;
    let mut acme = acme(&app).await;
    let (staff, account) = (acme.staff.clone(), acme.account.clone());
    let count = async || app.email_history(&staff, &account).await.len();
    let before = count().await;

    // A service created pending, moved to pending again, or set to the status it has.
    let id = create_service(&app, &acme, "Backup", "PENDING").await;
    acme.service = Some(id);
    set_service_status(&app, &acme, "PENDING").await;
    assert_eq!(count().await, before);
    set_service_status(&app, &acme, "ACTIVE").await;
    let after_activation = count().await;
    assert!(after_activation > before);
    set_service_status(&app, &acme, "ACTIVE").await;
    assert_eq!(count().await, after_activation);

    // Naming the billing contact it already has.
    perform(&app, &mut acme, Event::BillingContactNamed).await;
    let named = count().await;
    perform(&app, &mut acme, Event::BillingContactNamed).await;
    assert_eq!(count().await, named);

    // A failed payment (already paid) sends nothing either.
    perform(&app, &mut acme, Event::InvoiceCreated).await;
    perform(&app, &mut acme, Event::PaymentReceived).await;
    let paid = count().await;
    let r = app
        .gql_as(
            acme.token("billing"),
            "mutation($id: ID!) { payInvoice(id: $id) { status } }",
            json!({ "id": acme.invoice }),
        )
        .await;
    r.expect_code("CONFLICT");
    assert_eq!(count().await, paid);
    app.stop().await;
}

#[tokio::test]
async fn a_technical_contacts_service_email_names_the_product_not_the_price() {
    let app = TestApp::start().await;
    let acme = acme(&app).await;
    create_service(&app, &acme, "Web Hosting", "ACTIVE").await;
    let technical = app.wait_for_eml("technical@acme.test").await;
    let owner = app.wait_for_eml("owner@acme.test").await;
    assert!(technical.contains("Subject: Your service Web Hosting is now active"));
    assert!(
        technical.contains("Web Hosting for Acme is now active"),
        "{technical}"
    );
    assert!(!technical.contains(PRICE), "{technical}");
    assert!(
        owner.contains(&format!("Recurring amount: {PRICE}")),
        "{owner}"
    );
    for message in [technical, owner] {
        assert!(!message.contains(SERVICE_PASSWORD), "{message}");
    }
    app.stop().await;
}
