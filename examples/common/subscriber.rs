//! A command-line dashboard's engine: sign in over HTTP, subscribe to an account's
//! contact events over `/graphql/ws` (graphql-transport-ws), report each event once,
//! and ride out whatever happens to the connection.
//!
//! - A dropped connection (server restart, network) is retried with backoff, and the
//!   new subscription resumes after the last event reported: nothing is lost, nothing
//!   is reported twice.
//! - A session that ends (`UNAUTHENTICATED`, close code 4403) is replaced by signing in
//!   again with the same credentials.
//! - `FORBIDDEN`, refused credentials, a refused cursor: [`follow`] returns the error.
//!
//! The `subscriber` example is this module behind a command line.

mod report;
mod socket;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::{Value, json};

pub use report::{ContactCard, ContactEvent, Update};
use socket::{Incoming, Socket, closed, receive, send};

/// The subscription, with every field a line needs.
const CONTACT_EVENTS: &str = "subscription($a: ID, $after: String) {
  contactEvents(accountId: $a, after: $after) {
    cursor kind accountId contactId occurredAt
    contact { firstName lastName email role }
  }
}";

const LOGIN: &str = "mutation($e: String!, $p: String!, $t: String) {
  login(email: $e, password: $p, totpCode: $t) {
    token passwordChangeRequired
    viewer {
      isStaff
      currentAccount { id }
      memberships { account { id } }
    }
  }
}";

/// The one operation id this client uses on a connection.
const OPERATION: &str = "contacts";
/// HTTP requests (the sign-in) that take longer than this are treated as a network fault.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// From opening the socket to `connection_ack`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What [`follow`] needs. Build it with [`FollowOptions::new`] and adjust the fields.
#[derive(Clone)]
pub struct FollowOptions {
    /// The server's base URL, e.g. `http://127.0.0.1:8080` (`/graphql` and
    /// `/graphql/ws` are appended).
    pub url: String,
    pub email: String,
    pub password: String,
    /// A two-factor code (or recovery code) for the first sign-in. A code is good once:
    /// a session that ends later cannot be replaced with it.
    pub totp: Option<String>,
    /// The account to follow; by default the one the sign-in places the user in, else
    /// their first membership (staff with none: every account).
    pub account: Option<String>,
    /// Resume after this cursor (a previous run's last); by default, from the log's
    /// position at sign-in.
    pub after: Option<String>,
    /// The first wait before reconnecting; it doubles after each failed try...
    pub first_retry: Duration,
    /// ...up to this.
    pub max_retry: Duration,
    /// A connection silent this long gets a `ping`; silent twice as long, it is
    /// considered dead (a half-open TCP connection never says so by itself).
    pub keepalive: Duration,
}

impl FollowOptions {
    pub fn new(
        url: impl Into<String>,
        email: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            url: url.into(),
            email: email.into(),
            password: password.into(),
            totp: None,
            account: None,
            after: None,
            first_retry: Duration::from_millis(500),
            max_retry: Duration::from_secs(10),
            keepalive: Duration::from_secs(30),
        }
    }
}

// The password must never reach a log.
impl fmt::Debug for FollowOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FollowOptions")
            .field("url", &self.url)
            .field("email", &self.email)
            .field("password", &"<hidden>")
            .field("totp", &self.totp.as_ref().map(|_| "<hidden>"))
            .field("account", &self.account)
            .field("after", &self.after)
            .finish_non_exhaustive()
    }
}

/// Why [`follow`] gave up.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("{0}")]
    BadUrl(String),
    #[error("sign-in refused: {0}")]
    SignInRefused(String),
    #[error(
        "this login uses two-factor sign-in: run again with --totp and a current code \
         (a code is good once, so a session that ends needs a new one)"
    )]
    TotpRequired,
    #[error(
        "this login's password was generated and must be changed first (changePassword, \
         or the portal's sign-in page)"
    )]
    PasswordChangeRequired,
    #[error("this login belongs to no account: pass --account")]
    NoAccount,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("the server refused the subscription ({code}): {message}")]
    Refused { code: String, message: String },
    #[error("the server closed the connection for a protocol error ({0}): a bug in this client")]
    Protocol(String),
    #[error("{0}")]
    Client(String),
}

