use clientele_tests::TestApp;
use clientele_tests::fixtures::Portal;
use serde_json::json;

#[tokio::test]
async fn ticket_replies_carry_who_wrote_them() {
    let app = TestApp::start().await;
    let Portal { owner, account, .. } = Portal::acme(&app).await;
    let tech = app
        .add_member(&owner, &account, "tech@acme.test", "TECHNICAL", None)
        .await;
    let billing = app
        .add_member(&owner, &account, "bill@acme.test", "BILLING", None)
        .await;
    app.gql_as(&owner, "mutation($a: ID!) { addContact(accountId: $a, input: {firstName: \"Ada\", lastName: \"Books\", email: \"ada@books.test\", role: BILLING}) { id } }", json!({"a": account})).await.ok();
    let staff = app.staff().await;

    let open = "mutation($a: ID!, $s: String!, $b: String!) { openTicket(accountId: $a, subject: $s, body: $b) { id status replies { authorName badge body } } }";
    let r = app
        .gql_as(
            &tech.token,
            open,
            json!({"a": account, "s": "Site down", "b": "Since 9am"}),
        )
        .await
        .ok();
    let ticket = r.str("openTicket.id").to_owned();
    assert_eq!(r.str("openTicket.status"), "OPEN");
    assert_eq!(
        r.at("openTicket.replies"),
        &json!([{"authorName": "TECHNICAL Member", "badge": "AUTHORIZED_USER", "body": "Since 9am"}])
    );
    app.gql_as(
        &billing.token,
        open,
        json!({"a": account, "s": "x", "b": "y"}),
    )
    .await
    .expect_code("FORBIDDEN");
    app.gql_as(&tech.token, open, json!({"a": account, "s": " ", "b": "y"}))
        .await
        .expect_code("BAD_USER_INPUT");

    let reply = "mutation($t: ID!, $b: String!) { replyToTicket(ticketId: $t, body: $b) { badge authorName } }";
    assert_eq!(
        app.gql_as(&owner, reply, json!({"t": ticket, "b": "Any news?"}))
            .await
            .ok()
            .str("replyToTicket.badge"),
        "OWNER"
    );
    assert_eq!(
        app.gql_as(&staff, reply, json!({"t": ticket, "b": "Fixed."}))
            .await
            .ok()
            .str("replyToTicket.badge"),
        "STAFF"
    );
    app.gql_as(&billing.token, reply, json!({"t": ticket, "b": "me too"}))
        .await
        .expect_code("FORBIDDEN");
    let by_email = "mutation($t: ID!, $f: String!) { addTicketReplyFromEmail(ticketId: $t, fromEmail: $f, body: \"by mail\") { badge authorName } }";
    let r = app
        .gql_as(
            &staff,
            by_email,
            json!({"t": ticket, "f": "ADA@books.test"}),
        )
        .await
        .ok();
    assert_eq!(
        r.at("addTicketReplyFromEmail"),
        &json!({"badge": "SUB_ACCOUNT", "authorName": "Ada Books"})
    );
    let r = app
        .gql_as(
            &staff,
            by_email,
            json!({"t": ticket, "f": "tech@acme.test"}),
        )
        .await
        .ok();
    assert_eq!(r.str("addTicketReplyFromEmail.badge"), "AUTHORIZED_USER");
    let r = app
        .gql_as(
            &staff,
            by_email,
            json!({"t": ticket, "f": "stranger@web.test"}),
        )
        .await
        .ok();
    assert_eq!(
        r.at("addTicketReplyFromEmail"),
        &json!({"badge": "GUEST", "authorName": "stranger@web.test"})
    );
    app.gql_as(&owner, by_email, json!({"t": ticket, "f": "x@y.test"}))
        .await
        .expect_code("FORBIDDEN");

    let list = app.gql_as(&tech.token, "query($id: ID!) { account(id: $id) { tickets { totalCount edges { node { subject status replies { badge } } } } } }", json!({"id": account})).await.ok();
    let node = list.at("account.tickets.edges.0.node");
    assert_eq!(node["subject"], "Site down");
    assert_eq!(node["status"], "CUSTOMER_REPLY");
    let badges: Vec<&str> = node["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["badge"].as_str().unwrap())
        .collect();
    assert_eq!(
        badges,
        [
            "AUTHORIZED_USER",
            "OWNER",
            "STAFF",
            "SUB_ACCOUNT",
            "AUTHORIZED_USER",
            "GUEST"
        ]
    );
    app.stop().await;
}
