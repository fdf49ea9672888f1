//! The committee's pages: the inbox per role, the full application with reviews and
//! votes, and one POST per action (screening, information request, completeness,
//! assignment, withdrawal of a departed reviewer's review, review, recusal, vote,
//! decision).

use actix_web::{HttpResponse, Responder, web};

use crate::domain::application::Status;
use crate::domain::role::Role;
use crate::views::applications::ApplicationSummary;
use crate::views::committee::{
    ActionForms, CommitteeApplicationPage, InboxPage, InboxQuery, InboxSection, inbox_statuses,
};
use crate::views::{ConfirmPage, Pager, Refusal};
use crate::web::blocking::read;
use crate::web::extract::CsrfForm;
use crate::web::form::{ActionCall, AuthorizedCall, Done, FieldsForm, confirmed, form_post};
use crate::web::respond::invalid;
use crate::web::{AppError, AppState, Authorized, CurrentUser, PageCtx, policy};
use crate::workflows::applications as apps;
use crate::workflows::certificates::CertificateAuthority;
use crate::workflows::committee::{
    self as committee, ApplicationRow, CaseCursor, DecisionInput, InboxFilter, ReviewInput,
};
use crate::workflows::dashboard;
use crate::workflows::paging;
use crate::workflows::{Actor, WorkflowError};

type CaseReader = Authorized<policy::CaseReader>;

/// Applications shown per page of the committee's list.
const INBOX_PAGE: i64 = 50;

/// What the list's status filter names: its states, whether only overdue ones, and the
/// order (open work oldest first, decided cases newest first). Anything else is a 400.
fn states_of(status: &str) -> Result<(Vec<Status>, bool, bool), AppError> {
    Ok(match status.trim() {
        "" => (dashboard::OPEN_STATES.to_vec(), false, false),
        "overdue" => (dashboard::running_states(), true, false),
        "decided" => (DECIDED_STATES.to_vec(), false, true),
        "all" => (
            dashboard::OPEN_STATES
                .into_iter()
                .chain(DECIDED_STATES)
                .collect(),
            false,
            true,
        ),
        raw => match Status::parse(raw).filter(|s| *s != Status::Draft) {
            Some(one) => (vec![one], false, one.is_final()),
            None => return Err(AppError::BadRequest("error-malformed-query")),
        },
    })
}

const DECIDED_STATES: [Status; 4] = [
    Status::Approved,
    Status::Rejected,
    Status::Withdrawn,
    Status::Dismissed,
];

/// The committee's inbox: the member's own reviews and votes, then every submitted
/// application a page at a time, open ones by default, narrowed by status (decided ones
/// are the archive) and by reference or provider.
pub async fn inbox(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: CaseReader,
    query: web::Query<InboxQuery>,
) -> Result<InboxPage, AppError> {
    let query = query.into_inner();
    let now = state.clock.now();
    let (states, overdue_only, newest_first) = states_of(&query.status)?;
    if query.q.contains('\0') {
        return Err(AppError::BadRequest("error-malformed-query"));
    }
    let filter = InboxFilter {
        states,
        overdue_only,
        newest_first,
        text: Some(query.q.trim())
            .filter(|q| !q.is_empty())
            .map(|q| q.chars().take(100).collect()),
    };
    let cursor = |token: &str| -> Result<Option<CaseCursor>, AppError> {
        let Some(values) = paging::decode(token, 2)? else {
            return Ok(None);
        };
        Ok(Some(CaseCursor {
            submitted_at: paging::parse_time(&values[0])?,
            id: values[1].clone(),
        }))
    };
    let position = paging::position(cursor(&query.after)?, cursor(&query.before)?)?;
    let user_id = auth.user.id.clone();
    let at = position.clone();
    let mut inbox = read(&state, move |conn| {
        committee::inbox(conn, &user_id, &filter, at.as_ref(), INBOX_PAGE, now)
    })
    .await?;
    let span = paging::span(
        &mut inbox.rows,
        &position,
        INBOX_PAGE,
        inbox.total,
        inbox.ahead,
        |(a, _, _)| {
            paging::encode(&[
                &paging::time_value(a.submitted_at.unwrap_or_default()),
                &a.id,
            ])
        },
    );
    let summaries = |rows: &[ApplicationRow]| -> Vec<ApplicationSummary> {
        rows.iter()
            .map(|r| ApplicationSummary::from_row(&ctx, r, now))
            .collect()
    };
    let section = |title: &str, rows: &[ApplicationRow]| InboxSection {
        title: ctx.t(title),
        empty: ctx.t("inbox-empty"),
        rows: summaries(rows),
    };
    let sections = if matches!(auth.user.role, Role::Reviewer | Role::Chair) {
        vec![
            section("inbox-my-reviews", &inbox.my_reviews),
            section("inbox-my-votes", &inbox.my_votes),
        ]
    } else {
        Vec::new()
    };
    Ok(InboxPage {
        rows: summaries(&inbox.rows),
        pager: Pager::new(&ctx, "/committee", &query.filters(), &span),
        statuses: inbox_statuses(&ctx),
        sections,
        overdue: inbox.overdue,
        query,
        ctx,
    })
}

