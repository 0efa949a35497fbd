//! The black-box test harness: a real clientele server on port 0 with a database of its
//! own (a temporary SQLite file, or a fresh PostgreSQL database when `DATABASE_URL`
//! points at a PostgreSQL server), spoken to over HTTP as a client would. The people
//! and documents the stories share are in [`fixtures`].

pub mod database_search;
pub mod fixtures;
mod listen;
mod postgres;
pub mod proxy;
pub mod smtp_sink;
pub mod ws;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clientele::{Config, RunningServer};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

pub use fixtures::{MEMBER_PASSWORD, Member, STAFF_PASSWORD};
pub use postgres::TestDatabase;
pub use smtp_sink::SmtpSink;
pub use ws::WsClient;

/// A running server and what a test needs to talk to it and inspect it.
pub struct TestApp {
    pub server: RunningServer,
    pub url: String,
    pub mail_dir: PathBuf,
    pub config: Config,
    client: reqwest::Client,
    _database: TestDatabase,
    _dir: tempfile::TempDir,
    /// The allow-list of [`TestApp::start_with_allow_list`].
    _operations: Option<tempfile::TempDir>,
}

impl TestApp {
    /// A server on the database the environment selects, emails as `.eml` files.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server that runs only `documents` (an `OPERATIONS_DIR` allow-list, one
    /// `.graphql` file each, as deployments keep them) with introspection off.
    pub async fn start_with_allow_list(documents: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for (i, document) in documents.iter().enumerate() {
            std::fs::write(
                dir.path().join(format!("op{i}.graphql")),
                format!("{document}\n"),
            )
            .expect("operation written");
        }
        let mut app = Self::start_with(|c| {
            c.http.operations_dir = Some(dir.path().to_owned());
            c.http.introspection = false;
        })
        .await;
        app._operations = Some(dir);
        app
    }

