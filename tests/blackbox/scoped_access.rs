//! Scoped access (SPEC "Scoped access"): a member limited to some services and domains
//! sees, in every list, count and single row, only those, the tickets they opened and
//! the tickets about what they look after; out of scope answers as absent (NOT_FOUND);
//! a scoped member holds nothing account-wide; nobody grants a scope wider than their
//! own; narrowing one takes effect at the next request.

use clientele_tests::fixtures::{ACCEPT, ADD, MEMBER_PASSWORD, Portal, UPDATE};
use clientele_tests::{Gql, TestApp};
use serde_json::{Value, json};

/// An account with two services and two domains (made by staff), and a scoped
/// TECHNICAL member looking after the first of each.
struct Scoped<'a> {
    acme: Portal<'a>,
    staff: String,
    services: [String; 2],
    domains: [String; 2],
    /// The scoped member's contact id and session.
    contact: String,
    member: String,
}

const SCOPED_EMAIL: &str = "freelancer@acme.test";

/// What `token` sees of the account's services, domains and tickets: ids and counts.
const LISTS: &str = "query($a: ID!) { account(id: $a) {
  services { totalCount nodes { id } } domains { totalCount nodes { id } }
  tickets { totalCount nodes { id subject } } } }";

async fn scoped(app: &TestApp) -> Scoped<'_> {
    let acme = Portal::acme(app).await;
    let staff = app.staff().await;
    let services = [
        app.service(&staff, &acme.account, "Web server").await,
        app.service(&staff, &acme.account, "Mail server").await,
    ];
    let domains = [
        app.domain(&staff, &acme.account, "acme.test").await,
        app.domain(&staff, &acme.account, "acme-shop.test").await,
    ];
    let r = app
        .gql_as(
            &acme.owner,
            ADD,
            json!({ "a": acme.account, "i": {
                "firstName": "Fran", "lastName": "Lancer", "email": SCOPED_EMAIL,
                "role": "TECHNICAL", "portalAccess": true, "password": MEMBER_PASSWORD,
                "scope": { "serviceIds": [services[0]], "domainIds": [domains[0]] },
            }}),
        )
        .await
        .ok();
    let contact = r.str("addContact.id").to_owned();
    let member = app.login(SCOPED_EMAIL, MEMBER_PASSWORD).await.unwrap();
    Scoped {
        acme,
        staff,
        services,
        domains,
        contact,
        member,
    }
}

impl Scoped<'_> {
    /// Opens a ticket as `token`, about `service` and `domain` if given.
    async fn ticket(
        &self,
        app: &TestApp,
        token: &str,
        subject: &str,
        service: Option<&str>,
        domain: Option<&str>,
    ) -> Gql {
        app.gql_as(
            token,
            "mutation($a: ID!, $s: String!, $sv: ID, $d: ID) { openTicket(accountId: $a, subject: $s, body: \"Please look.\", serviceId: $sv, domainId: $d) { id serviceId domainId } }",
            json!({ "a": self.acme.account, "s": subject, "sv": service, "d": domain }),
        )
        .await
    }
}

