//! Connections for their provider (status, expiries, show-cause answers, disconnection)
//! and for the committee (cases needing action; suspension, show-cause, revocation,
//! verification).

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, Responder, web};

use crate::domain::connection::{ConnectionSide, allowed_on_connection, revocation_may_be_decided};
use crate::domain::validation::FieldErrors;
use crate::views::connections::{
    CaseView, CommitteeRegistryPage, ConnectionPage, ConnectionRow, ConnectionsPage, FileRow,
    ToActOnQuery, to_act_on_needs,
};
use crate::views::registry::{PublicRow, RegistryLabels, event_rows};
use crate::views::{ConfirmPage, Pager, Refusal};
use crate::web::blocking::{read, run};
use crate::web::extract::{CsrfForm, verify_csrf};
use crate::web::form::{ActionCall, AuthorizedCall, Done, FieldsForm, confirmed, form_post};
use crate::web::respond::{file_response, invalid, redirect_with_flash};
use crate::web::upload::read_upload;
use crate::web::{AppError, AppState, Authorized, CurrentUser, PageCtx, policy};
use crate::workflows::connections as flows;
use crate::workflows::connections::Connection;
use crate::workflows::registry::{self, PAGE_SIZE, PageAsked, RegistryQuery};
use crate::workflows::{Actor, WorkflowError};

pub async fn mine(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::Provider>,
) -> Result<ConnectionsPage, AppError> {
    let org = auth
        .user
        .organisation_id
        .clone()
        .ok_or(AppError::Forbidden)?;
    let (connections, cases) = read(&state, move |conn| flows::own_connections(conn, &org)).await?;
    Ok(ConnectionsPage {
        title: ctx.t("nav-connections"),
        rows: ConnectionRow::list(&ctx, &connections, &cases, state.clock.now()),
        committee: false,
        pager: None,
        needs: Vec::new(),
        query: ToActOnQuery::default(),
        ctx,
    })
}

/// Connections shown per page of those to act on.
const TO_ACT_ON_PAGE: i64 = 50;

/// How far ahead an expiry makes a connection one to act on.
const EXPIRING_DAYS: i64 = 90;

/// Connections needing the committee's action, soonest expiry first, a page at a time:
/// open show-cause cases, revocations awaiting disconnection or its verification,
/// suspensions, and connections expiring within 90 days; narrowed to one of these.
pub async fn committee_list(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Authorized<policy::CaseReader>,
    query: web::Query<ToActOnQuery>,
) -> Result<ConnectionsPage, AppError> {
    let query = query.into_inner();
    let asked = flows::ToActOnAsked::of(&query.need, &query.after, &query.before)?;
    let now = state.clock.now();
    let expiring_by = now.date() + chrono::TimeDelta::days(EXPIRING_DAYS);
    let (found, span, cases) = read(&state, move |conn| {
        flows::to_act_on(conn, asked, expiring_by, TO_ACT_ON_PAGE)
    })
    .await?;
    let rows = found
        .iter()
        .map(|(c, name_lo, name_en)| ConnectionRow {
            provider: ctx.pick(name_lo, name_en).to_string(),
            ..ConnectionRow::new(
                &ctx,
                c,
                cases.iter().find(|case| case.connection_id == c.id),
                now,
            )
        })
        .collect();
    Ok(ConnectionsPage {
        title: ctx.t("nav-committee-connections"),
        rows,
        committee: true,
        pager: Some(Pager::new(
            &ctx,
            "/committee/connections",
            &query.filters(),
            &span,
        )),
        needs: to_act_on_needs(&ctx),
        query,
        ctx,
    })
}

/// `/committee/registry`: every connection, with the registry's filters and pages, each
/// leading to its committee page (suspension and show-cause start there).
pub async fn committee_all(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Authorized<policy::CaseReader>,
    query: web::Query<RegistryQuery>,
) -> Result<CommitteeRegistryPage, AppError> {
    let query = query.into_inner();
    let asked = PageAsked::of(&query, PAGE_SIZE)?;
    let (rows, span) = read(&state, move |conn| registry::page(conn, asked)).await?;
    let today = state.clock.today_in_vientiane();
    Ok(CommitteeRegistryPage {
        rows: rows
            .iter()
            .map(|r| (r.id.clone(), PublicRow::new(&ctx, r, today)))
            .collect(),
        pager: Pager::new(&ctx, "/committee/registry", &query.filters(), &span),
        query,
        labels: RegistryLabels::of(ctx.lang),
        ctx,
    })
}

