//! Reminders (SPEC "Notifications"): invoice due in 7 days, due today, overdue by one
//! day; domain expiring in 30, 7 and 1 days. Each goes out once, however often the job
//! runs and however many instances run it, to the contacts whose preferences hold its
//! category. The tests move the domain clock instead of waiting for days.

use std::time::Duration;

use chrono::NaiveDate;
use clientele_tests::fixtures::{OWNER_PASSWORD, Portal, Role};
use clientele_tests::{Member, TestApp};
use domain::Domain;
use domain::entities::reminder_sent;
use domain::notifications::{ReminderKind, ReminderRun};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// An account with an owner, a billing and a technical member, and a staff session.
struct Acme {
    staff: String,
    owner: String,
    account: String,
    billing: Member,
    technical: Member,
}

/// Who [`Portal::acme`] registers.
const OWNER: &str = "owner@acme.test";

async fn acme(app: &TestApp) -> Acme {
    let portal = Portal::acme(app).await;
    let billing = portal.member(Role::Billing).await;
    let technical = portal.member(Role::Technical).await;
    Acme {
        staff: app.staff().await,
        owner: portal.owner,
        account: portal.account,
        billing,
        technical,
    }
}

/// The date the server's reminders go by.
fn today(domain: &Domain) -> NaiveDate {
    domain.clock().now().date_naive()
}

fn days_from(day: NaiveDate, days: i64) -> String {
    (day + chrono::Duration::days(days)).to_string()
}

/// Staff issues an invoice of 120.50 EUR due on `due`; returns its id and number.
async fn invoice_due(app: &TestApp, acme: &Acme, due: &str) -> (String, String) {
    let r = app
        .gql_as(
            &acme.staff,
            "mutation($a: ID!, $d: Date!) { createInvoice(accountId: $a, input: {total: \"120.50\", currency: \"EUR\", dueDate: $d}) { id number } }",
            json!({"a": acme.account, "d": due}),
        )
        .await
        .ok();
    (
        r.str("createInvoice.id").to_owned(),
        r.str("createInvoice.number").to_owned(),
    )
}

async fn domain_expiring(app: &TestApp, acme: &Acme, name: &str, expires: &str) {
    app.gql_as(
        &acme.staff,
        "mutation($a: ID!, $n: String!, $e: Date!) { createDomain(accountId: $a, input: {name: $n, expiresAt: $e}) { id } }",
        json!({"a": acme.account, "n": name, "e": expires}),
    )
    .await
    .ok();
}

async fn run(domain: &Domain) -> ReminderRun {
    domain
        .notifications()
        .run_reminders()
        .await
        .expect("the reminder run")
}

/// The delivered email to `to` with `subject` (the account's other emails, such as the
/// new invoice's, go to the same people). Delivery is driven; the wait is for the
/// reminder schedule, which runs on its own in the test of it.
async fn delivered(app: &TestApp, to: &str, subject: &str) -> String {
    clientele_tests::wait_until(
        async || {
            app.mails_to(to)
                .await
                .into_iter()
                .find(|m| m.contains(subject))
        },
        subject,
    )
    .await
}

/// The owner, signed in afresh (the clock moves by weeks here, past any session's
/// end), and the account.
async fn owner_now(app: &TestApp) -> (String, String) {
    let owner = app
        .login(OWNER, OWNER_PASSWORD)
        .await
        .expect("the owner signs in");
    let account = app.current_account(&owner).await;
    (owner, account)
}

/// Every reminder queued as (recipient, subject), oldest first, as the owner reads the
/// account's email history.
async fn outbox(app: &TestApp) -> Vec<(String, String)> {
    let (owner, account) = owner_now(app).await;
    app.email_history(&owner, &account)
        .await
        .into_iter()
        .map(|email| {
            (
                email["to"][0].as_str().unwrap_or_default().to_owned(),
                email["subject"].as_str().unwrap_or_default().to_owned(),
            )
        })
        // Only the reminders: the setup's own changes (a new invoice, a service) send
        // emails of their own.
        .filter(|(_, subject)| {
            subject.contains(" is due ")
                || subject.ends_with(" is overdue")
                || subject.contains(" expires ")
        })
        .collect()
}