fn ids(r: &Gql, path: &str) -> Vec<String> {
    r.at(path)
        .as_array()
        .unwrap_or_else(|| panic!("no list at {path}: {}", r.body))
        .iter()
        .map(|node| node["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_scoped_member_sees_only_their_services_domains_and_tickets() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    let owner = &s.acme.owner;
    let about_mine = s
        .ticket(&app, owner, "Web server slow", Some(&s.services[0]), None)
        .await
        .ok();
    s.ticket(&app, owner, "Mail bounces", Some(&s.services[1]), None)
        .await
        .ok();
    let about_my_domain = s
        .ticket(&app, owner, "DNS", None, Some(&s.domains[0]))
        .await
        .ok();
    s.ticket(&app, owner, "Other domain", None, Some(&s.domains[1]))
        .await
        .ok();
    s.ticket(&app, owner, "General question", None, None)
        .await
        .ok();
    let mine = s.ticket(&app, &s.member, "Mine", None, None).await.ok();
    assert_eq!(about_mine.at("openTicket.serviceId"), &json!(s.services[0]));
    assert!(about_mine.null_at("openTicket.domainId"));

    let r = app
        .gql_as(&s.member, LISTS, json!({ "a": s.acme.account }))
        .await
        .ok();
    assert_eq!(
        ids(&r, "account.services.nodes"),
        vec![s.services[0].clone()]
    );
    assert_eq!(r.at("account.services.totalCount"), &json!(1));
    assert_eq!(ids(&r, "account.domains.nodes"), vec![s.domains[0].clone()]);
    assert_eq!(r.at("account.domains.totalCount"), &json!(1));
    let mut tickets = ids(&r, "account.tickets.nodes");
    tickets.sort();
    let mut expected = vec![
        about_mine.str("openTicket.id").to_owned(),
        about_my_domain.str("openTicket.id").to_owned(),
        mine.str("openTicket.id").to_owned(),
    ];
    expected.sort();
    assert_eq!(tickets, expected, "{}", r.body);
    assert_eq!(r.at("account.tickets.totalCount"), &json!(3));

    // The owner, unscoped, sees everything.
    let r = app
        .gql_as(owner, LISTS, json!({ "a": s.acme.account }))
        .await
        .ok();
    assert_eq!(r.at("account.services.totalCount"), &json!(2));
    assert_eq!(r.at("account.domains.totalCount"), &json!(2));
    assert_eq!(r.at("account.tickets.totalCount"), &json!(6));

    // Their own membership and card say what they look after.
    let r = app
        .gql_as(
            &s.member,
            "{ viewer { memberships { role permissions scope { serviceIds domainIds } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        r.at("viewer.memberships.0.scope"),
        &json!({ "serviceIds": [s.services[0]], "domainIds": [s.domains[0]] })
    );
    assert_eq!(
        r.at("viewer.memberships.0.permissions"),
        &json!([
            "VIEW_SERVICES",
            "VIEW_SERVICE_PASSWORDS",
            "VIEW_DOMAINS",
            "VIEW_TICKETS",
            "OPEN_TICKETS"
        ])
    );
    let cards = app
        .every(
            owner,
            &s.acme.account,
            "contacts",
            "id scope { serviceIds domainIds }",
        )
        .await;
    let card = cards.iter().find(|c| c["id"] == json!(s.contact)).unwrap();
    assert_eq!(card["scope"]["serviceIds"], json!([s.services[0]]));
    let owners_card = cards
        .iter()
        .find(|c| c["id"] == json!(s.acme.owner_contact))
        .unwrap();
    assert_eq!(
        owners_card["scope"],
        Value::Null,
        "the owner has the whole account"
    );
    app.stop().await;
}

#[tokio::test]
async fn out_of_scope_ids_answer_as_absent() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    let other = s
        .ticket(
            &app,
            &s.acme.owner,
            "Mail bounces",
            Some(&s.services[1]),
            None,
        )
        .await
        .ok();
    let other_id = other.str("openTicket.id");

    // A ticket about a service out of scope is NOT_FOUND, like one that is not there.
    let reply = "mutation($t: ID!) { replyToTicket(ticketId: $t, body: \"Me too\") { id } }";
    let r = app.gql_as(&s.member, reply, json!({ "t": other_id })).await;
    r.expect_code("NOT_FOUND");
    let absent = app.gql_as(&s.member, reply, json!({ "t": "999999" })).await;
    absent.expect_code("NOT_FOUND");
    assert_eq!(r.error_message(), absent.error_message());

    // Opening a ticket about one is NOT_FOUND too, and opens nothing.
    let r = s
        .ticket(&app, &s.member, "Mail?", Some(&s.services[1]), None)
        .await;
    r.expect_code("NOT_FOUND");
    let r = s
        .ticket(&app, &s.member, "Shop?", None, Some(&s.domains[1]))
        .await;
    r.expect_code("NOT_FOUND");
    let r = app
        .gql_as(&s.acme.owner, LISTS, json!({ "a": s.acme.account }))
        .await
        .ok();
    assert_eq!(r.at("account.tickets.totalCount"), &json!(1));

    // In scope, the same member replies.
    let mine = s
        .ticket(&app, &s.acme.owner, "Web", Some(&s.services[0]), None)
        .await
        .ok();
    app.gql_as(&s.member, reply, json!({ "t": mine.str("openTicket.id") }))
        .await
        .ok();
    app.stop().await;
}

#[tokio::test]
async fn a_scoped_member_holds_nothing_account_wide() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    let owner = &s.acme.owner;
    let account = &s.acme.account;
    let scope = json!({ "serviceIds": [s.services[0]], "domainIds": [] });
    let before = app.contact_count(owner, account).await;

    // A role with an account-wide permission cannot be scoped: named in the error.
    for (role, permissions, named) in [
        ("BILLING", None, "VIEW_INVOICES"),
        ("ADMIN", None, "VIEW_INVOICES"),
        (
            "CUSTOM",
            Some(json!(["VIEW_SERVICES", "VIEW_EMAILS"])),
            "VIEW_EMAILS",
        ),
    ] {
        let r = app
            .gql_as(owner, ADD, json!({ "a": account, "i": {
                "firstName": "A", "lastName": "B", "role": role, "permissions": permissions, "scope": scope,
            }}))
            .await;
        r.expect_code("BAD_USER_INPUT");
        assert!(
            r.error_message().unwrap().contains(named),
            "{role}: {}",
            r.body
        );
        let r = app
            .gql_as(
                owner,
                "mutation($a: ID!, $i: InviteUserInput!) { inviteUser(accountId: $a, input: $i) { id } }",
                json!({ "a": account, "i": { "email": "x@acme.test", "role": role, "permissions": permissions, "scope": scope } }),
            )
            .await;
        r.expect_code("BAD_USER_INPUT");
        assert!(
            r.error_message().unwrap().contains(named),
            "{role}: {}",
            r.body
        );
    }
    // Nor can a scoped member be given one, nor the owner be scoped.
    let r = app
        .gql_as(
            owner,
            UPDATE,
            json!({ "id": s.contact, "i": { "role": "ADMIN" } }),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");
    assert!(
        r.error_message().unwrap().contains("VIEW_INVOICES"),
        "{}",
        r.body
    );
    let r = app
        .gql_as(
            owner,
            UPDATE,
            json!({ "id": s.acme.owner_contact, "i": { "scope": scope } }),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");
    // An unscoped BILLING member is not scoped by a change either.
    let billing = s
        .acme
        .member(clientele_tests::fixtures::Role::Billing)
        .await;
    let r = app
        .gql_as(
            owner,
            UPDATE,
            json!({ "id": billing.contact_id, "i": { "scope": scope } }),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");

    // Ids of another account, or of nothing, are NOT_FOUND; nothing is written.
    let other = Portal::new(&app)
        .named("Other")
        .owner("owner@other.test")
        .await;
    let foreign = app
        .gql_as(
            &s.staff,
            "mutation($a: ID!) { createService(accountId: $a, input: {productName: \"Theirs\"}) { id } }",
            json!({ "a": other.account }),
        )
        .await
        .ok();
    for bad in [
        json!([foreign.str("createService.id")]),
        json!(["999999"]),
        json!(["not-an-id"]),
    ] {
        let r = app
            .gql_as(
                owner,
                ADD,
                json!({ "a": account, "i": {
                    "firstName": "A", "lastName": "B", "role": "TECHNICAL",
                    "scope": { "serviceIds": bad, "domainIds": [] },
                }}),
            )
            .await;
        r.expect_code("NOT_FOUND");
    }
    // The member added above is the only one since.
    assert_eq!(app.contact_count(owner, account).await, before + 1);

    // What the row says, the door does not give: the scoped member reads no invoices.
    let r = app
        .gql_as(&s.member, "query($a: ID!) { account(id: $a) { invoices { totalCount } contacts { totalCount } } }", json!({ "a": account }))
        .await;
    r.expect_code("FORBIDDEN");
    assert!(r.null_at("account.invoices"), "{}", r.body);
    app.stop().await;
}

#[tokio::test]
async fn narrowing_a_scope_takes_effect_at_the_next_request() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    let owner = &s.acme.owner;
    let services = |r: &Gql| ids(r, "account.services.nodes");
    let read = async || {
        app.gql_as(&s.member, LISTS, json!({ "a": s.acme.account }))
            .await
            .ok()
    };
    assert_eq!(services(&read().await), vec![s.services[0].clone()]);

    // Narrowed to the domains only: no service left, and the change is audited.
    let r = app
        .gql_as(
            owner,
            "mutation($id: ID!, $i: UpdateContactInput!) { updateContact(id: $id, input: $i) { scope { serviceIds domainIds } } }",
            json!({ "id": s.contact, "i": { "scope": { "serviceIds": [], "domainIds": [s.domains[0]] } } }),
        )
        .await
        .ok();
    assert_eq!(r.at("updateContact.scope.serviceIds"), &json!([]));
    let r = read().await;
    assert!(services(&r).is_empty(), "{}", r.body);
    assert_eq!(r.at("account.services.totalCount"), &json!(0));
    assert_eq!(ids(&r, "account.domains.nodes"), vec![s.domains[0].clone()]);

    // Widened to the whole account (null), they see every service.
    app.gql_as(
        owner,
        UPDATE,
        json!({ "id": s.contact, "i": { "scope": null } }),
    )
    .await
    .ok();
    assert_eq!(read().await.at("account.services.totalCount"), &json!(2));

    // Scoped again to one: a service created later is in nobody's scope.
    app.gql_as(
        owner,
        UPDATE,
        json!({ "id": s.contact, "i": { "scope": { "serviceIds": [s.services[0]], "domainIds": [] } } }),
    )
    .await
    .ok();
    app.gql_as(
        &s.staff,
        "mutation($a: ID!) { createService(accountId: $a, input: {productName: \"New VPS\", status: ACTIVE}) { id } }",
        json!({ "a": s.acme.account }),
    )
    .await
    .ok();
    assert_eq!(services(&read().await), vec![s.services[0].clone()]);
    app.stop().await;
}

#[tokio::test]
async fn an_invitation_carries_its_scope_to_the_membership() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    let scope = json!({ "serviceIds": [s.services[1]], "domainIds": [s.domains[1]] });
    let r = app
        .gql_as(
            &s.acme.owner,
            "mutation($a: ID!, $i: InviteUserInput!) { inviteUser(accountId: $a, input: $i) { id scope { serviceIds domainIds } } }",
            json!({ "a": s.acme.account, "i": { "email": "mailadmin@acme.test", "role": "TECHNICAL", "scope": scope } }),
        )
        .await
        .ok();
    assert_eq!(r.at("inviteUser.scope"), &scope);
    let token = app.invitation_token("mailadmin@acme.test").await;
    let r = app
        .gql(
            ACCEPT,
            json!({ "t": token, "i": { "firstName": "Mo", "lastName": "Mail", "password": MEMBER_PASSWORD } }),
        )
        .await
        .ok();
    let member = r.str("acceptInvitation.token").to_owned();
    let r = app
        .gql_as(
            &member,
            "{ viewer { memberships { scope { serviceIds domainIds } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(r.at("viewer.memberships.0.scope"), &scope);
    let r = app
        .gql_as(&member, LISTS, json!({ "a": s.acme.account }))
        .await
        .ok();
    assert_eq!(
        ids(&r, "account.services.nodes"),
        vec![s.services[1].clone()]
    );
    assert_eq!(ids(&r, "account.domains.nodes"), vec![s.domains[1].clone()]);
    app.stop().await;
}

#[tokio::test]
async fn service_domain_and_ticket_emails_reach_a_scoped_member_only_for_theirs() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    // Created ACTIVE, both services were announced: the scoped member heard of theirs.
    app.deliver_mail().await;
    let heard = |mails: &[String], what: &str| mails.iter().filter(|m| m.contains(what)).count();
    let mails = app.mails_to(SCOPED_EMAIL).await;
    assert_eq!(
        heard(&mails, "Web server"),
        0,
        "announced before they joined"
    );
    for (service, status) in [(&s.services[0], "SUSPENDED"), (&s.services[1], "SUSPENDED")] {
        app.gql_as(
            &s.staff,
            &format!(
                "mutation($id: ID!) {{ setServiceStatus(id: $id, status: {status}) {{ status }} }}"
            ),
            json!({ "id": service }),
        )
        .await
        .ok();
    }
    s.ticket(
        &app,
        &s.acme.owner,
        "About the web server",
        Some(&s.services[0]),
        None,
    )
    .await
    .ok();
    s.ticket(
        &app,
        &s.acme.owner,
        "About the mail server",
        Some(&s.services[1]),
        None,
    )
    .await
    .ok();
    s.ticket(
        &app,
        &s.acme.owner,
        "About nothing in particular",
        None,
        None,
    )
    .await
    .ok();
    app.deliver_mail().await;
    let mails: Vec<String> = app
        .mails_to(SCOPED_EMAIL)
        .await
        .iter()
        .map(|m| clientele_tests::decode_qp(m))
        .collect();
    assert_eq!(heard(&mails, "Web server"), 1, "{mails:#?}");
    assert_eq!(heard(&mails, "Mail server"), 0, "{mails:#?}");
    assert_eq!(heard(&mails, "About the web server"), 1);
    assert_eq!(heard(&mails, "About the mail server"), 0);
    assert_eq!(heard(&mails, "About nothing in particular"), 0);
    // An unscoped TECHNICAL member hears of both.
    let technical = s
        .acme
        .member(clientele_tests::fixtures::Role::Technical)
        .await;
    app.gql_as(
        &s.staff,
        "mutation($id: ID!) { setServiceStatus(id: $id, status: ACTIVE) { status } }",
        json!({ "id": s.services[1] }),
    )
    .await
    .ok();
    app.deliver_mail().await;
    let mails: Vec<String> = app
        .mails_to(&technical.email)
        .await
        .iter()
        .map(|m| clientele_tests::decode_qp(m))
        .collect();
    assert_eq!(heard(&mails, "Mail server"), 1, "{mails:#?}");
    app.stop().await;
}

/// What a scoped member's page subscribes to: their own membership, now and after each
/// change.
const MEMBERSHIP_CHANGES: &str = "subscription($a: ID!) { membershipChanges(accountId: $a) {
  role permissions scope { serviceIds domainIds } } }";