async fn case_page(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    user: CurrentUser,
    id: String,
    forms: ActionForms,
) -> Result<CommitteeApplicationPage, AppError> {
    let rules = state.settings.rules.clone();
    let file = read(state, move |conn| {
        committee::case_file(conn, (&user.id, user.role), &id, &rules)
    })
    .await?;
    Ok(CommitteeApplicationPage::new(
        ctx,
        file,
        forms,
        state.clock.now(),
        state.settings.rules.rfi_days,
    ))
}

pub async fn show(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: CaseReader,
    path: web::Path<String>,
) -> Result<CommitteeApplicationPage, AppError> {
    case_page(
        ctx,
        &state,
        auth.user,
        path.into_inner(),
        ActionForms::default(),
    )
    .await
}

/// Runs an action on the application: done, back to it with `flash`; refused, its page
/// again with the form `form_name` as sent and its problems (see `form_post`).
async fn act<T, F>(
    call: ActionCall,
    form: FieldsForm,
    form_name: &'static str,
    flash: &'static str,
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(
            &mut crate::workflows::DbConn,
            &Actor,
            &str,
            &AppState,
            &FieldsForm,
        ) -> Result<T, WorkflowError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let done = Done {
        location: format!("/committee/applications/{}", call.id),
        flash,
    };
    form_post(call, form, done, work, |call, refused| async move {
        let refusal = refused
            .conflict
            .map(|key| Refusal::new(&call.ctx, key, &refused.values));
        let forms = ActionForms {
            form: form_name,
            values: refused.values,
            errors: refused.errors,
            refusal,
        };
        case_page(call.ctx, &call.state, call.user, call.id, forms).await
    })
    .await
}

/// A step that cannot be undone: its inputs checked, then confirmed on a page of its own
/// that restates it, then done. Only a form carrying `confirm=yes` acts. `check` names the
/// confirmation's title, consequence and button.
async fn act_confirmed<T, F>(
    call: ActionCall,
    form: FieldsForm,
    form_name: &'static str,
    flash: &'static str,
    check: fn(&FieldsForm) -> Result<[&'static str; 3], WorkflowError>,
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(
            &mut crate::workflows::DbConn,
            &Actor,
            &str,
            &AppState,
            &FieldsForm,
        ) -> Result<T, WorkflowError>
        + Send
        + 'static,
    T: Send + 'static,
{
    if confirmed(&form) {
        return act(call, form, form_name, flash, work).await;
    }
    let [title, consequence, button] = match check(&form) {
        Ok(keys) => keys,
        Err(WorkflowError::Invalid(errors)) => {
            let forms = ActionForms {
                form: form_name,
                values: form.fields,
                errors,
                refusal: None,
            };
            let page = case_page(call.ctx, &call.state, call.user, call.id, forms).await?;
            return Ok(invalid(page, &call.req));
        }
        Err(other) => return Err(other.into()),
    };
    let id = call.id.clone();
    let app = read(&call.state, move |conn| {
        Some(apps::find(conn, &id)?)
            .filter(apps::submitted)
            .ok_or(WorkflowError::NotFound)
    })
    .await?;
    let ctx = call.ctx;
    let reference = app.reference.unwrap_or_default();
    let page = ConfirmPage::new(
        ctx.clone(),
        (
            ctx.t1(title, "reference", &reference),
            ctx.t1(consequence, "reference", &reference),
            ctx.t(button),
        ),
        call.req.path().to_string(),
        &form.fields,
        format!("/committee/applications/{}", call.id),
    );
    Ok(page.respond_to(&call.req))
}

/// The secretariat starts screening a submitted application.
pub async fn start_screening(
    auth: AuthorizedCall<policy::Secretariat>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        "screen",
        "flash-screening-started",
        |conn, actor, id, state, _f| apps::start_screening(conn, actor, id, state.clock.now()),
    )
    .await
}

/// The secretariat asks the provider for more information, with days to answer.
pub async fn request_information(
    auth: AuthorizedCall<policy::Secretariat>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        "request_info",
        "flash-information-requested",
        |conn, actor, id, state, f| {
            apps::request_information(
                conn,
                actor,
                id,
                &f.get("questions"),
                &f.get("days"),
                state.clock.now(),
                &state.settings.rules,
            )
        },
    )
    .await
}

