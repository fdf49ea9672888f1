//! Settings read from the environment (and a `.env` file). Secrets are never logged:
//! `Debug` prints the secret key as a placeholder.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use url::Url;

use crate::domain::account::EmailAddress;
use crate::domain::language::Lang;
use crate::domain::routing::MonitoringSettings;
use crate::domain::rules::WorkflowRules;
use crate::trusted_proxies::TrustedProxies;

/// The default database when `DATABASE_URL` is unset: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://interconnect-registry.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub base_url: Url,
    /// True when `BASE_URL` was given; otherwise it follows `bind`.
    pub base_url_explicit: bool,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub secret_key: Vec<u8>,
    /// Where the secret key came from.
    pub secret_key_source: SecretKeySource,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub database_pool_size: u32,
    /// The bearer token `/metrics` requires; when unset, `/metrics` answers 404.
    pub metrics_token: Option<String>,
    /// Where `checkpoint` writes the audit chain's signed checkpoints, one file each; a
    /// directory the database's writers cannot reach (another disk, a mounted share).
    pub audit_checkpoint_dir: Option<PathBuf>,
    /// Seconds between the servers' checkpoints of the audit chain into that directory.
    pub audit_checkpoint_seconds: u64,
    /// Seconds between runs of the scheduled jobs.
    pub scheduler_seconds: u64,
    /// Seconds a request body may make no progress before the request is cut off.
    pub body_timeout_seconds: u64,
    /// Reverse proxies whose `X-Forwarded-For` names the client; none by default.
    pub trusted_proxies: TrustedProxies,
    pub rules: WorkflowRules,
    pub mail: MailSettings,
    pub api: ApiSettings,
    pub monitoring: MonitoringSettings,
}

/// Where `secret_key` came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretKeySource {
    /// The `SECRET_KEY` setting.
    Setting,
    /// A key file beside the SQLite database, made at the first start (`created`) and
    /// read at every start after.
    File { path: PathBuf, created: bool },
    /// An in-memory SQLite database, which ends with the process, and so does its key.
    Process,
}

/// The key file beside a SQLite database at `database`: `<database>.secret-key`.
pub fn key_file_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".secret-key");
    PathBuf::from(name)
}

/// The secret key when `SECRET_KEY` is unset. On PostgreSQL several servers share the
/// database and must share the key, so it must be set; on SQLite one is made once and
/// kept in a file only its owner can read, so a restart changes nothing.
fn unset_secret_key(database_url: &str) -> anyhow::Result<(Vec<u8>, SecretKeySource)> {
    match crate::db::Backend::of(database_url) {
        Ok(crate::db::Backend::Postgres) => bail!(
            "SECRET_KEY is required with PostgreSQL: every server of the database must seal \
             two-factor secrets and signing keys, and sign forms and links, with the same key, \
             so none can be made up at start. Set SECRET_KEY to at least 32 random characters \
             (for example the output of `openssl rand -hex 32`), the same on every server"
        ),
        Ok(crate::db::Backend::Sqlite) => {
            let database = crate::db::sqlite_path(database_url);
            if database.is_empty() || database.starts_with(":memory:") {
                return Ok((random_key().into_bytes(), SecretKeySource::Process));
            }
            let path = key_file_path(Path::new(database));
            let (key, created) = read_or_create_key_file(&path)?;
            Ok((key, SecretKeySource::File { path, created }))
        }
        // The database cannot be opened either; connecting says why.
        Err(_) => Ok((random_key().into_bytes(), SecretKeySource::Process)),
    }
}

fn random_key() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Reads the key file at `path`, or makes it (mode 0600) if there is none. A new file is
/// written under another name and linked into place, so two processes starting at once
/// agree on one key and neither reads a half-written file.
fn read_or_create_key_file(path: &Path) -> anyhow::Result<(Vec<u8>, bool)> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let read = |path: &Path| -> anyhow::Result<Vec<u8>> {
        let mode = std::fs::metadata(path)
            .with_context(|| format!("cannot read the key file {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "the key file {} can be read by others (mode {:o}): run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
        let key = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the key file {}", path.display()))?;
        let key = key.trim();
        if key.len() < 32 {
            bail!(
                "the key file {} must hold a key of at least 32 characters",
                path.display()
            );
        }
        Ok(key.as_bytes().to_vec())
    };
    if path.exists() {
        return Ok((read(path)?, false));
    }
    let temporary = path.with_extension(format!("secret-key.{}", uuid::Uuid::new_v4().simple()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(format!("{}\n", random_key()).as_bytes())?;
            file.sync_all()
        });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(e).with_context(|| format!("cannot create the key file {}", path.display()));
    }
    let linked = std::fs::hard_link(&temporary, path);
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok((read(path)?, true)),
        // Another process made it first: theirs is the key.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok((read(path)?, false)),
        Err(e) => Err(e).with_context(|| format!("cannot create the key file {}", path.display())),
    }
}

