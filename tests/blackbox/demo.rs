//! `clientele seed-demo`: the demo it makes is what its printed logins promise, a second
//! run changes nothing, and it never touches a database that holds other accounts.

use std::collections::BTreeSet;

use clientele::demo::{self, LOGINS, PASSWORD, Seeded};
use clientele_tests::TestApp;
use serde_json::{Value, json};

const NORTHWIND: &str = "{ viewer { currentAccount {
  name
  owner { email }
  billingContact { email }
  contacts(first: 50) { totalCount edges { node { firstName email role portalAccess accessExpiresAt } } }
  invitations(status: PENDING) { nodes { email role } }
  invoices(first: 10) { edges { node { status } } }
  services(first: 10) { edges { node { productName status } } }
  domains(first: 10) { edges { node { name expiresAt } } }
  tickets(first: 10) { edges { node { subject replies { badge } } } }
} } }";

fn nodes(connection: &Value) -> Vec<&Value> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("a connection: {connection}"))
        .iter()
        .map(|edge| &edge["node"])
        .collect()
}

fn strings<'a>(values: impl IntoIterator<Item = &'a Value>, key: &str) -> BTreeSet<String> {
    values
        .into_iter()
        .map(|v| v[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_demo_has_every_role_and_story_it_promises_and_a_second_run_changes_nothing() {
    let app = TestApp::start()
        .await
        .restart_after(async |config| {
            assert!(matches!(
                demo::seed(config).await.expect("the demo seeds"),
                Seeded::Created
            ));
            assert!(matches!(
                demo::seed(config).await.expect("a second run"),
                Seeded::AlreadyThere
            ));
        })
        .await;

    // Every printed login signs in with the printed password.
    let mut tokens = std::collections::HashMap::new();
    for (email, _) in LOGINS {
        let token = app
            .login(email, PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{email} signs in: {e}"));
        tokens.insert(*email, token);
    }

    // The hosting customer, as its owner sees it.
    let northwind = app
        .gql_as(&tokens["olivia@northwind.example"], NORTHWIND, json!({}))
        .await
        .ok();
    let account = northwind.at("viewer.currentAccount");
    assert_eq!(account["name"], "Northwind Hosting Ltd");
    assert_eq!(account["owner"]["email"], "olivia@northwind.example");
    assert_eq!(
        account["billingContact"]["email"],
        "bella@northwind.example"
    );
    let contacts = nodes(&account["contacts"]);
    assert_eq!(account["contacts"]["totalCount"], 6, "{account}");
    let roles: BTreeSet<_> = strings(contacts.iter().copied(), "role");
    assert_eq!(
        roles,
        ["ADMIN", "BILLING", "OWNER", "TECHNICAL"]
            .map(String::from)
            .into()
    );
    let accountant = contacts
        .iter()
        .find(|c| c["email"] == "alan@ledger-accounting.example")
        .expect("the accountant's card");
    assert_eq!(
        accountant["portalAccess"], false,
        "the accountant has no login"
    );
    let developer = contacts
        .iter()
        .find(|c| c["email"] == "dana@devshop.example")
        .expect("the developer's card");
    let ends: chrono::DateTime<chrono::Utc> = developer["accessExpiresAt"]
        .as_str()
        .expect("temporary access")
        .parse()
        .unwrap();
    let left = ends - chrono::Utc::now();
    assert!(
        left > chrono::Duration::days(6) && left <= chrono::Duration::days(7),
        "{left}"
    );
    // The developer looks after the VPS alone: all they see of Northwind's services,
    // its ticket, and no domain.
    let dana = app
        .gql_as(
            &tokens["dana@devshop.example"],
            "{ viewer { currentAccount { services { totalCount nodes { productName } } tickets { totalCount } domains { totalCount } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        dana.at("viewer.currentAccount.services.nodes"),
        &json!([{ "productName": "Cloud VPS 4 GB" }])
    );
    assert_eq!(
        dana.at("viewer.currentAccount.tickets.totalCount"),
        &json!(1)
    );
    assert_eq!(
        dana.at("viewer.currentAccount.domains.totalCount"),
        &json!(0)
    );
    assert_eq!(
        account["invitations"]["nodes"],
        json!([{ "email": "sam@northwind.example", "role": "TECHNICAL" }])
    );
    assert_eq!(
        strings(nodes(&account["invoices"]), "status"),
        ["OVERDUE", "PAID", "UNPAID"].map(String::from).into()
    );
    let services = nodes(&account["services"]);
    assert_eq!(
        services
            .iter()
            .filter(|s| s["status"] == "SUSPENDED")
            .count(),
        1,
        "{services:?}"
    );
    let today = chrono::Utc::now().date_naive();
    let expiring = nodes(&account["domains"])
        .into_iter()
        .filter(|d| {
            let at: chrono::NaiveDate = d["expiresAt"].as_str().unwrap().parse().unwrap();
            at - today <= chrono::Duration::days(30)
        })
        .count();
    assert_eq!(expiring, 1, "one domain expires soon");
    let tickets = nodes(&account["tickets"]);
    let badges = strings(
        tickets
            .iter()
            .flat_map(|t| t["replies"].as_array().unwrap()),
        "badge",
    );
    assert_eq!(
        badges,
        ["AUTHORIZED_USER", "GUEST", "OWNER", "STAFF", "SUB_ACCOUNT"]
            .map(String::from)
            .into()
    );

    // The billing contact sees invoices and not the contacts.
    let billing = app
        .gql_as(
            &tokens["bella@northwind.example"],
            "{ viewer { permissions currentAccount { invoices(first: 5) { totalCount } contacts { totalCount } } } }",
            json!({}),
        )
        .await;
    billing.expect_code("FORBIDDEN");
    assert_eq!(billing.at("viewer.currentAccount.invoices.totalCount"), 3);
    assert!(billing.null_at("viewer.currentAccount.contacts"));
    let permissions = billing.at("viewer.permissions").to_string();
    assert!(!permissions.contains("VIEW_CONTACTS"), "{permissions}");

    // The agency: one login, two customers' accounts.
    let agency = app
        .gql_as(
            &tokens["alex@agency.example"],
            "{ viewer { memberships { role account { name } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        agency.at("viewer.memberships"),
        &json!([
            { "role": "ADMIN", "account": { "name": "Blue Bakery" } },
            { "role": "ADMIN", "account": { "name": "Green Garage" } },
        ])
    );

    // The household, the custom category and the notification in it.
    let household = app
        .gql_as(
            &tokens["maria@garcia.example"],
            "{ viewer { currentAccount { name contacts { totalCount } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        household.at("viewer.currentAccount.name"),
        "Garcia household"
    );
    assert_eq!(household.at("viewer.currentAccount.contacts.totalCount"), 3);
    app.deliver_mail().await;
    let maintenance = app.mails_to("theo@northwind.example").await;
    assert!(
        maintenance
            .iter()
            .any(|m| m.contains("Network maintenance on Saturday")),
        "the technical contact got the MAINTENANCE notification"
    );
    assert!(
        app.mails_to("bella@northwind.example")
            .await
            .iter()
            .all(|m| !m.contains("Network maintenance")),
        "the billing contact did not"
    );
}

#[tokio::test]
async fn seed_demo_refuses_a_database_that_holds_other_accounts() {
    let app = TestApp::start().await;
    app.register("Real customer", "real@customer.test", "a real password 1")
        .await;
    let refused = demo::seed(&app.config).await.err().expect("refused");
    assert!(
        refused.to_string().contains("already holds 1 account"),
        "{refused}"
    );
    let accounts = app
        .gql_as(
            &app.staff().await,
            "{ accounts(first: 10) { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(accounts.at("accounts.totalCount"), 1, "nothing was added");
}
