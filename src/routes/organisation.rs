//! A provider's own organisation: its profile, and the edit form for its administrator,
//! whose change of the legal identity becomes a request for the secretariat.
//! The organisation is always the signed-in user's own; no id is taken from the URL.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::domain::role::Role;
use crate::domain::validation::FieldErrors;
use crate::views::organisation::{
    ApiClientForm, ApiClientRow, ApiClientsPage, InviteForm, InvitePage, IssuedSecret,
    OrganisationForm, OrganisationFormPage, OrganisationPage,
};
use crate::views::organisation_changes::ChangeView;
use crate::web::blocking::{read, run};
use crate::web::extract::{CsrfForm, NoFields};
use crate::web::request::actor;
use crate::web::respond::{invalid, redirect_with_flash};
use crate::web::{AppError, AppState, Authorized, CurrentUser, PageCtx, policy};
use crate::workflows::organisation_changes::{self, ProfileOutcome};
use crate::workflows::{accounts, api_clients, passwords};

fn own_organisation_id(user: &CurrentUser) -> Result<String, AppError> {
    user.organisation_id.clone().ok_or(AppError::Forbidden)
}

pub async fn show(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::Provider>,
) -> Result<OrganisationPage, AppError> {
    let org_id = own_organisation_id(&auth.user)?;
    let profile = read(&state, move |conn| {
        accounts::organisation_profile(conn, &org_id)
    })
    .await?;
    Ok(OrganisationPage {
        can_edit: auth.user.role == Role::OrgAdmin,
        edit_url: "/organisation/edit".to_string(),
        changes: profile.changes.iter().map(ChangeView::of).collect(),
        can_withdraw: auth.user.role == Role::OrgAdmin,
        ctx,
        organisation: profile.organisation,
        members: profile.members,
    })
}

pub async fn edit_form(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::OrgAdmin>,
) -> Result<OrganisationFormPage, AppError> {
    let org_id = own_organisation_id(&auth.user)?;
    let draft = read(&state, move |conn| {
        accounts::organisation_draft(conn, &org_id)
    })
    .await?;
    Ok(OrganisationFormPage {
        ctx,
        form: OrganisationForm::with_proposal(&draft.organisation, draft.pending.as_ref()),
        errors: FieldErrors::new(),
        action: "/organisation/edit".to_string(),
        is_new: false,
        by_review: true,
    })
}

pub async fn update(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::OrgAdmin>,
    CsrfForm(form): CsrfForm<OrganisationForm>,
) -> Result<HttpResponse, AppError> {
    let org_id = own_organisation_id(&auth.user)?;
    let (actor, now, work_state) = (actor(&auth.user, &req), state.clock.now(), state.clone());
    let input = form.input();
    match run(&state, move |conn| {
        organisation_changes::propose(
            conn,
            &actor,
            &work_state.settings.rules,
            &org_id,
            &input,
            now,
        )
    })
    .await?
    {
        Ok(outcome) => Ok(redirect_with_flash(
            &state,
            "/organisation",
            "success",
            match outcome {
                ProfileOutcome::Proposed => "flash-identity-change-proposed",
                ProfileOutcome::Withdrawn => "flash-identity-change-withdrawn",
                ProfileOutcome::Saved | ProfileOutcome::Unchanged => "flash-organisation-saved",
            },
        )),
        Err(errors) => Ok(invalid(
            OrganisationFormPage {
                ctx,
                form,
                errors,
                action: "/organisation/edit".to_string(),
                is_new: false,
                by_review: true,
            },
            &req,
        )),
    }
}

/// The organisation's administrator withdraws its pending change of legal identity; a
/// request of another organisation is not found.
pub async fn withdraw_change(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authorized<policy::OrgAdmin>,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let org_id = own_organisation_id(&auth.user)?;
    let (actor, now, change_id) = (
        actor(&auth.user, &req),
        state.clock.now(),
        path.into_inner(),
    );
    read(&state, move |conn| {
        organisation_changes::withdraw(conn, &actor, &org_id, &change_id, now)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        "/organisation",
        "success",
        "flash-identity-change-withdrawn",
    ))
}

pub async fn invite_form(ctx: PageCtx, _auth: Authorized<policy::OrgAdmin>) -> InvitePage {
    let language = ctx.lang.code().to_string();
    InvitePage {
        ctx,
        form: InviteForm {
            role: Role::Applicant.as_str().to_string(),
            language,
            ..InviteForm::default()
        },
        errors: FieldErrors::new(),
    }
}

pub async fn invite(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::OrgAdmin>,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&auth.user, &req);
    let invitation = passwords::Invitation {
        email: form.email.clone(),
        name: form.name.clone(),
        role: form.role.clone(),
        language: form.language.clone(),
    };
    let now = state.clock.now();
    match run(&state, move |conn| {
        passwords::invite(conn, &actor, &invitation, now)
    })
    .await?
    {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            "/organisation",
            "success",
            "flash-invitation-sent",
        )),
        Err(errors) => Ok(invalid(InvitePage { ctx, form, errors }, &req)),
    }
}

