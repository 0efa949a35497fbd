//! The reference row: pgbench running the statements the dashboard needs
//! (`dashboard.sql`, prepared) against the same database with as many connections, so
//! that the server's figure reads as a share of what PostgreSQL itself does on this
//! machine at this moment.

use std::path::Path;
use std::time::Duration;

use clientele_examples::percentile;

/// What pgbench measured: transactions (dashboards) per second and their latencies.
pub struct Reference {
    pub tps: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// Runs `dashboard.sql` with `-M prepared` on `connections` connections for `seconds`,
/// with the script's variables set to `variables`; the script and pgbench's
/// per-transaction logs go to `log_dir`. `Err` says why there is no figure (no pgbench, a failed run).
pub async fn run(
    database_url: &str,
    connections: usize,
    seconds: u64,
    variables: &[(&str, String)],
    log_dir: &Path,
) -> Result<Reference, String> {
    let script = log_dir.join("dashboard.sql");
    std::fs::write(&script, include_str!("dashboard.sql")).map_err(|e| e.to_string())?;
    let mut command = tokio::process::Command::new("pgbench");
    command
        .args(["-n", "-M", "prepared", "-j", "2", "-l"])
        .arg(format!("-c{connections}"))
        .arg(format!("-T{seconds}"))
        .arg(format!(
            "--log-prefix={}",
            log_dir.join("pgbench").display()
        ))
        .arg("-f")
        .arg(&script);
    for (name, value) in variables {
        command.arg("-D").arg(format!("{name}={value}"));
    }
    let output = command
        .arg(database_url)
        .output()
        .await
        .map_err(|e| format!("pgbench did not run: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "pgbench failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    // "tps = 1234.567890 (without initial connection time)"
    let tps = stdout
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no tps in pgbench's output: {stdout}"))?;
    let mut latencies = transaction_latencies(log_dir)?;
    latencies.sort();
    Ok(Reference {
        tps,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
    })
}

/// The third field of every line of pgbench's per-transaction logs (one file per
/// thread): the transaction's latency in microseconds.
fn transaction_latencies(log_dir: &Path) -> Result<Vec<Duration>, String> {
    let mut latencies = Vec::new();
    let entries = std::fs::read_dir(log_dir).map_err(|e| e.to_string())?;
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with("pgbench.") {
            continue;
        }
        let log = std::fs::read_to_string(entry.path()).map_err(|e| e.to_string())?;
        latencies.extend(
            log.lines()
                .filter_map(|l| l.split_whitespace().nth(2)?.parse().ok())
                .map(Duration::from_micros),
        );
    }
    Ok(latencies)
}