    /// Like [`TestApp::start`], with the configuration adjusted first.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = TestDatabase::create(dir.path()).await;
        let mut config = Config::from_lookup(|_| None).expect("default config");
        config.database.url = database.url().into();
        config.mail.dir = dir.path().join("mail");
        config.http.bind = "127.0.0.1:0".parse().unwrap();
        // A configured PUBLIC_URL, as in production (links in emails name it), the same
        // for every instance of a test; not the bound port, which differs between them.
        config.http.public_url =
            clientele::config::PublicUrl::parse("http://localhost:8080").unwrap();
        config.http.public_url_given = true;
        config.mail.retry.poll_interval = Duration::from_millis(100);
        config.mail.retry.base_delay = Duration::from_millis(100);
        config.mail.retry.max_delay = Duration::from_millis(500);
        // With PostgreSQL, CI also gives a Redis: live events then cross instances over it.
        config.events.redis_url = std::env::var("REDIS_URL")
            .ok()
            .filter(|_| database.is_postgres())
            .map(Into::into);
        config.events.poll_interval = Duration::from_millis(500);
        // Tests share one Redis: each server (and its second instances) keeps its
        // throttles apart, under a name as unique as its temporary directory.
        config.events.redis_namespace = format!(
            "clientele-test-{}",
            dir.path().file_name().unwrap_or_default().to_string_lossy()
        );
        // Reminders run when a test runs them (or sets a schedule), not on their own;
        // so does the temporary-access sweep ([`TestApp::sweep_access`]): a day apart,
        // it never comes on its own within a test.
        config.schedules.reminders_every = None;
        config.schedules.access_sweep_every = Duration::from_secs(24 * 3600);
        adjust(&mut config);
        let server = clientele::spawn(config.clone())
            .await
            .expect("server starts");
        let url = format!("http://{}", server.addr);
        Self {
            server,
            url,
            mail_dir: config.mail.dir.clone(),
            config,
            client: reqwest::Client::new(),
            _database: database,
            _dir: dir,
            _operations: None,
        }
    }

    /// The server's database, for grey-box reads of what the API cannot tell (rows left
    /// behind, what is kept at rest: a hash instead of a secret, a body scrubbed) and
    /// for states no request can make. Each use says why.
    pub fn db(&self) -> &DatabaseConnection {
        &self.server.db
    }

    /// Anonymous GraphQL request.
    pub async fn gql(&self, query: &str, variables: Value) -> Gql {
        self.send(None, &[], query, variables).await
    }

    /// GraphQL request with `Authorization: Bearer <token>`.
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Gql {
        self.send(Some(token), &[], query, variables).await
    }

    /// GraphQL request with extra headers (e.g. a cookie).
    pub async fn gql_with_headers(
        &self,
        headers: &[(&str, &str)],
        query: &str,
        variables: Value,
    ) -> Gql {
        self.send(None, headers, query, variables).await
    }

    async fn send(
        &self,
        token: Option<&str>,
        headers: &[(&str, &str)],
        query: &str,
        variables: Value,
    ) -> Gql {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let set_cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let body: Value = response.json().await.expect("JSON body");
        Gql {
            status,
            body,
            set_cookie,
        }
    }

    /// How many audit entries record `action`, in any account or none, read from the
    /// database: only for entries no API lists (a user's own, such as staff's
    /// `user.totp_reset`). An account's entries are read as its members read them:
    /// [`TestApp::audited_in`].
    pub async fn audited(&self, action: &str) -> u64 {
        use domain::entities::audit_entry;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        audit_entry::Entity::find()
            .filter(audit_entry::Column::Action.eq(action))
            .count(self.db())
            .await
            .expect("audit entries counted")
    }

    /// How many logins (users) exist, read from the database: no API lists them, and a
    /// login a refused or lost request left behind would show nowhere else.
    pub async fn login_count(&self) -> u64 {
        use domain::entities::user;
        use sea_orm::{EntityTrait, PaginatorTrait};
        user::Entity::find()
            .count(self.db())
            .await
            .expect("users counted")
    }

    /// One sweep of temporary access on this server, now: what the server does every
    /// `schedules.access_sweep_every` ([`sweep_access`]).
    pub async fn sweep_access(&self) -> Sweep {
        sweep_access(&self.server).await
    }

    /// A sample's value in `/metrics`: `name` with its labels as printed, e.g.
    /// `clientele_sign_ins_total{outcome="failed"}`; 0 when it is not there yet.
    pub async fn metric(&self, name: &str) -> f64 {
        metric_of(&self.url, name).await
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("request sent");
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    }

    /// Signs in and returns the token, or the error code.
    pub async fn login(&self, email: &str, password: &str) -> Result<String, String> {
        let r = self
            .gql(fixtures::LOGIN, json!({ "e": email, "p": password }))
            .await;
        match r.error_code() {
            Some(code) => Err(code.to_owned()),
            None => Ok(r.str("login.token").to_owned()),
        }
    }

    /// The `.eml` files written so far, oldest first.
    pub fn eml_files(&self) -> Vec<String> {
        read_eml_dir(&self.mail_dir)
    }

    /// Delivers what the outbox holds now (after the pass the mail worker has under way,
    /// if any): an email is queued in the transaction of the change that causes it, so
    /// once a request has answered, its emails are in the mail folder (or the SMTP
    /// server) when this returns. No waiting for the worker's wake-up.
    pub async fn deliver_mail(&self) {
        self.server.deliver_mail().await.expect("a delivery pass");
    }

    /// Every email to `to`, oldest first, decoded, once [`TestApp::deliver_mail`] ran.
    pub async fn mails_to(&self, to: &str) -> Vec<String> {
        self.deliver_mail().await;
        self.eml_files()
            .into_iter()
            .filter(|m| addressed_to(m, to))
            .collect()
    }

    /// The (first) email to `to`, decoded, once [`TestApp::deliver_mail`] ran; panics if
    /// there is none.
    pub async fn mail_to(&self, to: &str) -> String {
        self.mails_to(to)
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no email to {to} in the outbox"))
    }

    /// Waits until an `.eml` file addressed to `to` exists; returns its decoded text.
    /// Only for an email queued after its request answered: the password reset's, which
    /// is queued in the background so that neither the answer nor its timing tells
    /// whether the address has a login. Anything else: [`TestApp::mail_to`].
    pub async fn wait_for_eml(&self, to: &str) -> String {
        wait_for(
            || self.eml_files().into_iter().find(|m| addressed_to(m, to)),
            "an .eml file",
        )
        .await
    }

    /// Starts another instance on the same database (and Redis, if any): what scaling
    /// out does. Stop it with `shutdown`.
    pub async fn second_instance(&self, adjust: impl FnOnce(&mut Config)) -> RunningServer {
        let mut config = self.config.clone();
        config.http.bind = "127.0.0.1:0".parse().unwrap();
        adjust(&mut config);
        clientele::spawn(config)
            .await
            .expect("second instance starts")
    }

    /// A WebSocket on `/graphql/ws` speaking `graphql-transport-ws`, initialised with
    /// the token (or anonymously).
    pub async fn socket(&self, token: Option<&str>) -> WsClient {
        let mut socket = WsClient::connect(&self.url, ws::TRANSPORT_WS, &[])
            .await
            .expect("socket opens");
        let payload = token.map_or(
            json!({}),
            |t| json!({ "authorization": format!("Bearer {t}") }),
        );
        let ack = socket.init(payload).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        socket
    }

    /// Stops this server and starts another on the same database and mail folder, with
    /// the configuration adjusted: what a restart or a redeploy does.
    pub async fn restart_with(self, adjust: impl FnOnce(&mut Config)) -> Self {
        self.restart_after(async |config| adjust(config)).await
    }

    /// Stops this server, runs `work` while it is down (what an operator runs against a
    /// stopped deployment: a migration, `seed-demo`…), and starts it again.
    pub async fn restart_after(self, work: impl AsyncFnOnce(&mut Config)) -> Self {
        let TestApp {
            server,
            mut config,
            client,
            _database,
            _dir,
            _operations,
            ..
        } = self;
        server.shutdown().await;
        work(&mut config).await;
        let server = clientele::spawn(config.clone())
            .await
            .expect("server restarts");
        let url = format!("http://{}", server.addr);
        Self {
            server,
            url,
            mail_dir: config.mail.dir.clone(),
            config,
            client,
            _database,
            _dir,
            _operations,
        }
    }

    pub async fn stop(self) {
        self.server.shutdown().await;
    }
}