/// An invoice's status, as the owner reads it.
async fn invoice_status(app: &TestApp, id: &str) -> String {
    let (owner, account) = owner_now(app).await;
    let invoices = app.every(&owner, &account, "invoices", "id status").await;
    let invoice = invoices
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no invoice {id} in {invoices:?}"));
    invoice["status"].as_str().unwrap_or_default().to_owned()
}

/// The reminders recorded as sent, read from the database: the ledger that keeps each
/// reminder to once is the server's own (the emails it caused are [`outbox`]).
async fn reminders_recorded(app: &TestApp) -> u64 {
    reminder_sent::Entity::find()
        .count(app.db())
        .await
        .expect("reminders counted")
}

/// The recipients of the emails with `subject`, sorted.
async fn recipients_of(app: &TestApp, subject: &str) -> Vec<String> {
    let mut to: Vec<String> = outbox(app)
        .await
        .into_iter()
        .filter(|(_, s)| s == subject)
        .map(|(to, _)| to)
        .collect();
    to.sort();
    to
}

fn sorted(addresses: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn each_reminder_goes_out_once_however_often_the_job_runs() {
    let app = TestApp::start().await;
    let acme = acme(&app).await;
    let day = today(&app.server.domain);
    let (_, number) = invoice_due(&app, &acme, &days_from(day, 7)).await;
    domain_expiring(&app, &acme, "acme.test", &days_from(day, 30)).await;

    let first = run(&app.server.domain).await;
    let kinds: Vec<ReminderKind> = first.sent.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            ReminderKind::InvoiceDueIn7Days,
            ReminderKind::DomainExpiresIn30Days
        ]
    );
    assert_eq!(first.emails(), 4);
    let again = run(&app.server.domain).await;
    assert!(again.sent.is_empty(), "{again:?}");
    assert_eq!(again.failed, 0);

    let invoice_subject = format!("Invoice {number} is due in 7 days");
    // The invoice reminder reaches the owner and the billing contact, the domain's the
    // owner and the technical contact: SPEC's table, through their preferences.
    assert_eq!(
        recipients_of(&app, &invoice_subject).await,
        sorted(&[OWNER, &acme.billing.email])
    );
    assert_eq!(
        recipients_of(&app, "acme.test expires in 30 days").await,
        sorted(&[OWNER, &acme.technical.email])
    );
    assert_eq!(outbox(&app).await.len(), 4);
    assert_eq!(reminders_recorded(&app).await, 2);

    // Delivered, with the amount for the billing contact and the links every
    // notification carries.
    let message = delivered(&app, &acme.billing.email, &invoice_subject).await;
    assert!(message.contains("120.50 EUR"), "{message}");
    assert!(message.contains("/email-preferences/"), "{message}");
    assert!(message.contains("/unsubscribe/"), "{message}");
    app.stop().await;
}