/// Follows the contact events of one account (see [`FollowOptions::account`]), calling
/// `on_update` with each event, once, in order, and with what happens to the
/// connection, until `stop` resolves. Returns the cursor of the last event reported (to
/// resume from later with `after`), or why it could not go on.
pub async fn follow(
    options: &FollowOptions,
    stop: impl Future<Output = ()>,
    on_update: impl FnMut(Update),
) -> Result<Option<String>, FollowError> {
    let mut follower = Follower {
        ws_url: socket::websocket_url(&options.url)?,
        http: reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| FollowError::Client(e.to_string()))?,
        options,
        on_update,
        token: None,
        target: None,
        cursor: options.after.clone(),
        acked: false,
    };
    let mut stop = std::pin::pin!(stop);
    let mut delay = options.first_retry;
    loop {
        follower.acked = false;
        let ended = follower.attempt(&mut stop).await?;
        if follower.acked {
            delay = options.first_retry;
        }
        let wait = match ended {
            Ended::Stopped => return Ok(follower.cursor),
            // Fell behind: subscribe again at once (a new connection), from the cursor.
            Ended::Resubscribe => continue,
            Ended::SessionOver(reason) => {
                (follower.on_update)(Update::SessionEnded { reason });
                follower.token = None;
                // A fresh session refused at once is retried with backoff, not in a loop.
                if follower.acked {
                    continue;
                }
                delay
            }
            Ended::Dropped { reason, at_least } => {
                let wait = delay.max(at_least.unwrap_or_default());
                (follower.on_update)(Update::Disconnected {
                    reason,
                    retry_in: wait,
                });
                wait
            }
        };
        tokio::select! {
            () = stop.as_mut() => return Ok(follower.cursor),
            () = tokio::time::sleep(wait) => {}
        }
        delay = (delay * 2).min(options.max_retry);
    }
}

/// How one attempt (sign-in if needed, connect, subscribe, stream) ended, when it is
/// not for good.
enum Ended {
    Stopped,
    Dropped {
        reason: String,
        at_least: Option<Duration>,
    },
    SessionOver(String),
    Resubscribe,
}

impl Ended {
    fn dropped(reason: impl fmt::Display) -> Self {
        Ended::Dropped {
            reason: reason.to_string(),
            at_least: None,
        }
    }
}

/// Whose events: one account, or every account (staff).
#[derive(Clone)]
enum Target {
    Account(String),
    Every,
}

/// One [`follow`] call's state: the session, the target, and where to resume.
struct Follower<'a, U> {
    options: &'a FollowOptions,
    ws_url: String,
    http: reqwest::Client,
    on_update: U,
    token: Option<String>,
    /// Decided at the first sign-in, kept across later ones.
    target: Option<Target>,
    /// Where a new subscription resumes: the last event reported, else the caller's
    /// `after`, else the log's position at the first sign-in (`eventsCursor`).
    cursor: Option<String>,
    /// Whether this attempt got as far as `connection_ack`.
    acked: bool,
}

