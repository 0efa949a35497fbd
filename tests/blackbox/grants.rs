//! The grant rule (SPEC "Rules that matter"): nobody grants more than they hold;
//! nobody changes their own role or permissions; nobody edits, removes, revokes or
//! re-roles a contact whose permissions exceed their own. The owner and staff may do
//! all of it.
//! (Over 500 lines: 180 generated rows plus the stories around the grant rule.)
//!
//! One table of rows, `actor × role × operation`, with every expectation derived from
//! the permission sets below (SPEC's role table), every refusal checked for having
//! changed nothing, and every mismatch listed at the end.

use std::fmt::Write as _;

use clientele_tests::fixtures::{ADD, OWNER_PASSWORD, REMOVE};
use clientele_tests::{Gql, MEMBER_PASSWORD, TestApp};
use serde_json::{Value, json};

const ADMIN: &[&str] = &[
    "VIEW_INVOICES",
    "PAY_INVOICES",
    "VIEW_SERVICES",
    "VIEW_SERVICE_PASSWORDS",
    "VIEW_DOMAINS",
    "VIEW_TICKETS",
    "OPEN_TICKETS",
    "MANAGE_CONTACTS",
    "MANAGE_ACCOUNT",
    "VIEW_EMAILS",
    "VIEW_AUDIT_LOG",
];
const BILLING: &[&str] = &["VIEW_INVOICES", "PAY_INVOICES"];
const TECHNICAL: &[&str] = &[
    "VIEW_SERVICES",
    "VIEW_SERVICE_PASSWORDS",
    "VIEW_DOMAINS",
    "VIEW_TICKETS",
    "OPEN_TICKETS",
];
/// A contact manager and nothing else.
const MANAGER: &[&str] = &["MANAGE_CONTACTS"];
/// A contact manager who also handles tickets.
const TICKET_MANAGER: &[&str] = &["MANAGE_CONTACTS", "VIEW_TICKETS", "OPEN_TICKETS"];
/// What the CUSTOM target role holds.
const TICKETS_ONLY: &[&str] = &["VIEW_TICKETS", "OPEN_TICKETS"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Actor {
    Owner,
    Admin,
    Manager,
    TicketManager,
    Staff,
}

impl Actor {
    /// `None`: passes every check (the owner holds everything; staff pass).
    fn holds(self) -> Option<&'static [&'static str]> {
        match self {
            Actor::Owner | Actor::Staff => None,
            Actor::Admin => Some(ADMIN),
            Actor::Manager => Some(MANAGER),
            Actor::TicketManager => Some(TICKET_MANAGER),
        }
    }

    fn covers(self, wanted: &[&str]) -> bool {
        self.holds()
            .is_none_or(|held| wanted.iter().all(|p| held.contains(p)))
    }
}

/// A role given to, or held by, the row's target.
#[derive(Clone, Copy, Debug)]
enum Role {
    Admin,
    Billing,
    Technical,
    TicketsOnly,
    /// CUSTOM with no permissions: within everyone's reach. Not a row of the table.
    Nothing,
}

impl Role {
    const ALL: [Role; 4] = [
        Role::Admin,
        Role::Billing,
        Role::Technical,
        Role::TicketsOnly,
    ];

