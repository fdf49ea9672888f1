//! Askama page structs: what each template needs, nothing more. `PageCtx` carries what
//! every page shares (language, user, CSRF token, flash message, request id).

pub mod account;
pub mod admin;
pub mod api;
pub mod applications;
pub mod certificates;
pub mod home;
pub mod organisation;
pub mod organisation_changes;
pub mod registry;
pub mod session;

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;

use crate::auth::CurrentUser;
use crate::auth::extract::csrf_token;
use crate::auth::middleware::FlashShown;
use crate::auth::session::{FLASH_COOKIE, LANG_COOKIE};
use crate::db::audit::AuditEvent;
use crate::domain::audit;
use crate::domain::language::Lang;
use crate::domain::role::Role;
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::i18n;

/// A one-time message shown on the page after a redirect.
#[derive(Debug, Clone)]
pub struct Flash {
    /// `success`, `info` or `error`: the CSS class of the box.
    pub level: &'static str,
    pub key: String,
}

impl Flash {
    /// Reads the `level:key` cookie form; only known levels and plain keys are accepted.
    pub fn parse(raw: &str) -> Option<Flash> {
        let (level, key) = raw.split_once(':')?;
        let level = ["success", "info", "error"]
            .into_iter()
            .find(|l| *l == level)?;
        let plain = key.starts_with("flash-")
            && key.len() <= 64
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        plain.then(|| Flash {
            level,
            key: key.to_string(),
        })
    }
}

/// What every page shares.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub lang: Lang,
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub flash: Option<Flash>,
    /// The current path and query, where the language switch returns to.
    pub path: String,
    pub request_id: String,
}

impl PageCtx {
    /// Builds the context from a request that went through the session middleware.
    pub fn from_http(req: &HttpRequest) -> Self {
        let user = req.extensions().get::<CurrentUser>().cloned();
        let cookie_lang = req.cookie(LANG_COOKIE).map(|c| c.value().to_string());
        let accept = req
            .headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let lang = Lang::choose(
            user.as_ref().and_then(|u| u.language).map(Lang::code),
            cookie_lang.as_deref(),
            accept,
        );
        let request_id = req
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        Self {
            lang,
            csrf: csrf_token(req),
            flash: req
                .cookie(FLASH_COOKIE)
                .and_then(|c| Flash::parse(c.value())),
            path: req
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str().to_string())
                .unwrap_or_else(|| "/".to_string()),
            request_id,
            user,
        }
    }

    /// The text for a translation key in the page's language.
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    /// The text for a key with one `{ $name }` placeholder filled.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        i18n::t_args(self.lang, key, &[(name, value)])
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// The committee's secretariat, who decides changes of legal identity.
    pub fn is_secretariat(&self) -> bool {
        self.role() == Some(Role::Secretariat)
    }

    pub fn reads_audit(&self) -> bool {
        matches!(self.role(), Some(Role::Admin | Role::Auditor))
    }

    /// Committee staff and auditors, who work the case files.
    pub fn reads_cases(&self) -> bool {
        matches!(
            self.role(),
            Some(Role::Secretariat | Role::Reviewer | Role::Chair | Role::Auditor)
        )
    }

    /// The label of an application form field.
    pub fn field_label(&self, field: &str) -> String {
        self.t(&format!("app-field-{field}"))
    }

    pub fn is_provider(&self) -> bool {
        self.role().is_some_and(Role::is_provider)
    }

    /// The text for a key with two placeholders filled.
    pub fn t2(&self, key: &str, a: (&str, &str), b: (&str, &str)) -> String {
        i18n::t_args(self.lang, key, &[a, b])
    }

    /// The message for `field`'s problem in `errors`; a field found too long is told its
    /// limit.
    pub fn problem(&self, errors: &FieldErrors, field: &str) -> Option<String> {
        let key = errors.get(field)?;
        Some(match errors.limit(field) {
            Some(max) => self.t1("error-too-long-max", "max", &max.to_string()),
            None => self.t(key),
        })
    }

    /// Both languages, for the switch: (code, label, is_current).
    pub fn languages(&self) -> [(&'static str, &'static str, bool); 2] {
        [
            ("lo", "ລາວ", self.lang == Lang::Lo),
            ("en", "English", self.lang == Lang::En),
        ]
    }

    /// An organisation's name in the page's language.
    pub fn pick<'a>(&self, lo: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Lo if !lo.is_empty() => lo,
            _ => en,
        }
    }

    /// A UTC time shown in Vientiane's time zone, in the page's date style.
    pub fn local_time(&self, at: &chrono::NaiveDateTime) -> String {
        i18n::local_time(self.lang, at)
    }
}

