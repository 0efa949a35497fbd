//! The benchmark's one table: printed as markdown, written as JSON.

use serde_json::{Value, json};

use crate::load::{Outcome, Usage};

/// One line of the table; `None` prints as "–" (not measured, or meaningless there).
pub struct Row {
    pub db: &'static str,
    pub scenario: String,
    pub rps: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub cpu_ms_per_request: Option<f64>,
    pub sql_per_request: Option<f64>,
    pub notes: Vec<String>,
}

impl Row {
    pub fn new(db: &'static str, scenario: impl Into<String>) -> Self {
        Self {
            db,
            scenario: scenario.into(),
            rps: None,
            p50_ms: None,
            p99_ms: None,
            cpu_ms_per_request: None,
            sql_per_request: None,
            notes: Vec::new(),
        }
    }

    /// A load's rate and latencies, what the server spent per request when `usage`
    /// covers this load alone, and its errors, if any, in the notes.
    pub fn load(
        db: &'static str,
        scenario: impl Into<String>,
        outcome: &Outcome,
        usage: Option<&Usage>,
    ) -> Self {
        let mut row = Self::new(db, scenario);
        row.rps = Some(outcome.rps());
        row.p50_ms = Some(clientele_examples::ms(outcome.p50()));
        row.p99_ms = Some(clientele_examples::ms(outcome.p99()));
        let requests = outcome.requests().max(1) as f64;
        if let Some(usage) = usage {
            row.cpu_ms_per_request = Some(clientele_examples::ms(usage.server_cpu) / requests);
            row.sql_per_request = Some(usage.statements as f64 / requests);
            row.notes.push(format!(
                "generator {:.0} % of a core",
                usage.generator_cpu.as_secs_f64() * 100.0 / usage.window.as_secs_f64()
            ));
        }
        if outcome.errors > 0 {
            row.notes.push(format!(
                "{} ERRORS, first: {}",
                outcome.errors,
                outcome.first_error.as_deref().unwrap_or_default()
            ));
        }
        row
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    fn json(&self) -> Value {
        json!({
            "db": self.db,
            "scenario": self.scenario,
            "rps": self.rps,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "cpu_ms_per_request": self.cpu_ms_per_request,
            "sql_per_request": self.sql_per_request,
            "notes": self.notes,
        })
    }
}

/// One line on a row, as the run goes.
pub fn summary(row: &Row) -> String {
    let mut line = format!("{} {}:", row.db, row.scenario);
    if let Some(rps) = row.rps {
        line += &format!(" {rps:.0}/s");
    }
    if let (Some(p50), Some(p99)) = (row.p50_ms, row.p99_ms) {
        line += &format!(" p50 {p50:.1} ms, p99 {p99:.1} ms");
    }
    line
}

/// The rows as a markdown table.
pub fn markdown(rows: &[Row]) -> String {
    let cell =
        |v: Option<f64>, decimals: usize| v.map_or("–".to_owned(), |v| format!("{v:.decimals$}"));
    let mut table = String::from(
        "| db | scenario | rps | p50 ms | p99 ms | CPU ms/req | SQL/req | notes |\n\
         |---|---|---:|---:|---:|---:|---:|---|\n",
    );
    for row in rows {
        table += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.db,
            row.scenario,
            cell(row.rps, 0),
            cell(row.p50_ms, 2),
            cell(row.p99_ms, 2),
            cell(row.cpu_ms_per_request, 3),
            cell(row.sql_per_request, 1),
            row.notes.join("; ").replace('|', "\\|"),
        );
    }
    table
}

/// The rows with the machine and the command that measured them.
pub fn json(rows: &[Row], machine: &Value, command: &str) -> Value {
    json!({
        "machine": machine,
        "command": command,
        "rows": rows.iter().map(Row::json).collect::<Vec<_>>(),
    })
}
