//! Storage: one connection type over SQLite and PostgreSQL, the pool, embedded migrations
//! and the queries for each table (`models/`), whose rows carry the domain's types
//! (`json` reads JSON columns). Knows nothing of HTTP or of business rules.

pub mod audit;
pub mod backup;
pub mod json;
pub mod models;
pub mod schema;

use std::cell::{Cell, RefCell};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::r2d2::{
    ConnectionManager, CustomizeConnection, ManageConnection, Pool, PoolError, PooledConnection,
};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::db::models::connection::{RegistryHead, registry_head};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

/// The pool's connection manager: diesel's, except for the check a connection passes as
/// the pool hands it out. Instead of `SELECT 1`, the check reads the registry's head and
/// keeps it for [`get_with_head`], so a public page kept per registry version costs one
/// trip to the database, not two (the check's and the version's).
#[derive(Debug)]
pub struct Manager(ConnectionManager<DbConn>);

thread_local! {
    /// The registry's head as the last check on this thread read it.
    static CHECKED_HEAD: Cell<Option<RegistryHead>> = const { Cell::new(None) };
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        self.0.connect()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        let head = registry_head(conn).map_err(diesel::r2d2::Error::QueryError)?;
        CHECKED_HEAD.set(Some(head));
        Ok(())
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        self.0.has_broken(conn)
    }
}

thread_local! {
    /// This thread's own connection to a SQLite database, for [`registry_head_here`].
    static HEAD_READER: RefCell<Option<(String, DbConn)>> = const { RefCell::new(None) };
}

/// The registry's head, read on the calling thread, without the pool and without
/// waiting. On SQLite it is read from a connection of the thread's own: a read of one row
/// costs a few microseconds, less than handing the work to the pool's threads and back.
/// None on PostgreSQL, where any read is a round trip and belongs on the pool's threads,
/// and whenever SQLite would make the read wait (its busy timeout is left at zero).
pub fn registry_head_here(url: &str) -> Option<RegistryHead> {
    if Backend::of(url).ok()? != Backend::Sqlite {
        return None;
    }
    let path = sqlite_path(url);
    HEAD_READER.with_borrow_mut(|reader| {
        if reader.as_ref().is_none_or(|(open, _)| open != path) {
            let mut conn = SqliteConnection::establish(path).ok()?;
            conn.batch_execute("PRAGMA query_only = ON;").ok()?;
            *reader = Some((path.to_string(), DbConn::Sqlite(conn)));
        }
        let (_, conn) = reader.as_mut()?;
        registry_head(conn).ok()
    })
}

/// A connection from `pool`, and the registry's head as the pool's check read it while
/// handing the connection out, after this call began; None if the connection was handed
/// out unchecked.
pub fn get_with_head(pool: &DbPool) -> Result<(PooledConn, Option<RegistryHead>), PoolError> {
    CHECKED_HEAD.set(None);
    let conn = pool.get()?;
    Ok((conn, CHECKED_HEAD.take()))
}

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error(
        "DATABASE_URL {0:?} is not understood: use sqlite://FILE (or a plain file path) or postgres://USER@HOST/DB"
    )]
    UnknownScheme(String),
    #[error("cannot open the SQLite database {path:?}: {reason}")]
    SqliteUnreachable { path: String, reason: String },
    #[error("cannot reach PostgreSQL at {url}: {reason}")]
    PostgresUnreachable { url: String, reason: String },
    #[error("applying migrations failed: {0}")]
    Migration(String),
    #[error("cannot read the audit chain's head: {0}")]
    AuditHead(String),
}

impl Backend {
    /// Picks the backend from the URL's scheme. A bare path is a SQLite file.
    pub fn of(url: &str) -> Result<Self, DbSetupError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else if url.starts_with("sqlite:") || !url.contains("://") {
            Ok(Self::Sqlite)
        } else {
            Err(DbSetupError::UnknownScheme(
                crate::auth::redact::redact_url(url),
            ))
        }
    }
}

