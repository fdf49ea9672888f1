//! Askama page structs: what each template needs, nothing more. What every page shares
//! (language, user, CSRF token, flash message, request id) is `web::PageCtx`.

pub mod account;
pub mod admin;
pub mod api;
pub mod applications;
pub mod certificates;
pub mod committee;
pub mod connections;
pub mod findings;
pub mod home;
pub mod link_cases;
pub mod monitoring_charts;
pub mod organisation;
pub mod organisation_changes;
pub mod registry;
pub mod session;

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use askama::Template;
use askama_web::WebTemplate;

use crate::domain::validation::FieldErrors;
use crate::i18n;
use crate::web::PageCtx;
use crate::web::error::AppError;
use crate::workflows::paging::Span;

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

/// What a page shows again of a refused form: each problem, the fields as sent, and why
/// the record's state refused it, when it did.
pub fn shown_again(
    ctx: &PageCtx,
    refused: crate::web::form::RefusedForm,
) -> (FieldErrors, BTreeMap<String, String>, Option<Refusal>) {
    let refusal = refused
        .conflict
        .map(|key| Refusal::new(ctx, key, &refused.values));
    (refused.errors, refused.values, refusal)
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
        "still_seen_reason" => "connection-still-seen-reason",
        "request_text" => "finding-request-text",
        "answer_text" => "finding-answer-text",
        "explain_text" => "finding-explain-text",
        "escalate_text" => "finding-escalate-text",
        "resolve_text" => "finding-resolve-text",
        "expires" => "finding-explain-expires",
        "case_notice" => "case-link-notice",
        "case_days" => "case-days",
        "decision_text" => "case-link-decision",
        "confirmation_text" => "case-link-confirmation",
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
/// Renders a piece of a page into a string of `capacity` to start with.
pub trait RenderSized: Template {
    fn render_sized(&self, capacity: usize) -> Result<String, AppError> {
        let mut body = String::with_capacity(capacity);
        self.render_into(&mut body)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("a page failed to render: {e}")))?;
        Ok(body)
    }
}

impl<T: Template> RenderSized for T {}

pub fn render_long(page: &impl Template, capacity: usize) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.render_sized(capacity)?))
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
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_234), "1,234");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(grouped(-12_345), "-12,345");
    }
}