async fn page(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    user: CurrentUser,
    id: String,
    committee: bool,
    form: BTreeMap<String, String>,
    errors: FieldErrors,
) -> Result<ConnectionPage, AppError> {
    let actor_org = user.organisation_id.clone();
    let flows::ConnectionDetail {
        connection,
        provider,
        events,
        cases,
        files,
        certified,
    } = read(state, move |conn| {
        flows::detail(conn, &id, committee, actor_org.as_deref())
    })
    .await?;
    let open_case = cases.iter().find(|c| c.outcome.is_none());
    let now = state.clock.now();
    let side = if committee {
        ConnectionSide::Staff(Some(user.role))
    } else {
        ConnectionSide::Holder
    };
    let allowed = allowed_on_connection(side, &flows::standing(&connection, open_case), now);
    Ok(ConnectionPage {
        row: ConnectionRow::new(&ctx, &connection, open_case, now),
        provider: provider
            .map(|o| ctx.pick(&o.name_lo, &o.name_en).to_string())
            .unwrap_or_default(),
        conditions: connection.conditions.clone(),
        valid_from: ctx.date(connection.valid_from),
        capacity: connection.capacity_mbps,
        history: event_rows(&ctx, &events, false),
        cases: cases.iter().map(|c| CaseView::new(&ctx, c, now)).collect(),
        files: files.iter().map(|f| FileRow::new(&ctx, f)).collect(),
        disconnection_deadline: connection
            .disconnection_deadline
            .map(|d| ctx.local_time(&d))
            .unwrap_or_default(),
        disconnection_confirmed: connection.disconnection_confirmed_at.is_some(),
        disconnection_evidence: connection.disconnection_evidence.clone(),
        disconnection_verified: connection.disconnection_verified_at.is_some(),
        has_certificate: certified,
        application_url: format!(
            "{}/applications/{}",
            if committee { "/committee" } else { "" },
            connection.application_id
        ),
        committee,
        revoke_waits: open_case
            .filter(|c| {
                committee
                    && !revocation_may_be_decided(c.answered_at.is_some(), c.response_deadline, now)
            })
            .map(|c| {
                ctx.t1(
                    "revoke-waits",
                    "deadline",
                    &ctx.local_time(&c.response_deadline),
                )
            }),
        refusal: None,
        allowed,
        errors,
        form,
        ctx,
    })
}

pub async fn show_mine(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::Provider>,
    path: web::Path<String>,
) -> Result<ConnectionPage, AppError> {
    page(
        ctx,
        &state,
        auth.user,
        path.into_inner(),
        false,
        BTreeMap::new(),
        FieldErrors::new(),
    )
    .await
}

pub async fn show_committee(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::CaseReader>,
    path: web::Path<String>,
) -> Result<ConnectionPage, AppError> {
    page(
        ctx,
        &state,
        auth.user,
        path.into_inner(),
        true,
        BTreeMap::new(),
        FieldErrors::new(),
    )
    .await
}

async fn act<F>(
    call: ActionCall,
    form: FieldsForm,
    committee: bool,
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
        ) -> Result<Connection, WorkflowError>
        + Send
        + 'static,
{
    let prefix = if committee { "/committee" } else { "" };
    let done = Done {
        location: format!("{prefix}/connections/{}", call.id),
        flash,
    };
    form_post(call, form, done, work, move |call, refused| async move {
        let refusal = refused
            .conflict
            .map(|key| Refusal::new(&call.ctx, key, &refused.values));
        let mut page = page(
            call.ctx,
            &call.state,
            call.user,
            call.id,
            committee,
            refused.values,
            refused.errors,
        )
        .await?;
        page.refusal = refusal;
        Ok(page)
    })
    .await
}