#[tokio::test]
async fn a_scoped_members_page_hears_at_once_that_their_scope_changed() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    let mut socket = app.socket(Some(&s.member)).await;
    socket
        .subscribe("1", MEMBERSHIP_CHANGES, json!({ "a": s.acme.account }))
        .await;
    // First what it is now...
    let now = socket.next_event("1").await;
    assert_eq!(
        now["membershipChanges"]["scope"]["serviceIds"],
        json!([s.services[0]])
    );
    // ...then each change, as it commits: narrowed to the domains alone.
    app.gql_as(
        &s.acme.owner,
        UPDATE,
        json!({ "id": s.contact, "i": { "scope": { "serviceIds": [], "domainIds": [s.domains[0]] } } }),
    )
    .await
    .ok();
    let narrowed = socket.next_event("1").await;
    assert_eq!(
        narrowed["membershipChanges"]["scope"]["serviceIds"],
        json!([])
    );
    // A change to their card that leaves their access as it was is not news.
    app.gql_as(
        &s.acme.owner,
        UPDATE,
        json!({ "id": s.contact, "i": { "phone": "+1 555 0100" } }),
    )
    .await
    .ok();
    socket
        .expect_silence(std::time::Duration::from_millis(300))
        .await;
    // Removed from their only account, their session ends with it: so does the stream,
    // saying why.
    app.gql_as(
        &s.acme.owner,
        clientele_tests::fixtures::REMOVE,
        json!({ "id": s.contact, "p": clientele_tests::fixtures::OWNER_PASSWORD }),
    )
    .await
    .ok();
    assert_eq!(socket.expect_error("1").await, "UNAUTHENTICATED");
    app.stop().await;
}

