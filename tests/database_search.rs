//! Where a text is in the database: every table's text and JSON columns, found from the
//! database's own catalogue (SQLite's `sqlite_master` and `PRAGMA table_info`,
//! PostgreSQL's `information_schema`), so a table added later is searched too. The
//! personal-data tests ask it where a person's name, email or phone still is.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

/// Every `table.column` that may hold text.
pub async fn text_columns(db: &DatabaseConnection) -> Vec<(String, String)> {
    let backend = db.get_database_backend();
    let query = |sql: &str| Statement::from_string(backend, sql.to_owned());
    let mut columns = Vec::new();
    match backend {
        DatabaseBackend::Sqlite => {
            let tables = db
                .query_all_raw(query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                ))
                .await
                .expect("the tables");
            for table in tables {
                let table: String = table.try_get("", "name").unwrap();
                let info = db
                    .query_all_raw(query(&format!("PRAGMA table_info(\"{table}\")")))
                    .await
                    .expect("a table's columns");
                for column in info {
                    let name: String = column.try_get("", "name").unwrap();
                    let kind: String = column.try_get("", "type").unwrap();
                    let kind = kind.to_lowercase();
                    if kind.contains("char")
                        || kind.contains("text")
                        || kind.contains("json")
                        || kind.contains("clob")
                    {
                        columns.push((table.clone(), name));
                    }
                }
            }
        }
        _ => {
            let rows = db
                .query_all_raw(query(
                    "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
                     WHERE table_schema = current_schema() \
                     AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')",
                ))
                .await
                .expect("the columns");
            for row in rows {
                columns.push((row.try_get("", "t").unwrap(), row.try_get("", "c").unwrap()));
            }
        }
    }
    columns.sort();
    columns
}

/// How many rows of `table` match the SQL `condition`, read straight from the database.
pub async fn count(db: &DatabaseConnection, table: &str, condition: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM \"{table}\" WHERE {condition}");
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("a count")
        .expect("a row")
        .try_get::<i64>("", "n")
        .unwrap()
}

/// The `table.column`s where any row holds `needle` (case-insensitive).
pub async fn holding(db: &DatabaseConnection, needle: &str) -> BTreeSet<String> {
    let needle = needle.to_lowercase().replace('\'', "''");
    let mut found = BTreeSet::new();
    for (table, column) in text_columns(db).await {
        let condition = format!("lower(CAST(\"{column}\" AS TEXT)) LIKE '%{needle}%'");
        if count(db, &table, &condition).await > 0 {
            found.insert(format!("{table}.{column}"));
        }
    }
    found
}
