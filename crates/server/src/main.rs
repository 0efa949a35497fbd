//! `clientele`: with no arguments, migrate and serve.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use clientele::Config;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// mimalloc instead of the system allocator: a request allocates and frees thousands
/// of small objects (the parsed query, every field's value, the JSON), and glibc's
/// malloc spent about a quarter of the server's CPU on them under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "clientele",
    version,
    about = "GraphQL backend for client portals: one account, several people.",
    after_help = clientele::config::variables::help()
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Serve a built single-page app at /dashboard/ (as DASHBOARD_DIR does), e.g.
    /// examples/dashboard/dist. Only when serving (no command, or `serve`).
    #[arg(long, value_name = "DIR")]
    dashboard: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve (the default).
    Serve {
        /// Serve a built single-page app at /dashboard/ (as DASHBOARD_DIR does).
        #[arg(long, value_name = "DIR")]
        dashboard: Option<std::path::PathBuf>,
    },
    /// Run the database migrations and exit.
    Migrate,
    /// Add a staff user (a portal administrator). The password is read from standard
    /// input with --password-stdin, else from ADMIN_PASSWORD; never from the command
    /// line, where `ps` and the shell's history would keep it.
    CreateStaff {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (its first line).
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, default_value = "Portal")]
        first_name: String,
        #[arg(long, default_value = "Administrator")]
        last_name: String,
    },
    /// Send today's reminders (invoices due or overdue, domains expiring) and mark
    /// past-due invoices OVERDUE; each reminder goes out once however often this runs.
    RunReminders,
    /// Fill an empty database with a believable demo (accounts, people of every role,
    /// invoices, services, domains, tickets, an agency) and print its logins. Run again,
    /// it only prints them.
    SeedDemo,
    /// Print the GraphQL schema (SDL), as checked in at schema.graphql.
    Schema,
}

/// Caps on what `RUST_LOG` may turn on, whatever it asks. tungstenite logs every
/// WebSocket message and frame it reads, payload and all, at trace, and a socket's
/// `connection_init` carries its session token: its output stops at debug.
fn never_logged() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("tungstenite", LevelFilter::DEBUG)
        .with_target("tokio_tungstenite", LevelFilter::DEBUG)
}

/// Logs to stderr (`RUST_LOG`, `LOG_FORMAT`; colour only on a terminal), and traces to
/// an OTLP collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, each with its own
/// filter: the collector gets every request's spans, SQL statements included, whatever
/// the log shows.
fn init_logs(runtime: tokio::runtime::Handle) -> Result<(), String> {
    use tracing_subscriber::Layer as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn,tower_http=info".into());
    // `LOG_FORMAT=json`: one JSON object per line, with the spans it happened in (the
    // request's id among them), for a log collector.
    let logs = match std::env::var("LOG_FORMAT").ok().as_deref().map(str::trim) {
        None | Some("" | "text") => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            // Colour codes only where a person reads them, not in a file or a collector.
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .boxed(),
        Some("json") => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(std::io::stderr)
            .boxed(),
        Some(other) => return Err(format!("LOG_FORMAT: `{other}` is neither text nor json")),
    };
    let traces = clientele::telemetry::layer(runtime)?
        .map(|layer| layer.with_filter(Targets::new().with_default(LevelFilter::INFO)));
    tracing_subscriber::registry()
        .with(logs.with_filter(filter))
        .with(traces)
        .with(never_logged())
        .init();
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", api::sdl());
        return ExitCode::SUCCESS;
    }
    // Deep GraphQL resolvers need more than the default 2 MiB in debug builds.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("clientele: starting the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(message) = init_logs(runtime.handle().clone()) {
        eprintln!("clientele: {message}");
        return ExitCode::FAILURE;
    }
    let command = match (cli.command, cli.dashboard) {
        (None, dashboard) => Command::Serve { dashboard },
        (Some(Command::Serve { dashboard: None }), Some(dashboard)) => Command::Serve {
            dashboard: Some(dashboard),
        },
        (Some(_), Some(_)) => {
            eprintln!("clientele: --dashboard applies only when serving (no command, or `serve`)");
            return ExitCode::from(2);
        }
        (Some(command), None) => command,
    };
    let result = runtime.block_on(run(command));
    clientele::telemetry::shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("clientele: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    let mut config = Config::from_env()?;
    match command {
        Command::Serve { dashboard } => {
            // `--dashboard DIR` is DASHBOARD_DIR given on the command line, checked the
            // same way.
            if let Some(dir) = dashboard {
                config.http.dashboard_dir = Some(clientele::config::dashboard_dir(dir)?);
            }
            serve(config).await
        }
        Command::Migrate => {
            clientele::Core::open(&config).await?.close().await;
            println!("clientele: database is up to date");
            Ok(())
        }
        Command::CreateStaff {
            email,
            password_stdin,
            first_name,
            last_name,
        } => {
            let password = staff_password(password_stdin, &config)?;
            let core = clientele::Core::open(&config).await?;
            let user = core
                .domain
                .auth()
                .create_staff(&email, &password, &first_name, &last_name)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            core.close().await;
            println!(
                "clientele: staff user {} created (id {})",
                user.email, user.id
            );
            Ok(())
        }
        Command::RunReminders => run_reminders(&config).await,
        Command::SeedDemo => seed_demo(&config).await,
        Command::Schema => unreachable!("handled before start-up"),
    }
}

