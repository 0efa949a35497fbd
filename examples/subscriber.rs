//! A command-line dashboard: prints an account's contact changes as they happen, one
//! line each, on stdout; what happens to the connection goes to stderr. It signs in,
//! subscribes over `/graphql/ws` (graphql-transport-ws), reconnects with backoff and
//! resumes from the last event it printed, signs in again when its session ends, and
//! stops on Ctrl-C, saying where to resume (`--after`).
//!
//!     cargo run -p clientele-examples --example subscriber -- \
//!         --url http://127.0.0.1:8080 --email owner@example.com --password '…'
//!
//! The engine is `clientele_examples::subscriber` (tested in tests/subscriber.rs).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use clientele_examples::subscriber::{FollowOptions, Update, follow};

/// Prints an account's contact changes as they happen.
#[derive(Parser)]
struct Args {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long)]
    email: String,
    #[arg(long, env = "CLIENTELE_PASSWORD", hide_env_values = true)]
    password: String,
    /// A current two-factor code (or a recovery code), if the login has two-factor on.
    #[arg(long)]
    totp: Option<String>,
    /// The account to follow (default: the one sign-in places you in, else your first).
    #[arg(long)]
    account: Option<String>,
    /// Resume after this cursor (the last line of an earlier run); default: from now.
    #[arg(long)]
    after: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut options = FollowOptions::new(args.url, args.email, args.password);
    options.totp = args.totp;
    options.account = args.account;
    options.after = args.after;

    let ctrl_c = async {
        // Without a signal handler, run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let result = follow(&options, ctrl_c, |update| match update {
        Update::Event(event) => {
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{event}").and_then(|()| out.flush()).is_err() {
                // Whoever read the output went away (`| head`): nothing left to do.
                std::process::exit(0);
            }
        }
        other => eprintln!("{other}"),
    })
    .await;
    match result {
        Ok(Some(cursor)) => {
            eprintln!("stopped; resume with --after {cursor}");
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("subscriber: {error}");
            ExitCode::FAILURE
        }
    }
}