/// The path diesel's SQLite driver wants: without the `sqlite://` prefix.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// Opens one connection, with a message that names the database and the cause.
pub fn establish(url: &str) -> Result<DbConn, DbSetupError> {
    match Backend::of(url)? {
        Backend::Postgres => PgConnection::establish(url).map(DbConn::Pg).map_err(|e| {
            DbSetupError::PostgresUnreachable {
                url: crate::auth::redact::redact_url(url),
                reason: describe(e),
            }
        }),
        Backend::Sqlite => {
            let path = sqlite_path(url);
            let mut conn =
                SqliteConnection::establish(path).map_err(|e| DbSetupError::SqliteUnreachable {
                    path: path.to_string(),
                    reason: describe(e),
                })?;
            configure_sqlite(&mut conn).map_err(|e| DbSetupError::SqliteUnreachable {
                path: path.to_string(),
                reason: e.to_string(),
            })?;
            Ok(DbConn::Sqlite(conn))
        }
    }
}

fn describe(e: ConnectionError) -> String {
    match e {
        ConnectionError::BadConnection(msg) => msg.trim().to_string(),
        other => other.to_string(),
    }
}

/// A busy timeout so that a connection waits for a lock instead of failing, WAL for
/// concurrent readers, and enforced foreign keys (SQLite leaves them off by default).
/// The timeout comes first: switching to WAL needs the database for a moment, and while
/// another process holds it (recovering the WAL after a crash, or checkpointing as it
/// shuts down) a connection without the timeout failed at once, and the server with it.
fn configure_sqlite(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    conn.batch_execute(
        "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
    )
}

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            configure_sqlite(c).map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Checks the database answers, applies pending migrations, holds `secret` (`SECRET_KEY`)
/// as the one that opens the audit chain's keys ([`audit::hold_secret`]) and builds the
/// pool.
pub fn connect_and_migrate(
    url: &str,
    pool_size: u32,
    secret: &[u8],
) -> Result<DbPool, DbSetupError> {
    let mut conn = establish(url)?;
    run_migrations(&mut conn)?;
    audit::hold_secret(&mut conn, secret).map_err(|e| DbSetupError::AuditHead(e.to_string()))?;
    drop(conn);
    let backend = Backend::of(url)?;
    let manager_url = match backend {
        Backend::Sqlite => sqlite_path(url).to_string(),
        Backend::Postgres => url.to_string(),
    };
    Pool::builder()
        .max_size(pool_size)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(Manager(ConnectionManager::new(manager_url)))
        .map_err(|e| match backend {
            Backend::Sqlite => DbSetupError::SqliteUnreachable {
                path: sqlite_path(url).to_string(),
                reason: e.to_string(),
            },
            Backend::Postgres => DbSetupError::PostgresUnreachable {
                url: crate::auth::redact::redact_url(url),
                reason: e.to_string(),
            },
        })
}

/// Applies every pending migration for the connection's backend; returns how many ran.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, DbSetupError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    };
    applied.map_err(|e| DbSetupError::Migration(e.to_string()))
}

/// SQLite admits one writer at a time. The others wait in its busy handler, which polls
/// with growing sleeps (1, 2, 5, 10, … 100 ms): under many concurrent writes those sleeps,
/// not the work, set the slowest answers (a p99 of 432 ms for 666 POSTs/s, BENCHMARKS.md).
/// This process's writers therefore queue here first, and are woken the moment the
/// writer before them finishes; the busy timeout is left to writers in other processes.
static SQLITE_WRITER: Mutex<()> = Mutex::new(());

thread_local! {
    /// Whether this thread holds [`SQLITE_WRITER`], so that a transaction begun inside
    /// another gets SQLite's own error instead of waiting for itself.
    static HOLDS_SQLITE_WRITER: Cell<bool> = const { Cell::new(false) };
}