/// SPEC "Scoped access": narrowing a scope takes effect at once. A member reads their
/// services over and over and listens to their membership while the owner narrows their
/// scope: every read that starts after the narrowing committed, and the stream's next
/// item, show no service out of the new scope.
#[tokio::test]
async fn no_out_of_scope_row_is_read_after_the_narrowing_commits() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    let mut socket = app.socket(Some(&s.member)).await;
    socket
        .subscribe("1", MEMBERSHIP_CHANGES, json!({ "a": s.acme.account }))
        .await;
    socket.next_event("1").await;
    let committed = std::sync::atomic::AtomicBool::new(false);
    let reads = async {
        let mut after_commit = 0;
        while after_commit < 20 {
            let started_after = committed.load(std::sync::atomic::Ordering::SeqCst);
            let r = app
                .gql_as(&s.member, LISTS, json!({ "a": s.acme.account }))
                .await
                .ok();
            if started_after {
                assert!(ids(&r, "account.services.nodes").is_empty(), "{}", r.body);
                assert_eq!(r.at("account.services.totalCount"), &json!(0), "{}", r.body);
                after_commit += 1;
            }
        }
    };
    let narrow = async {
        app.gql_as(
            &s.acme.owner,
            UPDATE,
            json!({ "id": s.contact, "i": { "scope": { "serviceIds": [], "domainIds": [] } } }),
        )
        .await
        .ok();
        committed.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    tokio::join!(reads, narrow);
    let narrowed = socket.next_event("1").await;
    assert_eq!(
        narrowed["membershipChanges"]["scope"]["serviceIds"],
        json!([])
    );
    app.stop().await;
}