/// A GraphQL response.
#[derive(Debug)]
pub struct Gql {
    pub status: u16,
    pub body: Value,
    pub set_cookie: Vec<String>,
}

impl Gql {
    /// The value at a dotted path under `data` (`a.b.0.c`); panics with the body when the
    /// path is absent (a missing key, an index past the end, a step into a scalar or a
    /// null), so a misspelt path fails instead of reading as `null`. A null the test
    /// expects is asserted with [`Gql::null_at`]; one it tolerates, read with
    /// [`Gql::get`].
    #[track_caller]
    pub fn at(&self, path: &str) -> &Value {
        match self.get(path) {
            Some(value) => value,
            None => panic!("nothing at {path:?} in {}", self.body),
        }
    }

    /// The value at a dotted path under `data` (`a.b.0.c`; `""` is `data` itself),
    /// walked strictly: `None` when a key is missing, an index is past the end, or a value
    /// on the way is not an object or a list. Unlike [`Gql::at`], it tells a missing key
    /// from `null`.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut value = self.body.get("data")?;
        if path.is_empty() {
            return Some(value);
        }
        for part in path.split('.') {
            value = match (value, part.parse::<usize>()) {
                (Value::Array(items), Ok(i)) => items.get(i)?,
                (Value::Object(map), _) => map.get(part)?,
                _ => return None,
            };
        }
        Some(value)
    }

    /// Whether the key at `path` is in `data`, whatever its value (null included).
    pub fn present(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Whether `path` is in `data` with the value `null`: what the GraphQL spec leaves
    /// where a field failed ("a key is never simply left out").
    pub fn null_at(&self, path: &str) -> bool {
        self.get(path).is_some_and(Value::is_null)
    }

    #[track_caller]
    pub fn str(&self, path: &str) -> &str {
        match self.at(path).as_str() {
            Some(text) => text,
            None => panic!("no string at {path} in {}", self.body),
        }
    }

    /// The first error's `extensions.code`.
    pub fn error_code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    pub fn error_message(&self) -> Option<&str> {
        self.body["errors"][0]["message"].as_str()
    }

    /// Asserts there are no errors and returns self.
    pub fn ok(self) -> Self {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        self
    }

    /// Asserts the first error's code.
    pub fn expect_code(&self, code: &str) {
        assert_eq!(
            self.error_code(),
            Some(code),
            "expected {code} in {}",
            self.body
        );
    }
}

