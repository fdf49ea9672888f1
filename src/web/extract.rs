//! Extractors: the signed-in user, role policies checked before a handler runs, and
//! form bodies that are refused unless they carry a valid CSRF token.

use std::future::{Ready, ready};
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::auth::csrf::{self, CsrfSeed};
use crate::domain::language::Lang;
use crate::domain::role::Role;
use crate::web::error::AppError;
use crate::web::state::AppState;

/// The person behind a request with a valid session.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<String>,
    pub language: Option<Lang>,
    /// The database id of the session (the hash of the cookie's token).
    pub session_id: String,
}

impl CurrentUser {
    /// How this user is named in the audit log.
    pub fn label(&self) -> String {
        format!("{} ({})", self.email, self.role)
    }
}

/// A rule about which users may use a route.
pub trait Policy {
    fn allows(user: &CurrentUser) -> bool;
}

/// The policies routes are guarded by.
pub mod policy {
    use super::{CurrentUser, Policy, Role};

    macro_rules! roles_policy {
        ($(#[$doc:meta])* $name:ident: $($role:ident)|+) => {
            $(#[$doc])*
            #[derive(Debug)]
            pub struct $name;
            impl Policy for $name {
                fn allows(user: &CurrentUser) -> bool {
                    matches!(user.role, $(Role::$role)|+)
                }
            }
        };
    }

    roles_policy!(
        /// Anyone signed in.
        AnyUser: Applicant | OrgAdmin | Secretariat | Reviewer | Chair | Auditor | Admin
    );
    roles_policy!(
        /// System administrators.
        Admin: Admin
    );
    roles_policy!(
        /// Those who read the audit log: administrators and auditors.
        AuditReader: Admin | Auditor
    );
    roles_policy!(
        /// Staff of a provider organisation.
        Provider: Applicant | OrgAdmin
    );
    roles_policy!(
        /// A provider organisation's administrator.
        OrgAdmin: OrgAdmin
    );
    roles_policy!(
        /// Those who read the committee's case files: committee staff and auditors.
        CaseReader: Secretariat | Reviewer | Chair | Auditor
    );
    roles_policy!(
        /// The committee's secretariat.
        Secretariat: Secretariat
    );
    roles_policy!(
        /// Members who review and vote.
        CommitteeMember: Reviewer | Chair
    );
    roles_policy!(
        /// The committee's chair.
        Chair: Chair
    );
}

/// A signed-in user allowed by policy `P`. Anonymous requests are sent to sign in;
/// signed-in users whom `P` does not allow get 403.
#[derive(Debug)]
pub struct Authorized<P> {
    pub user: CurrentUser,
    _policy: PhantomData<P>,
}

impl<P: Policy> FromRequest for Authorized<P> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.extensions().get::<CurrentUser>() {
            None => Err(AppError::SignInRequired),
            Some(user) if P::allows(user) => Ok(Authorized {
                user: user.clone(),
                _policy: PhantomData,
            }),
            Some(_) => Err(AppError::Forbidden),
        })
    }
}

/// The CSRF token forms on this request's page must carry.
pub fn csrf_token(req: &HttpRequest) -> String {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return String::new();
    };
    let extensions = req.extensions();
    let seed = extensions
        .get::<CsrfSeed>()
        .map(|s| s.value.as_str())
        .unwrap_or("");
    let session = extensions
        .get::<CurrentUser>()
        .map(|u| u.session_id.as_str());
    csrf::token(&state.settings.secret_key, seed, session)
}

/// Checks a submitted CSRF token against this request's seed cookie and session.
pub fn verify_csrf(req: &HttpRequest, submitted: &str) -> Result<(), AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
    let extensions = req.extensions();
    let seed = extensions.get::<CsrfSeed>().filter(|s| !s.is_new);
    let session = extensions
        .get::<CurrentUser>()
        .map(|u| u.session_id.as_str());
    let valid = seed.is_some_and(|seed| {
        csrf::verify(&state.settings.secret_key, &seed.value, session, submitted)
    });
    if valid { Ok(()) } else { Err(AppError::Csrf) }
}

/// An `application/x-www-form-urlencoded` body, accepted only with a valid CSRF token
/// and only if every name and value decodes to UTF-8.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| {
                if e.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest("error-malformed-form")
                }
            })?;
            let pairs = decode_form(&body)?;
            let submitted = pairs
                .iter()
                .find(|(k, _)| k == csrf::FIELD)
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            verify_csrf(&req, submitted)?;
            serde_urlencoded::from_bytes::<T>(&body)
                .map(CsrfForm)
                .map_err(|_| AppError::BadRequest("error-malformed-form"))
        })
    }
}

/// Splits a form body into decoded pairs, refusing anything that is not valid UTF-8
/// (where a lenient decoder would silently substitute replacement characters).
/// Public for the fuzz targets in `fuzz/`.
pub fn decode_form(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    let malformed = || AppError::BadRequest("error-not-utf8");
    let decode = |raw: &[u8]| -> Result<String, AppError> {
        let plus_as_space: Vec<u8> = raw
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_encoding::percent_decode(&plus_as_space)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| malformed())
    };
    body.split(|&b| b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut halves = part.splitn(2, |&b| b == b'=');
            let key = decode(halves.next().unwrap_or_default())?;
            let value = decode(halves.next().unwrap_or_default())?;
            Ok((key, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_refuses_invalid_utf8_and_keeps_lao_text() {
        let pairs = decode_form("name=%E0%BA%A5%E0%BA%B2%E0%BA%A7&x=a+b".as_bytes()).unwrap();
        assert_eq!(pairs[0], ("name".into(), "ລາວ".into()));
        assert_eq!(pairs[1], ("x".into(), "a b".into()));
        assert!(decode_form(b"name=%FF%FE").is_err());
        assert!(decode_form(b"name=\xff").is_err());
    }
}

/// A form with no fields of its own beyond the CSRF token (a confirm button).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}
