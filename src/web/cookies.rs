//! The cookies the site sets: their names, and how each is built (HttpOnly, SameSite=Lax,
//! for the whole site, `Secure` under https).

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};

pub const SESSION_COOKIE: &str = "ir_session";
pub const CSRF_COOKIE: &str = "ir_csrf";
pub const LANG_COOKIE: &str = "ir_lang";
pub const FLASH_COOKIE: &str = "ir_flash";

/// An HttpOnly, SameSite=Lax cookie for the whole site; `Secure` under https.
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

/// A cookie that kept for a year (the language choice).
pub fn lasting_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    let mut c = cookie(name, value, secure);
    c.set_max_age(CookieDuration::days(365));
    c
}

/// A cookie that tells the browser to forget `name`.
pub fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), secure);
    c.make_removal();
    c
}