/// Limits of the JSON API.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Requests one API client may make per minute (in bursts of up to this many).
    pub requests_per_minute: u32,
    /// Token requests per minute for one client id, and for one address.
    pub tokens_per_minute: u32,
}

/// How the outbox is delivered.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Attempts before a message is marked failed.
    pub max_attempts: i32,
    /// The wait after the first failed attempt; it doubles with each further failure.
    pub retry_base_seconds: i64,
    /// How long a worker holds the messages it is sending before another may take them.
    pub claim_seconds: i64,
    /// How often the worker looks for due messages.
    pub poll_ms: u64,
    /// SMTP connections a server keeps open and sends over at once.
    pub connections: u32,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field(
                "database_url",
                &crate::auth::redact::redact_url(&self.database_url),
            )
            .field("bind", &self.bind)
            .field("base_url", &self.base_url.as_str())
            .field(
                "smtp_url",
                &self
                    .smtp_url
                    .as_deref()
                    .map(crate::auth::redact::redact_url),
            )
            .field("mail_from", &self.mail_from)
            .field("secret_key", &"<redacted>")
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("session_absolute_hours", &self.session_absolute_hours)
            .field("database_pool_size", &self.database_pool_size)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .field("audit_checkpoint_dir", &self.audit_checkpoint_dir)
            .field("audit_checkpoint_seconds", &self.audit_checkpoint_seconds)
            .field("scheduler_seconds", &self.scheduler_seconds)
            .field("body_timeout_seconds", &self.body_timeout_seconds)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("rules", &self.rules)
            .field("mail", &self.mail)
            .field("api", &self.api)
            .finish()
    }
}