/// The write turn of this process, taken for a SQLite transaction's duration.
struct SqliteWriteTurn(Option<MutexGuard<'static, ()>>);

impl SqliteWriteTurn {
    fn take() -> Self {
        if HOLDS_SQLITE_WRITER.get() {
            return Self(None);
        }
        // A writer that panicked left nothing half-done behind the lock: its transaction
        // was rolled back with its connection.
        let guard = SQLITE_WRITER.lock().unwrap_or_else(PoisonError::into_inner);
        HOLDS_SQLITE_WRITER.set(true);
        Self(Some(guard))
    }
}

impl Drop for SqliteWriteTurn {
    fn drop(&mut self) {
        if self.0.is_some() {
            HOLDS_SQLITE_WRITER.set(false);
        }
    }
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite (so two writers queue
/// instead of failing at commit); on PostgreSQL, a transaction that first locks the audit
/// chain's head, so that writers queue there as they do on SQLite. Every change appends to
/// the chain, so writers wait for the head in any case; one that locked a row of its own
/// before waiting could meet a writer that holds the head and needs that row (a renewal
/// decided while its connection is suspended): a deadlock, which PostgreSQL ends by failing
/// one of them. Taken first, the head also makes what `f` reads the latest committed state.
/// Commits when `f` succeeds, rolls back otherwise.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let _turn = match conn {
        DbConn::Sqlite(c) => {
            let turn = SqliteWriteTurn::take();
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            Some(turn)
        }
        DbConn::Pg(c) => {
            <PgConnection as Connection>::TransactionManager::begin_transaction(c)?;
            if let Err(e) = audit::lock_head(c) {
                let _ = <PgConnection as Connection>::TransactionManager::rollback_transaction(c);
                return Err(e.into());
            }
            None
        }
    };
    match f(conn) {
        Ok(value) => match <DbConn as Connection>::TransactionManager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(commit_error) => {
                let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
                Err(commit_error.into())
            }
        },
        Err(e) => {
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Runs `f` on one snapshot of the database, so that what it reads in several statements
/// belongs together while writers go on: a deferred transaction on SQLite (in WAL mode it
/// reads one snapshot from its first read on), `REPEATABLE READ READ ONLY` on PostgreSQL.
pub fn snapshot_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN DEFERRED")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// `query LIMIT n`, with `n` written into the SQL instead of bound as diesel's `.limit()`
/// does. PostgreSQL plans a bound LIMIT as if it kept a tenth of the rows, so it judged
/// the cached plan of a list page far costlier than a fresh one and planned every
/// execution anew: 0.37 ms per registry page over 100,000 connections, which made that
/// page 30 % slower than over 1,000 (BENCHMARKS.md). With the number in the SQL the cached
/// plan is used. Each number makes a statement of its own, prepared and kept on every
/// connection, so callers must write only a few different numbers.
#[derive(Debug, Clone)]
pub struct LiteralLimit<Q> {
    query: Q,
    limit: u32,
}

impl<Q> LiteralLimit<Q> {
    pub fn new(query: Q, limit: u32) -> Self {
        Self { query, limit }
    }
}

impl<Q> QueryId for LiteralLimit<Q> {
    type QueryId = ();
    // The SQL differs with the limit, so the type alone cannot name the statement.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for LiteralLimit<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, DB> QueryFragment<DB> for LiteralLimit<Q>
where
    DB: diesel::backend::Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        Ok(())
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for LiteralLimit<Q> {}

/// Checks the database answers.
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// The current time in UTC, truncated to microseconds: the precision both backends keep,
/// so a value read back equals the value written (the audit chain hashes it).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{DurationRound, TimeDelta};
    chrono::Utc::now()
        .naive_utc()
        .duration_trunc(TimeDelta::microseconds(1))
        .expect("truncating to microseconds cannot overflow")
}

/// A new random identifier for a row.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Which rows of an ordered list a page holds, around a cursor `C` naming a row's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position<C> {
    /// The first rows.
    Start,
    /// The rows that follow the cursor's row.
    After(C),
    /// The rows just before the cursor's row (read backwards, shown in the list's order).
    Before(C),
}

impl<C> Position<C> {
    pub fn as_ref(&self) -> Position<&C> {
        match self {
            Position::Start => Position::Start,
            Position::After(cursor) => Position::After(cursor),
            Position::Before(cursor) => Position::Before(cursor),
        }
    }

    /// The first row of the page among `rows`, read (one more than `size`) at this
    /// position: whose rows ahead are counted for the page's range. `None` on the first
    /// page.
    pub fn first_row<'a, T>(&self, rows: &'a [T], size: i64) -> Option<&'a T> {
        match self {
            Position::Start => None,
            Position::After(_) => rows.first(),
            // Read before a cursor, the extra row (if any) is the one ahead of the page.
            Position::Before(_) => rows.get(rows.len().saturating_sub(size as usize)),
        }
    }
}

