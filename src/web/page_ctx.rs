//! What every page shares, `PageCtx` (language, user, CSRF token, flash message, request
//! id, and how to say things in the page's language), taken from the request as an
//! extractor; and the one-time `Flash` message it shows.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::db::audit::AuditEvent;
use crate::domain::audit;
use crate::domain::language::Lang;
use crate::domain::role::Role;
use crate::domain::validation::FieldErrors;
use crate::i18n;
use crate::web::cookies::{FLASH_COOKIE, LANG_COOKIE};
use crate::web::error::AppError;
use crate::web::extract::{CurrentUser, csrf_token};
use crate::web::session_middleware::FlashShown;

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

    /// Whether the user reads the audit log: see [`Role::reads_audit`].
    pub fn reads_audit(&self) -> bool {
        self.role().is_some_and(Role::reads_audit)
    }

    /// Whether the user works the case files: see [`Role::reads_cases`].
    pub fn reads_cases(&self) -> bool {
        self.role().is_some_and(Role::reads_cases)
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
}
