//! The printable approval certificate and the public verification page.

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use super::registry::{PublicRow, country_name};
use crate::domain::certificate::CertificateClaims;
use crate::domain::connection::ConnectionStatus;
use crate::domain::language::Lang;
use crate::i18n;
use crate::workflows::certificates::Check;
use crate::workflows::transparency::Logged;

/// The address of approval `number`'s verification page, under the registry's `base_url`,
/// that certificates, their QR codes and the API's records point to.
pub fn verify_url(base_url: &url::Url, number: &str) -> String {
    base_url
        .join(&format!("verify/{number}"))
        .map(String::from)
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "certificates/certificate.html")]
pub struct CertificatePage {
    pub ctx: PageCtx,
    pub approval_number: String,
    /// The connection's status today, and its label in the page's language.
    pub status: &'static str,
    pub status_label: String,
    /// What the certificate states, as signed, in the page's language.
    pub terms: Vec<(String, String)>,
    pub conditions: String,
    pub legal_basis: String,
    pub signed_by: String,
    /// Why the approval is no longer in force, in Lao and in English; `None` while it is.
    pub void: Option<VoidNotice>,
    pub token: String,
    pub kid: String,
    /// An SVG QR code of `verify_url`, made here from our own URL.
    pub qr_svg: String,
    pub verify_url: String,
}

/// Said across a certificate whose approval is no longer in force, in both languages.
pub struct VoidNotice {
    /// The status in capitals, for the band across the page: Lao, English.
    pub marks: (String, String),
    /// Since when, and what it means: Lao, English.
    pub notices: (String, String),
}

impl VoidNotice {
    /// The notice for `status`, in force `since` (a date in Vientiane); `None` while active.
    pub fn of(status: ConnectionStatus, since: chrono::NaiveDate) -> Option<VoidNotice> {
        let key = match status {
            ConnectionStatus::Active => return None,
            ConnectionStatus::Suspended => "certificate-void-suspended",
            ConnectionStatus::Revoked => "certificate-void-revoked",
            ConnectionStatus::Expired => "certificate-void-expired",
        };
        let both = |f: &dyn Fn(Lang) -> String| (f(Lang::Lo), f(Lang::En));
        Some(VoidNotice {
            marks: both(&|lang| i18n::t(lang, status.label_key()).to_uppercase()),
            notices: both(&|lang| i18n::t_args(lang, key, &[("date", &i18n::date(lang, since))])),
        })
    }
}

impl CertificatePage {
    /// `key` in Lao, whatever the page's language: the letterhead is in both.
    pub fn in_lao(&self, key: &str) -> String {
        i18n::t(Lang::Lo, key)
    }

    /// `key` in English, whatever the page's language.
    pub fn in_english(&self, key: &str) -> String {
        i18n::t(Lang::En, key)
    }
}

/// The outcome of checking a pasted certificate, ready to show.
pub struct Verdict {
    /// `success` or `error`: the CSS class of the box.
    pub level: &'static str,
    pub message: String,
    /// What else a reader must know: expired, replaced, the approval's live status.
    pub notes: Vec<String>,
    /// The certificate's statements, label and value.
    pub terms: Vec<(String, String)>,
}

/// The verification page's content: for `/verify/{number}` the same for every reader of a
/// language on a day, so kept per registry version; for a pasted certificate, its verdict.
#[derive(Template)]
#[template(path = "certificates/verify_content.html")]
pub struct VerifyContent<'a> {
    pub ctx: &'a PageCtx,
    /// The approval's live public record, when one is named or the certificate is genuine.
    pub row: Option<PublicRow>,
    pub token: String,
    pub verdict: Option<Verdict>,
}

impl Verdict {
    /// The verdict on `check`, seen on `today` against the approval's live record.
    pub fn new(
        ctx: &PageCtx,
        (check, logged): (&Check, Option<Logged>),
        live: Option<&PublicRow>,
        today: chrono::NaiveDate,
    ) -> Verdict {
        match check {
            Check::Genuine { claims, latest, .. } => {
                let in_force = claims.valid_until >= today
                    && *latest
                    && live.is_some_and(|r| r.status == ConnectionStatus::Active.as_str())
                    && logged != Some(Logged::Broken);
                let mut notes = Vec::new();
                if claims.valid_until < today {
                    notes.push(ctx.t1(
                        "verify-note-expired",
                        "date",
                        &ctx.date(claims.valid_until),
                    ));
                }
                if !latest {
                    notes.push(ctx.t("verify-note-replaced"));
                }
                if let Some(row) = live {
                    notes.push(ctx.t1("verify-note-status", "status", &row.status_label));
                }
                match logged {
                    Some(Logged::Included { index, size }) => notes.push(ctx.t2(
                        "verify-note-logged",
                        ("index", &index.to_string()),
                        ("size", &size.to_string()),
                    )),
                    Some(Logged::Before) => notes.push(ctx.t("verify-note-not-logged")),
                    Some(Logged::Broken) => notes.push(ctx.t("verify-note-log-broken")),
                    None => {}
                }
                Verdict {
                    level: if in_force { "success" } else { "error" },
                    message: ctx.t1("verify-genuine", "number", &claims.sub),
                    notes,
                    terms: terms(ctx, claims),
                }
            }
            Check::NotGenuine => Verdict {
                level: "error",
                message: ctx.t("verify-not-genuine"),
                notes: Vec::new(),
                terms: Vec::new(),
            },
            Check::Malformed => Verdict {
                level: "error",
                message: ctx.t("verify-malformed"),
                notes: Vec::new(),
                terms: Vec::new(),
            },
        }
    }
}

/// What a certificate states, label and value, in the page's language.
pub fn terms(ctx: &PageCtx, claims: &CertificateClaims) -> Vec<(String, String)> {
    vec![
        (ctx.t("verify-approval-number"), claims.sub.clone()),
        (
            ctx.t("registry-provider"),
            ctx.pick(&claims.provider_lo, &claims.provider).to_string(),
        ),
        (ctx.t("app-counterparty"), claims.counterparty.clone()),
        (
            ctx.t("app-field-counterparty_country"),
            country_name(ctx, &claims.country),
        ),
        (
            ctx.t("app-field-connection_type"),
            ctx.t(&format!("conn-type-{}", claims.connection_type)),
        ),
        (
            ctx.t("verify-capacity"),
            format!("{} Mbit/s", claims.capacity_mbps),
        ),
        (
            ctx.t("registry-valid"),
            format!(
                "{} – {}",
                ctx.date(claims.valid_from),
                ctx.date(claims.valid_until)
            ),
        ),
        (
            ctx.t("verify-issued"),
            chrono::DateTime::from_timestamp(claims.iat, 0)
                .map(|at| ctx.local_time(&at.naive_utc()))
                .unwrap_or_default(),
        ),
        (ctx.t("verify-issuer"), claims.iss.clone()),
    ]
}