/// What a confirmation page of the committee's says: title, consequence and button keys,
/// and the days a revocation gives to disconnect.
struct Wording {
    title: &'static str,
    consequence: &'static str,
    button: &'static str,
    days: i64,
}

/// A committee action that cannot be undone: checked, then confirmed on a page of its own
/// that restates it, then done. Only a form carrying `confirm=yes` acts.
async fn act_confirmed<F>(
    call: ActionCall,
    form: FieldsForm,
    flash: &'static str,
    check: fn(&FieldsForm) -> Result<Wording, WorkflowError>,
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(
            &mut crate::workflows::DbConn,
            &Actor,
            &str,
            &AppState,
            &FieldsForm,
        ) -> Result<Connection, WorkflowError>
        + Send
        + 'static,
{
    if confirmed(&form) {
        return act(call, form, true, flash, work).await;
    }
    let wording = match check(&form) {
        Ok(wording) => wording,
        Err(WorkflowError::Invalid(errors)) => {
            let page = page(
                call.ctx,
                &call.state,
                call.user,
                call.id,
                true,
                form.fields,
                errors,
            )
            .await?;
            return Ok(invalid(page, &call.req));
        }
        Err(other) => return Err(other.into()),
    };
    let id = call.id.clone();
    let (connection, provider) =
        read(&call.state, move |conn| flows::with_provider(conn, &id)).await?;
    let ctx = call.ctx;
    let provider = provider
        .map(|o| ctx.pick(&o.name_lo, &o.name_en).to_string())
        .unwrap_or_default();
    let number = connection.approval_number.as_str();
    let days = wording.days.to_string();
    let args = [
        ("number", number),
        ("provider", provider.as_str()),
        ("days", days.as_str()),
    ];
    let action = call.req.path().to_string();
    let page = ConfirmPage::new(
        ctx.clone(),
        (
            ctx.t1(wording.title, "number", number),
            crate::i18n::t_args(ctx.lang, wording.consequence, &args),
            ctx.t(wording.button),
        ),
        action,
        &form.fields,
        format!("/committee/connections/{}", call.id),
    );
    Ok(page.respond_to(&call.req))
}

/// The provider answers a show-cause notice.
pub async fn answer(
    auth: AuthorizedCall<policy::Provider>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        false,
        "flash-show-cause-answered",
        |conn, actor, id, state, f| {
            flows::answer_show_cause(
                conn,
                actor,
                id,
                &f.get("answer"),
                state.clock.now(),
                &state.settings.rules,
            )
        },
    )
    .await
}

/// The provider confirms, with evidence, that a connection is disconnected.
pub async fn confirm_disconnection(
    auth: AuthorizedCall<policy::Provider>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        false,
        "flash-disconnection-confirmed",
        |conn, actor, id, state, f| {
            flows::confirm_disconnection(
                conn,
                actor,
                id,
                &f.get("evidence"),
                state.clock.now(),
                &state.settings.rules,
            )
        },
    )
    .await
}

/// The chair suspends a connection, once confirmed.
pub async fn suspend(
    auth: AuthorizedCall<policy::Chair>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act_confirmed(
        auth.call,
        form,
        "flash-connection-suspended",
        |f| {
            flows::standing_reason(&f.get("reason")).map(|_| Wording {
                title: "confirm-suspend-title",
                consequence: "confirm-suspend-body",
                button: "action-suspend",
                days: 0,
            })
        },
        |conn, actor, id, state, f| {
            flows::suspend(conn, actor, id, &f.get("reason"), state.clock.now())
        },
    )
    .await
}

/// The chair reinstates a suspended connection.
pub async fn reinstate(
    auth: AuthorizedCall<policy::Chair>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        true,
        "flash-connection-reinstated",
        |conn, actor, id, state, f| {
            flows::reinstate(conn, actor, id, &f.get("reason"), state.clock.now())
        },
    )
    .await
}

/// The secretariat sends the provider a show-cause notice.
pub async fn show_cause(
    auth: AuthorizedCall<policy::Secretariat>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        true,
        "flash-show-cause-sent",
        |conn, actor, id, state, f| {
            flows::open_show_cause(
                conn,
                actor,
                id,
                &f.get("notice"),
                &f.get("days"),
                state.clock.now(),
            )
        },
    )
    .await
}

