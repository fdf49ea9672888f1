//! Turns a queued message into its subject, plain text and HTML, in the recipient's
//! language. Templates live under `templates/email/<kind>/`; the words come from the
//! translation files; links are absolute, built from `BASE_URL`.

use askama::Template;
use url::Url;

use crate::auth::email_token::{self, Purpose};
use crate::db::models::outbox::OutboxMessage;
use crate::domain::language::Lang;
use crate::domain::notification::{MessageKind, Params};
use crate::domain::role::ReviewDomain;
use crate::i18n;

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a queued message cannot be rendered (it is then marked failed, not retried).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("unknown message kind {0:?}")]
    UnknownKind(String),
    #[error("stored facts do not parse: {0}")]
    Params(#[from] serde_json::Error),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
}

/// One line of a list as a template shows it.
pub struct ItemView {
    pub label: String,
    pub reference: String,
    pub link: String,
    pub date: String,
}

/// What every e-mail template sees.
pub struct MailView<'a> {
    pub lang: Lang,
    pub name: &'a str,
    pub p: &'a Params,
    /// The absolute link of the message's main action.
    pub link: String,
    /// The application's public address, for the signature.
    pub base: String,
}

impl MailView<'_> {
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        i18n::t_args(self.lang, key, &[(name, value)])
    }

    /// The text for `key` with every fact of the message available as an argument:
    /// `reference`, `number`, `organisation`, `deadline`, `until`, `days`, `area`,
    /// `inviter`, `count` (of listed items), `done` and `total`.
    pub fn say(&self, key: &str) -> String {
        let (deadline, until, days, area) =
            (self.date(), self.valid_until(), self.days(), self.area());
        let count = self.p.items.len().to_string();
        let done = self.p.done.unwrap_or_default().to_string();
        let total = self.p.total.unwrap_or_default().to_string();
        i18n::t_args(
            self.lang,
            key,
            &[
                ("reference", &self.p.reference),
                ("number", &self.p.approval_number),
                ("organisation", self.organisation()),
                ("deadline", &deadline),
                ("until", &until),
                ("days", &days),
                ("area", &area),
                ("inviter", &self.p.text),
                ("count", &count),
                ("done", &done),
                ("total", &total),
            ],
        )
    }

    /// The greeting line, with the recipient's name when known.
    pub fn greeting(&self) -> String {
        match self.name.trim() {
            "" => self.t("email-greeting-anonymous"),
            name => self.t1("email-greeting", "name", name),
        }
    }

    pub fn organisation(&self) -> &str {
        match self.lang {
            Lang::Lo if !self.p.organisation_lo.is_empty() => &self.p.organisation_lo,
            _ => &self.p.organisation_en,
        }
    }

    /// The deadline, in Vientiane time.
    pub fn date(&self) -> String {
        self.p
            .date
            .map(|d| {
                format!(
                    "{} ({})",
                    i18n::local_time(self.lang, &d),
                    self.t("time-zone")
                )
            })
            .unwrap_or_default()
    }

    pub fn valid_until(&self) -> String {
        self.p
            .valid_until
            .map(|d| i18n::date(self.lang, d))
            .unwrap_or_default()
    }

    pub fn days(&self) -> String {
        self.p.days.unwrap_or_default().to_string()
    }

    pub fn area(&self) -> String {
        ReviewDomain::parse(&self.p.area)
            .map(|d| self.t(d.label_key()))
            .unwrap_or_default()
    }

    pub fn items(&self) -> Vec<ItemView> {
        self.p
            .items
            .iter()
            .map(|item| ItemView {
                label: MessageKind::parse(&item.kind)
                    .map(|k| self.t(&format!("{}-item", k.key())))
                    .unwrap_or_default(),
                reference: item.reference.clone(),
                link: absolute(&self.base, &item.path),
                date: item
                    .date
                    .map(|d| i18n::local_date(self.lang, &d))
                    .unwrap_or_default(),
            })
            .collect()
    }
}

fn absolute(base: &str, path: &str) -> String {
    Url::parse(base)
        .and_then(|b| b.join(path.trim_start_matches('/')))
        .map(String::from)
        .unwrap_or_else(|_| format!("{base}{path}"))
}

macro_rules! email_templates {
    ($($kind:ident, $module:ident, $text:literal, $html:literal;)*) => {
        $(
            mod $module {
                use super::MailView;

                #[derive(askama::Template)]
                #[template(path = $text)]
                pub struct Text<'a> {
                    pub m: &'a MailView<'a>,
                }

                #[derive(askama::Template)]
                #[template(path = $html)]
                pub struct Html<'a> {
                    pub m: &'a MailView<'a>,
                }
            }
        )*

        /// The plain-text and HTML bodies of `kind`.
        fn bodies(kind: MessageKind, m: &MailView<'_>) -> askama::Result<(String, String)> {
            match kind {
                $(MessageKind::$kind => Ok(($module::Text { m }.render()?, $module::Html { m }.render()?)),)*
            }
        }
    };
}