/// The organisation's API clients and the form for a new one; `issued` shows a secret
/// once, on a page that is not stored anywhere.
async fn api_clients_page(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    org_id: String,
    form: ApiClientForm,
    errors: FieldErrors,
    issued: Option<IssuedSecret>,
) -> Result<ApiClientsPage, AppError> {
    let overview = read(state, move |conn| api_clients::overview(conn, &org_id)).await?;
    let people = overview
        .people
        .iter()
        .map(|u| (u.id.clone(), format!("{} <{}>", u.name, u.email)))
        .collect();
    Ok(ApiClientsPage {
        clients: overview
            .clients
            .iter()
            .map(|c| ApiClientRow::new(&ctx, c))
            .collect(),
        people,
        form,
        errors,
        issued,
        ctx,
    })
}

/// The clients page showing a client's new secret, once, for `user_id` to go on from:
/// never cached.
async fn secret_page(
    req: &HttpRequest,
    ctx: PageCtx,
    state: &web::Data<AppState>,
    org_id: String,
    user_id: String,
    issued: api_clients::Issued,
) -> Result<HttpResponse, AppError> {
    let issued = IssuedSecret {
        client_id: issued.client.id,
        secret: issued.secret,
    };
    let form = ApiClientForm {
        user_id,
        ..ApiClientForm::default()
    };
    let page = api_clients_page(ctx, state, org_id, form, FieldErrors::new(), Some(issued)).await?;
    Ok(crate::web::respond::no_store(
        actix_web::Responder::respond_to(page, req).map_into_boxed_body(),
    ))
}

pub async fn api_clients(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::OrgAdmin>,
) -> Result<ApiClientsPage, AppError> {
    let form = ApiClientForm {
        user_id: auth.user.id.clone(),
        ..ApiClientForm::default()
    };
    let org_id = own_organisation_id(&auth.user)?;
    api_clients_page(ctx, &state, org_id, form, FieldErrors::new(), None).await
}

pub async fn create_api_client(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::OrgAdmin>,
    CsrfForm(form): CsrfForm<ApiClientForm>,
) -> Result<HttpResponse, AppError> {
    let org_id = own_organisation_id(&auth.user)?;
    let (actor, now, work_form, work_org) = (
        actor(&auth.user, &req),
        state.clock.now(),
        form.clone(),
        org_id.clone(),
    );
    let outcome = run(&state, move |conn| {
        api_clients::create(
            conn,
            &actor,
            &work_org,
            &work_form.name,
            &work_form.user_id,
            now,
        )
    })
    .await?;
    match outcome {
        Ok(issued) => secret_page(&req, ctx, &state, org_id, form.user_id, issued).await,
        Err(errors) => Ok(invalid(
            api_clients_page(ctx, &state, org_id, form, errors, None).await?,
            &req,
        )),
    }
}

pub async fn rotate_api_client(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::OrgAdmin>,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let org_id = own_organisation_id(&auth.user)?;
    let (actor, now, work_org) = (actor(&auth.user, &req), state.clock.now(), org_id.clone());
    let client_id = path.into_inner();
    let issued = read(&state, move |conn| {
        api_clients::rotate(conn, &actor, &work_org, &client_id, now)
    })
    .await?;
    secret_page(&req, ctx, &state, org_id, auth.user.id.clone(), issued).await
}

pub async fn revoke_api_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authorized<policy::OrgAdmin>,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let org_id = own_organisation_id(&auth.user)?;
    let (actor, now) = (actor(&auth.user, &req), state.clock.now());
    let client_id = path.into_inner();
    read(&state, move |conn| {
        api_clients::revoke(conn, &actor, &org_id, &client_id, now)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        "/organisation/api-clients",
        "success",
        "flash-api-client-revoked",
    ))
}

/// Registers the organisation's profile and its edit form.
pub fn configure_profile(cfg: &mut web::ServiceConfig) {
    cfg.route("/organisation", web::get().to(show))
        .route("/organisation/edit", web::get().to(edit_form))
        .route("/organisation/edit", web::post().to(update))
        .route(
            "/organisation/changes/{id}/withdraw",
            web::post().to(withdraw_change),
        );
}

/// Registers inviting colleagues and the organisation's API clients.
pub fn configure_staff(cfg: &mut web::ServiceConfig) {
    cfg.route("/organisation/invite", web::get().to(invite_form))
        .route("/organisation/invite", web::post().to(invite))
        .route("/organisation/api-clients", web::get().to(api_clients))
        .route(
            "/organisation/api-clients",
            web::post().to(create_api_client),
        )
        .route(
            "/organisation/api-clients/{id}/rotate",
            web::post().to(rotate_api_client),
        )
        .route(
            "/organisation/api-clients/{id}/revoke",
            web::post().to(revoke_api_client),
        );
}
