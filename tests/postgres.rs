//! A database per test: a temporary SQLite file by default, or, when `DATABASE_URL`
//! names a PostgreSQL server, a fresh database on it, dropped when the test ends (even
//! when it panics).

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use sea_orm::{ConnectionTrait, Database};

pub struct TestDatabase {
    url: String,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A database on the server `DATABASE_URL` names when it is PostgreSQL, else a
    /// SQLite file in `dir`.
    pub async fn create(dir: &Path) -> Self {
        let admin_url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"));
        Self::create_on(admin_url.as_deref(), dir).await
    }

    /// A fresh database on the PostgreSQL server `postgres_admin_url` points at (any
    /// database of it), or with `None` a SQLite file in `dir`.
    pub async fn create_on(postgres_admin_url: Option<&str>, dir: &Path) -> Self {
        match postgres_admin_url {
            None => Self {
                url: format!("sqlite://{}?mode=rwc", dir.join("clientele.db").display()),
                postgres: None,
            },
            Some(admin_url) => {
                static NEXT: AtomicU32 = AtomicU32::new(0);
                let name = format!(
                    "clientele_test_{}_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed),
                    chrono_suffix()
                );
                let admin = Database::connect(admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("{admin_url} is not reachable: {e}"));
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
                admin.close().await.ok();
                let url = replace_database(admin_url, &name);
                Self {
                    url,
                    postgres: Some((admin_url.to_owned(), name)),
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop may run inside a runtime that is shutting down: use a thread of our own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let admin = Database::connect(&admin_url).await.ok()?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()?;
                admin.close().await.ok()
            })
        })
        .join();
    }
}

fn chrono_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() % 1_000_000)
}

/// `postgres://u@h:5432/test?x` with the database name replaced.
fn replace_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("the PostgreSQL server is given as a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}
