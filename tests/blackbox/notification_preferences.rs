//! Notifications through the API: categories as data, `sendNotification` to exactly the
//! contacts whose preferences hold the category (one email each, through a real SMTP
//! sink), and the mail-only controls a recipient has without signing in: one-click
//! unsubscribe (RFC 8058) and the preferences page, each acting on one contact only.
//! (Over 500 lines: eight stories, each through a real SMTP sink.)

use clientele_tests::fixtures::{ADD, OWNER_PASSWORD, REMOVE, UPDATE};
use clientele_tests::{Gql, SmtpSink, TestApp, addressed_to, decode_qp, link_after};
use domain::entities::email::{self, EmailStatus};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

const OWNER_EMAIL: &str = "owner@shop.test";
const DEFINE: &str = "mutation($i: NotificationCategoryInput!) { defineNotificationCategory(input: $i) { key label defaultRoles builtIn } }";
const SEND: &str = "mutation($a: ID!, $c: String!, $s: String!, $b: String!) { sendNotification(accountId: $a, category: $c, subject: $s, body: $b) }";
const CATEGORIES: &str = "{ notificationCategories { key label defaultRoles builtIn } }";
const PREFERENCES: &str = "query($t: String!) { emailPreferences(token: $t) { contactName accountName email categories { key label subscribed } } }";
const SET_PREFERENCES: &str = "mutation($t: String!, $c: [String!]!) { setEmailPreferences(token: $t, categories: $c) { email categories { key subscribed } } }";

/// An auto-repair shop's portal: a server mailing through an SMTP sink, its staff, and
/// one account with its owner.
struct Shop {
    app: TestApp,
    sink: SmtpSink,
    staff: String,
    owner: String,
    account: String,
}

impl Shop {
    async fn open() -> Self {
        let sink = SmtpSink::start().await;
        let url = sink.url();
        let app = TestApp::start_with(|c| c.mail.smtp_url = Some(url.into())).await;
        let owner = app.register("Garage", OWNER_EMAIL, OWNER_PASSWORD).await;
        let account = app.current_account(&owner).await;
        let staff = app.staff().await;
        Self {
            app,
            sink,
            staff,
            owner,
            account,
        }
    }

    async fn stop(self) {
        self.app.stop().await;
        self.sink.stop();
    }

    /// Adds a contact (by the owner); returns its id.
    async fn add_contact(&self, input: Value) -> String {
        let r = self
            .app
            .gql_as(&self.owner, ADD, json!({ "a": self.account, "i": input }))
            .await
            .ok();
        r.str("addContact.id").to_owned()
    }

    async fn define(&self, key: &str, label: &str, roles: &[&str]) -> Gql {
        self.app
            .gql_as(
                &self.staff,
                DEFINE,
                json!({ "i": { "key": key, "label": label, "defaultRoles": roles } }),
            )
            .await
    }

    /// Staff sends a message in `category`; the response.
    async fn send(&self, category: &str, subject: &str) -> Gql {
        self.app
            .gql_as(
                &self.staff,
                SEND,
                json!({ "a": self.account, "c": category, "s": subject, "b": "Details inside." }),
            )
            .await
    }

