//! What the benchmarks share: a fresh database of their own, removed afterwards.

use diesel::connection::SimpleConnection;

/// A new empty database: a SQLite file by default, or a PostgreSQL database created on the
/// server named by `BENCH_DATABASE_URL`. Dropped with the value.
pub struct BenchDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
}

impl BenchDatabase {
    pub fn new() -> BenchDatabase {
        let name = format!("ir_bench_{}", uuid::Uuid::new_v4().simple());
        match std::env::var("BENCH_DATABASE_URL")
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(admin) => {
                use diesel::Connection;
                let mut conn = diesel::pg::PgConnection::establish(&admin)
                    .expect("BENCH_DATABASE_URL reachable");
                conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .expect("create database");
                let mut url = url::Url::parse(&admin).expect("URL");
                url.set_path(&name);
                url.query_pairs_mut().append_pair("sslmode", "disable");
                BenchDatabase {
                    url: url.to_string(),
                    postgres: Some((admin, name)),
                }
            }
            None => BenchDatabase {
                url: format!(
                    "sqlite://{}",
                    std::env::temp_dir().join(format!("{name}.db")).display()
                ),
                postgres: None,
            },
        }
    }

    pub fn backend(&self) -> &'static str {
        if self.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres {
            use diesel::Connection;
            if let Ok(mut conn) = diesel::pg::PgConnection::establish(admin) {
                let _ =
                    conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
        } else if let Some(path) = self.url.strip_prefix("sqlite://") {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
    }
}