/// `create-staff`'s password: standard input's first line with `--password-stdin`,
/// else `ADMIN_PASSWORD`.
fn staff_password(from_stdin: bool, config: &Config) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        anyhow::ensure!(
            !password.is_empty(),
            "--password-stdin: standard input was empty"
        );
        return Ok(password);
    }
    config
        .admin_password
        .as_ref()
        .map(|secret| secret.expose().to_owned())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "create-staff: give the password on standard input with --password-stdin \
                 (e.g. `printf '%s' \"$PW\" | clientele create-staff --email E --password-stdin`) \
                 or in ADMIN_PASSWORD"
            )
        })
}

/// Serves until SIGTERM or Ctrl-C, then stops gracefully.
async fn serve(config: Config) -> anyhow::Result<()> {
    let serves_dashboard = config.http.dashboard_dir.is_some();
    let given = config.http.public_url_given;
    let server = clientele::spawn(config).await?;
    let base = server.public_url.for_listener(server.addr);
    let mut said = format!("clientele: GraphiQL on {base}/graphql\n");
    if serves_dashboard {
        said.push_str(&format!("clientele: the dashboard on {base}/dashboard/\n"));
    }
    said.push_str(&format!(
        "clientele: links in emails point to {} ({})\n",
        server.public_url,
        if given {
            "PUBLIC_URL"
        } else {
            "the bound address; set PUBLIC_URL to the address people open"
        }
    ));
    // Whoever started us may have stopped reading (a closed pipe): not a reason to die.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), said.as_bytes());
    let _ = std::io::Write::flush(&mut std::io::stdout());
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

/// `clientele run-reminders`: what it sent, for cron's mail.
async fn run_reminders(config: &Config) -> anyhow::Result<()> {
    let outcome = clientele::run_reminders(config).await?;
    let run = &outcome.run;
    for invoice in &run.marked_overdue {
        println!("clientele: invoice {invoice} is now OVERDUE");
    }
    for sent in &run.sent {
        println!(
            "clientele: {} for {} ({}) of account {}: {} recipient(s)",
            sent.kind.as_str(),
            sent.subject,
            sent.date,
            sent.account_id,
            sent.recipients
        );
    }
    println!(
        "clientele: {} reminder(s) for {}, {} email(s) queued, {} email(s) delivered",
        run.sent.len(),
        run.today,
        run.emails(),
        outcome.delivered
    );
    if run.failed > 0 {
        anyhow::bail!(
            "{} reminder(s) or status change(s) failed (logged above); the next run retries them",
            run.failed
        );
    }
    Ok(())
}

/// `clientele seed-demo`: the demo, then its logins.
async fn seed_demo(config: &Config) -> anyhow::Result<()> {
    match clientele::demo::seed(config).await? {
        clientele::demo::Seeded::Created => println!("clientele: the demo is ready"),
        clientele::demo::Seeded::AlreadyThere => {
            println!("clientele: the demo was already there")
        }
    }
    println!("Every demo login's password: {}", clientele::demo::PASSWORD);
    for (email, who) in clientele::demo::LOGINS {
        println!("  {email:<26} {who}");
    }
    println!(
        "Start the server (cargo run) and sign in at {}/graphql",
        config.http.public_url
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
