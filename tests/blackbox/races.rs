//! Check and write in one transaction: pairs of mutations that once both passed their
//! checks (made before the transaction) are fired at the same moment, many times, and
//! the invariants that ownership and access depend on are read back (by staff, who
//! see every contact) after every round.

use clientele_tests::fixtures::{OWNER_PASSWORD, REMOVE};
use clientele_tests::{MEMBER_PASSWORD, STAFF_PASSWORD, TestApp, link_after, token_in_link};
use serde_json::{Value, json};

const ROUNDS: usize = 15;

const TRANSFER: &str = "mutation($c: ID!, $p: String!) { transferOwnership(contactId: $c, currentPassword: $p) { id } }";
const REROLE: &str =
    "mutation($c: ID!) { updateContact(id: $c, input: { role: BILLING }) { id role } }";
const REVOKE_ACCESS: &str =
    "mutation($c: ID!) { setPortalAccess(contactId: $c, enabled: false) { id } }";

/// Exactly one primary contact, it is OWNER and has a login, and nobody else is OWNER;
/// and the API answers `owner`.
async fn assert_one_owner(app: &TestApp, token: &str, account: &str, round: &str) {
    let contacts = app
        .every(token, account, "contacts", "id isPrimary role portalAccess")
        .await;
    let primaries: Vec<_> = contacts.iter().filter(|c| c["isPrimary"] == true).collect();
    assert_eq!(primaries.len(), 1, "{round}: primaries {primaries:?}");
    assert_eq!(primaries[0]["role"], "OWNER", "{round}");
    assert_eq!(
        primaries[0]["portalAccess"], true,
        "{round}: owner without login"
    );
    let owners = contacts.iter().filter(|c| c["role"] == "OWNER").count();
    assert_eq!(owners, 1, "{round}: {owners} contacts hold OWNER");
    let r = app
        .gql_as(
            token,
            "query($a: ID!) { account(id: $a) { owner { id role } } }",
            json!({ "a": account }),
        )
        .await
        .ok();
    assert_eq!(r.at("account.owner.role"), &json!("OWNER"), "{round}");
}

/// Fires `first` and `second` (each a query and its variables) at once, as staff.
async fn race(app: &TestApp, staff: &str, first: (&str, Value), second: (&str, Value)) {
    let (a, b) = tokio::join!(
        app.gql_as(staff, first.0, first.1),
        app.gql_as(staff, second.0, second.1)
    );
    for r in [a, b] {
        assert!(r.status < 500, "{}", r.body);
        if let Some(code) = r.error_code() {
            // Losing a race is a clear refusal, never an internal error.
            assert_ne!(code, "INTERNAL_SERVER_ERROR", "{}", r.body);
        }
    }
}

#[tokio::test]
async fn racing_ownership_changes_always_leave_exactly_one_owner() {
    let app = TestApp::start().await;
    let owner = app
        .register("Race Co", "owner@race.test", OWNER_PASSWORD)
        .await;
    let account = app.current_account(&owner).await;
    let staff = app.staff().await;
    let with_password = |c: &str| json!({ "c": c, "p": STAFF_PASSWORD });
    for round in 0..ROUNDS {
        // A fresh member each round: who wins decides who owns the account next.
        let member = app
            .add_member(
                &staff,
                &account,
                &format!("m{round}@race.test"),
                "ADMIN",
                None,
            )
            .await;
        let c = member.contact_id.as_str();
        let (name, second) = match round % 3 {
            0 => (
                "transfer vs remove",
                (REMOVE, json!({ "id": c, "p": STAFF_PASSWORD })),
            ),
            1 => ("transfer vs re-role", (REROLE, json!({ "c": c }))),
            _ => (
                "transfer vs revoke access",
                (REVOKE_ACCESS, json!({ "c": c })),
            ),
        };
        race(&app, &staff, (TRANSFER, with_password(c)), second).await;
        assert_one_owner(&app, &staff, &account, &format!("round {round}: {name}")).await;
    }
}

#[tokio::test]
async fn a_resend_racing_an_acceptance_never_rekeys_an_accepted_invitation() {
    // Each round opens an account and accepts an invitation from one address: more
    // than the throttles let one client do in an hour.
    let app = TestApp::start_with(|c| {
        let plenty = domain::throttle::Limit::new(100, std::time::Duration::from_secs(3600));
        c.domain.throttles.accounts_opened_per_address = plenty;
        c.domain.throttles.invitation_acceptances_per_address = plenty;
    })
    .await;
    let owner = app
        .register("Race Co", "owner@race.test", OWNER_PASSWORD)
        .await;
    let account = app.current_account(&owner).await;
    // An existing login accepts with its session: no password hashing, so both
    // requests reach the database within a millisecond or two of each other; the
    // resend is staggered a little differently each round to hit every interleaving.
    // (24 rounds: invitations plus resends stay under the daily limit of 50.)
    for round in 0..24u64 {
        let email = format!("invitee{round}@race.test");
        let invitee = app
            .register(&format!("Invitee {round}"), &email, MEMBER_PASSWORD)
            .await;
        let id = app
            .gql_as(
                &owner,
                "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: { email: $e, role: TECHNICAL }) { id } }",
                json!({ "a": account, "e": email }),
            )
            .await
            .ok()
            .str("inviteUser.id")
            .to_owned();
        let message = app.mail_to(&email).await;
        let token = token_in_link(
            &link_after(&message, &format!("{}/invite/", app.config.http.public_url)).unwrap(),
        );
        let (resent, accepted) = tokio::join!(
            async {
                // The stagger: 0 to 2.5 ms, different each round.
                tokio::time::sleep(std::time::Duration::from_micros(round % 6 * 500)).await;
                app.gql_as(
                    &owner,
                    "mutation($i: ID!) { resendInvitation(id: $i) { id } }",
                    json!({ "i": id }),
                )
                .await
            },
            app.gql_as(
                &invitee,
                "mutation($t: String!) { acceptInvitation(token: $t) { token } }",
                json!({ "t": token }),
            )
        );
        let resent_ok = resent.error_code().is_none();
        let accepted_ok = accepted.error_code().is_none();
        // One wins: a resend first kills the old link, an acceptance first ends it.
        assert!(
            resent_ok != accepted_ok,
            "round {round}: resend {} / accept {}",
            resent.body,
            accepted.body
        );
        let status = app
            .gql_as(
                &owner,
                "query($a: ID!) { account(id: $a) { invitations { nodes { id status } } } }",
                json!({ "a": account }),
            )
            .await
            .ok();
        let status = status
            .at("account.invitations.nodes")
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"].as_str() == Some(id.as_str()))
            .unwrap()["status"]
            .clone();
        let expected = if accepted_ok { "ACCEPTED" } else { "PENDING" };
        assert_eq!(status, json!(expected), "round {round}");
        if accepted_ok {
            let r = app
                .gql_as(
                    &invitee,
                    "{ viewer { memberships { account { name } } } }",
                    json!({}),
                )
                .await
                .ok();
            assert_eq!(r.at("viewer.memberships").as_array().unwrap().len(), 2);
        }
    }
}
