//! The world the rows run in: the fixture account and its people, made through the API.

use super::*;
use clientele_tests::fixtures::generated_password;

/// A server with the fixture account ("Acme": owner, ADMIN, BILLING, TECHNICAL, CUSTOM
/// members and two scoped TECHNICAL ones with two-factor sign-in on, PW_CHANGE and NO_2FA
/// members without it, two-factor required of every member, an invoice, two services, a
/// domain, a ticket about the first service, a pending invitation, BILLING as billing
/// contact), a second account ("Other Co") and a staff user, all made through the API.
pub(super) struct World {
    pub(super) app: TestApp,
    pub(super) account_id: String,
    pub(super) owner_contact_id: String,
    pub(super) ticket_id: String,
    /// SCOPED_IN's scope, as `Membership.scope` shows it.
    pub(super) scope_in: Value,
    /// Every actor's session but the anonymous one's.
    tokens: Vec<(Actor, String)>,
    /// The password emailed to PW_CHANGE.
    generated_password: String,
    /// What went wrong making the world, short of stopping it: the rows then show what
    /// it changes (against a server without `enrollTotp(currentPassword:)`, say).
    pub(super) setup_problems: Vec<String>,
}

impl World {
    pub(super) async fn start() -> Self {
        let app = TestApp::start().await;
        let owner = app.register("Acme", OWNER_EMAIL, OWNER_PASSWORD).await;
        let account_id = app.current_account(&owner).await;
        let mut tokens = vec![(Actor::Owner, owner.clone())];
        let mut billing_contact_id = String::new();
        for actor in [
            Actor::Admin,
            Actor::Billing,
            Actor::Technical,
            Actor::Custom,
            Actor::NoSecondFactor,
        ] {
            let (Some(email), Some(role)) = (actor.email(), actor.role()) else {
                unreachable!("{actor:?} is a member");
            };
            let permissions = (actor == Actor::Custom).then_some(CUSTOM_PERMISSIONS);
            let member = app
                .add_member(&owner, &account_id, email, role, permissions)
                .await;
            if actor == Actor::Billing {
                billing_contact_id = member.contact_id;
            }
            tokens.push((actor, member.token));
        }
        // Portal access without a password: the generated one is emailed, and signs in
        // a session that must change it first.
        let newcomer = "newcomer@acme.test";
        app.gql_as(
            &owner,
            "mutation($a: ID!, $e: String!) { addContact(accountId: $a, input: { firstName: \"New\", lastName: \"Comer\", email: $e, role: ADMIN, portalAccess: true }) { id } }",
            json!({ "a": account_id, "e": newcomer }),
        )
        .await
        .ok();
        let message = app.mail_to(newcomer).await;
        let generated_password =
            generated_password(&message).unwrap_or_else(|| panic!("no password line in {message}"));
        let must_change = app
            .login(newcomer, &generated_password)
            .await
            .expect("the emailed password signs in");
        tokens.push((Actor::MustChangePassword, must_change));
        let other = app
            .register("Other Co", "owner@other.test", OWNER_PASSWORD)
            .await;
        tokens.push((Actor::Other, other));
        let staff = app.staff().await;
        tokens.push((Actor::Staff, staff.clone()));

        let vars = json!({ "a": account_id });
        let mut made = Vec::new();
        for (fixture, id) in [
            (
                "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"120.50\", currency: \"EUR\", dueDate: \"2026-12-31\" }) { id } }",
                "createInvoice.id",
            ),
            (
                "mutation($a: ID!) { createService(accountId: $a, input: { productName: \"Web hosting\", username: \"acme\", password: \"s3cret\", recurringAmount: \"9.99\", status: ACTIVE }) { id } }",
                "createService.id",
            ),
            (
                "mutation($a: ID!) { createService(accountId: $a, input: { productName: \"Mail server\", status: ACTIVE }) { id } }",
                "createService.id",
            ),
            (
                "mutation($a: ID!) { createDomain(accountId: $a, input: { name: \"acme.test\", expiresAt: \"2027-01-01\" }) { id } }",
                "createDomain.id",
            ),
        ] {
            let r = app.gql_as(&staff, fixture, vars.clone()).await.ok();
            made.push(r.str(id).to_owned());
        }
        let [_, web, mail, domain] = &made[..] else {
            unreachable!("four fixtures");
        };
        let scope_in = json!({ "serviceIds": [web], "domainIds": [domain] });
        for (actor, scope) in [
            (Actor::ScopedIn, scope_in.clone()),
            (
                Actor::ScopedOut,
                json!({ "serviceIds": [mail], "domainIds": [] }),
            ),
        ] {
            let email = actor.email().unwrap_or_default();
            app.gql_as(
                &owner,
                "mutation($a: ID!, $e: String!, $p: String!, $s: ScopeInput) { addContact(accountId: $a, input: { firstName: \"Scoped\", lastName: \"Member\", email: $e, role: TECHNICAL, portalAccess: true, password: $p, scope: $s }) { id } }",
                json!({ "a": account_id, "e": email, "p": MEMBER_PASSWORD, "s": scope }),
            )
            .await
            .ok();
            let token = app
                .login(email, MEMBER_PASSWORD)
                .await
                .expect("a scoped member signs in");
            tokens.push((actor, token));
        }
        // Not checked here: when it fails, the `Account.invitations` rows say so.
        app.gql_as(
            &owner,
            "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: { email: $e, role: BILLING }) { id } }",
            json!({ "a": account_id, "e": INVITEE_EMAIL }),
        )
        .await;
        let ticket = app
            .gql_as(
                &owner,
                "mutation($a: ID!, $s: ID!) { openTicket(accountId: $a, subject: \"Site down\", body: \"Please help\", serviceId: $s) { id } }",
                json!({ "a": account_id, "s": web }),
            )
            .await
            .ok();
        let ticket_id = ticket.str("openTicket.id").to_owned();
        app.gql_as(
            &owner,
            "mutation($c: ID!) { setBillingContact(contactId: $c) { id } }",
            json!({ "c": billing_contact_id }),
        )
        .await
        .ok();
        // Two API tokens, made by their members with their passwords: part of the
        // admin's permissions, and part of SCOPED_IN's (within their scope).
        for (actor, member, permissions) in [
            (Actor::AdminToken, Actor::Admin, ADMIN_TOKEN_PERMISSIONS),
            (
                Actor::ScopedToken,
                Actor::ScopedIn,
                SCOPED_TOKEN_PERMISSIONS,
            ),
        ] {
            let session = tokens
                .iter()
                .find(|(a, _)| *a == member)
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
            let r = app
                .gql_as(
                    &session,
                    "mutation($a: ID!, $p: String!, $perms: [Permission!]!) { createApiToken(accountId: $a, input: { name: \"matrix\", permissions: $perms }, currentPassword: $p) { token } }",
                    json!({ "a": account_id, "p": MEMBER_PASSWORD, "perms": permissions }),
                )
                .await
                .ok();
            tokens.push((actor, r.str("createApiToken.token").to_owned()));
        }
        let owner_contact_id = app
            .gql_as(
                &owner,
                "query($a: ID!) { account(id: $a) { owner { id } } }",
                vars.clone(),
            )
            .await
            .ok()
            .str("account.owner.id")
            .to_owned();

        // Two-factor sign-in on for every member but the two whose state is the point,
        // then required of all: their sessions keep working, NO_2FA's is refused.
        let mut setup_problems = Vec::new();
        for (actor, token) in &tokens {
            if actor.has_two_factor()
                && let Err(why) = app.turn_on_two_factor(token, actor.password()).await
            {
                setup_problems.push(format!(
                    "could not turn on two-factor sign-in for {}: {why}",
                    actor.label()
                ));
            }
        }
        let r = app
            .gql_as(
                &owner,
                "mutation($a: ID!) { setAccountSecurity(accountId: $a, requireTwoFactor: true) { requireTwoFactor } }",
                vars,
            )
            .await;
        if r.get("setAccountSecurity.requireTwoFactor") != Some(&json!(true)) {
            setup_problems.push(format!(
                "the owner could not require two-factor sign-in: {}",
                r.body
            ));
        }
        Self {
            app,
            account_id,
            owner_contact_id,
            ticket_id,
            scope_in,
            tokens,
            generated_password,
            setup_problems,
        }
    }

