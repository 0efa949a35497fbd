//! The people and documents the stories share, made through the API as a client would:
//! one home for each, so that a test file says only what its story adds.
//!
//! ```ignore
//! let acme = Portal::new(&app).owner("owner@acme.test").await;
//! let billing = acme.member(Role::Billing).await;
//! app.gql_as(&acme.owner, ADD, json!({"a": acme.account, "i": {...}})).await.ok();
//! ```

use serde_json::{Value, json};

use crate::TestApp;

/// The password of account owners made by [`Portal`] (and of most owners registered
/// by hand).
pub const OWNER_PASSWORD: &str = "owner password 1";
/// The password of members made by [`Portal::member`] and [`TestApp::add_member`].
pub const MEMBER_PASSWORD: &str = "member password 1";
/// The password of users made by [`TestApp::staff`].
pub const STAFF_PASSWORD: &str = "staff password 1";

/// Every permission, as the schema names them (what an owner holds).
pub const ALL_PERMISSIONS: &[&str] = &[
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
    "TRANSFER_OWNERSHIP",
];

/// `addContact` (`$a` the account, `$i` the input), answering every field a story
/// checks on the new card.
pub const ADD: &str = "mutation($a: ID!, $i: AddContactInput!) { addContact(accountId: $a, input: $i) {
  id firstName lastName email role permissions isPrimary portalAccess notificationPreferences accessExpiresAt } }";
/// `updateContact` (`$id`, `$i` the input).
pub const UPDATE: &str =
    "mutation($id: ID!, $i: UpdateContactInput!) { updateContact(id: $id, input: $i) {
  id email phone role permissions notificationPreferences accessExpiresAt } }";
/// `removeContact` (`$id`, `$p` the acting person's current password).
pub const REMOVE: &str =
    "mutation($id: ID!, $p: String!) { removeContact(id: $id, currentPassword: $p) }";
/// `acceptInvitation` (`$t` the token from the link, `$i` the optional input).
pub const ACCEPT: &str = "mutation($t: String!, $i: AcceptInvitationInput) { acceptInvitation(token: $t, input: $i) {
  token viewer { currentAccount { id name } memberships { role accessExpiresAt account { name } } } } }";
/// `login` (`$e`, `$p`, and `$c` the second factor's code when there is one).
pub const LOGIN: &str = "mutation($e: String!, $p: String!, $c: String) { login(email: $e, password: $p, totpCode: $c) {
  token viewer { twoFactorEnabled } } }";
/// Who the session is, and the account it is placed in.
pub const VIEWER: &str = "{ viewer { user { email } currentAccount { name } } }";
/// The dashboard's subscription: an account's contact events (`$a`; all of them, for
/// staff, when null) after a cursor (`$after`; the live ones only when null).
pub const CONTACT_EVENTS: &str =
    "subscription($a: ID, $after: String) { contactEvents(accountId: $a, after: $after) {
  cursor kind accountId contactId contact { firstName email role } } }";

/// A role a member is given (the API's `Role`; OWNER only moves by `transferOwnership`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Billing,
    Technical,
    /// CUSTOM, with these permissions.
    Custom(&'static [&'static str]),
}

impl Role {
    /// Its name in the schema.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Billing => "BILLING",
            Role::Technical => "TECHNICAL",
            Role::Custom(_) => "CUSTOM",
        }
    }

    /// The permissions a CUSTOM role is given; `None` for a preset.
    pub fn permissions(self) -> Option<&'static [&'static str]> {
        match self {
            Role::Custom(permissions) => Some(permissions),
            _ => None,
        }
    }
}

/// A member of an account, signed in.
#[derive(Clone, Debug)]
pub struct Member {
    pub contact_id: String,
    pub token: String,
    pub email: String,
    /// The account they are a member of.
    pub account: String,
}

/// An account as its owner registered it, and the way to add its people: the start of
/// most stories. The fields are what stories use: `let Portal { owner, account, .. }`.
pub struct Portal<'a> {
    app: &'a TestApp,
    /// The account's id.
    pub account: String,
    /// The account's name.
    pub name: String,
    /// The owner's session token (from `register`).
    pub owner: String,
    pub owner_email: String,
    /// The owner's card: the account's primary contact.
    pub owner_contact: String,
}

/// A [`Portal`] about to be registered: name it, then give it its owner.
pub struct NewPortal<'a> {
    app: &'a TestApp,
    name: String,
}

