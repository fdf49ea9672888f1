//! The committee's pages: the inbox per role, the full application with reviews and
//! votes, and one POST per action (screening, information request, completeness,
//! assignment, withdrawal of a departed reviewer's review, review, recusal, vote,
//! decision).

use actix_web::{HttpResponse, Responder, web};

use crate::db::audit;
use crate::db::models::application::{self as app_db, ApplicationRow, CaseCursor, CaseFilter};
use crate::db::models::attachment as attachment_db;
use crate::db::models::committee as committee_db;
use crate::db::models::information_request as rfi_db;
use crate::db::models::organisation as org_db;
use crate::db::models::user as user_db;
use crate::domain::application::Status;
use crate::domain::audit::actions;
use crate::domain::committee::Tally;
use crate::domain::role::Role;
use crate::views::applications::{
    ActionForms, ApplicationSummary, CommitteeApplicationPage, DecisionView, InboxPage, InboxQuery,
    InboxSection, MEMBERSHIP_ACTIONS, RequestView, ReviewView, VoteView, attachment_rows, choices,
    describe_tally, domains, inbox_statuses, kind_of, membership_changes, read_sections,
    recommendations, recusal_rows, revision_views, timeline,
};
use crate::views::{ConfirmPage, Pager, Refusal};
use crate::web::blocking::read;
use crate::web::extract::CsrfForm;
use crate::web::form::{ActionCall, AuthorizedCall, Done, FieldsForm, confirmed, form_post};
use crate::web::respond::invalid;
use crate::web::{AppError, AppState, Authorized, CurrentUser, PageCtx, policy};
use crate::workflows::applications::{self as apps, content_of};
use crate::workflows::certificates::CertificateAuthority;
use crate::workflows::committee::{self as committee, DecisionInput, ReviewInput};
use crate::workflows::dashboard;
use crate::workflows::paging;
use crate::workflows::{Actor, WorkflowError};

type CaseReader = Authorized<policy::CaseReader>;

/// Applications shown per page of the committee's list.
const INBOX_PAGE: i64 = 50;

/// What the list's status filter names: its states, whether only overdue ones, and the
/// order (open work oldest first, decided cases newest first). Anything else is a 400.
fn states_of(status: &str) -> Result<(Vec<&'static str>, bool, bool), AppError> {
    let running = || {
        dashboard::OPEN_STATES
            .into_iter()
            .filter(|s| Status::parse(s).is_some_and(Status::clock_runs))
            .collect()
    };
    Ok(match status.trim() {
        "" => (dashboard::OPEN_STATES.to_vec(), false, false),
        "overdue" => (running(), true, false),
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
            Some(one) => (vec![one.as_str()], false, one.is_final()),
            None => return Err(AppError::BadRequest("error-malformed-query")),
        },
    })
}