impl Settings {
    /// Reads settings from the process environment after loading `.env` if present.
    pub fn from_env() -> anyhow::Result<Self> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds settings from any key lookup; tests pass a map.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let non_empty = |key: &str| get(key).filter(|v| !v.trim().is_empty());
        let bind = non_empty("BIND").unwrap_or_else(|| DEFAULT_BIND.to_string());
        let base_url_explicit = non_empty("BASE_URL").is_some();
        let base_url_raw = non_empty("BASE_URL").unwrap_or_else(|| format!("http://{bind}/"));
        let base_url = Url::parse(&base_url_raw)
            .with_context(|| format!("BASE_URL is not a valid URL: {base_url_raw}"))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            bail!("BASE_URL must start with http:// or https://, got {base_url_raw}");
        }
        let database_url =
            non_empty("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let (secret_key, secret_key_source) = match non_empty("SECRET_KEY") {
            Some(key) if key.len() < 32 => {
                bail!("SECRET_KEY must be at least 32 characters long")
            }
            Some(key) => (key.into_bytes(), SecretKeySource::Setting),
            None => unset_secret_key(&database_url)?,
        };
        let metrics_token = match non_empty("METRICS_TOKEN") {
            Some(token) if token.len() < 32 => {
                bail!("METRICS_TOKEN must be at least 32 characters long")
            }
            token => token,
        };
        Ok(Self {
            database_url,
            bind,
            base_url,
            base_url_explicit,
            smtp_url: non_empty("SMTP_URL"),
            mail_from: non_empty("MAIL_FROM")
                .unwrap_or_else(|| "Interconnect Registry <registry@localhost>".to_string()),
            secret_key,
            secret_key_source,
            session_idle_minutes: parse_number(&non_empty, "SESSION_IDLE_MINUTES", 60)?,
            session_absolute_hours: parse_number(&non_empty, "SESSION_ABSOLUTE_HOURS", 12)?,
            database_pool_size: parse_number(&non_empty, "DATABASE_POOL_SIZE", 8)?,
            metrics_token,
            audit_checkpoint_dir: non_empty("AUDIT_CHECKPOINT_DIR").map(PathBuf::from),
            audit_checkpoint_seconds: match parse_number(
                &non_empty,
                "AUDIT_CHECKPOINT_SECONDS",
                3600,
            )? {
                0 => bail!("AUDIT_CHECKPOINT_SECONDS must be at least 1"),
                s => s,
            },
            scheduler_seconds: match parse_number(&non_empty, "SCHEDULER_SECONDS", 60)? {
                s if s <= 86_400 => s,
                s => bail!("SCHEDULER_SECONDS must be at most 86400 (a day), got {s}"),
            },
            body_timeout_seconds: parse_number(&non_empty, "BODY_TIMEOUT_SECONDS", 30)?,
            trusted_proxies: match non_empty("TRUSTED_PROXIES") {
                None => TrustedProxies::default(),
                Some(raw) => TrustedProxies::parse(&raw)
                    .map_err(|problem| anyhow::anyhow!("TRUSTED_PROXIES: {problem}"))?,
            },
            rules: WorkflowRules {
                decision_days: parse_number(&non_empty, "DECISION_DAYS", 30)?,
                rfi_days: parse_number(&non_empty, "RFI_DAYS", 15)?,
                attachment_max_bytes: parse_number::<usize>(&non_empty, "ATTACHMENT_MAX_MB", 20)?
                    * 1024
                    * 1024,
                quorum_percent: match parse_number(&non_empty, "QUORUM_PERCENT", 50)? {
                    p if p < 100 => p,
                    p => bail!("QUORUM_PERCENT must be below 100, got {p}"),
                },
                secretariat_email: match non_empty("SECRETARIAT_EMAIL") {
                    None => None,
                    Some(raw) => match EmailAddress::parse(&raw) {
                        Ok(email) => Some(email.as_str().to_string()),
                        Err(_) => bail!("SECRETARIAT_EMAIL is not an e-mail address: {raw}"),
                    },
                },
                secretariat_language: match non_empty("SECRETARIAT_LANGUAGE") {
                    None => Lang::default(),
                    Some(raw) => match Lang::parse(&raw) {
                        Some(lang) => lang,
                        None => bail!("SECRETARIAT_LANGUAGE must be lo or en, got {raw:?}"),
                    },
                },
            },
            mail: MailSettings {
                max_attempts: parse_number(&non_empty, "MAIL_MAX_ATTEMPTS", 10)?,
                retry_base_seconds: parse_number(&non_empty, "MAIL_RETRY_SECONDS", 60)?,
                claim_seconds: parse_number(&non_empty, "MAIL_CLAIM_SECONDS", 120)?,
                poll_ms: parse_number(&non_empty, "MAIL_POLL_MS", 2000)?,
                connections: parse_number(&non_empty, "MAIL_CONNECTIONS", 10)?,
            },
            api: ApiSettings {
                requests_per_minute: parse_number(&non_empty, "API_REQUESTS_PER_MINUTE", 600)?,
                tokens_per_minute: parse_number(&non_empty, "API_TOKENS_PER_MINUTE", 30)?,
            },
            monitoring: MonitoringSettings {
                allow_documentation_asns: match non_empty("MONITORING_ALLOW_DOCUMENTATION_ASNS")
                    .as_deref()
                {
                    None | Some("false") => false,
                    Some("true") => true,
                    Some(other) => bail!(
                        "MONITORING_ALLOW_DOCUMENTATION_ASNS must be true or false, got {other}"
                    ),
                },
                min_peers: match parse_number(&non_empty, "MONITORING_MIN_PEERS", 2)? {
                    0 => bail!("MONITORING_MIN_PEERS must be at least 1"),
                    n => n,
                },
                not_observed_days: parse_number(&non_empty, "MONITORING_NOT_OBSERVED_DAYS", 14)?,
            },
        })
    }

    /// Listens on `bind` instead; the public address follows unless `BASE_URL` was given.
    pub fn with_bind(mut self, bind: String) -> Self {
        if !self.base_url_explicit
            && let Ok(url) = Url::parse(&format!("http://{bind}/"))
        {
            self.base_url = url;
        }
        self.bind = bind;
        self
    }

    /// Cookies carry the `Secure` flag when the public address is https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }
}