impl<U: FnMut(Update)> Follower<'_, U> {
    /// Signs in if needed, connects, subscribes, and reports events until something
    /// ends the connection.
    async fn attempt<S: Future<Output = ()>>(
        &mut self,
        stop: &mut Pin<&mut S>,
    ) -> Result<Ended, FollowError> {
        if self.token.is_none() {
            let signed_in = tokio::select! {
                () = stop.as_mut() => return Ok(Ended::Stopped),
                signed_in = self.sign_in() => signed_in?,
            };
            if let Err(ended) = signed_in {
                return Ok(ended);
            }
        }
        let token = self.token.clone().unwrap_or_default();
        let opening = tokio::time::timeout(CONNECT_TIMEOUT, socket::open(&self.ws_url, &token));
        let mut connection = tokio::select! {
            () = stop.as_mut() => return Ok(Ended::Stopped),
            opened = opening => match opened {
                Ok(Ok(socket)) => socket,
                Ok(Err(ended)) => return Ok(ended),
                Err(_) => return Ok(Ended::dropped("no connection_ack in time")),
            },
        };
        self.acked = true;
        let after = self.cursor.clone();
        let subscribe = json!({ "id": OPERATION, "type": "subscribe", "payload": {
            "query": CONTACT_EVENTS,
            "variables": { "a": self.account_variable(), "after": after },
        }});
        if let Err(e) = send(&mut connection, &subscribe).await {
            return Ok(Ended::dropped(e));
        }
        (self.on_update)(Update::Subscribed { after });
        let ended = self.stream(&mut connection, stop).await?;
        if matches!(ended, Ended::Stopped) {
            socket::goodbye(&mut connection, OPERATION).await;
        }
        Ok(ended)
    }

    fn account_variable(&self) -> Option<&str> {
        match &self.target {
            Some(Target::Account(id)) => Some(id.as_str()),
            _ => None,
        }
    }

    /// Signs in. The outer error is for good; the inner one, worth retrying.
    async fn sign_in(&mut self) -> Result<Result<(), Ended>, FollowError> {
        let options = self.options;
        let body = json!({ "query": LOGIN, "variables": {
            "e": options.email, "p": options.password, "t": options.totp,
        }});
        let response = self
            .http
            .post(format!("{}/graphql", options.url.trim_end_matches('/')))
            .json(&body)
            .send()
            .await;
        let answer: Value = match response {
            Ok(response) => match response.json().await {
                Ok(answer) => answer,
                Err(e) => return Ok(Err(Ended::dropped(format!("sign-in: {e}")))),
            },
            Err(e) => return Ok(Err(Ended::dropped(format!("sign-in: {e}")))),
        };
        if let Some(error) = answer["errors"].get(0) {
            let code = error["extensions"]["code"].as_str().unwrap_or_default();
            let reason = error["extensions"]["reason"].as_str().unwrap_or_default();
            let message = error["message"].as_str().unwrap_or("no message").to_owned();
            return match (code, reason) {
                (_, "TOTP_REQUIRED") => Err(FollowError::TotpRequired),
                ("RATE_LIMITED", _) => Ok(Err(Ended::Dropped {
                    reason: format!("sign-in throttled: {message}"),
                    at_least: error["extensions"]["retryAfter"]
                        .as_u64()
                        .map(Duration::from_secs),
                })),
                ("INTERNAL_SERVER_ERROR", _) => {
                    Ok(Err(Ended::dropped(format!("sign-in: {message}"))))
                }
                _ => Err(FollowError::SignInRefused(message)),
            };
        }
        let login = &answer["data"]["login"];
        let Some(token) = login["token"].as_str() else {
            return Ok(Err(Ended::dropped(format!(
                "sign-in: unexpected answer {answer}"
            ))));
        };
        if login["passwordChangeRequired"] == true {
            return Err(FollowError::PasswordChangeRequired);
        }
        let viewer = &login["viewer"];
        if self.target.is_none() {
            let first_membership = viewer["memberships"][0]["account"]["id"].as_str();
            let chosen = options
                .account
                .as_deref()
                .or(viewer["currentAccount"]["id"].as_str())
                .or(first_membership);
            self.target = Some(match chosen {
                Some(id) => Target::Account(id.to_owned()),
                None if viewer["isStaff"] == true => Target::Every,
                None => return Err(FollowError::NoAccount),
            });
        }
        self.token = Some(token.to_owned());
        if self.cursor.is_none() {
            match self.log_position(token).await? {
                Ok(cursor) => self.cursor = Some(cursor),
                Err(ended) => return Ok(Err(ended)),
            }
        }
        let account = self.account_variable().map(str::to_owned);
        (self.on_update)(Update::SignedIn { account });
        Ok(Ok(()))
    }

    /// The event log's position now (`eventsCursor`), read once, at the first sign-in:
    /// the subscriber's "from now", which a reconnection resumes from like any cursor,
    /// so what happens while it is away before its first event is not lost either. The
    /// position is the whole log's, so any account staff can read gives it for
    /// [`Target::Every`] (none yet: the log is empty).
    async fn log_position(&self, token: &str) -> Result<Result<String, Ended>, FollowError> {
        let (query, variables) = match &self.target {
            Some(Target::Account(id)) => (
                "query($a: ID!) { account(id: $a) { eventsCursor } }",
                json!({ "a": id }),
            ),
            _ => (
                "{ accounts(first: 1) { nodes { eventsCursor } } }",
                json!({}),
            ),
        };
        let response = self
            .http
            .post(format!(
                "{}/graphql",
                self.options.url.trim_end_matches('/')
            ))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await;
        let answer: Value = match response {
            Ok(response) => match response.json().await {
                Ok(answer) => answer,
                Err(e) => {
                    return Ok(Err(Ended::dropped(format!(
                        "reading the log's position: {e}"
                    ))));
                }
            },
            Err(e) => {
                return Ok(Err(Ended::dropped(format!(
                    "reading the log's position: {e}"
                ))));
            }
        };
        if answer["errors"].get(0).is_some() {
            return ended_by(&answer["errors"]).map(Err);
        }
        let data = &answer["data"];
        let cursor = data["account"]["eventsCursor"]
            .as_str()
            .or(data["accounts"]["nodes"][0]["eventsCursor"].as_str())
            .unwrap_or("0");
        Ok(Ok(cursor.to_owned()))
    }

    /// Reports events until the subscription or the connection ends, or `stop`.
    async fn stream<S: Future<Output = ()>>(
        &mut self,
        socket: &mut Socket,
        stop: &mut Pin<&mut S>,
    ) -> Result<Ended, FollowError> {
        let mut pinged = false;
        loop {
            let incoming = tokio::select! {
                () = stop.as_mut() => return Ok(Ended::Stopped),
                incoming = tokio::time::timeout(self.options.keepalive, receive(socket)) => incoming,
            };
            let Ok(incoming) = incoming else {
                if pinged {
                    return Ok(Ended::dropped("the server stopped answering"));
                }
                pinged = true;
                if let Err(e) = send(socket, &json!({ "type": "ping" })).await {
                    return Ok(Ended::dropped(e));
                }
                continue;
            };
            pinged = false;
            let message = match incoming {
                Incoming::Message(message) => message,
                Incoming::Other => continue,
                Incoming::Broken(reason) => return Ok(Ended::dropped(reason)),
                Incoming::Closed(Some(4403), reason) => {
                    return Ok(Ended::SessionOver(format!("closed 4403 {reason}")));
                }
                Incoming::Closed(Some(code @ (4400 | 4401 | 4406 | 4409 | 4429)), reason) => {
                    return Err(FollowError::Protocol(format!("{code} {reason}")));
                }
                Incoming::Closed(code, reason) => return Ok(Ended::dropped(closed(code, &reason))),
            };
            match message["type"].as_str() {
                Some("ping") => {
                    if let Err(e) = send(socket, &json!({ "type": "pong" })).await {
                        return Ok(Ended::dropped(e));
                    }
                }
                Some("next") if message["id"] == OPERATION => {
                    let payload = &message["payload"];
                    let item = &payload["data"]["contactEvents"];
                    if item.is_null() {
                        // A result without its event: an error as a whole.
                        return ended_by(&payload["errors"]);
                    }
                    let Some(event) = ContactEvent::parse(item) else {
                        return Err(FollowError::Client(format!(
                            "an event this client cannot read: {payload}"
                        )));
                    };
                    self.report(event);
                }
                Some("error") if message["id"] == OPERATION => {
                    return ended_by(&message["payload"]);
                }
                Some("complete") if message["id"] == OPERATION => {
                    return Ok(Ended::dropped("the server completed the subscription"));
                }
                _ => {}
            }
        }
    }

    fn report(&mut self, event: ContactEvent) {
        self.cursor = Some(event.cursor.clone());
        (self.on_update)(Update::Event(event));
    }
}

/// What an operation's `error` (its payload, the list of errors) means for the follower.
fn ended_by(errors: &Value) -> Result<Ended, FollowError> {
    let first = &errors[0];
    let code = first["extensions"]["code"].as_str().unwrap_or_default();
    let reason = first["extensions"]["reason"].as_str();
    let message = first["message"].as_str().unwrap_or("no message").to_owned();
    let message = match reason {
        Some(reason) => format!("{message} ({reason})"),
        None => message,
    };
    match code {
        "UNAUTHENTICATED" => Ok(Ended::SessionOver(message)),
        "RESUBSCRIBE" => Ok(Ended::Resubscribe),
        "FORBIDDEN" => Err(FollowError::Forbidden(message)),
        "RATE_LIMITED" | "INTERNAL_SERVER_ERROR" => Ok(Ended::Dropped {
            reason: format!("{code}: {message}"),
            at_least: first["extensions"]["retryAfter"]
                .as_u64()
                .map(Duration::from_secs),
        }),
        _ => Err(FollowError::Refused {
            code: code.to_owned(),
            message,
        }),
    }
}