#[tokio::test]
async fn recipients_follow_preferences_and_amounts_follow_visibility() {
    let app = TestApp::start().await;
    let acme = acme(&app).await;
    // The technical contact cannot opt in to invoice emails (they may not see
    // invoices); the owner opts out of domain emails; an accountant without a login
    // receives invoices by their BILLING role's defaults.
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!) { updateContact(id: $id, input: {notificationPreferences: [\"INVOICE\", \"DOMAIN\"]}) { id } }",
        json!({"id": acme.technical.contact_id}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let owner_contact = app
        .gql_as(
            &acme.owner,
            "query($id: ID!) { account(id: $id) { owner { id } } }",
            json!({"id": acme.account}),
        )
        .await
        .str("account.owner.id")
        .to_owned();
    app.gql_as(
        &acme.owner,
        "mutation($id: ID!) { updateContact(id: $id, input: {notificationPreferences: [\"INVOICE\", \"GENERAL\"]}) { id } }",
        json!({"id": owner_contact}),
    )
    .await
    .ok();
    app.gql_as(
        &acme.owner,
        "mutation($a: ID!) { addContact(accountId: $a, input: {firstName: \"Alex\", lastName: \"Counts\", email: \"books@acme.test\", role: BILLING, portalAccess: false}) { id } }",
        json!({"a": acme.account}),
    )
    .await
    .ok();

    let day = today(&app.server.domain);
    let (_, number) = invoice_due(&app, &acme, &days_from(day, 0)).await;
    domain_expiring(&app, &acme, "acme.test", &days_from(day, 7)).await;
    run(&app.server.domain).await;

    let invoice_subject = format!("Invoice {number} is due today");
    assert_eq!(
        recipients_of(&app, &invoice_subject).await,
        sorted(&[OWNER, &acme.billing.email, "books@acme.test"])
    );
    assert_eq!(
        recipients_of(&app, "acme.test expires in 7 days").await,
        sorted(&[&acme.technical.email])
    );

    // One email per recipient; the amount only for those who may see invoices.
    let inbox = |to: &str| {
        let to = to.to_owned();
        let subject = invoice_subject.clone();
        let app = &app;
        async move {
            clientele_tests::wait_for(
                || {
                    app.eml_files()
                        .into_iter()
                        .find(|m| clientele_tests::addressed_to(m, &to) && m.contains(&subject))
                },
                "the invoice reminder",
            )
            .await
        }
    };
    for to in [OWNER, acme.billing.email.as_str(), "books@acme.test"] {
        assert!(inbox(to).await.contains("120.50 EUR"));
    }
    app.stop().await;
}

#[tokio::test]
async fn a_paid_invoice_gets_no_reminder() {
    let app = TestApp::start().await;
    let acme = acme(&app).await;
    let day = today(&app.server.domain);
    let (paid_soon, _) = invoice_due(&app, &acme, &days_from(day, 7)).await;
    let (paid_late, late_number) = invoice_due(&app, &acme, &days_from(day, -1)).await;
    for id in [&paid_soon, &paid_late] {
        app.gql_as(
            &acme.billing.token,
            "mutation($id: ID!) { payInvoice(id: $id) { status } }",
            json!({"id": id}),
        )
        .await
        .ok();
    }
    let result = run(&app.server.domain).await;
    assert!(result.sent.is_empty(), "{result:?}");
    assert!(result.marked_overdue.is_empty(), "{result:?}");
    assert!(outbox(&app).await.is_empty());
    assert_eq!(
        invoice_status(&app, &paid_late).await,
        "PAID",
        "{late_number}"
    );
    app.stop().await;
}

#[tokio::test]
async fn moving_the_clock_walks_through_the_windows_and_skips_missed_days() {
    let app = TestApp::start().await;
    let acme = acme(&app).await;
    let clock = app.server.domain.clock();
    let start = today(&app.server.domain);
    let (walked_id, walked) = invoice_due(&app, &acme, &days_from(start, 8)).await;
    let (_, skipped) = invoice_due(&app, &acme, &days_from(start, 3)).await;
    domain_expiring(&app, &acme, "acme.test", &days_from(start, 31)).await;

    // (days since start, subjects the owner gets that day)
    let due_7 = format!("Invoice {walked} is due in 7 days");
    let due_today = format!("Invoice {walked} is due today");
    let overdue = format!("Invoice {walked} is overdue");
    let timeline: [(u32, Vec<&str>); 8] = [
        (0, vec![]),
        (1, vec![&due_7, "acme.test expires in 30 days"]),
        // Days 2–7 pass without a run: the other invoice's due date and its overdue
        // day are missed, and no stale reminder makes up for them.
        (8, vec![&due_today]),
        (9, vec![&overdue]),
        (10, vec![]),
        (24, vec!["acme.test expires in 7 days"]),
        (30, vec!["acme.test expires tomorrow"]),
        (31, vec![]),
    ];
    let mut elapsed = 0;
    let mut seen = 0;
    for (day, expected) in timeline {
        clock.advance(DAY * (day - elapsed));
        elapsed = day;
        let result = run(&app.server.domain).await;
        assert_eq!(result.failed, 0);
        let owner_subjects: Vec<String> = outbox(&app)
            .await
            .into_iter()
            .skip(seen)
            .filter(|(to, _)| to == OWNER)
            .map(|(_, subject)| subject)
            .collect();
        assert_eq!(owner_subjects, expected, "day {day}");
        seen = outbox(&app).await.len();
        if day == 8 {
            // Past due without a reminder: still shown as OVERDUE.
            assert_eq!(result.marked_overdue, [skipped.as_str()]);
        }
        if day == 9 {
            assert_eq!(result.marked_overdue, [walked.as_str()]);
        }
    }
    assert_eq!(invoice_status(&app, &walked_id).await, "OVERDUE");
    assert!(
        !outbox(&app)
            .await
            .iter()
            .any(|(_, subject)| subject.contains(&skipped))
    );
    app.stop().await;
}

#[tokio::test]
async fn two_instances_running_the_job_at_once_send_each_reminder_once() {
    let app = TestApp::start().await;
    let acme = acme(&app).await;
    let second = app.second_instance(|_| {}).await;
    let day = today(&app.server.domain);
    const ROUNDS: usize = 12;
    let mut numbers = Vec::new();
    for round in 0..ROUNDS {
        // Each round: an invoice due in 7 days, one due yesterday (turns OVERDUE and
        // is reminded of), a domain expiring tomorrow; then both instances at once.
        let (_, soon) = invoice_due(&app, &acme, &days_from(day, 7)).await;
        let (_, late) = invoice_due(&app, &acme, &days_from(day, -1)).await;
        let name = format!("r{round}.acme.test");
        domain_expiring(&app, &acme, &name, &days_from(day, 1)).await;
        let (a, b) = tokio::join!(run(&app.server.domain), run(&second.domain));
        assert_eq!(a.failed + b.failed, 0, "round {round}");
        assert_eq!(a.sent.len() + b.sent.len(), 3, "round {round}: {a:?} {b:?}");
        let mut marked = [a.marked_overdue, b.marked_overdue].concat();
        marked.sort();
        assert_eq!(marked, [late.as_str()], "round {round}");
        numbers.push((soon, late, name));
    }
    for (soon, late, name) in &numbers {
        assert_eq!(
            recipients_of(&app, &format!("Invoice {soon} is due in 7 days")).await,
            sorted(&[OWNER, &acme.billing.email]),
        );
        assert_eq!(
            recipients_of(&app, &format!("Invoice {late} is overdue")).await,
            sorted(&[OWNER, &acme.billing.email]),
        );
        assert_eq!(
            recipients_of(&app, &format!("{name} expires tomorrow")).await,
            sorted(&[OWNER, &acme.technical.email]),
        );
    }
    assert_eq!(outbox(&app).await.len(), ROUNDS * 6);
    assert_eq!(reminders_recorded(&app).await, (ROUNDS * 3) as u64);
    let (owner, account) = owner_now(&app).await;
    assert_eq!(
        app.audited_in(&owner, &account, "invoice.overdue").await,
        ROUNDS
    );
    second.shutdown().await;
    app.stop().await;
}

#[tokio::test]
async fn the_server_sends_reminders_on_its_own_schedule() {
    let app = TestApp::start_with(|c| {
        c.schedules.reminders_every = Some(Duration::from_millis(200));
        c.schedules.first_reminders_after = Duration::ZERO;
    })
    .await;
    let acme = acme(&app).await;
    let day = today(&app.server.domain);
    let (_, number) = invoice_due(&app, &acme, &days_from(day, 7)).await;
    delivered(
        &app,
        &acme.billing.email,
        &format!("Invoice {number} is due in 7 days"),
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn run_reminders_as_the_cli_does_sends_and_delivers() {
    let app = TestApp::start().await;
    let acme = acme(&app).await;
    let day = today(&app.server.domain);
    domain_expiring(&app, &acme, "acme.test", &days_from(day, 30)).await;
    let outcome = clientele::run_reminders(&app.config)
        .await
        .expect("run-reminders");
    assert_eq!(outcome.run.sent.len(), 1);
    assert_eq!(outcome.run.sent[0].subject, "acme.test");
    assert_eq!(outcome.run.sent[0].recipients, 2);
    let message = app.wait_for_eml(&acme.technical.email).await;
    assert!(
        message.contains("acme.test expires in 30 days"),
        "{message}"
    );
    // A second run (cron every hour) finds nothing left to send.
    let again = clientele::run_reminders(&app.config).await.unwrap();
    assert!(again.run.sent.is_empty());
    app.stop().await;
}