/// The code of a base32 TOTP secret at a time (RFC 6238, as authenticator apps and the
/// server compute it: SHA-1, 6 digits, 30-second steps).
pub fn totp_code_at(secret: &str, unix_seconds: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.into())
        .to_bytes()
        .unwrap_or_else(|e| panic!("the TOTP secret {secret:?} is not base32: {e:?}"));
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        String::new(),
    )
    .expect("a TOTP generator")
    .generate(unix_seconds)
}

/// What one sweep of temporary access did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Holders warned that their access ends within a day.
    pub warned: usize,
    /// Accesses ended because their time had come.
    pub ended: usize,
}

/// One sweep of temporary access on `server` (another instance's too), now: what its
/// background sweep does every `schedules.access_sweep_every`, in the same order (warn of the
/// ends within a day, then end those due), through the same public domain calls.
pub async fn sweep_access(server: &RunningServer) -> Sweep {
    let contacts = server.domain.contacts();
    let warned = contacts
        .warn_expiring_access()
        .await
        .expect("the warning sweep");
    let ended = contacts
        .end_expired_access()
        .await
        .expect("the expiry sweep");
    Sweep { warned, ended }
}

/// A sample's value in the `/metrics` of the server at `url` (see [`TestApp::metric`]).
pub async fn metric_of(url: &str, name: &str) -> f64 {
    let response = reqwest::get(format!("{url}/metrics"))
        .await
        .expect("/metrics answers");
    assert_eq!(response.status(), 200);
    let body = response.text().await.expect("/metrics text");
    body.lines()
        .find_map(|line| {
            line.strip_prefix(name)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}

/// Polls `probe` until it returns something, for up to 10 seconds; returns at once when
/// it does. Only for what the test cannot drive or be told of (a background task, the
/// mail worker's retry timer, another process): each caller says which.
pub async fn wait_until<T>(mut probe: impl AsyncFnMut() -> Option<T>, what: &str) -> T {
    for _ in 0..200 {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// [`wait_until`] for a probe that need not wait on anything.
pub async fn wait_for<T>(mut probe: impl FnMut() -> Option<T>, what: &str) -> T {
    wait_until(async || probe(), what).await
}

fn read_eml_dir(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|(_, p)| std::fs::read_to_string(p).ok())
        .map(|m| decode_qp(&m))
        .collect()
}

/// Whether a raw message has `to` among its `To:` addresses.
pub fn addressed_to(message: &str, to: &str) -> bool {
    message.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("to:")
            && l.to_ascii_lowercase().contains(&to.to_ascii_lowercase())
    })
}

/// Undoes quoted-printable soft line breaks and `=3D`, enough to read links.
pub fn decode_qp(message: &str) -> String {
    message
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// The first link in `message` that starts with `prefix`, up to whitespace or a quote.
pub fn link_after(message: &str, prefix: &str) -> Option<String> {
    let start = message.find(prefix)?;
    let rest = &message[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// The token at the end of a `/reset-password/<token>` or `/invite/<token>` link.
pub fn token_in_link(link: &str) -> String {
    link.rsplit('/').next().unwrap_or_default().to_owned()
}