impl PageCtx {
    /// A UTC time's date in Vientiane, in the page's date style.
    pub fn local_date(&self, at: &chrono::NaiveDateTime) -> String {
        i18n::local_date(self.lang, at)
    }

    /// A calendar date in the page's date style.
    pub fn date(&self, day: chrono::NaiveDate) -> String {
        i18n::date(self.lang, day)
    }

    /// An audit event's action in the page's language; one without a label shows its code.
    pub fn audit_action(&self, action: &str) -> String {
        i18n::label(self.lang, &audit::action_key(action)).unwrap_or_else(|| action.to_string())
    }

    /// What kind of thing an audit event is about, in the page's language.
    pub fn audit_subject_type(&self, subject_type: &str) -> String {
        i18n::label(self.lang, &audit::subject_type_key(subject_type))
            .unwrap_or_else(|| subject_type.to_string())
    }

    /// Who acted: a person as recorded, the application itself (no account, no address)
    /// in the page's language.
    pub fn audit_actor(&self, event: &AuditEvent) -> String {
        let label = &event.actor_label;
        let system = event.actor_id.is_none()
            && event.ip.is_empty()
            && audit::SYSTEM_ACTORS.contains(&label.as_str());
        system
            .then(|| i18n::label(self.lang, &audit::system_actor_key(label)))
            .flatten()
            .unwrap_or_else(|| label.clone())
    }
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = PageCtx::from_http(req);
        if ctx.flash.is_some() {
            req.extensions_mut().insert(FlashShown);
        }
        ready(Ok(ctx))
    }
}

/// Why an action sent from a page was refused (its state changed since the page was
/// shown), with what was typed into its form, so nothing is lost.
#[derive(Debug, Clone, Default)]
pub struct Refusal {
    pub message: String,
    /// (label, text) of each field typed into the refused form.
    pub kept: Vec<(String, String)>,
}

impl Refusal {
    pub fn new(
        ctx: &PageCtx,
        key: &str,
        values: &std::collections::BTreeMap<String, String>,
    ) -> Self {
        Self {
            message: ctx.t(key),
            kept: typed_fields(ctx, values),
        }
    }
}

/// (label, text) of each field typed into an action form, in the page's language.
pub fn typed_fields(
    ctx: &PageCtx,
    values: &std::collections::BTreeMap<String, String>,
) -> Vec<(String, String)> {
    values
        .iter()
        .filter(|(_, text)| !text.trim().is_empty())
        .filter_map(|(field, text)| typed_field_label(field).map(|key| (ctx.t(key), text.clone())))
        .collect()
}

/// The label of a field someone types into on an action form; `None` for hidden fields,
/// tokens and choices.
fn typed_field_label(field: &str) -> Option<&'static str> {
    Some(match field {
        "questions" => "rfi-questions",
        "days" => "rfi-days",
        "comments" => "review-comments",
        "conditions" => "decision-conditions",
        "reasons" => "decision-reasons",
        "legal_basis" => "decision-legal-basis",
        "validity_months" => "decision-validity",
        "reason" => "case-reason",
        "notice" => "case-notice",
        "answer" => "case-answer",
        "evidence" => "connection-evidence",
        "disconnection_days" => "case-disconnection-days",
        _ => return None,
    })
}

