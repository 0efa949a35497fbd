//! The subscriber example's engine (`clientele_examples::subscriber::follow`) against a
//! real server, reached through a TCP proxy the test controls: taking the proxy down cuts
//! the follower's connection and refuses its retries, as a restarting server or a broken
//! network does, while the test goes on changing contacts directly.

use std::time::Duration;

use clientele_examples::subscriber::{ContactEvent, FollowError, FollowOptions, Update, follow};
use clientele_tests::proxy::Proxy;
use clientele_tests::{MEMBER_PASSWORD, TestApp};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

const OWNER_EMAIL: &str = "owner@acme.test";
const OWNER_PASSWORD: &str = "owner password 1";
/// How long anything the follower should do may take before the test fails.
const WITHIN: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_dropped_connection_is_resumed_from_the_last_event_printed() {
    let app = TestApp::start().await;
    let (owner, account) = acme(&app).await;
    let proxy = Proxy::start(app.server.addr.to_string()).await;
    // From the start of the log: the owner's card first, then live with no gap, so the
    // test need not guess when the stream went live.
    let mut options = through(&proxy, OWNER_EMAIL, OWNER_PASSWORD);
    options.after = Some("0".into());
    let mut follower = Follower::start(options);
    follower.event_named("Test").await;

    add(&app, &owner, &account, "A").await;
    let a = follower.event_named("A").await;

    proxy.set_up(false);
    follower
        .until("the drop noticed", |u| {
            matches!(u, Update::Disconnected { .. })
        })
        .await;
    add(&app, &owner, &account, "B").await;
    add(&app, &owner, &account, "C").await;
    proxy.set_up(true);
    follower.event_named("C").await;
    // A change after the outage: had anything been printed twice, it would be before this.
    add(&app, &owner, &account, "D").await;
    follower.event_named("D").await;
    let last = follower.stop().await.expect("stops cleanly");

    assert_eq!(follower.names(), ["Test", "A", "B", "C", "D"]);
    follower.assert_in_order();
    assert_eq!(last.as_deref(), Some(follower.events[4].cursor.as_str()));
    assert!(
        follower.seen(&Update::Subscribed {
            after: Some(a.cursor.clone())
        }),
        "resubscribed after A's cursor: {:#?}",
        follower.updates
    );
    assert!(
        follower
            .events
            .iter()
            .all(|e| e.account_id == account && e.kind == "CREATED")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_follower_that_printed_nothing_yet_misses_nothing_from_its_sign_in_on() {
    let app = TestApp::start().await;
    let (owner, account) = acme(&app).await;
    add(&app, &owner, &account, "Earlier").await;
    let proxy = Proxy::start(app.server.addr.to_string()).await;
    // No cursor: from the log's position at sign-in. Cut before anything happened...
    let mut follower = Follower::start(through(&proxy, OWNER_EMAIL, OWNER_PASSWORD));
    follower
        .until("subscribed", |u| matches!(u, Update::Subscribed { .. }))
        .await;
    proxy.set_up(false);
    follower
        .until("the drop noticed", |u| {
            matches!(u, Update::Disconnected { .. })
        })
        .await;
    // ...so what happens meanwhile comes after no event the follower printed.
    add(&app, &owner, &account, "B").await;
    proxy.set_up(true);
    follower.event_named("B").await;
    add(&app, &owner, &account, "C").await;
    follower.event_named("C").await;
    follower.stop().await.expect("stops cleanly");

    // Nothing from before the follower signed in (the owner's card, Earlier).
    assert_eq!(follower.names(), ["B", "C"]);
    follower.assert_in_order();
    app.stop().await;
}

#[tokio::test]
async fn a_follower_whose_session_ends_signs_in_again_and_misses_nothing() {
    let app = TestApp::start().await;
    let (owner, account) = acme(&app).await;
    let mut options = FollowOptions::new(&app.url, OWNER_EMAIL, OWNER_PASSWORD);
    options.after = Some("0".into());
    fast(&mut options);
    let mut follower = Follower::start(options);
    add(&app, &owner, &account, "A").await;
    follower.event_named("A").await;

    // The owner ends every other session of theirs: the follower's.
    let sessions = app
        .gql_as(&owner, "{ viewer { sessions { id current } } }", json!({}))
        .await
        .ok();
    let others: Vec<String> = sessions
        .at("viewer.sessions")
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["current"] == false)
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(others.len(), 1, "{}", sessions.body);
    app.gql_as(
        &owner,
        "mutation($id: ID!) { revokeSession(id: $id) }",
        json!({"id": others[0]}),
    )
    .await
    .ok();
    add(&app, &owner, &account, "B").await;
    follower
        .until("signed in again", |u| matches!(u, Update::SignedIn { .. }))
        .await;
    follower.event_named("B").await;
    add(&app, &owner, &account, "C").await;
    follower.event_named("C").await;
    follower.stop().await.expect("stops cleanly");

    assert_eq!(follower.names(), ["Test", "A", "B", "C"]);
    follower.assert_in_order();
    assert!(
        follower
            .updates
            .iter()
            .any(|u| matches!(u, Update::SessionEnded { .. })),
        "{:#?}",
        follower.updates
    );
    app.stop().await;
}

#[tokio::test]
async fn refused_credentials_and_lost_access_end_the_follower_with_their_reason() {
    let app = TestApp::start().await;
    let (owner, account) = acme(&app).await;

    let mut wrong = FollowOptions::new(&app.url, OWNER_EMAIL, "not the password");
    fast(&mut wrong);
    let refused = Follower::start(wrong).stop_by_itself().await;
    assert!(
        matches!(refused, Err(FollowError::SignInRefused(_))),
        "{refused:?}"
    );

    // An admin follows the account until the owner makes them a billing contact.
    let admin = app
        .add_member(&owner, &account, "admin@acme.test", "ADMIN", None)
        .await;
    let mut options = FollowOptions::new(&app.url, &admin.email, MEMBER_PASSWORD);
    fast(&mut options);
    let mut follower = Follower::start(options);
    follower
        .until("subscribed", |u| matches!(u, Update::Subscribed { .. }))
        .await;
    assert!(follower.seen(&Update::SignedIn {
        account: Some(account.clone())
    }));
    app.gql_as(
        &owner,
        "mutation($id: ID!) { updateContact(id: $id, input: {role: BILLING}) { id } }",
        json!({"id": admin.contact_id}),
    )
    .await
    .ok();
    let ended = follower.stop_by_itself().await;
    assert!(matches!(ended, Err(FollowError::Forbidden(_))), "{ended:?}");
    app.stop().await;
}

async fn acme(app: &TestApp) -> (String, String) {
    let owner = app.register("Acme", OWNER_EMAIL, OWNER_PASSWORD).await;
    let account = app.current_account(&owner).await;
    (owner, account)
}

async fn add(app: &TestApp, token: &str, account: &str, name: &str) {
    app.gql_as(
        token,
        "mutation($a: ID!, $f: String!) { addContact(accountId: $a, input: {firstName: $f, lastName: \"Doe\", role: BILLING}) { id } }",
        json!({"a": account, "f": name}),
    )
    .await
    .ok();
}

/// Retries within milliseconds, so that a test waits on the follower, not on its backoff.
fn fast(options: &mut FollowOptions) {
    options.first_retry = Duration::from_millis(50);
    options.max_retry = Duration::from_millis(200);
}

/// `follow` running in a task, and what it reported so far.
struct Follower {
    updates_rx: mpsc::UnboundedReceiver<Update>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<Option<String>, FollowError>>,
    updates: Vec<Update>,
    events: Vec<ContactEvent>,
}

impl Follower {
    fn start(options: FollowOptions) -> Self {
        let (tx, updates_rx) = mpsc::unbounded_channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let stopped = async {
                let _ = stopped.await;
            };
            follow(&options, stopped, move |update| {
                let _ = tx.send(update);
            })
            .await
        });
        Self {
            updates_rx,
            stop: Some(stop),
            task,
            updates: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Takes updates until one matches `wanted` (which it returns), keeping them all.
    async fn until(&mut self, what: &str, wanted: impl Fn(&Update) -> bool) -> Update {
        let deadline = tokio::time::Instant::now() + WITHIN;
        loop {
            let update = match tokio::time::timeout_at(deadline, self.updates_rx.recv()).await {
                Ok(Some(update)) => update,
                Ok(None) => panic!(
                    "the follower ended before {what}: {:?}\n{:#?}",
                    (&mut self.task).await,
                    self.updates
                ),
                Err(_) => panic!("timed out waiting for {what}: {:#?}", self.updates),
            };
            if let Update::Event(event) = &update {
                self.events.push(event.clone());
            }
            self.updates.push(update.clone());
            if wanted(&update) {
                return update;
            }
        }
    }

    /// The event about the contact called `first_name`: already reported, or the next
    /// one.
    async fn event_named(&mut self, first_name: &str) -> ContactEvent {
        let named = |e: &&ContactEvent| {
            e.contact
                .as_ref()
                .is_some_and(|c| c.first_name == first_name)
        };
        if let Some(event) = self.events.iter().find(named) {
            return event.clone();
        }
        let wanted = |u: &Update| matches!(u, Update::Event(e) if e.contact.as_ref().is_some_and(|c| c.first_name == first_name));
        match self
            .until(&format!("the event of {first_name}"), wanted)
            .await
        {
            Update::Event(event) => event,
            _ => unreachable!(),
        }
    }

    fn seen(&self, update: &Update) -> bool {
        self.updates.contains(update)
    }

    /// The first names of the contacts of the events, in the order printed.
    fn names(&self) -> Vec<&str> {
        self.events
            .iter()
            .map(|e| e.contact.as_ref().map_or("?", |c| c.first_name.as_str()))
            .collect()
    }

    /// Each event once, in the log's order (cursors are the log's row ids).
    fn assert_in_order(&self) {
        let cursors: Vec<i64> = self
            .events
            .iter()
            .map(|e| e.cursor.parse().expect("a numeric cursor"))
            .collect();
        assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");
    }

    /// Tells the follower to stop (Ctrl-C, in the example) and returns what it returned.
    async fn stop(&mut self) -> Result<Option<String>, FollowError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.finished().await
    }

    /// Waits for the follower to end by itself and returns why.
    async fn stop_by_itself(mut self) -> Result<Option<String>, FollowError> {
        self.finished().await
    }

    async fn finished(&mut self) -> Result<Option<String>, FollowError> {
        match tokio::time::timeout(WITHIN, &mut self.task).await {
            Ok(result) => result.expect("the follower does not panic"),
            Err(_) => panic!("the follower did not end: {:#?}", self.updates),
        }
    }
}

/// Options to follow the server through `proxy`, retrying fast.
fn through(proxy: &Proxy, email: &str, password: &str) -> FollowOptions {
    let mut options =
        FollowOptions::new(format!("http://127.0.0.1:{}", proxy.port), email, password);
    fast(&mut options);
    options
}
