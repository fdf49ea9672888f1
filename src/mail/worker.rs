//! Delivers the outbox. A worker claims a batch of due messages for a short lease, sends
//! each over SMTP and records the outcome at once, message by message. A failed attempt
//! waits longer each time and, after the last allowed attempt, the message is marked
//! failed for an administrator to see. A message is only sent by the worker holding its
//! claim, so several servers never send it twice; if a worker dies mid-batch, its
//! unfinished messages become due again when the lease lapses. Each message keeps one
//! `Message-ID` (from its outbox id) across attempts, so the rare copy sent again after a
//! crash between the server's acceptance and our record of it is recognisable as a copy.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use futures_util::StreamExt;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

use crate::config::{MailSettings, Settings};
use crate::db::DbPool;
use crate::db::models::outbox::{self as outbox_db, OutboxMessage};
use crate::domain::clock::Clock;
use crate::domain::notification::retry_delay;
use crate::mail::render::{self, Rendered};
use crate::workflows::WorkflowError;

/// Messages claimed at a time, per connection: enough to keep every connection busy
/// through a batch.
const BATCH_PER_CONNECTION: i64 = 10;

/// Sends the outbox through one SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    base_url: Url,
    secret: Vec<u8>,
    settings: MailSettings,
}

impl Mailer {
    /// The mailer for `SMTP_URL`, or `None` when no mail server is configured (mail then
    /// stays queued). `smtp://` (with `?tls=required` for STARTTLS), `smtps://`, and
    /// credentials in the URL are understood.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Mailer>> {
        let Some(url) = &settings.smtp_url else {
            return Ok(None);
        };
        let redacted = crate::auth::redact::redact_url(url);
        let timeout = Duration::from_secs(send_timeout_seconds(&settings.mail) as u64);
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("SMTP_URL {redacted} is not usable: {e}"))?
            .timeout(Some(timeout))
            .pool_config(PoolConfig::new().max_size(settings.mail.connections))
            .build();
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM is not an address: {e}"))?;
        Ok(Some(Mailer {
            transport,
            from,
            base_url: settings.base_url.clone(),
            secret: settings.secret_key.clone(),
            settings: settings.mail.clone(),
        }))
    }

    /// How many messages one pass claims.
    pub fn batch(&self) -> i64 {
        i64::from(self.settings.connections) * BATCH_PER_CONNECTION
    }

    /// The pause after a pass that found less than a full batch (`MAIL_POLL_MS`).
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.settings.poll_ms)
    }

    /// The e-mail for a queued message.
    fn build(&self, message: &OutboxMessage, rendered: Rendered) -> Result<Message, String> {
        // A header holds one line, and lettre panics on a display name with a line break
        // in it: the name's runs of white space, line breaks included, become one space.
        let name = message
            .recipient_name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let to = Mailbox::new(
            Some(name).filter(|n| !n.is_empty()),
            message
                .recipient_email
                .parse()
                .map_err(|e| format!("recipient address: {e}"))?,
        );
        let host = self.base_url.host_str().unwrap_or("localhost");
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(format!("<{}@{host}>", message.id)))
            .header(ContentLanguage(message.language.clone()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(rendered.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(rendered.html),
                    ),
            )
            .map_err(|e| format!("building the message: {e}"))
    }
}

/// The `Content-Language` header: the language the message is written in.
#[derive(Debug, Clone)]
struct ContentLanguage(String);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ContentLanguage(s.trim().to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// How long one SMTP exchange may take: at most half the claim, so that a message started
/// in time finishes within it.
fn send_timeout_seconds(settings: &MailSettings) -> i64 {
    (settings.claim_seconds / 2).clamp(1, 60)
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub claimed: usize,
    pub sent: usize,
    /// Failed attempts that will be retried.
    pub retried: usize,
    /// Messages given up on.
    pub failed: usize,
    /// Claimed messages not started because too little of the claim was left; they are
    /// due again when it lapses.
    pub skipped: usize,
}

async fn blocking<T: Send + 'static>(
    pool: &DbPool,
    job: impl FnOnce(&mut crate::db::DbConn) -> diesel::QueryResult<T> + Send + 'static,
) -> Result<T, WorkflowError> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        Ok(job(&mut conn)?)
    })
    .await?
}

