//! A user's own account (password, notification preference, second factor, sessions), the
//! second step of signing in, and setting a password by e-mailed link.

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::validation::FieldErrors;

#[derive(Template, WebTemplate)]
#[template(path = "account/show.html")]
pub struct AccountPage {
    pub ctx: PageCtx,
    pub committee_member: bool,
    pub committee_digest: bool,
    /// Unused recovery codes when a second factor is set up; `None` when it is not.
    pub recovery_codes_left: Option<i64>,
    pub sessions: Vec<SessionRow>,
    /// The problems of a refused password change (passwords are never shown again).
    pub password_errors: FieldErrors,
}

/// One of the user's sessions, as listed on their account page.
pub struct SessionRow {
    pub id: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub ip: String,
    pub user_agent: String,
    /// The browser and system in words ("Chrome on Windows"), the raw string beside it.
    pub browser: String,
    pub current: bool,
}

/// Browsers by a mark in their user-agent string, the more specific first: Edge, Opera
/// and Samsung's browser also say "Chrome", and Chrome also says "Safari".
const BROWSERS: [(&str, &str); 11] = [
    ("Edg/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
];

/// Systems by a mark in the user-agent string, the more specific first: Android also
/// says "Linux", and an iPhone "like Mac OS X".
const SYSTEMS: [(&str, &str); 8] = [
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
];

/// The browser and system a user-agent string names, for the common ones: ("Chrome",
/// "Windows"). A header can claim anything, so this is a label, never a fact to rely on.
pub fn browser_and_system(user_agent: &str) -> (Option<&'static str>, Option<&'static str>) {
    let find = |marks: &[(&str, &'static str)]| {
        marks
            .iter()
            .find(|(mark, _)| user_agent.contains(mark))
            .map(|(_, name)| *name)
    };
    (find(&BROWSERS), find(&SYSTEMS))
}

impl SessionRow {
    /// The browser and system in the reader's language.
    pub fn describe(ctx: &PageCtx, user_agent: &str) -> String {
        match browser_and_system(user_agent) {
            (Some(browser), Some(system)) => ctx.t2(
                "session-browser-on",
                ("browser", browser),
                ("system", system),
            ),
            (Some(name), None) | (None, Some(name)) => name.to_string(),
            (None, None) => ctx.t("session-browser-unknown"),
        }
    }
}

/// Setting up a second factor (with its QR code) or giving one to finish signing in.
#[derive(Template, WebTemplate)]
#[template(path = "account/two_factor.html")]
pub struct TwoFactorPage {
    pub ctx: PageCtx,
    /// Where the code is posted.
    pub action: &'static str,
    pub next: String,
    pub enrolment: Option<EnrolmentView>,
    /// Translation key of the problem with the last code, if any.
    pub problem: Option<&'static str>,
}

/// What an authenticator app needs: the QR code (an SVG made here) and the secret typed.
pub struct EnrolmentView {
    pub qr_svg: String,
    pub secret: String,
}

/// New recovery codes, shown once.
#[derive(Template, WebTemplate)]
#[template(path = "account/recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub ctx: PageCtx,
    pub codes: Vec<String>,
    pub next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account/forgot_password.html")]
pub struct ForgotPasswordPage {
    pub ctx: PageCtx,
    pub email: String,
    pub errors: FieldErrors,
    /// True once a request was taken (the same answer whether or not the account exists).
    pub requested: bool,
}

/// The form behind a password link: for a reset, or to accept an invitation.
#[derive(Template, WebTemplate)]
#[template(path = "account/set_password.html")]
pub struct SetPasswordPage {
    pub ctx: PageCtx,
    pub title_key: &'static str,
    pub action: String,
    pub email: String,
    pub errors: FieldErrors,
}

#[cfg(test)]
mod tests {
    use super::browser_and_system;

    #[test]
    fn common_browsers_and_systems_are_named() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                (Some("Chrome"), Some("Windows")),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                (Some("Edge"), Some("Windows")),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                (Some("Safari"), Some("macOS")),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                (Some("Safari"), Some("iPhone")),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
                (Some("Samsung Internet"), Some("Android")),
            ),
            (
                "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                (Some("Firefox"), Some("Linux")),
            ),
            ("curl/8.5.0", (Some("curl"), None)),
            ("", (None, None)),
        ];
        for (user_agent, expected) in cases {
            assert_eq!(browser_and_system(user_agent), expected, "{user_agent}");
        }
    }
}