/// A page asking to confirm a step that cannot be undone: what will happen, and a form
/// that sends the same inputs again with `confirm=yes`.
#[derive(Template, WebTemplate)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub ctx: PageCtx,
    pub title: String,
    pub consequence: String,
    /// (label, text) restated from what was typed.
    pub restated: Vec<(String, String)>,
    /// Where the confirmed form is sent, and its fields as typed.
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub button: String,
    /// The page to return to without acting.
    pub back: String,
}

impl ConfirmPage {
    /// A confirmation of `action` carrying `values` as typed (the token and an earlier
    /// confirmation left out); the typed texts are restated.
    pub fn new(
        ctx: PageCtx,
        (title, consequence, button): (String, String, String),
        action: String,
        values: &std::collections::BTreeMap<String, String>,
        back: String,
    ) -> Self {
        Self {
            restated: typed_fields(&ctx, values),
            fields: values
                .iter()
                .filter(|(field, _)| !matches!(field.as_str(), "csrf" | "confirm"))
                .map(|(field, text)| (field.clone(), text.clone()))
                .collect(),
            title,
            consequence,
            action,
            button,
            back,
            ctx,
        }
    }
}

/// Problems with a submitted form, for the form macros.
pub type Errors = FieldErrors;

/// A QR code of `text` as an inline SVG element (without the XML prologue).
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    use qrcode::render::svg;
    let svg = qrcode::QrCode::new(text.as_bytes())
        .map(|code| {
            code.render::<svg::Color<'_>>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build()
        })
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    Ok(svg
        .split_once("?>")
        .map_or(svg.as_str(), |(_, svg)| svg)
        .trim()
        .to_string())
}

/// Where one page of a long list stands: its first row's place (from 1), how many rows it
/// shows, how many the filters match, and the cursors of the pages on either side.
#[derive(Debug, Clone, Default)]
pub struct Span {
    pub first: i64,
    pub shown: usize,
    pub total: i64,
    /// Pass as `before` for the page before, if there is one.
    pub before: Option<String>,
    /// Pass as `after` for the page after, if there is one.
    pub after: Option<String>,
}

/// A list's "1–50 of 1,234" and its links to the previous and the next page.
#[derive(Debug, Clone)]
pub struct Pager {
    /// Empty when nothing matched.
    pub range: String,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `filters` is the list's query string without its cursor (possibly empty).
    pub fn new(ctx: &PageCtx, path: &str, filters: &str, span: &Span) -> Self {
        let link = |key: &str, token: &String| {
            let cursor = url::form_urlencoded::Serializer::new(String::new())
                .append_pair(key, token)
                .finish();
            if filters.is_empty() {
                format!("{path}?{cursor}")
            } else {
                format!("{path}?{filters}&{cursor}")
            }
        };
        let range = if span.shown == 0 {
            String::new()
        } else {
            let from = grouped(span.first);
            let to = grouped(span.first + span.shown as i64 - 1);
            let total = grouped(span.total);
            i18n::t_args(
                ctx.lang,
                "pager-range",
                &[("from", &from), ("to", &to), ("total", &total)],
            )
        };
        Self {
            range,
            previous: span.before.as_ref().map(|t| link("before", t)),
            next: span.after.as_ref().map(|t| link("after", t)),
        }
    }
}

/// A count with its thousands grouped by commas, as both languages write them: 1,234.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Renders a page with a long body (a list of many rows) into a buffer allocated once at
/// `capacity` bytes. askama sizes its buffer by the template's own text, so a 40 KB list
/// would otherwise be copied into a new buffer at every doubling as it is written.
pub fn render_long(page: &impl Template, capacity: usize) -> Result<HttpResponse, AppError> {
    let mut body = String::with_capacity(capacity);
    page.render_into(&mut body)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("a page failed to render: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: PageCtx,
    pub status: u16,
    pub title: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_cookies_accept_only_known_levels_and_plain_keys() {
        assert!(Flash::parse("success:flash-saved").is_some());
        assert!(Flash::parse("evil:flash-saved").is_none());
        assert!(Flash::parse("info:<script>").is_none());
        assert!(Flash::parse("info:not-a-flash").is_none());
        assert!(Flash::parse("nocolon").is_none());
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_234), "1,234");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(grouped(-12_345), "-12,345");
    }
}
