//! Home, dashboard, the language switch and the stylesheet.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::domain::language::Lang;
use crate::domain::role::Role;
use crate::views::home::{DashboardPage, HomePage, ProviderDashboard, staff_counts};
use crate::web::blocking::read;
use crate::web::cookies::{LANG_COOKIE, lasting_cookie};
use crate::web::extract::CsrfForm;
use crate::web::request::{actor, safe_next};
use crate::web::respond::see_other;
use crate::web::{AppError, AppState, Authorized, PageCtx, policy};
use crate::workflows::{accounts, dashboard};

pub async fn home(ctx: PageCtx) -> HomePage {
    HomePage { ctx }
}

/// The signed-in person's starting page: what needs them, by role.
pub async fn dashboard(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
) -> Result<DashboardPage, AppError> {
    let user = auth.user;
    let (now, today) = (state.clock.now(), state.clock.today_in_vientiane());
    let mut page = DashboardPage {
        provider: None,
        staff: Vec::new(),
        ctx,
    };
    match (&user.organisation_id, user.role) {
        (Some(org), role) if role.is_provider() => {
            let org = org.clone();
            let work = read(&state, move |conn| {
                dashboard::provider_work(conn, &org, today)
            })
            .await?;
            page.provider = Some(ProviderDashboard::new(&page.ctx, &work, today));
        }
        (_, role @ (Role::Secretariat | Role::Reviewer | Role::Chair | Role::Auditor)) => {
            let user_id = user.id.clone();
            let work = read(&state, move |conn| dashboard::staff_work(conn, &user_id)).await?;
            page.staff = staff_counts(&page.ctx, role, &work, now);
        }
        _ => {}
    }
    Ok(page)
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../static/app.css"))
}

#[derive(Debug, serde::Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

/// Remembers the chosen language in a cookie, and as the user's preference when signed in.
pub async fn switch_language(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<LanguageForm>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::parse(&form.lang).ok_or(AppError::BadRequest("error-language"))?;
    if let Some(user) = &ctx.user {
        let actor = actor(user, &req);
        let user_id = user.id.clone();
        read(&state, move |conn| {
            accounts::set_language(conn, &actor, &user_id, lang)
        })
        .await?;
    }
    let mut res = see_other(&safe_next(&form.next));
    res.add_cookie(&lasting_cookie(
        LANG_COOKIE,
        lang.code().to_string(),
        state.settings.secure_cookies(),
    ))
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(res)
}

/// Registers the stylesheet, the home page, the dashboard and the language switch.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/app.css", web::get().to(stylesheet))
        .route("/", web::get().to(home))
        .route("/dashboard", web::get().to(dashboard))
        .route("/language", web::post().to(switch_language));
}
