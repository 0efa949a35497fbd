//! The release server as a child process: started on a database of the caller's, its
//! address read from the line it prints, its CPU time and memory read from /proc, its
//! SQL statement count from `/metrics`, stopped (SIGTERM) when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// How to start a server.
pub struct ServerOptions<'a> {
    pub database_url: &'a str,
    /// The event bus across instances; `None`: in-process.
    pub redis_url: Option<&'a str>,
    /// Where emails go (`.eml` files).
    pub mail_dir: &'a Path,
    /// A staff user created at start: (email, password).
    pub admin: Option<(&'a str, &'a str)>,
    /// A file for the server's log (warnings and errors); `None`: this process's stderr.
    pub log: Option<&'a Path>,
}

/// A running `clientele` process. Dropping it stops it and waits for it to exit.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

impl ServerProcess {
    /// The release binary beside the running example (`target/release/clientele`).
    pub fn binary() -> PathBuf {
        let exe = std::env::current_exe().expect("the example's own path");
        let binary = exe
            .parent()
            .and_then(Path::parent)
            .map(|release| release.join("clientele"))
            .expect("examples live in target/<profile>/examples");
        assert!(
            binary.exists(),
            "build the server first: cargo build --release -p clientele"
        );
        binary
    }

    /// Starts a server on port 0 with the reminder schedule off, and waits until it
    /// listens.
    pub fn start(options: &ServerOptions) -> Self {
        let mut command = Command::new(Self::binary());
        command
            .env("DATABASE_URL", options.database_url)
            .env("BIND", "127.0.0.1:0")
            .env("MAIL_DIR", options.mail_dir)
            .env("RUST_LOG", "warn")
            .env("REMINDER_INTERVAL_SECS", "0")
            // The live measurement opens all its subscribers as one user.
            .env("SUBSCRIPTIONS_PER_USER", "100000")
            .env_remove("REDIS_URL")
            .env_remove("SMTP_URL")
            .env_remove("ADMIN_EMAIL")
            .env_remove("ADMIN_PASSWORD")
            .env_remove("OPERATIONS_DIR")
            .stdout(Stdio::piped());
        if let Some(redis) = options.redis_url {
            command.env("REDIS_URL", redis);
        }
        if let Some((email, password)) = options.admin {
            command
                .env("ADMIN_EMAIL", email)
                .env("ADMIN_PASSWORD", password);
        }
        command.stderr(match options.log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("server log file")),
            None => Stdio::inherit(),
        });
        let mut child = command.spawn().expect("server starts");
        // "clientele: GraphiQL on http://127.0.0.1:<port>/graphql", once it listens.
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("server prints its address");
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|url| url.starts_with("http"))
            .unwrap_or_else(|| panic!("server did not start (it printed {line:?})"))
            .trim_end_matches("/graphql")
            .to_owned();
        Self { child, url }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory, KiB.
    pub fn rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// CPU time used so far, user and system, in clock ticks (1/100 s).
    pub fn cpu_ticks(&self) -> u64 {
        cpu_ticks(&self.pid().to_string())
    }

    /// The statements `/metrics` runs itself before it answers (it reads the outbox's
    /// backlog), measured by two readings back to back on a quiet server: a count read
    /// across one request takes them off once.
    pub async fn scrape_statements(&self, client: &reqwest::Client) -> u64 {
        let first = self.sql_statements(client).await;
        self.sql_statements(client).await - first
    }

    /// SQL statements the server has run since start (`clientele_sql_statements_total`),
    /// the reading's own included.
    pub async fn sql_statements(&self, client: &reqwest::Client) -> u64 {
        self.metrics(client, &["clientele_sql_statements_total"])
            .await[0] as u64
    }

    /// Unlabelled metrics of `GET /metrics`, read in one request.
    pub async fn metrics(&self, client: &reqwest::Client, names: &[&str]) -> Vec<f64> {
        let text = client
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .expect("/metrics answers")
            .text()
            .await
            .expect("/metrics text");
        names
            .iter()
            .map(|name| {
                text.lines()
                    .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap_or_else(|| panic!("/metrics has {name}"))
            })
            .collect()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// CPU time used so far by the process `pid` ("self" for this one), user and system,
/// in clock ticks (1/100 s).
pub fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces), from field 3 on:
    // utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    field(14).unwrap_or(0) + field(15).unwrap_or(0)
}

/// Brings the database up to date (`clientele migrate`), so that rows can be written
/// before a server starts on it.
pub fn migrate(database_url: &str) {
    let output = Command::new(ServerProcess::binary())
        .arg("migrate")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("clientele migrate runs");
    assert!(
        output.status.success(),
        "clientele migrate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