const DECIDED_STATES: [&str; 4] = ["approved", "rejected", "withdrawn", "dismissed"];

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
    let text: Option<String> = Some(query.q.trim())
        .filter(|q| !q.is_empty())
        .map(|q| q.chars().take(100).collect());
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
    let user = auth.user.clone();
    let at = position.clone();
    let (mut rows, total, ahead, overdue, my_reviews, my_votes) = read(&state, move |conn| {
        let filter = CaseFilter {
            states: states.iter().map(|s| s.to_string()).collect(),
            due_before: overdue_only.then_some(now),
            text: match text {
                Some(text) => Some((text.to_uppercase(), org_db::ids_named_like(conn, &text)?)),
                None => None,
            },
            newest_first,
        };
        let rows = app_db::list_cases(conn, &filter, at.as_ref(), INBOX_PAGE + 1)?;
        let total = app_db::count_cases(conn, &filter, None)?;
        let ahead = match paging::first_row(&rows, &at, INBOX_PAGE) {
            Some((app, _, _)) => app_db::count_cases(
                conn,
                &filter,
                Some(&CaseCursor {
                    submitted_at: app.submitted_at.unwrap_or_default(),
                    id: app.id.clone(),
                }),
            )?,
            None => 0,
        };
        let running: Vec<&str> = dashboard::OPEN_STATES
            .into_iter()
            .filter(|s| Status::parse(s).is_some_and(Status::clock_runs))
            .collect();
        let overdue = app_db::count_due_before(conn, &running, now)?;
        // Someone taken off the committee has no reviews or votes left to give.
        let on_committee = user_db::find(conn, &user.id)?.is_some_and(|u| u.committee_member);
        if !on_committee {
            return Ok((rows, total, ahead, overdue, Vec::new(), Vec::new()));
        }
        // Only open applications are read in full: a member may hold many finished ones.
        let open: std::collections::HashSet<String> =
            app_db::ids_in_states(conn, &dashboard::OPEN_STATES)?
                .into_iter()
                .collect();
        let pending: Vec<String> = committee_db::list_pending_application_ids(conn, &user.id)?
            .into_iter()
            .filter(|id| open.contains(id))
            .collect();
        let voting = app_db::ids_in_states(conn, &["voting"])?;
        let unvoted = committee_db::list_unvoted_application_ids(conn, &user.id, &voting)?;
        Ok((
            rows,
            total,
            ahead,
            overdue,
            app_db::list_by_ids(conn, &pending)?,
            app_db::list_by_ids(conn, &unvoted)?,
        ))
    })
    .await?;
    let span = paging::span(
        &mut rows,
        &position,
        INBOX_PAGE,
        total,
        ahead,
        |(a, _, _)| {
            paging::encode(&[
                &paging::time_value(a.submitted_at.unwrap_or_default()),
                &a.id,
            ])
        },
    );
    let section = |title: &str, rows: Vec<ApplicationRow>| InboxSection {
        title: ctx.t(title),
        empty: ctx.t("inbox-empty"),
        rows: rows
            .iter()
            .map(|r| ApplicationSummary::from_row(&ctx, r, now))
            .collect(),
    };
    let sections = if matches!(auth.user.role, Role::Reviewer | Role::Chair) {
        vec![
            section("inbox-my-reviews", my_reviews),
            section("inbox-my-votes", my_votes),
        ]
    } else {
        Vec::new()
    };
    Ok(InboxPage {
        rows: rows
            .iter()
            .map(|r| ApplicationSummary::from_row(&ctx, r, now))
            .collect(),
        pager: Pager::new(&ctx, "/committee", &query.filters(), &span),
        statuses: inbox_statuses(&ctx),
        sections,
        overdue,
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
    let user_id = user.id.clone();
    let data = read(state, move |conn| {
        let row = app_db::list_by_ids(conn, std::slice::from_ref(&id))?
            .pop()
            .filter(|(app, _, _)| apps::submitted(app))
            .ok_or(WorkflowError::NotFound)?;
        let attachments = attachment_db::list_for_application(conn, &id)?;
        let requests = rfi_db::list_for_application(conn, &id)?;
        let revisions = app_db::list_revisions(conn, &id)?;
        let assignments = committee_db::list_assignments(conn, &id)?;
        let recusals = committee_db::list_recusals(conn, &id)?;
        let votes = committee_db::list_votes(conn, &id)?;
        let tally = committee::current_tally(conn, &id, &rules)?;
        let events = audit::list_for_subject(conn, "application", &id)?;
        let me = user_db::find(conn, &user_id)?.ok_or(WorkflowError::Forbidden)?;
        let reviewers = committee_db::list_members(conn)?;
        let connection = apps::approved_connection(conn, &row.0)?;
        let membership = match case_span(&events) {
            Some((submitted, closed)) => {
                audit::list_actions_between(conn, &MEMBERSHIP_ACTIONS, submitted, closed)?
            }
            None => Vec::new(),
        };
        Ok((
            row,
            attachments,
            requests,
            revisions,
            assignments,
            recusals,
            votes,
            tally,
            events,
            me,
            (reviewers, membership, connection),
        ))
    })
    .await?;
    let (
        row,
        attachments,
        requests,
        revisions,
        assignments,
        recusals,
        votes,
        tally,
        events,
        me,
        (reviewers, membership, connection),
    ) = data;
    let app = &row.0;
    let status = Status::parse(&app.status).unwrap_or(Status::Draft);
    let (eligible, cast, result) = tally;
    let is = |role: Role| user.role == role;
    let member =
        me.committee_member && me.active && matches!(user.role, Role::Reviewer | Role::Chair);
    let recused = recusals.iter().any(|(r, _)| r.user_id == user.id);
    let voted = votes.iter().any(|(v, _, _)| v.voter_id == user.id);
    let my_open_review = assignments
        .iter()
        .find(|(a, _)| a.reviewer_id == user.id && a.completed_at.is_none());
    let my_review = my_open_review
        .map(|(a, name)| ReviewView::new(&ctx, a, name))
        .filter(|_| member && status == Status::InReview);
    // A reviewer forms their own view before reading the others'; the chair and the
    // secretariat, who run the case, see every review as it comes in.
    let others_hidden = user.role == Role::Reviewer && my_open_review.is_some();
    let can_open_vote = is(Role::Secretariat) && status == Status::InReview;
    let progress = committee::review_progress(&assignments);
    let vote_waits = (can_open_vote && !progress.vote_may_open()).then(|| {
        if progress.closed < progress.assigned {
            ctx.t2(
                "vote-waits-reviews",
                ("total", &progress.assigned.to_string()),
                ("done", &progress.closed.to_string()),
            )
        } else {
            ctx.t("vote-waits-recommendation")
        }
    });
    let proposed_conditions = assignments
        .iter()
        .map(|(a, _)| a.conditions.trim())
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let outcomes: &[&str] = match result {
        Tally::Approved => &["approve"],
        Tally::Rejected => &["reject"],
        Tally::Tie => &["approve", "reject"],
        Tally::NoQuorum { .. } => &[],
    };
    Ok(CommitteeApplicationPage {
        summary: ApplicationSummary::from_row(&ctx, &row, state.clock.now()).with_open_request(
            &ctx,
            requests
                .iter()
                .find(|r| r.answered_at.is_none() && r.lapsed_at.is_none()),
            state.clock.now(),
        ),
        sections: read_sections(&ctx, kind_of(app), &content_of(app)),
        attachments: attachment_rows(&ctx, &attachments, &revisions, status),
        requests: requests.iter().map(|r| RequestView::new(&ctx, r)).collect(),
        revisions: revision_views(&ctx, &revisions, &attachments),
        reviews: assignments
            .iter()
            .map(|(a, name)| {
                let review = ReviewView {
                    reviewer_left: a.completed_at.is_none()
                        && !reviewers.iter().any(|m| m.id == a.reviewer_id),
                    ..ReviewView::new(&ctx, a, name)
                };
                if others_hidden && a.reviewer_id != user.id && review.recommendation.is_some() {
                    review.hidden()
                } else {
                    review
                }
            })
            .collect(),
        recusals: recusal_rows(&recusals),
        votes: votes
            .iter()
            .map(|(v, name, _)| VoteView::new(&ctx, v, name))
            .collect(),
        membership: membership_changes(&ctx, &membership),
        tally: describe_tally(&ctx, eligible, cast.len(), result),
        outcomes,
        proposed_conditions,
        decision: DecisionView::of(&ctx, app).map(|d| match &connection {
            Some(c) => d.with_connection(
                &c.approval_number,
                format!("/committee/connections/{}", c.id),
            ),
            None => d,
        }),
        timeline: timeline(&ctx, &events, false),
        can_screen: is(Role::Secretariat) && status == Status::Submitted,
        can_request_info: is(Role::Secretariat) && status == Status::Screening,
        can_assign: is(Role::Secretariat) && status == Status::InReview,
        can_open_vote,
        vote_waits,
        can_withdraw_reviews: is(Role::Secretariat) && status == Status::InReview,
        my_review,
        can_recuse: member
            && !recused
            && !voted
            && matches!(status, Status::InReview | Status::Voting),
        can_vote: member && !recused && !voted && status == Status::Voting,
        can_decide: is(Role::Chair)
            && status == Status::Voting
            && !matches!(result, Tally::NoQuorum { .. }),
        reviewers: reviewers
            .iter()
            .map(|m| {
                (
                    m.id.clone(),
                    format!("{} ({})", m.name, domain_labels(&ctx, &m.review_domains)),
                )
            })
            .collect(),
        domains: domains(&ctx),
        recommendations: recommendations(&ctx),
        choices: choices(&ctx),
        rfi_days: state.settings.rules.rfi_days,
        forms,
        ctx,
    })
}

/// Where the case lies in the audit log: after its first submission, and before the
/// event that closed it (decision, withdrawal, dismissal) if one has.
fn case_span(events: &[audit::AuditEvent]) -> Option<(i64, Option<i64>)> {
    let submitted = events
        .iter()
        .find(|e| e.action == actions::APPLICATION_SUBMIT)?
        .seq;
    let closed = events
        .iter()
        .find(|e| CLOSING_ACTIONS.contains(&e.action.as_str()))
        .map(|e| e.seq);
    Some((submitted, closed))
}

/// The audit actions that end a case.
const CLOSING_ACTIONS: [&str; 4] = [
    actions::APPLICATION_APPROVE,
    actions::APPLICATION_REJECT,
    actions::APPLICATION_WITHDRAW,
    actions::APPLICATION_DISMISS,
];

fn domain_labels(ctx: &PageCtx, domains: &str) -> String {
    domains
        .split(',')
        .filter_map(crate::domain::role::ReviewDomain::parse)
        .map(|d| ctx.t(d.label_key()))
        .collect::<Vec<_>>()
        .join(", ")
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
            &mut crate::db::DbConn,
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
            &mut crate::db::DbConn,
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