impl<'a> Portal<'a> {
    /// An account called "Acme", once [`NewPortal::owner`] registers it.
    #[expect(
        clippy::new_ret_no_self,
        reason = "a portal exists once its owner registered it: `Portal::new(&app).owner(..)` reads like the story"
    )]
    pub fn new(app: &'a TestApp) -> NewPortal<'a> {
        NewPortal {
            app,
            name: "Acme".into(),
        }
    }

    /// `Portal::new(app).owner("owner@acme.test")`: the account most stories are about.
    pub async fn acme(app: &'a TestApp) -> Portal<'a> {
        Self::new(app).owner("owner@acme.test").await
    }

    /// A member with `role` added by the owner with [`MEMBER_PASSWORD`], signed in; their
    /// email is the role's name at the owner's domain (`billing@acme.test`).
    pub async fn member(&self, role: Role) -> Member {
        let domain = self.owner_email.split_once('@').map_or("", |(_, d)| d);
        let email = format!("{}@{domain}", role.name().to_ascii_lowercase());
        self.member_as(role, &email).await
    }

    /// A member with `role` and this email, added by the owner, signed in.
    pub async fn member_as(&self, role: Role, email: &str) -> Member {
        self.app
            .add_member(
                &self.owner,
                &self.account,
                email,
                role.name(),
                role.permissions(),
            )
            .await
    }
}

impl<'a> NewPortal<'a> {
    /// The account's name, instead of "Acme".
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }

    /// Registers the account with `email` as its owner and [`OWNER_PASSWORD`].
    pub async fn owner(self, email: &str) -> Portal<'a> {
        let owner = self.app.register(&self.name, email, OWNER_PASSWORD).await;
        let r = self
            .app
            .gql_as(
                &owner,
                "{ viewer { currentAccount { id owner { id } } } }",
                json!({}),
            )
            .await
            .ok();
        Portal {
            app: self.app,
            account: r.str("viewer.currentAccount.id").to_owned(),
            name: self.name,
            owner,
            owner_email: email.to_owned(),
            owner_contact: r.str("viewer.currentAccount.owner.id").to_owned(),
        }
    }
}

impl TestApp {
    /// Registers a new account owner and returns their session token.
    pub async fn register(&self, account: &str, email: &str, password: &str) -> String {
        let r = self
            .gql(
                "mutation($input: RegisterInput!) { register(input: $input) { token } }",
                json!({ "input": {
                    "accountName": account, "firstName": "Test", "lastName": account,
                    "email": email, "password": password,
                }}),
            )
            .await;
        r.str("register.token").to_owned()
    }

    /// A staff user (created through the service `clientele create-staff` uses), signed in.
    pub async fn staff(&self) -> String {
        let email = "staff@portal.test";
        if self.login(email, STAFF_PASSWORD).await.is_err() {
            self.server
                .domain
                .auth()
                .create_staff(email, STAFF_PASSWORD, "Sam", "Staff")
                .await
                .expect("staff user");
        }
        self.login(email, STAFF_PASSWORD)
            .await
            .expect("staff login")
    }

    /// A service staff record on `account` (ACTIVE, with a password): its id.
    pub async fn service(&self, staff: &str, account: &str, product_name: &str) -> String {
        self.gql_as(
            staff,
            "mutation($a: ID!, $n: String!) { createService(accountId: $a, input: {productName: $n, status: ACTIVE, password: \"s3cret\"}) { id } }",
            json!({ "a": account, "n": product_name }),
        )
        .await
        .ok()
        .str("createService.id")
        .to_owned()
    }

    /// A domain staff record on `account` (expiring in 2030): its id.
    pub async fn domain(&self, staff: &str, account: &str, name: &str) -> String {
        self.gql_as(
            staff,
            "mutation($a: ID!, $n: String!) { createDomain(accountId: $a, input: {name: $n, expiresAt: \"2030-01-01\"}) { id } }",
            json!({ "a": account, "n": name }),
        )
        .await
        .ok()
        .str("createDomain.id")
        .to_owned()
    }

    /// The id of the account the session is placed in.
    pub async fn current_account(&self, token: &str) -> String {
        let r = self
            .gql_as(token, "{ viewer { currentAccount { id } } }", json!({}))
            .await;
        r.str("viewer.currentAccount.id").to_owned()
    }

    /// Adds a contact with portal access and the given role (and CUSTOM permissions),
    /// then signs them in: their contact id, session token, email and account.
    pub async fn add_member(
        &self,
        token: &str,
        account_id: &str,
        email: &str,
        role: &str,
        permissions: Option<&[&str]>,
    ) -> Member {
        let r = self
            .gql_as(
                token,
                ADD,
                json!({"a": account_id, "i": {
                    "firstName": role, "lastName": "Member", "email": email, "role": role,
                    "permissions": permissions, "portalAccess": true, "password": MEMBER_PASSWORD,
                }}),
            )
            .await
            .ok();
        let contact_id = r.str("addContact.id").to_owned();
        let token = self
            .login(email, MEMBER_PASSWORD)
            .await
            .expect("member signs in");
        Member {
            contact_id,
            token,
            email: email.to_owned(),
            account: account_id.to_owned(),
        }
    }

