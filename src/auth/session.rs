//! Session tokens and the cookies that carry them. The browser holds a random token; the
//! database holds only its SHA-256.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "ir_session";
pub const CSRF_COOKIE: &str = "ir_csrf";
pub const LANG_COOKIE: &str = "ir_lang";
pub const FLASH_COOKIE: &str = "ir_flash";

/// A fresh random token: 32 bytes, URL-safe base64.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The database key for a session token.
pub fn token_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

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
