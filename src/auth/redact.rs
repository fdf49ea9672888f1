//! Secrets kept out of logs and messages: a URL's password is hidden before the URL is
//! shown (database and mail server addresses in errors and settings dumps).

use url::Url;

/// Hides the password part of a URL so it can be logged.
pub fn redact_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_hidden_and_the_rest_kept() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example:5432/registry"),
            "postgres://app:***@db.example:5432/registry"
        );
        assert_eq!(
            redact_url("smtp://mail.example:25"),
            "smtp://mail.example:25"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }
}
