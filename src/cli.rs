//! The command line: `serve`, `demo`, `migrate`, `create-org`, `create-user`, `seed-demo`,
//! `verify-audit`. Commands that print results take `--json`.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::config::{SecretKeySource, Settings};
use crate::db::audit::ChainStatus;
use crate::domain::account::{OrganisationInput, UserInput};
use crate::domain::routing::findings::FindingKind;
use crate::seed::demo;
use crate::startup::{Application, open_pool};
use crate::web::blocking::blocking;
use crate::web::state::Runtime;
use crate::workflows::certificates::{self, CertificateAuthority};
use crate::workflows::monitoring::{self, ImportError, ImportKind};
use crate::workflows::{
    Actor, WorkflowError, accounts, api_clients, audit, audit_checkpoints, secret_key,
};

#[derive(Debug, Parser)]
#[command(
    name = "interconnect-registry",
    version,
    about = "Approve, record and revoke international network connections"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (default 127.0.0.1:8080). Applies pending migrations first.
    Serve {
        /// Address to listen on; overrides BIND.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply migrations, seed demo data if the database is empty, and run the web server.
    Demo {
        /// Address to listen on; overrides BIND.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Register a provider organisation.
    CreateOrg {
        /// Short identifier used in URLs and commands, e.g. lao-skynet.
        #[arg(long)]
        slug: String,
        /// Legal name in English.
        #[arg(long)]
        name_en: String,
        /// Legal name in Lao.
        #[arg(long)]
        name_lo: String,
        #[arg(long, default_value = "")]
        registration_number: String,
        #[arg(long, default_value = "")]
        licence_number: String,
        #[arg(long, default_value = "")]
        address: String,
        /// AS numbers, comma-separated (e.g. "AS151234, AS151235").
        #[arg(long, default_value = "")]
        asns: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a user account; the password is read from standard input.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// applicant, org_admin, secretariat, reviewer, chair, auditor or admin.
        #[arg(long)]
        role: String,
        /// The organisation's slug (required for applicant and org_admin).
        #[arg(long)]
        org: Option<String>,
        /// Preferred language: lo or en.
        #[arg(long)]
        language: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Seed demo organisations and a full committee if the database has no users.
    SeedDemo {
        #[arg(long)]
        json: bool,
    },
    /// Check a registry's public transparency log from its public endpoints alone: the
    /// checkpoint's signature, every tile, the tree, and that nothing the checkpoint saved
    /// by the last run held has changed since. Needs no database or settings.
    VerifyLog {
        /// The registry's address, e.g. https://registry.example.la
        #[arg(long)]
        url: String,
        /// A file holding the checkpoint verified last time: checked against, then
        /// replaced by this run's. Created when it does not exist.
        #[arg(long)]
        state: Option<std::path::PathBuf>,
        /// A verifier key to trust (repeatable), as /transparency/keys lists them;
        /// without one, the keys the server publishes are trusted.
        #[arg(long = "key")]
        keys: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check the audit log's hash chain and report the first broken link; with
    /// `--checkpoints`, also that the chain still holds, unchanged, every event each
    /// checkpoint covered (a truncated or re-chained history is caught).
    VerifyAudit {
        /// A checkpoint file, or a directory of them (as `checkpoint` writes them).
        #[arg(long)]
        checkpoints: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Sign the audit chain's head now and write it to AUDIT_CHECKPOINT_DIR (a file per
    /// checkpoint, never overwritten), and print it.
    Checkpoint {
        #[arg(long)]
        json: bool,
    },
    /// Copy a SQLite database, while the server runs, to a new file, and check the copy
    /// (integrity and the audit chain). To restore, stop the server and put the copy in
    /// the database's place. PostgreSQL: use pg_dump (README, "Backups").
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: std::path::PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Start a new key for signing approval certificates. Old keys stay published while
    /// certificates they signed are valid.
    RotateSigningKey {
        #[arg(long)]
        json: bool,
    },
    /// Seal every stored secret (staff's two-factor keys, certificate signing keys) again
    /// under the secret key in use (SECRET_KEY, or the key file beside a SQLite database),
    /// given the previous key on standard input. Run it after changing the key, then
    /// restart every server; values already under the new key are left as they are.
    RotateSecretKey {
        #[arg(long)]
        json: bool,
    },
    /// Create credentials for an organisation's systems to use the JSON API. Prints the
    /// client id and secret once; only a hash of the secret is kept.
    CreateApiClient {
        /// The organisation's slug.
        #[arg(long)]
        org: String,
        /// What the client is, e.g. "billing system".
        #[arg(long, default_value = "API client")]
        name: String,
        /// The e-mail of the organisation's user the client acts for (default: its first
        /// active organisation admin).
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Fill an empty database with ten years of generated data at national scale, for
    /// benchmarks: providers and the committee, applications in every state with reviews,
    /// votes and information requests, connections in every status and country, outbox
    /// messages and a valid audit chain. Every generated account's password is the demo
    /// password.
    SeedScale {
        #[arg(long, default_value_t = 200)]
        organisations: usize,
        #[arg(long, default_value_t = 100_000)]
        applications: usize,
        /// Approved applications, each with its connection.
        #[arg(long, default_value_t = 50_000)]
        connections: usize,
        #[arg(long, default_value_t = 1_000_000)]
        audit_events: usize,
        #[arg(long, default_value_t = 100_000)]
        outbox_messages: usize,
        /// Findings of the routing monitoring.
        #[arg(long, default_value_t = 100_000)]
        findings: usize,
        #[arg(long)]
        json: bool,
    },
    /// Import routing data files for enforcement monitoring, each in one transaction, and
    /// bring the findings up to date: RIR statistics (`rir`), MRT RIB dumps or update files
    /// (`mrt`), CAIDA AS-to-organisation (`as2org`) and AS-relationship (`asrel`) files, and
    /// PeeringDB dumps (`peeringdb`). Compressed files (bzip2, gzip) are read as they are. A
    /// file imported before is reported and skipped; a file that cannot be read is named
    /// with where it fails, and leaves nothing behind.
    ImportRouting {
        /// rir, mrt, as2org, asrel or peeringdb.
        #[arg(long)]
        kind: String,
        /// The route collector an MRT file comes from, e.g. route-views2 or rrc00.
        #[arg(long, default_value = "")]
        collector: String,
        /// Print one JSON object per file.
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// List the findings of enforcement monitoring, highest score first.
    Findings {
        /// Only findings of this kind, e.g. unapproved.
        #[arg(long)]
        kind: Option<String>,
        /// Only findings in this state, e.g. open.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List the routing data imports, newest first.
    RoutingImports {
        #[arg(long)]
        json: bool,
    },
    /// Revoke an organisation's API client; its tokens stop working at once.
    RevokeApiClient {
        #[arg(long)]
        org: String,
        /// The client id (ic_…).
        #[arg(long)]
        client: String,
    },
}

/// Runs the chosen command; no command means `serve`.
impl Cli {
    /// Whether the command reads the settings (and so the database's): all but
    /// `verify-log`, which an outsider runs with nothing but the registry's address.
    pub fn needs_settings(&self) -> bool {
        !matches!(self.command, Some(Command::VerifyLog { .. }))
    }
}

/// Runs a command that needs no settings (see [`Cli::needs_settings`]).
pub fn run_without_settings(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::VerifyLog {
            url,
            state,
            keys,
            json,
        }) => verify_log(url, keys, state, json),
        _ => bail!("this command needs the settings"),
    }
}

/// `verify-log`: prints what was verified, or fails naming the first inconsistency.
fn verify_log(
    url: String,
    keys: Vec<String>,
    state: Option<std::path::PathBuf>,
    json: bool,
) -> anyhow::Result<()> {
    // Its HTTP client runs on a runtime of its own, on a thread of its own.
    let verified =
        std::thread::spawn(move || crate::verify_log::run(&url, &keys, state.as_deref()))
            .join()
            .map_err(|_| anyhow::anyhow!("verify-log stopped unexpectedly"))??;
    print_result(json, &serde_json::json!(verified), || {
        let mut text = format!(
            "transparency log verified: {} entries, root {}",
            verified.size, verified.root
        );
        if let Some(saved) = verified.consistent_with {
            text.push_str(&format!(
                "; it still holds, unchanged, the {saved} entries of the checkpoint saved last time"
            ));
        }
        if verified.keys_from_server {
            text.push_str("\n(trusted the keys the server publishes: pass --key to pin them)");
        }
        text
    });
    Ok(())
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve { bind: None }) {
        Command::Serve { bind } => serve(with_bind(settings, bind), false).await,
        Command::Demo { bind } => serve(with_bind(settings, bind), true).await,
        Command::Migrate => {
            let mut conn = crate::db::establish(&settings.database_url)?;
            let applied = crate::db::run_migrations(&mut conn)?;
            println!("migrations applied: {applied}");
            Ok(())
        }
        Command::CreateOrg {
            slug,
            name_en,
            name_lo,
            registration_number,
            licence_number,
            address,
            asns,
            json,
        } => {
            let input = OrganisationInput {
                slug,
                name_en,
                name_lo,
                registration_number,
                licence_number,
                address,
                asns,
            };
            let pool = open_pool(&settings)?;
            let org = blocking(&pool, move |conn| {
                accounts::create_organisation(conn, &Actor::command_line(), &input)
            })
            .await
            .map_err(command_error)?;
            print_result(
                json,
                &serde_json::json!({ "id": org.id, "slug": org.slug }),
                || format!("created organisation {} ({})", org.slug, org.id),
            );
            Ok(())
        }
        Command::CreateUser {
            email,
            name,
            role,
            org,
            language,
            json,
        } => {
            let password = read_password()?;
            let pool = open_pool(&settings)?;
            let user = blocking(&pool, move |conn| {
                let organisation_id = match org {
                    Some(slug) => organisation_id(conn, &slug)?,
                    None => String::new(),
                };
                let input = UserInput {
                    email,
                    name,
                    role,
                    organisation_id,
                    language: language.unwrap_or_default(),
                    committee_member: false,
                    review_domains: Vec::new(),
                };
                accounts::create_user(conn, &Actor::command_line(), &input, &password)
            })
            .await
            .map_err(command_error)?;
            print_result(
                json,
                &serde_json::json!({ "id": user.id, "email": user.email, "role": user.role }),
                || {
                    format!(
                        "created user {} ({}) with role {}",
                        user.email, user.id, user.role
                    )
                },
            );
            Ok(())
        }
        Command::SeedDemo { json } => {
            let pool = open_pool(&settings)?;
            let seeded = seed_demo(&pool, &settings).await?;
            print_result(
                json,
                &serde_json::json!({ "seeded": seeded, "accounts": demo::accounts() }),
                || {
                    if seeded {
                        format!(
                            "demo data seeded; every demo account's password is {}",
                            demo::DEMO_PASSWORD
                        )
                    } else {
                        "the database already has users; nothing seeded".to_string()
                    }
                },
            );
            Ok(())
        }
        Command::VerifyLog {
            url,
            state,
            keys,
            json,
        } => verify_log(url, keys, state, json),
        Command::VerifyAudit { checkpoints, json } => {
            let pool = open_pool(&settings)?;
            let files = match &checkpoints {
                Some(path) => audit_checkpoints::read_files(path)
                    .with_context(|| format!("reading {}", path.display()))?,
                None => Vec::new(),
            };
            if checkpoints.is_some() && files.is_empty() {
                bail!("no checkpoint files found at the path given");
            }
            let (status, held) = blocking(&pool, move |conn| {
                Ok((
                    audit::verify(conn)?,
                    audit_checkpoints::check(conn, &files)?,
                ))
            })
            .await
            .map_err(command_error)?;
            let all_hold = held.iter().all(|(_, h)| h.holds());
            let checked: Vec<_> = held
                .iter()
                .map(|(file, h)| serde_json::json!({ "file": file, "finding": h }))
                .collect();
            let mut lines: Vec<String> = held
                .iter()
                .map(|(file, h)| format!("checkpoint {file}: {}", h.describe()))
                .collect();
            let intact = match &status {
                ChainStatus::Intact { events } => {
                    lines.insert(0, format!("audit chain intact: {events} events verified"));
                    print_result(
                        json,
                        &serde_json::json!({ "intact": all_hold, "events": events, "checkpoints": checked }),
                        || lines.join("\n"),
                    );
                    all_hold
                }
                ChainStatus::Broken(b) => {
                    lines.insert(0, format!("audit chain BROKEN at event {}: {b}", b.seq()));
                    print_result(
                        json,
                        &serde_json::json!({ "intact": false, "first_broken_seq": b.seq(), "problem": b.to_string(), "checkpoints": checked }),
                        || lines.join("\n"),
                    );
                    false
                }
            };
            if !intact {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Checkpoint { json } => {
            let pool = open_pool(&settings)?;
            let authority = CertificateAuthority::from_settings(&settings);
            let now = chrono::Utc::now().naive_utc();
            let Some(checkpoint) = blocking(&pool, move |conn| {
                audit_checkpoints::sign(conn, &authority, now)
            })
            .await
            .map_err(command_error)?
            else {
                bail!("the audit log has no events yet: there is nothing to sign");
            };
            let written = match &settings.audit_checkpoint_dir {
                Some(dir) => Some(
                    audit_checkpoints::export(dir, &checkpoint)
                        .with_context(|| format!("writing to {}", dir.display()))?,
                ),
                None => None,
            };
            print_result(
                json,
                &serde_json::json!({ "checkpoint": checkpoint, "written_to": written }),
                || match &written {
                    Some(path) => format!("{}written to {}", checkpoint.note, path.display()),
                    None => format!(
                        "{}not written anywhere: set AUDIT_CHECKPOINT_DIR, or keep this text",
                        checkpoint.note
                    ),
                },
            );
            Ok(())
        }
        Command::Backup { to, json } => {
            let mut conn = crate::db::establish(&settings.database_url)?;
            crate::db::audit::hold_secret(&mut conn, &settings.secret_key)?;
            let summary = crate::db::backup::backup(&mut conn, &to)?;
            print_result(json, &serde_json::json!(summary), || {
                format!(
                    "backup written to {} ({} bytes, audit chain intact: {} events) in {:.1} s",
                    summary.path.display(),
                    summary.bytes,
                    summary.audit_events,
                    summary.seconds
                )
            });
            Ok(())
        }
        Command::RotateSigningKey { json } => {
            let pool = open_pool(&settings)?;
            let authority = CertificateAuthority::from_settings(&settings);
            let now = crate::db::now();
            let key = blocking(&pool, move |conn| {
                certificates::rotate(conn, &Actor::command_line(), &authority, now)
            })
            .await
            .map_err(command_error)?;
            print_result(
                json,
                &serde_json::json!({ "kid": key.kid, "public_key": key.public_key }),
                || {
                    format!(
                        "new signing key {} (public key {})",
                        key.kid, key.public_key
                    )
                },
            );
            Ok(())
        }
        Command::RotateSecretKey { json } => {
            let old = read_secret("the previous secret key")?;
            let pool = open_pool(&settings)?;
            let new = settings.secret_key.clone();
            let rotation = blocking(&pool, move |conn| {
                secret_key::rotate(conn, &Actor::command_line(), old.as_bytes(), &new)
            })
            .await
            .map_err(command_error)?;
            print_result(json, &serde_json::json!(rotation), || {
                let mut out = format!(
                    "sealed again under the key in use: {}; already under it: {}",
                    rotation.resealed, rotation.current
                );
                for what in &rotation.unreadable {
                    out.push_str(&format!("\nopens under neither key, left as it is: {what}"));
                }
                out.push_str("\nRestart every server so that all of them use the new key.");
                out
            });
            Ok(())
        }
        Command::CreateApiClient {
            org,
            name,
            user,
            json,
        } => {
            let pool = open_pool(&settings)?;
            let now = crate::db::now();
            let issued = blocking(&pool, move |conn| {
                let organisation_id = organisation_id(conn, &org)?;
                let acting_for =
                    api_clients::default_person(conn, &organisation_id, user.as_deref())?;
                api_clients::create(
                    conn,
                    &Actor::command_line(),
                    &organisation_id,
                    &name,
                    &acting_for,
                    now,
                )
            })
            .await
            .map_err(command_error)?;
            print_result(
                json,
                &serde_json::json!({
                    "client_id": issued.client.id,
                    "client_secret": issued.secret,
                    "name": issued.client.name,
                }),
                || {
                    format!(
                        "created API client {}\nclient_id:     {}\nclient_secret: {}\nThe secret is shown only now; keep it safe.",
                        issued.client.name, issued.client.id, issued.secret
                    )
                },
            );
            Ok(())
        }
        Command::SeedScale {
            organisations,
            applications,
            connections,
            audit_events,
            outbox_messages,
            findings,
            json,
        } => {
            let pool = open_pool(&settings)?;
            let mut conn = pool.get().context("no database connection available")?;
            let scale = crate::seed::scale::Scale {
                organisations,
                applications,
                connections,
                audit_events,
                outbox_messages,
                findings,
            };
            let progress = if json {
                indicatif::ProgressBar::hidden()
            } else {
                indicatif::ProgressBar::new(0)
            };
            let password_hash = crate::auth::password::hash(demo::DEMO_PASSWORD);
            let summary = crate::seed::scale::fill(
                &mut conn,
                scale,
                crate::db::now(),
                &password_hash,
                &progress,
            )?;
            print_result(json, &serde_json::to_value(&summary)?, || {
                let mut out = format!("filled in {:.1} s:", summary.seconds);
                for (table, rows) in &summary.rows {
                    out.push_str(&format!("\n  {table:<22} {rows:>10}"));
                }
                out.push_str(&format!(
                    "\nEvery generated account's password is {}",
                    demo::DEMO_PASSWORD
                ));
                out
            });
            Ok(())
        }
        Command::ImportRouting {
            kind,
            collector,
            json,
            files,
        } => import_routing(&settings, &kind, &collector, json, files).await,
        Command::Findings { kind, state, json } => {
            let kind = match kind.as_deref() {
                None => None,
                Some(raw) => Some(FindingKind::parse(raw).with_context(|| {
                    let kinds: Vec<&str> = FindingKind::ALL.iter().map(|k| k.as_str()).collect();
                    format!("--kind {raw}: not a kind of finding ({})", kinds.join(", "))
                })?),
            };
            let pool = open_pool(&settings)?;
            let listed = blocking(&pool, move |conn| {
                monitoring::list_findings(conn, kind, state.as_deref())
            })
            .await
            .map_err(command_error)?;
            if json {
                println!("{}", serde_json::to_string(&listed)?);
            } else {
                println!("{} findings", listed.len());
                for f in &listed {
                    println!(
                        "{:>9}  {:<26} {:<10} AS{} - {}  {}  {} peers  last seen {}",
                        f.score,
                        f.kind,
                        f.state,
                        f.domestic_asn,
                        f.foreign_asn.map_or("-".to_string(), |a| format!("AS{a}")),
                        f.organisation.as_deref().unwrap_or("-"),
                        f.peers,
                        f.last_seen.as_deref().unwrap_or("-"),
                    );
                }
            }
            Ok(())
        }
        Command::RoutingImports { json } => {
            let pool = open_pool(&settings)?;
            let imports = blocking(&pool, monitoring::list_imports)
                .await
                .map_err(command_error)?;
            if json {
                println!("{}", serde_json::to_string(&imports)?);
            } else {
                println!("{} imports", imports.len());
                for i in &imports {
                    println!(
                        "{}  {:<9} {}  {} read, {} skipped, {} adjacencies, {} ms  ({})",
                        i.imported_at.format("%Y-%m-%d %H:%M"),
                        i.kind,
                        i.file_name,
                        i.records_read,
                        i.records_skipped,
                        i.adjacencies,
                        i.duration_ms,
                        i.imported_by,
                    );
                }
            }
            Ok(())
        }
        Command::RevokeApiClient { org, client } => {
            let pool = open_pool(&settings)?;
            let now = crate::db::now();
            let revoked = client.clone();
            blocking(&pool, move |conn| {
                let organisation_id = organisation_id(conn, &org)?;
                api_clients::revoke(conn, &Actor::command_line(), &organisation_id, &client, now)
            })
            .await
            .map_err(command_error)?;
            println!("revoked API client {revoked}");
            Ok(())
        }
    }
}

/// `import-routing`: imports each file in turn, with a progress bar of the bytes read when
/// standard error is a terminal and `--json` is not given. A file that fails is reported
/// and the next one imported; the command fails at the end if any did.
async fn import_routing(
    settings: &Settings,
    kind: &str,
    collector: &str,
    json: bool,
    files: Vec<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let Some(kind) = ImportKind::parse(kind) else {
        bail!("--kind {kind}: not a kind of routing file (rir, mrt, as2org, asrel or peeringdb)");
    };
    let pool = open_pool(settings)?;
    let monitoring_settings = settings.monitoring;
    let mut failed = 0;
    for path in files {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let bar = if json || !std::io::stderr().is_terminal() {
            indicatif::ProgressBar::hidden()
        } else {
            indicatif::ProgressBar::new(size).with_message(path.display().to_string())
        };
        let shown = bar.clone();
        let collector = collector.to_string();
        let now = crate::db::now();
        let outcome = {
            let pool = pool.clone();
            tokio::task::spawn_blocking(move || {
                let mut conn = pool.get().map_err(WorkflowError::from)?;
                let watch = |read: std::sync::Arc<std::sync::atomic::AtomicU64>| {
                    let bar = shown.clone();
                    std::thread::spawn(move || {
                        while !bar.is_finished() {
                            bar.set_position(read.load(std::sync::atomic::Ordering::Relaxed));
                            std::thread::sleep(std::time::Duration::from_millis(200));
                        }
                    });
                };
                monitoring::import_file(
                    &mut conn,
                    &Actor::command_line(),
                    (kind, &path, &collector),
                    &monitoring_settings,
                    now,
                    &watch,
                )
            })
            .await?
        };
        bar.finish_and_clear();
        match outcome {
            Ok(summary) => print_result(json, &serde_json::to_value(&summary)?, || {
                let i = &summary.import;
                match summary.outcome {
                    "imported" => format!(
                        "{}: imported as {} ({} records read, {} skipped, {} adjacencies, {} ms); {} findings",
                        i.file_name,
                        i.kind,
                        i.records_read,
                        i.records_skipped,
                        i.adjacencies,
                        i.duration_ms,
                        summary.findings
                    ),
                    _ => format!(
                        "{}: already imported on {} (import {}), skipped",
                        i.file_name,
                        i.imported_at.format("%Y-%m-%d %H:%M"),
                        i.id
                    ),
                }
            }),
            Err(ImportError::File { file, message }) => {
                failed += 1;
                eprintln!("{file}: {message}");
                if json {
                    println!(
                        "{}",
                        serde_json::json!({ "outcome": "failed", "file": file, "error": message })
                    );
                }
            }
            Err(ImportError::Workflow(e)) => return Err(command_error(e)),
        }
    }
    if failed > 0 {
        bail!("{failed} file(s) could not be imported");
    }
    Ok(())
}

/// Seeds the demo data if the database has no users, then imports the demo's routing
/// files so the monitoring has findings to show. Returns whether it seeded.
async fn seed_demo(pool: &crate::db::DbPool, settings: &Settings) -> anyhow::Result<bool> {
    let authority = CertificateAuthority::from_settings(settings);
    let seeded = blocking(pool, move |conn| demo::seed_if_empty(conn, &authority))
        .await
        .map_err(command_error)?;
    if seeded {
        let monitoring = settings.monitoring;
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(WorkflowError::from)?;
            crate::seed::routing::import_demo_routing(&mut conn, &monitoring, crate::db::now())
        })
        .await??;
    }
    Ok(seeded)
}

/// The id of the organisation with `slug`, or a problem named for the `--org` option.
fn organisation_id(conn: &mut crate::db::DbConn, slug: &str) -> Result<String, WorkflowError> {
    match crate::db::models::organisation::find_by_slug(conn, slug)? {
        Some(o) => Ok(o.id),
        None => {
            let mut errors = crate::domain::validation::FieldErrors::new();
            errors.add("org", "error-organisation-unknown");
            Err(WorkflowError::Invalid(errors))
        }
    }
}

fn with_bind(settings: Settings, bind: Option<String>) -> Settings {
    match bind {
        Some(bind) => settings.with_bind(bind),
        None => settings,
    }
}

async fn serve(settings: Settings, seed_demo: bool) -> anyhow::Result<()> {
    match &settings.secret_key_source {
        SecretKeySource::Setting => {}
        SecretKeySource::File { path, created } => {
            let key_file = path.display().to_string();
            let message = "SECRET_KEY is not set: the secret key is kept in the key file, \
                readable by its owner only. Back it up, apart from the database's backups: \
                without it, the two-factor and signing keys stored in the database cannot be opened";
            if *created {
                tracing::warn!(%key_file, "{message} (made now)");
            } else {
                tracing::info!(%key_file, "{message}");
            }
        }
        SecretKeySource::Process => tracing::warn!(
            "SECRET_KEY is not set and the database is in memory: the secret key lasts as long as this process"
        ),
    }
    tracing::info!(?settings, "starting");
    let started = std::time::Instant::now();
    let pool = crate::db::connect_and_migrate(
        &settings.database_url,
        settings.database_pool_size,
        &settings.secret_key,
    )?;
    if seed_demo {
        let seeded = self::seed_demo(&pool, &settings).await?;
        if seeded {
            tracing::info!("demo data seeded");
        }
    }
    let public = settings.base_url.clone();
    let app = Application::build_with_pool(settings, pool, Runtime::default())?;
    if seed_demo {
        println!("\nInterconnect Registry is running: open {public}");
        println!(
            "Sign in with any of these accounts; the password is {}",
            demo::DEMO_PASSWORD
        );
        for account in demo::accounts() {
            println!("  {:<40} {}", account.email, account.role);
        }
        println!(
            "Staff accounts set up two-factor sign-in at their first sign-in: have an \
             authenticator app ready (or type the key the page shows into one)."
        );
        println!("Press Ctrl+C to stop.\n");
    }
    tracing::info!(
        port = app.port(),
        ready_in_ms = started.elapsed().as_millis() as u64,
        "listening"
    );
    app.run_until_stopped().await?;
    Ok(())
}

/// How a workflow's failure reads on the command line: validation problems and a refusal
/// in plain English, a database that cannot be reached said so.
fn command_error(e: WorkflowError) -> anyhow::Error {
    match e {
        WorkflowError::Invalid(errors) => {
            let problems: Vec<String> = errors
                .iter()
                .map(|(field, key)| {
                    format!(
                        "{field}: {}",
                        crate::i18n::t(crate::domain::language::Lang::En, key)
                    )
                })
                .collect();
            anyhow::anyhow!("invalid input: {}", problems.join("; "))
        }
        WorkflowError::Conflict(key) => {
            anyhow::anyhow!("{}", crate::i18n::t(crate::domain::language::Lang::En, key))
        }
        WorkflowError::Pool(e) => anyhow::Error::new(e).context("no database connection available"),
        e => e.into(),
    }
}

fn print_result(json: bool, value: &serde_json::Value, text: impl FnOnce() -> String) {
    if json {
        println!("{value}");
    } else {
        println!("{}", text());
    }
}

/// Reads the password from standard input.
fn read_password() -> anyhow::Result<String> {
    read_secret("the password (12 to 128 characters)")
}

/// Reads one line, `what`, from standard input, prompting when it is a terminal.
fn read_secret(what: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{what}: ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .with_context(|| format!("cannot read {what} from standard input"))?;
    let secret = line.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        bail!("no {what} given on standard input");
    }
    Ok(secret)
}