email_templates! {
    SubmissionReceipt, submission_receipt, "email/submission_receipt/body.txt", "email/submission_receipt/body.html";
    NewApplication, new_application, "email/new_application/body.txt", "email/new_application/body.html";
    InformationRequested, information_requested, "email/information_requested/body.txt", "email/information_requested/body.html";
    InformationAnswered, information_answered, "email/information_answered/body.txt", "email/information_answered/body.html";
    ApplicationWithdrawn, application_withdrawn, "email/application_withdrawn/body.txt", "email/application_withdrawn/body.html";
    ApplicationDismissed, application_dismissed, "email/application_dismissed/body.txt", "email/application_dismissed/body.html";
    ReviewAssigned, review_assigned, "email/review_assigned/body.txt", "email/review_assigned/body.html";
    ReviewRecorded, review_recorded, "email/review_recorded/body.txt", "email/review_recorded/body.html";
    ReviewsComplete, reviews_complete, "email/reviews_complete/body.txt", "email/reviews_complete/body.html";
    VoteOpened, vote_opened, "email/vote_opened/body.txt", "email/vote_opened/body.html";
    DecisionReady, decision_ready, "email/decision_ready/body.txt", "email/decision_ready/body.html";
    DecisionApproved, decision_approved, "email/decision_approved/body.txt", "email/decision_approved/body.html";
    DecisionRejected, decision_rejected, "email/decision_rejected/body.txt", "email/decision_rejected/body.html";
    ShowCause, show_cause, "email/show_cause/body.txt", "email/show_cause/body.html";
    ShowCauseAnswered, show_cause_answered, "email/show_cause_answered/body.txt", "email/show_cause_answered/body.html";
    Suspension, suspension, "email/suspension/body.txt", "email/suspension/body.html";
    Reinstatement, reinstatement, "email/reinstatement/body.txt", "email/reinstatement/body.html";
    Revocation, revocation, "email/revocation/body.txt", "email/revocation/body.html";
    DisconnectionConfirmed, disconnection_confirmed, "email/disconnection_confirmed/body.txt", "email/disconnection_confirmed/body.html";
    ExpiryReminder, expiry_reminder, "email/expiry_reminder/body.txt", "email/expiry_reminder/body.html";
    Overdue, overdue, "email/overdue/body.txt", "email/overdue/body.html";
    Invitation, invitation, "email/invitation/body.txt", "email/invitation/body.html";
    AccountExists, account_exists, "email/account_exists/body.txt", "email/account_exists/body.html";
    PasswordReset, password_reset, "email/password_reset/body.txt", "email/password_reset/body.html";
    PasswordChanged, password_changed, "email/password_changed/body.txt", "email/password_changed/body.html";
    Digest, digest, "email/digest/body.txt", "email/digest/body.html";
    OrganisationChangeRequested, organisation_change_requested, "email/organisation_change_requested/body.txt", "email/organisation_change_requested/body.html";
    OrganisationChangeApproved, organisation_change_approved, "email/organisation_change_approved/body.txt", "email/organisation_change_approved/body.html";
    OrganisationChangeRefused, organisation_change_refused, "email/organisation_change_refused/body.txt", "email/organisation_change_refused/body.html";
    FindingExplanationRequested, finding_explanation_requested, "email/finding_explanation_requested/body.txt", "email/finding_explanation_requested/body.html";
    FindingAnswered, finding_answered, "email/finding_answered/body.txt", "email/finding_answered/body.html";
    FindingEscalated, finding_escalated, "email/finding_escalated/body.txt", "email/finding_escalated/body.html";
    LinkCaseOpened, link_case_opened, "email/link_case_opened/body.txt", "email/link_case_opened/body.html";
    LinkCaseAnswered, link_case_answered, "email/link_case_answered/body.txt", "email/link_case_answered/body.html";
    LinkDisconnectionOrdered, link_disconnection_ordered, "email/link_disconnection_ordered/body.txt", "email/link_disconnection_ordered/body.html";
    LinkDisconnectionConfirmed, link_disconnection_confirmed, "email/link_disconnection_confirmed/body.txt", "email/link_disconnection_confirmed/body.html";
    LinkCaseClosed, link_case_closed, "email/link_case_closed/body.txt", "email/link_case_closed/body.html";
    AuditCheckpoint, audit_checkpoint, "email/audit_checkpoint/body.txt", "email/audit_checkpoint/body.html";
}

