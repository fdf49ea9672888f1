//! Approval certificates in public: the printable certificate, the verification page,
//! and the keys that check them.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, Responder, web};

use crate::domain::connection::ConnectionStatus;
use crate::routes::registry::{kept_or_read, serve_kept};
use crate::views::RenderSized;
use crate::views::certificates::{
    CertificatePage, Verdict, VerifyContent, VoidNotice, terms, verify_url,
};
use crate::views::registry::{KeptPage, PublicRow};
use crate::web::blocking::read;
use crate::web::respond::invalid;
use crate::web::{AppError, AppState, PageCtx};
use crate::workflows::certificates::{self, Check};

/// `/.well-known/jwks.json`: every key a still-valid certificate may be signed with.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let today = state.clock.today_in_vientiane();
    let keys = read(&state, move |conn| certificates::jwks(conn, today)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(keys))
}

/// `/registry/{number}/certificate`: the printable certificate with its QR code, stating
/// the signed terms, and saying across the page when the approval is no longer in force.
pub async fn certificate(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<CertificatePage, AppError> {
    let number = path.into_inner();
    let printable = read(&state, move |conn| certificates::printable(conn, &number)).await?;
    let connection = &printable.connection;
    let verify_url = verify_url(&state.settings.base_url, &connection.approval_number);
    let qr_svg = crate::views::qr_svg(&verify_url)?;
    let status = connection.status;
    let since = match status {
        ConnectionStatus::Expired => connection.valid_until,
        _ => crate::domain::clock::to_vientiane(
            &connection
                .revoked_at
                .unwrap_or(connection.status_changed_at),
        )
        .date(),
    };
    Ok(CertificatePage {
        approval_number: connection.approval_number.clone(),
        status: status.as_str(),
        status_label: crate::views::registry::status_words(
            &ctx,
            status,
            connection.valid_from,
            state.clock.today_in_vientiane(),
        ),
        terms: terms(&ctx, &printable.claims),
        conditions: connection.conditions.clone(),
        legal_basis: printable.legal_basis,
        signed_by: printable.signed_by,
        void: VoidNotice::of(status, since),
        token: printable.certificate.token,
        kid: printable.certificate.kid,
        qr_svg,
        verify_url,
        ctx,
    })
}

/// `/verify/{number}`: the approval's live status, and a form to check a certificate;
/// kept per registry version as the registry's list is.
pub async fn verify_number(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let number = path.into_inner();
    let today = state.clock.today_in_vientiane();
    let key = format!("verify|{}|{today}|{number}", ctx.lang.code());
    let found = kept_or_read(&state, &key, move |conn, _| {
        certificates::record_and_certificate(conn, &number)
    })
    .await?;
    let title = ctx.t("verify-title");
    serve_kept(&req, ctx, &state, (key, title), found, |ctx, (row, _)| {
        VerifyContent {
            row: Some(PublicRow::new(ctx, &row, today)),
            token: String::new(),
            verdict: None,
            ctx,
        }
        .render_sized(8 * 1024)
    })
}

/// The verification page around `content`.
fn verify_page(ctx: PageCtx, content: VerifyContent<'_>) -> Result<KeptPage, AppError> {
    let content = Arc::from(content.render_sized(8 * 1024)?);
    Ok(KeptPage {
        title: ctx.t("verify-title"),
        content,
        ctx,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    token: String,
}

/// `/verify?token=…`: checks a pasted certificate and shows the approval's live status.
/// Text that is no certificate at all is refused (`422`), the page naming the problem.
pub async fn verify_token(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<VerifyQuery>,
) -> Result<HttpResponse, AppError> {
    let token = query.token.trim().to_string();
    if token.is_empty() {
        let content = VerifyContent {
            row: None,
            token,
            verdict: None,
            ctx: &ctx,
        };
        let page = verify_page(ctx.clone(), content)?;
        return Ok(page.respond_to(&req).map_into_boxed_body());
    }
    let work_token = token.clone();
    let authority = certificates::CertificateAuthority::from_settings(&state.settings);
    let now = state.clock.now();
    let (checked, live, logged) = read(&state, move |conn| {
        certificates::check_with_record(conn, &authority, &work_token, now)
    })
    .await?;
    let row = live.map(|r| PublicRow::new(&ctx, &r, state.clock.today_in_vientiane()));
    let content = VerifyContent {
        verdict: Some(Verdict::new(
            &ctx,
            (&checked, logged),
            row.as_ref(),
            state.clock.today_in_vientiane(),
        )),
        row,
        token,
        ctx: &ctx,
    };
    let page = verify_page(ctx.clone(), content)?;
    Ok(match checked {
        Check::Malformed => invalid(page, &req),
        _ => page.respond_to(&req).map_into_boxed_body(),
    })
}

/// `/registry/revocations.jwt`: the signed list of revoked and suspended approvals.
pub async fn revocations(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let authority = certificates::CertificateAuthority::from_settings(&state.settings);
    let now = state.clock.now();
    let token = read(&state, move |conn| {
        certificates::revocation_list(conn, &authority, now)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jwt")
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(token))
}

/// Registers the revocation list, before `/registry/{number}`, which would match it too.
pub fn configure_revocations(cfg: &mut web::ServiceConfig) {
    cfg.route("/registry/revocations.jwt", web::get().to(revocations));
}

/// Registers the printable certificate and its verification pages.
pub fn configure_verification(cfg: &mut web::ServiceConfig) {
    cfg.route("/registry/{number}/certificate", web::get().to(certificate))
        .route("/verify", web::get().to(verify_token))
        .route("/verify/{number}", web::get().to(verify_number));
}

/// Registers the key set that checks certificates.
pub fn configure_keys(cfg: &mut web::ServiceConfig) {
    cfg.route("/.well-known/jwks.json", web::get().to(jwks));
}