/// The chair decides a show-cause case (revocation or dismissal), once confirmed.
pub async fn decide_case(
    auth: AuthorizedCall<policy::Chair>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act_confirmed(
        auth.call,
        form,
        "flash-case-decided",
        |f| {
            let decision = flows::case_decision(
                &f.get("outcome"),
                &f.get("reason"),
                &f.get("disconnection_days"),
            )?;
            Ok(if decision.revoke {
                Wording {
                    title: "confirm-revoke-title",
                    consequence: "confirm-revoke-body",
                    button: "confirm-revoke-button",
                    days: decision.days,
                }
            } else {
                Wording {
                    title: "confirm-dismiss-title",
                    consequence: "confirm-dismiss-body",
                    button: "confirm-dismiss-button",
                    days: 0,
                }
            })
        },
        |conn, actor, id, state, f| {
            flows::decide_show_cause(
                conn,
                actor,
                id,
                &f.get("outcome"),
                &f.get("reason"),
                &f.get("disconnection_days"),
                state.clock.now(),
            )
        },
    )
    .await
}

/// The secretariat verifies that a revoked connection was disconnected.
pub async fn verify(
    auth: AuthorizedCall<policy::Secretariat>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    act(
        auth.call,
        form,
        true,
        "flash-disconnection-verified",
        |conn, actor, id, state, f| {
            flows::verify_disconnection(
                conn,
                actor,
                id,
                &f.get("still_seen_reason"),
                state.clock.now(),
            )
        },
    )
    .await
}

/// The provider adds a file to its answer or to its evidence of disconnection.
pub async fn upload(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::Provider>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let upload = read_upload(
        req.headers(),
        payload,
        state.settings.rules.attachment_max_bytes,
    )
    .await?;
    verify_csrf(&req, &upload.csrf)?;
    let actor = crate::web::request::actor(&auth.user, &req);
    let (work_id, now) = (id.clone(), state.clock.now());
    let outcome = run(&state, move |conn| {
        flows::add_file(
            conn,
            &actor,
            &work_id,
            &upload.kind,
            &upload.file_name,
            &upload.bytes,
            now,
        )
    })
    .await?;
    match outcome {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &format!("/connections/{id}"),
            "success",
            "flash-attachment-added",
        )),
        Err(errors) => {
            let page = page(ctx, &state, auth.user, id, false, BTreeMap::new(), errors).await?;
            Ok(invalid(page, &req))
        }
    }
}

/// A file of a connection's proceedings, for its provider and the committee.
pub async fn download(
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, file_id) = path.into_inner();
    let user = auth.user;
    let (info, bytes) = read(&state, move |conn| {
        flows::file(conn, &id, &file_id, |org| {
            user.role
                .may_read_files(user.organisation_id.as_deref(), org, true)
        })
    })
    .await?;
    Ok(file_response(&info.file_name, &info.content_type, bytes))
}

/// Registers the connection pages of providers and the committee.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/connections", web::get().to(mine))
        .route("/connections/{id}", web::get().to(show_mine))
        .route("/connections/{id}/answer", web::post().to(answer))
        .route(
            "/connections/{id}/disconnected",
            web::post().to(confirm_disconnection),
        )
        .route("/connections/{id}/files", web::post().to(upload))
        .route("/connections/{id}/files/{file}", web::get().to(download))
        .route("/committee/connections", web::get().to(committee_list))
        .route("/committee/registry", web::get().to(committee_all))
        .route("/committee/connections/{id}", web::get().to(show_committee))
        .route(
            "/committee/connections/{id}/suspend",
            web::post().to(suspend),
        )
        .route(
            "/committee/connections/{id}/reinstate",
            web::post().to(reinstate),
        )
        .route(
            "/committee/connections/{id}/show-cause",
            web::post().to(show_cause),
        )
        .route(
            "/committee/connections/{id}/decide",
            web::post().to(decide_case),
        )
        .route("/committee/connections/{id}/verify", web::post().to(verify));
}
