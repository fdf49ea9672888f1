//! A provider's own organisation: its profile, and the edit form for its administrator.
//! The organisation is always the signed-in user's own; no id is taken from the URL.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::extract::CsrfForm;
use crate::auth::{Authorized, CurrentUser, policy};
use crate::db::models::{organisation as org_db, user as user_db};
use crate::domain::role::Role;
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::routes::{actor, invalid, read, redirect_with_flash, run};
use crate::startup::AppState;
use crate::views::PageCtx;
use crate::views::account::{InviteForm, InvitePage};
use crate::views::pages::{OrganisationForm, OrganisationFormPage, OrganisationPage};
use crate::workflows::WorkflowError;
use crate::workflows::{accounts, passwords};

fn own_organisation_id(user: &CurrentUser) -> Result<String, AppError> {
    user.organisation_id.clone().ok_or(AppError::Forbidden)
}

pub async fn show(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::Provider>,
) -> Result<OrganisationPage, AppError> {
    let org_id = own_organisation_id(&auth.user)?;
    let (organisation, members) = read(&state, move |conn| {
        let organisation = org_db::find(conn, &org_id)?.ok_or(WorkflowError::NotFound)?;
        let members = user_db::list_by_organisation(conn, &org_id)?;
        Ok((organisation, members))
    })
    .await?;
    Ok(OrganisationPage {
        can_edit: auth.user.role == Role::OrgAdmin,
        edit_url: "/organisation/edit".to_string(),
        ctx,
        organisation,
        members,
    })
}

pub async fn edit_form(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::OrgAdmin>,
) -> Result<OrganisationFormPage, AppError> {
    let org_id = own_organisation_id(&auth.user)?;
    let organisation = read(&state, move |conn| {
        org_db::find(conn, &org_id)?.ok_or(WorkflowError::NotFound)
    })
    .await?;
    Ok(OrganisationFormPage {
        ctx,
        form: OrganisationForm::from_organisation(&organisation),
        errors: FieldErrors::new(),
        action: "/organisation/edit".to_string(),
        is_new: false,
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
    let actor = actor(&auth.user, &req);
    let input = form.input();
    match run(&state, move |conn| {
        accounts::update_organisation(conn, &actor, &org_id, &input)
    })
    .await?
    {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            "/organisation",
            "success",
            "flash-organisation-saved",
        )),
        Err(errors) => Ok(invalid(
            OrganisationFormPage {
                ctx,
                form,
                errors,
                action: "/organisation/edit".to_string(),
                is_new: false,
            },
            &req,
        )),
    }
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