    fn permissions(self) -> &'static [&'static str] {
        match self {
            Role::Admin => ADMIN,
            Role::Billing => BILLING,
            Role::Technical => TECHNICAL,
            Role::TicketsOnly => TICKETS_ONLY,
            Role::Nothing => &[],
        }
    }

    /// As `role` and `permissions` input fields.
    fn input(self) -> (&'static str, Option<&'static [&'static str]>) {
        match self {
            Role::Admin => ("ADMIN", None),
            Role::Billing => ("BILLING", None),
            Role::Technical => ("TECHNICAL", None),
            Role::TicketsOnly => ("CUSTOM", Some(TICKETS_ONLY)),
            Role::Nothing => ("CUSTOM", Some(&[])),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    /// addContact with the role, portal access and a password: a second login.
    AddMember,
    /// inviteUser with the role.
    Invite,
    /// updateContact(role) of a contact every actor may touch (CUSTOM with no
    /// permissions) to the role.
    ReRoleTo,
    /// updateContact(phone) of a contact holding the role.
    EditHolder,
    /// removeContact of a member holding the role.
    RemoveHolder,
    /// setPortalAccess(false) of a member holding the role.
    RevokeHolder,
    /// revokeInvitation of a pending invitation with the role.
    RevokeInvitationOf,
    /// resendInvitation of a pending invitation with the role: a fresh grant.
    ResendInvitationOf,
    /// sendPortalInvite of a card without login holding the role.
    PortalInviteHolder,
}

impl Op {
    const ALL: [Op; 9] = [
        Op::AddMember,
        Op::Invite,
        Op::ReRoleTo,
        Op::EditHolder,
        Op::RemoveHolder,
        Op::RevokeHolder,
        Op::RevokeInvitationOf,
        Op::ResendInvitationOf,
        Op::PortalInviteHolder,
    ];
}

struct World {
    app: TestApp,
    account: String,
    owner: String,
    staff: String,
    admin: String,
    manager: String,
    ticket_manager: String,
    /// Own contact ids, for the self rows.
    own: Vec<(Actor, String)>,
}

impl World {
    async fn start() -> Self {
        let app = TestApp::start().await;
        let owner = app
            .register("Grants", "owner@grants.test", OWNER_PASSWORD)
            .await;
        let account = app.current_account(&owner).await;
        let admin = app
            .add_member(&owner, &account, "admin@grants.test", "ADMIN", None)
            .await;
        let manager = app
            .add_member(
                &owner,
                &account,
                "manager@grants.test",
                "CUSTOM",
                Some(MANAGER),
            )
            .await;
        let ticket_manager = app
            .add_member(
                &owner,
                &account,
                "tickets@grants.test",
                "CUSTOM",
                Some(TICKET_MANAGER),
            )
            .await;
        let staff = app.staff().await;
        Self {
            own: vec![
                (Actor::Admin, admin.contact_id),
                (Actor::Manager, manager.contact_id),
                (Actor::TicketManager, ticket_manager.contact_id),
            ],
            app,
            account,
            owner,
            staff,
            admin: admin.token,
            manager: manager.token,
            ticket_manager: ticket_manager.token,
        }
    }

    fn token(&self, actor: Actor) -> &str {
        match actor {
            Actor::Owner => &self.owner,
            Actor::Admin => &self.admin,
            Actor::Manager => &self.manager,
            Actor::TicketManager => &self.ticket_manager,
            Actor::Staff => &self.staff,
        }
    }

    fn password(actor: Actor) -> &'static str {
        match actor {
            Actor::Owner => OWNER_PASSWORD,
            Actor::Staff => clientele_tests::STAFF_PASSWORD,
            _ => MEMBER_PASSWORD,
        }
    }

    /// A contact made by the owner holding `role`; with a login when `member`.
    async fn holder(&self, role: Role, member: bool, email: &str) -> String {
        let (name, permissions) = role.input();
        let r = self
            .app
            .gql_as(
                &self.owner,
                ADD,
                json!({ "a": self.account, "i": {
                    "firstName": "Target", "lastName": name, "email": email, "role": name,
                    "permissions": permissions, "portalAccess": member,
                    "password": if member { Some(MEMBER_PASSWORD) } else { None },
                }}),
            )
            .await
            .ok();
        r.str("addContact.id").to_owned()
    }

    async fn invitation(&self, role: Role, email: &str) -> String {
        let (name, permissions) = role.input();
        let r = self
            .app
            .gql_as(
                &self.owner,
                "mutation($a: ID!, $i: InviteUserInput!) { inviteUser(accountId: $a, input: $i) { id } }",
                json!({ "a": self.account, "i": { "email": email, "role": name, "permissions": permissions } }),
            )
            .await
            .ok();
        r.str("inviteUser.id").to_owned()
    }

    /// The account's contacts as `(id, email, role, permissions, portalAccess)`, as the
    /// owner sees them.
    async fn contacts(&self) -> Vec<Value> {
        let r = self
            .app
            .gql_as(
                &self.owner,
                "query($a: ID!) { account(id: $a) { contacts(first: 100) { edges { node { id email role permissions portalAccess phone } } } } }",
                json!({ "a": self.account }),
            )
            .await
            .ok();
        r.at("account.contacts.edges")
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect()
    }

    async fn contact(&self, id: &str) -> Option<Value> {
        self.contacts()
            .await
            .into_iter()
            .find(|c| c["id"].as_str() == Some(id))
    }

    /// Whether the account has an invitation of `email`.
    async fn invited(&self, email: &str) -> bool {
        self.app
            .gql_as(
                &self.owner,
                "query($a: ID!) { account(id: $a) { invitations { nodes { email } } } }",
                json!({ "a": self.account }),
            )
            .await
            .at("account.invitations.nodes")
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["email"].as_str() == Some(email))
    }

    /// Whether the audit log has `action` on `target_id`.
    async fn audited(&self, action: &str, target_id: &str) -> bool {
        let r = self
            .app
            .gql_as(
                &self.owner,
                "query($a: ID!) { account(id: $a) { auditLog(first: 100) { edges { node { action targetId } } } } }",
                json!({ "a": self.account }),
            )
            .await
            .ok();
        r.at("account.auditLog.edges")
            .as_array()
            .unwrap()
            .iter()
            .any(|e| {
                e["node"]["action"].as_str() == Some(action)
                    && e["node"]["targetId"].as_str() == Some(target_id)
            })
    }

    async fn invitation_status(&self, id: &str) -> String {
        let r = self
            .app
            .gql_as(
                &self.owner,
                "query($a: ID!) { account(id: $a) { invitations { nodes { id status } } } }",
                json!({ "a": self.account }),
            )
            .await
            .ok();
        r.at("account.invitations.nodes")
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"].as_str() == Some(id))
            .map(|i| i["status"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    }

    /// Runs one row; `Err` describes a mismatch.
    async fn run(&self, actor: Actor, role: Role, op: Op, n: usize) -> Result<(), String> {
        let email = format!("row{n}@grants.test");
        let (name, permissions) = role.input();
        let token = self.token(actor);
        // Granting a role needs its permissions; touching a holder needs theirs.
        let allowed = actor.covers(role.permissions());
        let (r, did_change): (Gql, bool) = match op {
            Op::AddMember => {
                let r = self
                    .app
                    .gql_as(
                        token,
                        ADD,
                        json!({ "a": self.account, "i": {
                            "firstName": "New", "lastName": "Member", "email": email, "role": name,
                            "permissions": permissions, "portalAccess": true, "password": MEMBER_PASSWORD,
                        }}),
                    )
                    .await;
                let exists = self
                    .contacts()
                    .await
                    .iter()
                    .any(|c| c["email"].as_str() == Some(email.as_str()));
                let login = self.app.login(&email, MEMBER_PASSWORD).await.is_ok();
                (r, exists || login)
            }
            Op::Invite => {
                let r = self
                    .app
                    .gql_as(
                        token,
                        "mutation($a: ID!, $i: InviteUserInput!) { inviteUser(accountId: $a, input: $i) { id } }",
                        json!({ "a": self.account, "i": { "email": email, "role": name, "permissions": permissions } }),
                    )
                    .await;
                (r, self.invited(&email).await)
            }
            Op::ReRoleTo => {
                let target = self.holder(Role::Nothing, false, &email).await;
                let r = self
                    .app
                    .gql_as(
                        token,
                        "mutation($c: ID!, $i: UpdateContactInput!) { updateContact(id: $c, input: $i) { id role } }",
                        json!({ "c": target, "i": { "role": name, "permissions": permissions } }),
                    )
                    .await;
                let now = self.contact(&target).await.unwrap_or_default();
                let moved =
                    now["role"].as_str() != Some("CUSTOM") || now["permissions"] != json!([]);
                (r, moved)
            }
            Op::EditHolder => {
                let target = self.holder(role, false, &email).await;
                let r = self
                    .app
                    .gql_as(
                        token,
                        "mutation($c: ID!) { updateContact(id: $c, input: { phone: \"+1 555 0100\" }) { id } }",
                        json!({ "c": target }),
                    )
                    .await;
                let phone = self.contact(&target).await.unwrap_or_default()["phone"].clone();
                (r, !phone.is_null())
            }
            Op::RemoveHolder => {
                let target = self.holder(role, true, &email).await;
                let r = self
                    .app
                    .gql_as(
                        token,
                        REMOVE,
                        json!({ "id": target, "p": World::password(actor) }),
                    )
                    .await;
                let gone = self.contact(&target).await.is_none();
                (r, gone)
            }
            Op::RevokeHolder => {
                let target = self.holder(role, true, &email).await;
                let r = self
                    .app
                    .gql_as(
                        token,
                        "mutation($c: ID!) { setPortalAccess(contactId: $c, enabled: false) { id portalAccess } }",
                        json!({ "c": target }),
                    )
                    .await;
                let access =
                    self.contact(&target).await.unwrap_or_default()["portalAccess"].clone();
                (r, access == json!(false))
            }
            Op::RevokeInvitationOf => {
                let invitation = self.invitation(role, &email).await;
                let r = self
                    .app
                    .gql_as(
                        token,
                        "mutation($i: ID!) { revokeInvitation(id: $i) { id status } }",
                        json!({ "i": invitation }),
                    )
                    .await;
                let status = self.invitation_status(&invitation).await;
                (r, status == "REVOKED")
            }
            Op::ResendInvitationOf => {
                let invitation = self.invitation(role, &email).await;
                let r = self
                    .app
                    .gql_as(
                        token,
                        "mutation($i: ID!) { resendInvitation(id: $i) { id } }",
                        json!({ "i": invitation }),
                    )
                    .await;
                // A resend writes an audit entry of its own.
                let resent = self.audited("invitation.resend", &invitation).await;
                (r, resent)
            }
            Op::PortalInviteHolder => {
                let target = self.holder(role, false, &email).await;
                let r = self
                    .app
                    .gql_as(
                        token,
                        "mutation($c: ID!) { sendPortalInvite(contactId: $c) { id } }",
                        json!({ "c": target }),
                    )
                    .await;
                (r, self.invited(&email).await)
            }
        };
        match (allowed, r.error_code()) {
            (true, None) if did_change => Ok(()),
            (true, None) => Err(format!(
                "answered without error but changed nothing: {}",
                r.body
            )),
            (true, Some(code)) => Err(format!("refused with {code}: {}", r.body)),
            (false, Some("FORBIDDEN")) if !did_change => Ok(()),
            (false, Some("FORBIDDEN")) => Err("FORBIDDEN, yet the change was made".into()),
            (false, other) => Err(format!(
                "expected FORBIDDEN, got {}: {}",
                other.unwrap_or("success"),
                r.body
            )),
        }
    }
}

#[tokio::test]
async fn nobody_grants_more_than_they_hold_nor_touches_someone_who_holds_more() {
    let mut failures = String::new();
    let mut rows = 0;
    for actor in [
        Actor::Owner,
        Actor::Admin,
        Actor::Manager,
        Actor::TicketManager,
        Actor::Staff,
    ] {
        // A world per actor keeps each account under the daily invitation limit.
        let world = World::start().await;
        for role in Role::ALL {
            for op in Op::ALL {
                rows += 1;
                if let Err(why) = world.run(actor, role, op, rows).await {
                    let _ = writeln!(failures, "{actor:?} {op:?} {role:?}: {why}");
                }
            }
        }
    }
    assert_eq!(rows, 5 * 4 * 9);
    assert!(failures.is_empty(), "grant rule mismatches:\n{failures}");
}

#[tokio::test]
async fn nobody_changes_their_own_role_or_permissions_but_may_edit_their_own_card() {
    let world = World::start().await;
    for (actor, own) in &world.own {
        let token = world.token(*actor);
        // Up, sideways and down: every change of one's own role is refused.
        let higher = if *actor == Actor::Admin {
            json!({ "role": "CUSTOM", "permissions": ["MANAGE_CONTACTS"] })
        } else {
            json!({ "role": "ADMIN" })
        };
        for input in [
            higher,
            json!({ "role": "CUSTOM", "permissions": ["MANAGE_CONTACTS", "VIEW_SERVICE_PASSWORDS"] }),
            json!({ "role": "BILLING" }),
        ] {
            let before = world.contact(own).await.unwrap();
            let r = world
                .app
                .gql_as(
                    token,
                    "mutation($c: ID!, $i: UpdateContactInput!) { updateContact(id: $c, input: $i) { role } }",
                    json!({ "c": own, "i": input }),
                )
                .await;
            assert_eq!(
                r.error_code(),
                Some("FORBIDDEN"),
                "{actor:?} {input}: {}",
                r.body
            );
            let after = world.contact(own).await.unwrap();
            assert_eq!(
                before["role"], after["role"],
                "{actor:?} changed its own role"
            );
            assert_eq!(before["permissions"], after["permissions"]);
        }
        // Their own card otherwise, including a form that sends back the role it shows.
        let mine = world.contact(own).await.unwrap();
        let r = world
            .app
            .gql_as(
                token,
                "mutation($c: ID!, $r: Role!, $p: [Permission!]) { updateContact(id: $c, input: { phone: \"+1 555 0199\", role: $r, permissions: $p }) { phone role } }",
                json!({ "c": own, "r": mine["role"], "p": if mine["role"] == "CUSTOM" { mine["permissions"].clone() } else { Value::Null } }),
            )
            .await
            .ok();
        assert_eq!(r.at("updateContact.phone"), &json!("+1 555 0199"));
        assert_eq!(r.at("updateContact.role"), &mine["role"]);
    }
}

/// The escalation found in the attack: a contact manager made themselves ADMIN and then
/// read service passwords. Now the grant is refused and the passwords stay hidden.
#[tokio::test]
async fn a_contact_manager_cannot_escalate_to_read_service_passwords() {
    let world = World::start().await;
    world
        .app
        .gql_as(
            &world.staff,
            "mutation($a: ID!) { createService(accountId: $a, input: { productName: \"VPS\", password: \"s3cret\", recurringAmount: \"9.99\" }) { id } }",
            json!({ "a": world.account }),
        )
        .await
        .ok();
    let (_, own) = &world.own[1];
    let r = world
        .app
        .gql_as(
            &world.manager,
            "mutation($c: ID!) { updateContact(id: $c, input: { role: ADMIN }) { role } }",
            json!({ "c": own }),
        )
        .await;
    r.expect_code("FORBIDDEN");
    let r = world
        .app
        .gql_as(
            &world.manager,
            "query($a: ID!) { account(id: $a) { services { edges { node { password } } } } }",
            json!({ "a": world.account }),
        )
        .await;
    r.expect_code("FORBIDDEN");
    // Nor through a second login of their own making.
    let r = world
        .app
        .gql_as(
            &world.manager,
            "mutation($a: ID!, $p: String!) { addContact(accountId: $a, input: { firstName: \"Sock\", lastName: \"Puppet\", email: \"puppet@grants.test\", role: ADMIN, portalAccess: true, password: $p }) { id } }",
            json!({ "a": world.account, "p": MEMBER_PASSWORD }),
        )
        .await;
    r.expect_code("FORBIDDEN");
    assert!(
        world
            .app
            .login("puppet@grants.test", MEMBER_PASSWORD)
            .await
            .is_err()
    );
    // An admin cannot touch the owner's card either: the owner holds more.
    let owner_contact = world
        .app
        .gql_as(
            &world.owner,
            "query($a: ID!) { account(id: $a) { owner { id } } }",
            json!({ "a": world.account }),
        )
        .await
        .ok()
        .str("account.owner.id")
        .to_owned();
    let r = world
        .app
        .gql_as(
            &world.admin,
            "mutation($c: ID!) { updateContact(id: $c, input: { email: \"hijack@grants.test\" }) { id } }",
            json!({ "c": owner_contact }),
        )
        .await;
    r.expect_code("FORBIDDEN");
}