    fn token(&self, actor: Actor) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(a, _)| *a == actor)
            .map(|(_, token)| token.as_str())
    }

    /// What the actor types as `currentPassword`.
    pub(super) fn password(&self, actor: Actor) -> &str {
        match actor {
            Actor::MustChangePassword => &self.generated_password,
            _ => actor.password(),
        }
    }

    pub(super) async fn send(&self, actor: Actor, query: &str, vars: Value) -> Gql {
        match self.token(actor) {
            Some(token) => self.app.gql_as(token, query, vars).await,
            None => self.app.gql(query, vars).await,
        }
    }

    /// Makes the row's throw-away object; its id (empty for `Setup::Nothing`).
    pub(super) async fn prepare(&self, setup: Setup, unique: &str) -> Result<String, String> {
        let email = format!("{unique}@acme.test");
        let (token, query, vars, path) = match setup {
            Setup::Nothing => return Ok(String::new()),
            Setup::Contact => (
                self.owner(),
                "mutation($a: ID!, $e: String!) { addContact(accountId: $a, input: { firstName: \"Throw\", lastName: \"Away\", email: $e, role: TECHNICAL }) { id } }",
                json!({ "a": self.account_id, "e": email }),
                "addContact.id",
            ),
            Setup::Member => (
                self.owner(),
                "mutation($a: ID!, $e: String!, $p: String!) { addContact(accountId: $a, input: { firstName: \"Next\", lastName: \"Owner\", email: $e, role: ADMIN, portalAccess: true, password: $p }) { id } }",
                json!({ "a": self.account_id, "e": email, "p": MEMBER_PASSWORD }),
                "addContact.id",
            ),
            Setup::Invitation => (
                self.owner(),
                "mutation($a: ID!, $e: String!) { inviteUser(accountId: $a, input: { email: $e, role: TECHNICAL }) { id } }",
                json!({ "a": self.account_id, "e": email }),
                "inviteUser.id",
            ),
            Setup::Invoice => (
                self.staff(),
                "mutation($a: ID!) { createInvoice(accountId: $a, input: { total: \"45.00\", currency: \"EUR\", dueDate: \"2026-12-31\" }) { id } }",
                json!({ "a": self.account_id }),
                "createInvoice.id",
            ),
            Setup::Service => (
                self.staff(),
                "mutation($a: ID!) { createService(accountId: $a, input: { productName: \"VPS\", status: ACTIVE }) { id } }",
                json!({ "a": self.account_id }),
                "createService.id",
            ),
        };
        let r = self.app.gql_as(token, query, vars.clone()).await;
        match r.at(path).as_str() {
            Some(id) if r.body.get("errors").is_none() => Ok(id.to_owned()),
            _ => Err(format!(
                "the row's setup ({setup:?}) failed\n    request: {query}  variables: {vars}\n    response (HTTP {}): {}",
                r.status, r.body
            )),
        }
    }

    fn owner(&self) -> &str {
        self.token(Actor::Owner).unwrap_or_default()
    }

    fn staff(&self) -> &str {
        self.token(Actor::Staff).unwrap_or_default()
    }

    /// After an allowed `transferOwnership`, staff gives the account back to its owner,
    /// so the next rows see the world as it was. `Err` when that fails.
    pub(super) async fn restore_owner(&self) -> Result<(), String> {
        let vars = json!({ "a": self.account_id });
        let r = self
            .app
            .gql_as(
                self.staff(),
                "query($a: ID!) { account(id: $a) { owner { id } } }",
                vars,
            )
            .await;
        if r.at("account.owner.id").as_str() == Some(self.owner_contact_id.as_str()) {
            return Ok(());
        }
        let back = self
            .app
            .gql_as(
                self.staff(),
                "mutation($c: ID!, $p: String!) { transferOwnership(contactId: $c, currentPassword: $p) { owner { id } } }",
                json!({ "c": self.owner_contact_id, "p": STAFF_PASSWORD }),
            )
            .await;
        if back.at("transferOwnership.owner.id").as_str() == Some(self.owner_contact_id.as_str()) {
            Ok(())
        } else {
            Err(format!(
                "could not give the account back to its owner; later rows may be wrong: {}",
                back.body
            ))
        }
    }
}