/// Instances sharing one database and one Redis are one service: a scope narrowed
/// through one reaches the member's page open on the other at once.
#[tokio::test]
#[cfg_attr(
    not(clientele_redis),
    ignore = "needs Redis (instances share notices through it): set REDIS_URL (the PostgreSQL + Redis suite of .ci/run)"
)]
async fn a_scope_narrowed_on_one_instance_reaches_a_page_on_another() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    let second = app.second_instance(|_| {}).await;
    let mut socket = clientele_tests::WsClient::connect(
        &format!("http://{}", second.addr),
        clientele_tests::ws::TRANSPORT_WS,
        &[],
    )
    .await
    .unwrap();
    socket
        .init(json!({ "authorization": format!("Bearer {}", s.member) }))
        .await;
    socket
        .subscribe("1", MEMBERSHIP_CHANGES, json!({ "a": s.acme.account }))
        .await;
    socket.next_event("1").await;
    app.gql_as(
        &s.acme.owner,
        UPDATE,
        json!({ "id": s.contact, "i": { "scope": { "serviceIds": [], "domainIds": [] } } }),
    )
    .await
    .ok();
    let narrowed = socket.next_event("1").await;
    assert_eq!(
        narrowed["membershipChanges"]["scope"]["serviceIds"],
        json!([])
    );
    second.shutdown().await;
    app.stop().await;
}