    /// The category keys of the contact with `email`, sorted.
    async fn preferences_of(&self, email: &str) -> Vec<String> {
        let r = self
            .app
            .gql_as(
                &self.owner,
                "query($a: ID!) { account(id: $a) { contacts(first: 100) { edges { node { email notificationPreferences } } } } }",
                json!({ "a": self.account }),
            )
            .await
            .ok();
        let edges = r.at("account.contacts.edges").as_array().unwrap().clone();
        let node = edges
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["email"] == email)
            .unwrap_or_else(|| panic!("no contact {email} in {}", r.body));
        sorted(&node["notificationPreferences"])
    }

    /// The account's email history for `subject` (as `Account.emails` shows it), once
    /// every one of them is SENT. All of one `sendNotification`'s emails are queued in
    /// its transaction, so the list is complete when the mutation returns; only
    /// delivery is waited for.
    async fn delivered(&self, subject: &str) -> Vec<Value> {
        // One delivery pass, driven from here: the sink takes every message.
        self.app.deliver_mail().await;
        let r = self
            .app
            .gql_as(
                &self.staff,
                "query($a: ID!) { account(id: $a) { emails(first: 100) { edges { node { to subject category status createdAt sentAt } } } } }",
                json!({ "a": self.account }),
            )
            .await
            .ok();
        let rows: Vec<Value> = r
            .at("account.emails.edges")
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .filter(|n| n["subject"] == subject)
            .collect();
        assert!(
            !rows.is_empty() && rows.iter().all(|n| n["status"] == "SENT"),
            "the emails {subject:?} were not all sent: {rows:?}"
        );
        rows
    }

    /// The raw messages the SMTP sink received with `subject`.
    fn messages(&self, subject: &str) -> Vec<String> {
        self.sink
            .messages()
            .into_iter()
            .map(|m| decode_qp(&m))
            .filter(|m| m.lines().any(|l| l == format!("Subject: {subject}")))
            .collect()
    }

    /// The one message with `subject` addressed to `to`.
    fn message_to(&self, subject: &str, to: &str) -> String {
        let mut found: Vec<String> = self
            .messages(subject)
            .into_iter()
            .filter(|m| addressed_to(m, to))
            .collect();
        assert_eq!(found.len(), 1, "messages {subject:?} to {to}: {found:?}");
        found.remove(0)
    }

    /// POSTs to the path of a `List-Unsubscribe` URL on this server, with no session.
    async fn post_unsubscribe(&self, path: &str, body: &'static str) -> (u16, String) {
        let mut request = reqwest::Client::new().post(format!("{}{path}", self.app.url));
        if !body.is_empty() {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let response = request.send().await.expect("request sent");
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    }
}

fn sorted(keys: &Value) -> Vec<String> {
    let mut keys: Vec<String> = keys
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {keys}"))
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    keys
}

fn keys(list: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = list.iter().map(|k| (*k).to_owned()).collect();
    keys.sort();
    keys
}

/// The value of header `name` in a raw message.
fn header<'m>(message: &'m str, name: &str) -> Option<&'m str> {
    message
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

/// The path (`/unsubscribe/<token>`) of a message's `List-Unsubscribe: <url>` header.
fn unsubscribe_path(message: &str) -> String {
    let url = header(message, "List-Unsubscribe")
        .and_then(|v| v.strip_prefix('<')?.strip_suffix('>'))
        .unwrap_or_else(|| panic!("no List-Unsubscribe header in {message}"));
    let start = url.find("/unsubscribe/").expect("an unsubscribe URL");
    url[start..].to_owned()
}

