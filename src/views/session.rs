//! Signing in: the sign-in page. (The second step's page is the account's second-factor
//! page, [`super::account::TwoFactorPage`].)

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "session/sign_in.html")]
pub struct SignInPage {
    pub ctx: PageCtx,
    pub email: String,
    pub next: String,
    /// Translation key of the problem, if the last attempt failed.
    pub problem: Option<String>,
}