/// The owner holds the whole account: ownership never goes to a scoped member (they
/// would hold nothing account-wide), until they are given the whole account.
#[tokio::test]
async fn ownership_does_not_go_to_a_scoped_member() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    let transfer = "mutation($c: ID!, $p: String!) { transferOwnership(contactId: $c, currentPassword: $p) { owner { id } } }";
    let vars = json!({ "c": s.contact, "p": clientele_tests::fixtures::OWNER_PASSWORD });
    let r = app.gql_as(&s.acme.owner, transfer, vars.clone()).await;
    r.expect_code("BAD_USER_INPUT");
    assert!(
        r.error_message().unwrap().contains("scope: null"),
        "{}",
        r.body
    );
    let r = app
        .gql_as(
            &s.acme.owner,
            "query($a: ID!) { account(id: $a) { owner { id } } }",
            json!({ "a": s.acme.account }),
        )
        .await
        .ok();
    assert_eq!(r.at("account.owner.id"), &json!(s.acme.owner_contact));
    // Given the whole account, they may take it over.
    app.gql_as(
        &s.acme.owner,
        UPDATE,
        json!({ "id": s.contact, "i": { "scope": null } }),
    )
    .await
    .ok();
    let r = app.gql_as(&s.acme.owner, transfer, vars).await.ok();
    assert_eq!(r.at("transferOwnership.owner.id"), &json!(s.contact));
    app.stop().await;
}