/// The path a message's main link opens; token links are signed here, at delivery, so the
/// database never holds a usable link.
fn link_path(kind: MessageKind, params: &Params, secret: &[u8]) -> String {
    match kind {
        MessageKind::Invitation => format!(
            "/invitation/{}",
            email_token::sign(secret, Purpose::Invitation, &params.token)
        ),
        MessageKind::PasswordReset => format!(
            "/password/reset/{}",
            email_token::sign(secret, Purpose::PasswordReset, &params.token)
        ),
        _ => params.path.clone(),
    }
}

/// Renders a queued message.
pub fn render(
    message: &OutboxMessage,
    base_url: &Url,
    secret: &[u8],
) -> Result<Rendered, RenderError> {
    let kind = MessageKind::parse(&message.message)
        .ok_or_else(|| RenderError::UnknownKind(message.message.clone()))?;
    let params: Params = serde_json::from_str(&message.params)?;
    let lang = Lang::parse(&message.language).unwrap_or_default();
    let base = base_url.as_str().to_string();
    let view = MailView {
        lang,
        name: &message.recipient_name,
        p: &params,
        link: absolute(&base, &link_path(kind, &params, secret)),
        base,
    };
    let subject = view.say(&format!("{}-subject", kind.key()));
    let (text, html) = bodies(kind, &view)?;
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notification::Item;

    fn queued(kind: MessageKind, lang: Lang, params: &Params) -> OutboxMessage {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_opt(3, 0, 0)
            .unwrap();
        OutboxMessage {
            id: "m1".into(),
            message: kind.as_str().into(),
            recipient_email: "noy@example.la".into(),
            recipient_name: "Noy".into(),
            recipient_user_id: None,
            language: lang.code().into(),
            params: serde_json::to_string(params).unwrap(),
            status: "queued".into(),
            attempts: 0,
            next_attempt_at: now,
            claimed_by: None,
            claimed_until: None,
            last_error: String::new(),
            created_at: now,
            sent_at: None,
            digest_id: None,
        }
    }

    #[test]
    fn every_kind_renders_in_both_languages_with_every_word_translated() {
        let params = Params {
            path: "/applications/a1".into(),
            reference: "APP-2026-00001".into(),
            organisation_en: "Skynet".into(),
            organisation_lo: "ສະກາຍເນັດ".into(),
            text: "Why <now>?".into(),
            approval_number: "IC-2026-00001".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
                .and_then(|d| d.and_hms_opt(10, 0, 0)),
            valid_until: chrono::NaiveDate::from_ymd_opt(2028, 1, 1),
            days: Some(30),
            done: Some(2),
            total: Some(3),
            area: "legal".into(),
            token: "t1".into(),
            items: vec![Item {
                kind: "vote_opened".into(),
                reference: "APP-2026-00002".into(),
                path: "/committee/applications/a2".into(),
                date: None,
            }],
            ..Params::default()
        };
        let base = Url::parse("https://registry.example.la/").unwrap();
        for kind in MessageKind::ALL {
            for lang in Lang::ALL {
                let r = render(&queued(kind, lang, &params), &base, b"key").unwrap();
                for part in [&r.subject, &r.text, &r.html] {
                    assert!(!part.contains("email-"), "{kind:?} {lang:?}: {part}");
                    assert!(!part.contains("{ $"), "{kind:?} {lang:?}: {part}");
                }
                assert!(r.text.contains("https://registry.example.la/"), "{kind:?}");
                assert!(!r.html.contains("<now>"), "{kind:?}: person's text escaped");
                assert_eq!(
                    r.subject
                        .chars()
                        .any(|c| ('\u{0E80}'..='\u{0EFF}').contains(&c)),
                    lang == Lang::Lo,
                    "{kind:?} {lang:?}: {}",
                    r.subject
                );
            }
        }
    }

    #[test]
    fn token_links_are_signed_at_delivery() {
        let params = Params {
            token: "tok".into(),
            ..Params::default()
        };
        let base = Url::parse("https://registry.example.la/").unwrap();
        let r = render(
            &queued(MessageKind::PasswordReset, Lang::En, &params),
            &base,
            b"key",
        )
        .unwrap();
        let signed = email_token::sign(b"key", Purpose::PasswordReset, "tok");
        assert!(
            r.text.contains(&format!(
                "https://registry.example.la/password/reset/{signed}"
            )),
            "{}",
            r.text
        );
    }

    #[test]
    fn a_message_of_unknown_kind_or_bad_facts_is_refused() {
        let base = Url::parse("https://registry.example.la/").unwrap();
        let mut message = queued(MessageKind::Suspension, Lang::En, &Params::default());
        message.message = "nonsense".into();
        assert!(matches!(
            render(&message, &base, b"k"),
            Err(RenderError::UnknownKind(_))
        ));
        let mut message = queued(MessageKind::Suspension, Lang::En, &Params::default());
        message.params = "{".into();
        assert!(matches!(
            render(&message, &base, b"k"),
            Err(RenderError::Params(_))
        ));
    }
}