/// Claims one batch of due messages and tries each once.
pub async fn deliver_due(
    pool: &DbPool,
    mailer: &Mailer,
    clock: &dyn Clock,
) -> Result<DeliveryReport, WorkflowError> {
    let holder = uuid::Uuid::new_v4().to_string();
    let now = clock.now();
    let until = now + TimeDelta::seconds(mailer.settings.claim_seconds);
    let batch = mailer.batch();
    let claimed = {
        let holder = holder.clone();
        blocking(pool, move |conn| {
            outbox_db::claim_due(conn, &holder, now, until, batch)
        })
        .await?
    };
    let attempts: Vec<_> = claimed
        .iter()
        .map(|message| attempt(pool, mailer, clock, (&holder, until), message))
        .collect();
    let outcomes: Vec<Result<Outcome, WorkflowError>> = futures_util::stream::iter(attempts)
        // Messages go out over `MAIL_CONNECTIONS` pooled connections at once. One at a time
        // is slow against any server: the SMTP client writes the final `.` separately, and
        // that write waits for the acknowledgement of the message body, which the server
        // delays (40 ms on Linux).
        .buffer_unordered(mailer.settings.connections as usize)
        .collect()
        .await;
    let mut report = DeliveryReport {
        claimed: claimed.len(),
        ..DeliveryReport::default()
    };
    for outcome in outcomes {
        match outcome? {
            Outcome::Sent => report.sent += 1,
            Outcome::Retried => report.retried += 1,
            Outcome::Failed => report.failed += 1,
            Outcome::Skipped => report.skipped += 1,
        }
    }
    Ok(report)
}

/// What one attempt at one message came to.
enum Outcome {
    Sent,
    Retried,
    Failed,
    Skipped,
}

/// Renders and sends one claimed message, and records the outcome at once. A message is
/// not started unless the claim (`holder` until the given time) outlasts the send.
async fn attempt(
    pool: &DbPool,
    mailer: &Mailer,
    clock: &dyn Clock,
    (holder, until): (&str, NaiveDateTime),
    message: &OutboxMessage,
) -> Result<Outcome, WorkflowError> {
    if clock.now() + TimeDelta::seconds(send_timeout_seconds(&mailer.settings)) >= until {
        return Ok(Outcome::Skipped);
    }
    let outcome = match render::render(message, &mailer.base_url, &mailer.secret) {
        Err(e) => Err((format!("cannot render: {e}"), true)),
        Ok(rendered) => match mailer.build(message, rendered) {
            Err(e) => Err((e, true)),
            Ok(email) => mailer
                .transport
                .send(email)
                .await
                .map(drop)
                .map_err(|e| (describe(&e), false)),
        },
    };
    let (id, holder) = (message.id.clone(), holder.to_string());
    let at = clock.now();
    match outcome {
        Ok(()) => {
            let recorded = blocking(pool, move |conn| {
                outbox_db::mark_sent(conn, &id, &holder, at)
            })
            .await?;
            if recorded != 1 {
                tracing::warn!(message = %message.id, "sent after its claim lapsed");
            }
            Ok(Outcome::Sent)
        }
        Err((error, hopeless)) => {
            let attempts = message.attempts + 1;
            let give_up = hopeless || attempts >= mailer.settings.max_attempts;
            let next = at + retry_delay(attempts, mailer.settings.retry_base_seconds);
            tracing::warn!(message = %message.id, attempts, give_up, %error, "delivery failed");
            blocking(pool, move |conn| {
                outbox_db::mark_attempt_failed(conn, &id, &holder, &error, next, give_up)
            })
            .await?;
            Ok(if give_up {
                Outcome::Failed
            } else {
                Outcome::Retried
            })
        }
    }
}

/// The error as stored and shown: the server's reply code when there is one.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    let kind = if error.is_permanent() {
        "permanent"
    } else if error.is_transient() {
        "temporary"
    } else {
        "connection"
    };
    format!("{kind}: {error}").chars().take(1000).collect()
}