/// A scope names at most 500 services and 500 domains: more is BAD_USER_INPUT naming the
/// list, before anything is read or written.
#[tokio::test]
async fn an_overlong_scope_is_refused() {
    let app = TestApp::start().await;
    let acme = Portal::acme(&app).await;
    let many: Vec<String> = (1..=501).map(|i| i.to_string()).collect();
    let r = app
        .gql_as(
            &acme.owner,
            ADD,
            json!({ "a": acme.account, "i": {
                "firstName": "A", "lastName": "B", "role": "TECHNICAL",
                "scope": { "serviceIds": [], "domainIds": many },
            }}),
        )
        .await;
    r.expect_code("BAD_USER_INPUT");
    assert_eq!(
        r.body["errors"][0]["extensions"]["field"],
        json!("scope.domainIds"),
        "{}",
        r.body
    );
    app.stop().await;
}

/// Domain expiry reminders (DOMAIN) reach a scoped member for their domains alone.
#[tokio::test]
async fn a_scoped_member_is_reminded_of_their_domains_alone() {
    let app = TestApp::start().await;
    let s = scoped(&app).await;
    let in_a_week =
        (app.server.domain.clock().now().date_naive() + chrono::Duration::days(7)).to_string();
    let mut soon = Vec::new();
    for name in ["mine-soon.test", "theirs-soon.test"] {
        let r = app
            .gql_as(
                &s.staff,
                "mutation($a: ID!, $n: String!, $e: Date!) { createDomain(accountId: $a, input: {name: $n, expiresAt: $e}) { id } }",
                json!({ "a": s.acme.account, "n": name, "e": in_a_week }),
            )
            .await
            .ok();
        soon.push(r.str("createDomain.id").to_owned());
    }
    app.gql_as(
        &s.acme.owner,
        UPDATE,
        json!({ "id": s.contact, "i": { "scope": { "serviceIds": [], "domainIds": [soon[0]] } } }),
    )
    .await
    .ok();
    let run = app
        .server
        .domain
        .notifications()
        .run_reminders()
        .await
        .expect("the reminder run");
    assert_eq!(run.sent.len(), 2, "one reminder a domain");
    app.deliver_mail().await;
    let mails: Vec<String> = app
        .mails_to(SCOPED_EMAIL)
        .await
        .iter()
        .map(|m| clientele_tests::decode_qp(m))
        .collect();
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.contains("mine-soon.test"))
            .count(),
        1,
        "{mails:#?}"
    );
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.contains("theirs-soon.test"))
            .count(),
        0,
        "{mails:#?}"
    );
    // The owner hears of both.
    let owner_mails = app.mails_to(&s.acme.owner_email).await;
    assert!(owner_mails.iter().any(|m| m.contains("theirs-soon.test")));
    app.stop().await;
}