/// The secretariat marks an application under screening complete.
pub async fn mark_complete(
    auth: AuthorizedCall<policy::Secretariat>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        "complete",
        "flash-marked-complete",
        |conn, actor, id, state, _f| apps::mark_complete(conn, actor, id, state.clock.now()),
    )
    .await
}

/// The secretariat assigns a reviewer for one review domain.
pub async fn assign_reviewer(
    auth: AuthorizedCall<policy::Secretariat>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        "assign",
        "flash-reviewer-assigned",
        |conn, actor, id, state, f| {
            committee::assign_reviewer(
                conn,
                actor,
                id,
                &f.get("reviewer_id"),
                &f.get("domain"),
                state.clock.now(),
            )
        },
    )
    .await
}

/// The secretariat opens the vote.
pub async fn open_vote(
    auth: AuthorizedCall<policy::Secretariat>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        "open_vote",
        "flash-vote-opened",
        |conn, actor, id, state, _f| committee::open_vote(conn, actor, id, state.clock.now()),
    )
    .await
}

/// The secretariat withdraws the open review of a reviewer who left the committee.
pub async fn withdraw_review(
    auth: AuthorizedCall<policy::Secretariat>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        "withdraw_review",
        "flash-review-withdrawn",
        |conn, actor, id, state, f| {
            committee::withdraw_assignment(
                conn,
                actor,
                id,
                &f.get("assignment_id"),
                state.clock.now(),
            )
        },
    )
    .await
}

/// A member records their review and recommendation.
pub async fn record_review(
    auth: AuthorizedCall<policy::CommitteeMember>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        "review",
        "flash-review-recorded",
        |conn, actor, id, state, f| {
            committee::record_review(
                conn,
                actor,
                id,
                &ReviewInput {
                    assignment_id: f.get("assignment_id"),
                    recommendation: f.get("recommendation"),
                    comments: f.get("comments"),
                    conditions: f.get("conditions"),
                },
                state.clock.now(),
                &state.settings.rules,
            )
        },
    )
    .await
}

/// A member declares a conflict of interest, once confirmed.
pub async fn recuse(
    auth: AuthorizedCall<policy::CommitteeMember>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act_confirmed(
        auth.call,
        form,
        "recuse",
        "flash-recused",
        |f| {
            committee::recusal_reason(&f.get("reason")).map(|_| {
                [
                    "confirm-recuse-title",
                    "confirm-recuse-body",
                    "action-recuse",
                ]
            })
        },
        |conn, actor, id, state, f| {
            committee::declare_conflict(
                conn,
                actor,
                id,
                &f.get("reason"),
                state.clock.now(),
                &state.settings.rules,
            )
        },
    )
    .await
}

/// A member casts their vote.
pub async fn vote(
    auth: AuthorizedCall<policy::CommitteeMember>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        "vote",
        "flash-vote-cast",
        |conn, actor, id, state, f| {
            committee::cast_vote(
                conn,
                actor,
                id,
                &f.get("choice"),
                &f.get("reason"),
                state.clock.now(),
                &state.settings.rules,
            )
        },
    )
    .await
}

/// The chair signs the committee's decision.
pub async fn decide(
    auth: AuthorizedCall<policy::Chair>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        "decide",
        "flash-decision-signed",
        |conn, actor, id, state, f| {
            let input = DecisionInput {
                casting_vote: f.get("casting_vote"),
                conditions: f.get("conditions"),
                validity_months: f.get("validity_months"),
                legal_basis: f.get("legal_basis"),
                reasons: f.get("reasons"),
            };
            committee::decide(
                conn,
                actor,
                id,
                &input,
                state.clock.as_ref(),
                (
                    &state.settings.rules,
                    &CertificateAuthority::from_settings(&state.settings),
                ),
            )
        },
    )
    .await
}

/// Registers the committee's inbox, case page and actions.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/committee", web::get().to(inbox))
        .route("/committee/applications/{id}", web::get().to(show))
        .route(
            "/committee/applications/{id}/screen",
            web::post().to(start_screening),
        )
        .route(
            "/committee/applications/{id}/request-info",
            web::post().to(request_information),
        )
        .route(
            "/committee/applications/{id}/complete",
            web::post().to(mark_complete),
        )
        .route(
            "/committee/applications/{id}/assign",
            web::post().to(assign_reviewer),
        )
        .route(
            "/committee/applications/{id}/review",
            web::post().to(record_review),
        )
        .route(
            "/committee/applications/{id}/recuse",
            web::post().to(recuse),
        )
        .route(
            "/committee/applications/{id}/open-vote",
            web::post().to(open_vote),
        )
        .route(
            "/committee/applications/{id}/withdraw-review",
            web::post().to(withdraw_review),
        )
        .route("/committee/applications/{id}/vote", web::post().to(vote))
        .route(
            "/committee/applications/{id}/decide",
            web::post().to(decide),
        );
}