diesel::define_sql_function! {
    /// Lower case (SQLite folds ASCII letters only; Lao has no case).
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A LIKE pattern's literal part (with `ESCAPE '\\'`): `%` and `_` typed by a person are
/// matched as themselves.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Whether `key` (an id a form names) can name a stored row. PostgreSQL holds no NUL in
/// text and fails a query that compares one, so a key with NUL names none, on either
/// backend.
pub fn can_name_a_row(key: &str) -> bool {
    !key.contains('\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(Backend::of("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of("data/x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(
            Backend::of("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(matches!(
            Backend::of("mysql://u@h/db"),
            Err(DbSetupError::UnknownScheme(_))
        ));
    }

    #[test]
    fn unreachable_postgres_names_the_host_and_hides_the_password() {
        let err = establish("postgres://app:secret@127.0.0.1:1/none")
            .err()
            .unwrap();
        let msg = err.to_string();
        assert!(msg.contains("cannot reach PostgreSQL"), "{msg}");
        assert!(!msg.contains("secret"), "{msg}");
    }

    fn memory_sqlite() -> DbConn {
        DbConn::Sqlite(SqliteConnection::establish(":memory:").expect("an in-memory database"))
    }

    #[test]
    fn the_bundled_sqlite_keeps_query_plans_stable() {
        use diesel::dsl::sql;
        use diesel::sql_types::Bool;
        let DbConn::Sqlite(mut conn) = memory_sqlite() else {
            unreachable!()
        };
        let stable: bool = diesel::select(sql::<Bool>("sqlite_compileoption_used('ENABLE_QPSG')"))
            .get_result(&mut conn)
            .unwrap();
        assert!(
            stable,
            "built without .cargo/config.toml's LIBSQLITE3_FLAGS"
        );
    }

    #[test]
    fn a_write_transaction_begun_inside_another_fails_instead_of_waiting_for_itself() {
        let mut conn = memory_sqlite();
        let nested: Result<(), diesel::result::Error> =
            write_tx(&mut conn, |conn| write_tx(conn, |_| Ok(())));
        assert!(nested.is_err());
        // The turn was given back: the next writer, on another thread, gets it.
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let result: diesel::QueryResult<()> = write_tx(&mut conn, |conn| {
                conn.batch_execute("CREATE TABLE t (x INTEGER)")
            });
            done.send(result.is_ok()).unwrap();
        });
        assert_eq!(finished.recv_timeout(Duration::from_secs(10)), Ok(true));
    }

    #[test]
    fn a_connection_opened_while_another_holds_the_database_waits_for_it() {
        let path = std::env::temp_dir().join(format!("ir-lock-{}.db", new_id()));
        let url = format!("sqlite://{}", path.display());
        drop(establish(&url).unwrap());
        let mut holder = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
        holder
            .batch_execute("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
            .unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            holder.batch_execute("COMMIT").unwrap();
        });
        let opened = establish(&url);
        release.join().unwrap();
        assert!(opened.is_ok(), "{:?}", opened.err());
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[test]
    fn sqlite_in_a_missing_directory_is_a_clear_error() {
        let err = establish("sqlite:///no/such/dir/x.db").err().unwrap();
        assert!(err.to_string().contains("cannot open the SQLite database"));
    }
}