fn parse_number<T: std::str::FromStr + PartialOrd + Default>(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
) -> anyhow::Result<T> {
    match get(key) {
        None => Ok(default),
        Some(raw) => match raw.trim().parse::<T>() {
            Ok(v) if v > T::default() => Ok(v),
            _ => bail!("{key} must be a positive whole number, got {raw:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEY: &str = "a-very-long-secret-key-of-at-least-32-chars";

    /// Settings from `pairs`, with `SECRET_KEY` set unless `pairs` gives one (an empty one
    /// counts as unset), so that no test writes a key file into the working directory.
    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let mut map: HashMap<String, String> = HashMap::from([("SECRET_KEY".into(), KEY.into())]);
        map.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_use_a_sqlite_file_and_local_bind() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.bind, DEFAULT_BIND);
        assert_eq!(s.base_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.secret_key_source, SecretKeySource::Setting);
        assert!(!s.secure_cookies());
    }

    #[test]
    fn without_secret_key_sqlite_keeps_one_in_an_owner_only_file_beside_the_database() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("ir-key-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("registry.db").display());
        let unset = [("SECRET_KEY", ""), ("DATABASE_URL", url.as_str())];
        let first = settings(&unset).unwrap();
        let path = dir.join("registry.db.secret-key");
        assert_eq!(
            first.secret_key_source,
            SecretKeySource::File {
                path: path.clone(),
                created: true
            }
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = settings(&unset).unwrap();
        assert_eq!(again.secret_key, first.secret_key);
        assert_eq!(
            again.secret_key_source,
            SecretKeySource::File {
                path: path.clone(),
                created: false
            }
        );
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no file left behind"
        );

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = settings(&unset).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        std::fs::write(&path, "short\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let err = settings(&unset).unwrap_err().to_string();
        assert!(err.contains("at least 32 characters"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn without_secret_key_postgres_is_refused_and_memory_sqlite_keeps_its_key_in_memory() {
        let err = settings(&[
            ("SECRET_KEY", ""),
            ("DATABASE_URL", "postgres://app@db/registry"),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("SECRET_KEY is required with PostgreSQL"),
            "{err}"
        );
        let s = settings(&[("SECRET_KEY", ""), ("DATABASE_URL", "sqlite://:memory:")]).unwrap();
        assert_eq!(s.secret_key_source, SecretKeySource::Process);
        assert_eq!(s.secret_key.len(), 64);
    }

    #[test]
    fn the_default_public_address_follows_the_bind_address() {
        let s = settings(&[]).unwrap().with_bind("127.0.0.1:9000".into());
        assert_eq!(s.base_url.as_str(), "http://127.0.0.1:9000/");
        let s = settings(&[("BASE_URL", "https://registry.example.la/")])
            .unwrap()
            .with_bind("0.0.0.0:9000".into());
        assert_eq!(s.base_url.as_str(), "https://registry.example.la/");
    }

    #[test]
    fn https_base_url_turns_on_secure_cookies() {
        let s = settings(&[("BASE_URL", "https://registry.example.la/")]).unwrap();
        assert!(s.secure_cookies());
    }

    #[test]
    fn short_secret_key_and_bad_numbers_are_refused() {
        assert!(settings(&[("SECRET_KEY", "short")]).is_err());
        assert!(settings(&[("METRICS_TOKEN", "short")]).is_err());
        assert!(settings(&[("SESSION_IDLE_MINUTES", "-3")]).is_err());
        assert!(settings(&[("BASE_URL", "ftp://x")]).is_err());
        assert!(settings(&[("SCHEDULER_SECONDS", "0")]).is_err());
        assert!(settings(&[("SCHEDULER_SECONDS", "86401")]).is_err());
        assert!(settings(&[("MONITORING_MIN_PEERS", "0")]).is_err());
        assert!(settings(&[("MONITORING_ALLOW_DOCUMENTATION_ASNS", "yes")]).is_err());
        let err = settings(&[("TRUSTED_PROXIES", "127.0.0.1 proxy.local")]).unwrap_err();
        assert!(err.to_string().contains("TRUSTED_PROXIES"), "{err}");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let s = settings(&[
            ("SECRET_KEY", KEY),
            ("DATABASE_URL", "postgres://app:hunter2@db/registry"),
            ("METRICS_TOKEN", "a-metrics-token-of-at-least-32-characters"),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains("a-metrics-token"));
        assert!(!printed.contains("a-very-long-secret"));
    }
}