    /// Adds a contact card without login or email (BILLING), named `first_name`: the
    /// least a change to an account's contacts can be. Returns its id.
    pub async fn add_card(&self, token: &str, account: &str, first_name: &str) -> String {
        let input = json!({ "firstName": first_name, "lastName": "L", "role": "BILLING" });
        self.gql_as(token, ADD, json!({ "a": account, "i": input }))
            .await
            .ok()
            .str("addContact.id")
            .to_owned()
    }

    /// How many contacts the account has, as `token` (with MANAGE_CONTACTS) sees them:
    /// what a refused change must leave as it was.
    pub async fn contact_count(&self, token: &str, account: &str) -> u64 {
        let r = self
            .gql_as(
                token,
                "query($a: ID!) { account(id: $a) { contacts { totalCount } } }",
                json!({ "a": account }),
            )
            .await
            .ok();
        r.at("account.contacts.totalCount")
            .as_u64()
            .unwrap_or_else(|| panic!("no count in {}", r.body))
    }

    /// Every node of one of the account's lists (`contacts`, `emails`, `auditLog`…) as
    /// `token` reads it, page after page, in the list's own order; `fields` selects what
    /// each node answers.
    pub async fn every(&self, token: &str, account: &str, list: &str, fields: &str) -> Vec<Value> {
        let query = format!(
            "query($a: ID!, $c: String) {{ account(id: $a) {{ {list}(first: 50, after: $c) {{
              pageInfo {{ hasNextPage endCursor }} nodes {{ {fields} }} }} }} }}"
        );
        let mut nodes = Vec::new();
        let mut after = Value::Null;
        loop {
            let r = self
                .gql_as(token, &query, json!({ "a": account, "c": after }))
                .await
                .ok();
            let page = r.at(&format!("account.{list}"));
            nodes.extend(page["nodes"].as_array().cloned().unwrap_or_default());
            if page["pageInfo"]["hasNextPage"] != true {
                return nodes;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
    }

    /// How many entries of the account's audit log, as `token` (with VIEW_AUDIT_LOG)
    /// reads it, record `action`.
    pub async fn audited_in(&self, token: &str, account: &str, action: &str) -> usize {
        self.every(token, account, "auditLog", "action")
            .await
            .iter()
            .filter(|entry| entry["action"] == action)
            .count()
    }

    /// The account's email history as `token` (with VIEW_EMAILS) reads it, oldest first:
    /// each email's `id`, `to`, `subject`, `category` and `status`.
    pub async fn email_history(&self, token: &str, account: &str) -> Vec<Value> {
        let mut emails = self
            .every(token, account, "emails", "id to subject category status")
            .await;
        emails.reverse();
        emails
    }

    /// The token of the (last) invitation emailed to `to`, once delivered.
    pub async fn invitation_token(&self, to: &str) -> String {
        let mails = self.mails_to(to).await;
        let link = mails
            .iter()
            .rev()
            .find_map(|mail| crate::link_after(mail, "/invite/"))
            .unwrap_or_else(|| panic!("no invitation link in the emails to {to}"));
        crate::token_in_link(&link)
    }

    /// The code an authenticator app shows now, by the server's clock, for a base32
    /// TOTP secret.
    pub fn totp_code(&self, secret: &str) -> String {
        let now = self.server.domain.clock().now().timestamp();
        crate::totp_code_at(secret, u64::try_from(now).unwrap_or_default())
    }

    /// Turns two-factor sign-in on for the token's user as they would: `enrollTotp` with
    /// their current password, then `confirmTotp` with the app's code. Returns the secret,
    /// or the response that refused. The code of this 30-second step is then spent:
    /// advance the clock before signing in with one.
    pub async fn turn_on_two_factor(&self, token: &str, password: &str) -> Result<String, String> {
        let enrolment = self
            .gql_as(
                token,
                "mutation($p: String!) { enrollTotp(currentPassword: $p) { secret } }",
                json!({ "p": password }),
            )
            .await;
        let Some(secret) = enrolment.get("enrollTotp.secret").and_then(Value::as_str) else {
            return Err(format!("enrollTotp answered {}", enrolment.body));
        };
        let confirm = self
            .gql_as(
                token,
                "mutation($c: String!) { confirmTotp(code: $c) }",
                json!({ "c": self.totp_code(secret) }),
            )
            .await;
        match confirm.body.get("errors") {
            None => Ok(secret.to_owned()),
            Some(_) => Err(format!("confirmTotp answered {}", confirm.body)),
        }
    }
}

/// The password in a "your generated password" email (its `Password:` line).
pub fn generated_password(message: &str) -> Option<String> {
    message.lines().find_map(|line| {
        line.trim()
            .strip_prefix("Password:")
            .map(|p| p.trim().to_owned())
    })
}

/// A time as the API writes a `DateTime` (RFC 3339, whole seconds): what it answers
/// for an `accessExpiresAt` it was given in this form.
pub fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}