/// The token of a message's preferences link.
fn preferences_token(message: &str) -> String {
    let link = link_after(message, "http://localhost:8080/email-preferences/")
        .unwrap_or_else(|| panic!("no preferences link in {message}"));
    link.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn categories_list_the_six_built_ins_then_those_staff_define() {
    let shop = Shop::open().await;
    shop.define("SCHEDULING", "Appointments", &["OWNER", "TECHNICAL"])
        .await
        .ok();
    let vehicle = shop
        .define("VEHICLE_UPDATES", "Your vehicle", &[])
        .await
        .ok();
    assert_eq!(
        vehicle.at("defineNotificationCategory"),
        &json!({ "key": "VEHICLE_UPDATES", "label": "Your vehicle", "defaultRoles": [], "builtIn": false })
    );
    // Anyone may read the list (a contact form needs it); no sign-in needed.
    let r = shop.app.gql(CATEGORIES, json!({})).await.ok();
    let list = r.at("notificationCategories").as_array().unwrap().clone();
    let listed: Vec<&str> = list.iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert_eq!(
        listed,
        [
            "INVOICE",
            "PRODUCT",
            "DOMAIN",
            "SUPPORT",
            "GENERAL",
            "MARKETING",
            "SCHEDULING",
            "VEHICLE_UPDATES"
        ]
    );
    assert!(list[..6].iter().all(|c| c["builtIn"] == true));
    assert_eq!(
        list[0]["defaultRoles"],
        json!(["OWNER", "ADMIN", "BILLING"])
    );
    assert_eq!(
        list[5]["defaultRoles"],
        json!([]),
        "MARKETING is opt-in only"
    );
    assert_eq!(list[6]["defaultRoles"], json!(["OWNER", "TECHNICAL"]));
    assert_eq!(list[6]["label"], "Appointments");

    // Redefining one of staff's relabels it in place; a built-in cannot be redefined.
    shop.define("SCHEDULING", "Bookings", &["OWNER"]).await.ok();
    let r = shop.app.gql(CATEGORIES, json!({})).await.ok();
    assert_eq!(r.at("notificationCategories.6.label"), "Bookings");
    assert_eq!(r.at("notificationCategories").as_array().unwrap().len(), 8);
    shop.define("INVOICE", "Bills", &[])
        .await
        .expect_code("CONFLICT");
    shop.define("vehicle updates", "Lower case", &[])
        .await
        .expect_code("BAD_USER_INPUT");
    shop.stop().await;
}

#[tokio::test]
async fn send_notification_emails_exactly_the_contacts_whose_preferences_hold_the_category() {
    let shop = Shop::open().await;
    let app = &shop.app;
    app.add_member(
        &shop.owner,
        &shop.account,
        "tech@shop.test",
        "TECHNICAL",
        None,
    )
    .await;
    app.add_member(
        &shop.owner,
        &shop.account,
        "billing@shop.test",
        "BILLING",
        None,
    )
    .await;
    // A second account's owner: SCHEDULING becomes theirs too, but not this mail.
    app.register("Other garage", "other@elsewhere.test", OWNER_PASSWORD)
        .await;

    // Defined after they joined: the owner and technical contacts get it, billing not.
    shop.define("SCHEDULING", "Appointments", &["OWNER", "TECHNICAL"])
        .await
        .ok();
    assert!(
        shop.preferences_of("tech@shop.test")
            .await
            .contains(&"SCHEDULING".to_owned())
    );
    assert_eq!(shop.preferences_of("billing@shop.test").await, ["INVOICE"]);
    // A contact without a login who opted in, and a technical one who opted out.
    shop.add_contact(
        json!({ "firstName": "Ada", "lastName": "Books", "email": "ada@books.test",
        "role": "BILLING", "notificationPreferences": ["INVOICE", "SCHEDULING"] }),
    )
    .await;
    shop.add_contact(
        json!({ "firstName": "Quiet", "lastName": "Mechanic", "email": "quiet@shop.test",
        "role": "TECHNICAL", "notificationPreferences": ["PRODUCT"] }),
    )
    .await;
    // No email, nothing to send to.
    shop.add_contact(json!({ "firstName": "No", "lastName": "Email", "role": "TECHNICAL" }))
        .await;

    let r = shop.send("SCHEDULING", "Your slot on Tuesday").await.ok();
    assert_eq!(r.at("sendNotification"), 3);

    let expected = ["ada@books.test", OWNER_EMAIL, "tech@shop.test"];
    let history = shop.delivered("Your slot on Tuesday").await;
    let mut to: Vec<String> = history
        .iter()
        .map(|n| {
            assert_eq!(n["category"], "SCHEDULING");
            assert!(n["createdAt"].is_string() && n["sentAt"].is_string(), "{n}");
            let recipients = n["to"].as_array().unwrap();
            assert_eq!(recipients.len(), 1, "one recipient per email: {n}");
            recipients[0].as_str().unwrap().to_owned()
        })
        .collect();
    to.sort();
    assert_eq!(to, expected);

    let messages = shop.messages("Your slot on Tuesday");
    assert_eq!(messages.len(), 3);
    for address in expected {
        let message = shop.message_to("Your slot on Tuesday", address);
        assert!(message.contains("Details inside."));
        // Nobody sees another recipient's address.
        for other in expected.iter().filter(|o| **o != address) {
            assert!(!message.contains(other), "{address}'s email names {other}");
        }
        assert!(header(&message, "List-Unsubscribe").is_some());
        assert_eq!(
            header(&message, "List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
    }
    for never in [
        "billing@shop.test",
        "quiet@shop.test",
        "other@elsewhere.test",
    ] {
        assert!(
            !shop.sink.messages().iter().any(|m| addressed_to(m, never)),
            "{never} got mail"
        );
    }

    // A category nobody of the account receives: nobody is emailed.
    let r = shop.send("MARKETING", "Winter tyres sale").await.ok();
    assert_eq!(r.at("sendNotification"), 0);
    shop.stop().await;
}

#[tokio::test]
async fn unknown_category_keys_are_bad_user_input_everywhere() {
    let shop = Shop::open().await;
    let app = &shop.app;
    let r = app
        .gql_as(
            &shop.owner,
            ADD,
            json!({ "a": shop.account, "i": { "firstName": "A", "lastName": "B", "role": "BILLING",
                "notificationPreferences": ["INVOICE", "ESTIMATES"] } }),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");
    assert_eq!(
        r.body["errors"][0]["extensions"]["field"],
        "notificationPreferences"
    );

    let contact = shop
        .add_contact(
            json!({ "firstName": "A", "lastName": "B", "email": "a@shop.test", "role": "BILLING" }),
        )
        .await;
    app.gql_as(
        &shop.owner,
        UPDATE,
        json!({ "id": contact, "i": { "notificationPreferences": ["ESTIMATES"] } }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    assert_eq!(shop.preferences_of("a@shop.test").await, ["INVOICE"]);

    let r = shop.send("ESTIMATES", "Your estimate").await;
    r.expect_code("BAD_USER_INPUT");
    assert_eq!(r.body["errors"][0]["extensions"]["field"], "category");

    // Once staff define it, it is known everywhere.
    shop.define("ESTIMATES", "Estimates", &[]).await.ok();
    app.gql_as(
        &shop.owner,
        UPDATE,
        json!({ "id": contact, "i": { "notificationPreferences": ["ESTIMATES"] } }),
    )
    .await
    .ok();
    assert_eq!(
        shop.send("ESTIMATES", "Your estimate")
            .await
            .ok()
            .at("sendNotification"),
        1
    );
    shop.stop().await;
}

#[tokio::test]
async fn only_staff_define_categories_and_send_notifications() {
    let shop = Shop::open().await;
    // Not even the owner, who holds every permission of the account.
    let r = shop
        .app
        .gql_as(
            &shop.owner,
            DEFINE,
            json!({ "i": { "key": "SCHEDULING", "label": "Appointments" } }),
        )
        .await;
    r.expect_code("FORBIDDEN");
    let r = shop
        .app
        .gql_as(
            &shop.owner,
            SEND,
            json!({ "a": shop.account, "c": "GENERAL", "s": "Hello", "b": "Everyone" }),
        )
        .await;
    r.expect_code("FORBIDDEN");
    let r = shop
        .app
        .gql(
            SEND,
            json!({ "a": shop.account, "c": "GENERAL", "s": "Hello", "b": "Everyone" }),
        )
        .await;
    r.expect_code("UNAUTHENTICATED");
    let r = shop.app.gql(CATEGORIES, json!({})).await.ok();
    assert_eq!(r.at("notificationCategories").as_array().unwrap().len(), 6);
    shop.stop().await;
}

#[tokio::test]
async fn a_role_change_moves_default_preferences_but_keeps_explicit_ones() {
    let shop = Shop::open().await;
    shop.define("SCHEDULING", "Appointments", &["OWNER", "TECHNICAL"])
        .await
        .ok();
    let defaults = shop
        .add_contact(json!({ "firstName": "Dee", "lastName": "Fault", "email": "dee@shop.test", "role": "TECHNICAL" }))
        .await;
    assert_eq!(
        shop.preferences_of("dee@shop.test").await,
        keys(&["PRODUCT", "DOMAIN", "SUPPORT", "SCHEDULING"])
    );
    let chosen = shop
        .add_contact(json!({ "firstName": "Cho", "lastName": "Sen", "email": "cho@shop.test", "role": "TECHNICAL",
            "notificationPreferences": ["SUPPORT", "MARKETING"] }))
        .await;
    for id in [&defaults, &chosen] {
        shop.app
            .gql_as(
                &shop.owner,
                UPDATE,
                json!({ "id": id, "i": { "role": "BILLING" } }),
            )
            .await
            .ok();
    }
    assert_eq!(shop.preferences_of("dee@shop.test").await, ["INVOICE"]);
    // Explicit choices stay, less what the new role cannot see (tickets, for BILLING).
    assert_eq!(
        shop.preferences_of("cho@shop.test").await,
        keys(&["MARKETING"])
    );
    // And back: defaults follow again.
    shop.app
        .gql_as(
            &shop.owner,
            UPDATE,
            json!({ "id": defaults, "i": { "role": "ADMIN" } }),
        )
        .await
        .ok();
    assert_eq!(
        shop.preferences_of("dee@shop.test").await,
        keys(&["INVOICE", "PRODUCT", "DOMAIN", "SUPPORT", "GENERAL"])
    );
    shop.stop().await;
}

#[tokio::test]
async fn one_click_unsubscribe_needs_no_session_and_removes_only_that_category_of_that_contact() {
    let shop = Shop::open().await;
    shop.define("SCHEDULING", "Appointments", &["OWNER"])
        .await
        .ok();
    shop.add_contact(
        json!({ "firstName": "Ada", "lastName": "Books", "email": "ada@books.test",
        "role": "BILLING", "notificationPreferences": ["INVOICE", "SCHEDULING"] }),
    )
    .await;
    assert_eq!(
        shop.send("SCHEDULING", "Your slot on Friday")
            .await
            .ok()
            .at("sendNotification"),
        2
    );
    shop.delivered("Your slot on Friday").await;
    let ada = shop.message_to("Your slot on Friday", "ada@books.test");
    let owner = shop.message_to("Your slot on Friday", OWNER_EMAIL);
    assert_eq!(
        header(&ada, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    // The footer links to the same place as the header.
    let path = unsubscribe_path(&ada);
    assert!(ada.contains(&format!("http://localhost:8080{path}")));

    // Once delivered, the outbox keeps neither the bodies nor the link (its token).
    let rows = email::Entity::find().all(shop.app.db()).await.unwrap();
    let sent: Vec<_> = rows
        .iter()
        .filter(|r| r.subject == "Your slot on Friday")
        .collect();
    assert_eq!(sent.len(), 2);
    for row in sent {
        assert_eq!(row.status, EmailStatus::Sent);
        assert_eq!(row.unsubscribe_url, None);
        assert!(row.body_text.is_empty() && row.body_html.is_empty());
    }

    // Opening the link in a browser (or a mail scanner fetching it) changes nothing: it
    // shows a button that POSTs.
    let (status, page) = shop.app.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("<form method=\"post\""), "{page}");
    assert!(
        shop.preferences_of("ada@books.test")
            .await
            .contains(&"SCHEDULING".to_owned())
    );

    // The one-click POST a mail client sends: no session, the RFC 8058 form body.
    let (status, text) = shop
        .post_unsubscribe(&path, "List-Unsubscribe=One-Click")
        .await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("unsubscribed"));
    assert_eq!(shop.preferences_of("ada@books.test").await, ["INVOICE"]);
    // The other recipient of the same mail keeps it.
    assert!(
        shop.preferences_of(OWNER_EMAIL)
            .await
            .contains(&"SCHEDULING".to_owned())
    );
    // Again, and with an empty body: still fine, nothing else changes.
    let (status, _) = shop.post_unsubscribe(&path, "").await;
    assert_eq!(status, 200);
    assert_eq!(shop.preferences_of("ada@books.test").await, ["INVOICE"]);

    // The owner's own link, with an empty body, removes SCHEDULING from the owner only.
    let before = shop.preferences_of(OWNER_EMAIL).await;
    let (status, _) = shop.post_unsubscribe(&unsubscribe_path(&owner), "").await;
    assert_eq!(status, 200);
    let after = shop.preferences_of(OWNER_EMAIL).await;
    let expected: Vec<String> = before.into_iter().filter(|k| k != "SCHEDULING").collect();
    assert_eq!(after, expected);

    // A token that names nothing.
    let (status, _) = shop
        .post_unsubscribe("/unsubscribe/not-a-token", "List-Unsubscribe=One-Click")
        .await;
    assert_eq!(status, 400);
    shop.stop().await;
}

#[tokio::test]
async fn a_preferences_token_reads_and_changes_its_own_contact_only() {
    let shop = Shop::open().await;
    let app = &shop.app;
    shop.add_contact(
        json!({ "firstName": "Ada", "lastName": "Books", "email": "ada@books.test",
        "role": "BILLING" }),
    )
    .await;
    shop.add_contact(
        json!({ "firstName": "Bea", "lastName": "Books", "email": "bea@books.test",
        "role": "BILLING" }),
    )
    .await;
    assert_eq!(
        shop.send("INVOICE", "Statement for March")
            .await
            .ok()
            .at("sendNotification"),
        3
    );
    shop.delivered("Statement for March").await;
    let ada = preferences_token(&shop.message_to("Statement for March", "ada@books.test"));
    let bea_before = shop.preferences_of("bea@books.test").await;

    let r = app.gql(PREFERENCES, json!({ "t": ada })).await.ok();
    let page = r.at("emailPreferences");
    assert_eq!(page["contactName"], "Ada Books");
    assert_eq!(page["accountName"], "Garage");
    assert_eq!(page["email"], "ada@books.test");
    // Only what a BILLING contact may receive: invoices, account news, marketing.
    let categories = page["categories"].as_array().unwrap();
    let offered: Vec<&str> = categories
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(offered, ["INVOICE", "GENERAL", "MARKETING"]);
    let subscribed: Vec<&str> = categories
        .iter()
        .filter(|c| c["subscribed"] == true)
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(subscribed, ["INVOICE"]);
    assert_eq!(categories[0]["label"], "Invoices and payments");

    // Ada's token changes Ada's preferences, whoever sends it, and nobody else's.
    let r = app
        .gql(
            SET_PREFERENCES,
            json!({ "t": ada, "c": ["MARKETING", "GENERAL"] }),
        )
        .await
        .ok();
    assert_eq!(r.at("setEmailPreferences.email"), "ada@books.test");
    assert_eq!(
        shop.preferences_of("ada@books.test").await,
        keys(&["MARKETING", "GENERAL"])
    );
    assert_eq!(shop.preferences_of("bea@books.test").await, bea_before);
    // Even sent with a signed-in member's session, it acts on the token's contact.
    app.gql_as(&shop.owner, SET_PREFERENCES, json!({ "t": ada, "c": [] }))
        .await
        .ok();
    assert_eq!(
        shop.preferences_of("ada@books.test").await,
        Vec::<String>::new()
    );
    assert_eq!(shop.preferences_of("bea@books.test").await, bea_before);
    assert!(
        shop.preferences_of(OWNER_EMAIL)
            .await
            .contains(&"INVOICE".to_owned())
    );

    // Unknown keys and tokens that name nothing are refused.
    app.gql(SET_PREFERENCES, json!({ "t": ada, "c": ["SPAM"] }))
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql(PREFERENCES, json!({ "t": "not-a-token" }))
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql(SET_PREFERENCES, json!({ "t": "not-a-token", "c": [] }))
        .await
        .expect_code("BAD_USER_INPUT");
    shop.stop().await;
}

#[tokio::test]
async fn changing_the_email_or_removing_the_contact_kills_its_tokens() {
    let shop = Shop::open().await;
    let app = &shop.app;
    let ada_id = shop
        .add_contact(
            json!({ "firstName": "Ada", "lastName": "Books", "email": "ada@books.test",
            "role": "BILLING" }),
        )
        .await;
    let bea_id = shop
        .add_contact(
            json!({ "firstName": "Bea", "lastName": "Books", "email": "bea@books.test",
            "role": "BILLING" }),
        )
        .await;
    shop.send("INVOICE", "Statement for April").await.ok();
    shop.delivered("Statement for April").await;
    let ada_mail = shop.message_to("Statement for April", "ada@books.test");
    let bea_mail = shop.message_to("Statement for April", "bea@books.test");
    let (ada, bea) = (preferences_token(&ada_mail), preferences_token(&bea_mail));
    app.gql(PREFERENCES, json!({ "t": ada })).await.ok();
    app.gql(PREFERENCES, json!({ "t": bea })).await.ok();

    // Ada's address changes (perhaps it went to someone else): her old mail's links die.
    app.gql_as(
        &shop.owner,
        UPDATE,
        json!({ "id": ada_id, "i": { "email": "ada@newbooks.test" } }),
    )
    .await
    .ok();
    app.gql(PREFERENCES, json!({ "t": ada }))
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql(SET_PREFERENCES, json!({ "t": ada, "c": [] }))
        .await
        .expect_code("BAD_USER_INPUT");
    let (status, _) = shop
        .post_unsubscribe(&unsubscribe_path(&ada_mail), "List-Unsubscribe=One-Click")
        .await;
    assert_eq!(status, 400);
    assert_eq!(shop.preferences_of("ada@newbooks.test").await, ["INVOICE"]);
    // Bea's still work.
    app.gql(PREFERENCES, json!({ "t": bea })).await.ok();

    // Bea is removed: hers die too.
    app.gql_as(
        &shop.owner,
        REMOVE,
        json!({ "id": bea_id, "p": OWNER_PASSWORD }),
    )
    .await
    .ok();
    app.gql(PREFERENCES, json!({ "t": bea }))
        .await
        .expect_code("BAD_USER_INPUT");
    let (status, _) = shop
        .post_unsubscribe(&unsubscribe_path(&bea_mail), "")
        .await;
    assert_eq!(status, 400);
    shop.stop().await;
}
