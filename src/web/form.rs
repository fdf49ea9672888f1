//! Form posts: forms whose fields vary by action, how a record's action is run and
//! answered (`form_post`: done, a redirect with a message; refused, the record's page again
//! with the form as sent), and the small forms several areas share.

use std::collections::BTreeMap;
use std::future::{Future, Ready, ready};
use std::marker::PhantomData;

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder, web};

use crate::db::DbConn;
use crate::domain::validation::FieldErrors;
use crate::web::blocking::run;
use crate::web::error::AppError;
use crate::web::extract::{Authorized, CurrentUser, Policy};
use crate::web::page_ctx::PageCtx;
use crate::web::request::actor;
use crate::web::respond::{invalid, redirect_with_flash};
use crate::web::state::AppState;
use crate::workflows::{Actor, WorkflowError};

/// A form whose fields vary by action, kept as sent so that a refused attempt can show
/// them again beside its problems.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct FieldsForm {
    #[serde(flatten)]
    pub fields: BTreeMap<String, String>,
}

impl FieldsForm {
    pub fn get(&self, field: &str) -> String {
        self.fields.get(field).cloned().unwrap_or_default()
    }
}

/// A code typed to sign in or to turn on the second factor, and where to go next.
#[derive(Debug, serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub next: String,
}

/// One POST action on a record: the request, its page context, who, and the record's id.
pub struct ActionCall {
    pub req: HttpRequest,
    pub ctx: PageCtx,
    pub state: web::Data<AppState>,
    pub user: CurrentUser,
    pub id: String,
}

/// An [`ActionCall`] by a user whom policy `P` allows, on the record the path's `{id}`
/// names. Checked in this order: the user (sign in, or 403), then the id.
pub struct AuthorizedCall<P> {
    pub call: ActionCall,
    _policy: PhantomData<P>,
}

impl<P: Policy> FromRequest for AuthorizedCall<P> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authorized_call(req))
    }
}

fn authorized_call<P: Policy>(req: &HttpRequest) -> Result<AuthorizedCall<P>, AppError> {
    let ctx = PageCtx::from_request(req, &mut Payload::None).into_inner()?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
    let auth = Authorized::<P>::from_request(req, &mut Payload::None).into_inner()?;
    let id = req.match_info().get("id").ok_or(AppError::NotFound)?;
    let call = ActionCall {
        req: req.clone(),
        ctx,
        state,
        user: auth.user,
        id: id.to_string(),
    };
    Ok(AuthorizedCall {
        call,
        _policy: PhantomData,
    })
}

/// How an action sent from a page ended, for the page to answer: done, refused for its
/// inputs (the form again with each problem, 422), or refused because the record's state
/// changed since the page was shown (the page again saying why, 409).
pub enum Attempt {
    Done,
    Invalid(FieldErrors),
    Refused(&'static str),
}

impl Attempt {
    pub fn of(outcome: Result<Result<(), FieldErrors>, AppError>) -> Result<Attempt, AppError> {
        match outcome {
            Ok(Ok(())) => Ok(Attempt::Done),
            Ok(Err(errors)) => Ok(Attempt::Invalid(errors)),
            Err(AppError::Conflict(key)) => Ok(Attempt::Refused(key)),
            Err(other) => Err(other),
        }
    }
}

/// A form an action refused, for its record's page to show again.
pub struct RefusedForm {
    /// The fields as sent.
    pub values: BTreeMap<String, String>,
    /// Each field's problem, when the inputs were refused.
    pub errors: FieldErrors,
    /// Why the record's state refused the action (a translation key), when it did.
    pub conflict: Option<&'static str>,
}

/// Where a done action returns to, and the message shown there.
pub struct Done {
    pub location: String,
    pub flash: &'static str,
}

/// Runs one action on a record and answers it. `work` runs as the signed-in user on the
/// record, off the async threads. Done: a 303 to `done.location` showing `done.flash`.
/// Refused: `again` builds the record's page once more with the form as sent, answered
/// 422 for bad input or 409 when the record's state changed since the page was shown.
pub async fn form_post<T, W, A, Fut, Page>(
    call: ActionCall,
    form: FieldsForm,
    done: Done,
    work: W,
    again: A,
) -> Result<HttpResponse, AppError>
where
    W: FnOnce(&mut DbConn, &Actor, &str, &AppState, &FieldsForm) -> Result<T, WorkflowError>
        + Send
        + 'static,
    T: Send + 'static,
    A: FnOnce(ActionCall, RefusedForm) -> Fut,
    Fut: Future<Output = Result<Page, AppError>>,
    Page: Responder<Body = BoxBody>,
{
    let values = form.fields.clone();
    let actor = actor(&call.user, &call.req);
    let (state, id) = (call.state.clone(), call.id.clone());
    let outcome = run(&call.state, move |conn| {
        work(conn, &actor, &id, &state, &form).map(drop)
    })
    .await;
    let (state, req) = (call.state.clone(), call.req.clone());
    answer_attempt(&state, &req, outcome, values, done, |refused| {
        again(call, refused)
    })
    .await
}

/// Answers an action that ran with the form `values` as sent. Done: a 303 to
/// `done.location` showing `done.flash`. Refused: `again` builds the record's page once
/// more with the form, answered 422 for bad input or 409 when the record's state refused.
pub async fn answer_attempt<A, Fut, Page>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    outcome: Result<Result<(), FieldErrors>, AppError>,
    values: BTreeMap<String, String>,
    done: Done,
    again: A,
) -> Result<HttpResponse, AppError>
where
    A: FnOnce(RefusedForm) -> Fut,
    Fut: Future<Output = Result<Page, AppError>>,
    Page: Responder<Body = BoxBody>,
{
    let refused = match Attempt::of(outcome)? {
        Attempt::Done => {
            return Ok(redirect_with_flash(
                state,
                &done.location,
                "success",
                done.flash,
            ));
        }
        Attempt::Invalid(errors) => RefusedForm {
            values,
            errors,
            conflict: None,
        },
        Attempt::Refused(key) => RefusedForm {
            values,
            errors: FieldErrors::new(),
            conflict: Some(key),
        },
    };
    let conflict = refused.conflict.is_some();
    let page = again(refused).await?;
    Ok(shown_again(page, req, conflict))
}

/// A page shown again after a refused action: 422 for bad input, 409 for a changed state.
pub fn shown_again(
    page: impl Responder<Body = BoxBody>,
    req: &HttpRequest,
    conflict: bool,
) -> HttpResponse {
    let mut res = invalid(page, req);
    if conflict {
        *res.status_mut() = actix_web::http::StatusCode::CONFLICT;
    }
    res
}

/// Whether a form carries the second press of a confirmation page.
pub fn confirmed(form: &FieldsForm) -> bool {
    form.get("confirm") == "yes"
}
