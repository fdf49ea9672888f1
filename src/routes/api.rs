//! The JSON API under `/api/v1`: the token endpoint, a provider's applications and
//! connections (bearer token), and the public registry. The handlers run the same
//! workflows as the web pages; errors are problem documents (see `error_pages.rs`). The
//! OpenAPI document is generated from these handlers' annotations. A workflow's refusal
//! becomes its `AppError` as it is (`?` on `web::blocking::blocking`): bad input is a 422
//! problem listing each field.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use utoipa::OpenApi;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};

use crate::auth::api_token;
use crate::auth::rate_limit::Attempt;
use crate::views::api::{
    AnswerRequest, ApplicationDetail, ApplicationList, ApplicationSummary, ApplicationUpdate,
    Attachment, AttachmentUpload, ConnectionList, FieldProblem, FindingList, NewApplication,
    OwnConnection, OwnFinding, Problem, RegistryPage, RegistryParams, RegistryRecord, TokenRequest,
    TokenResponse,
};
use crate::views::certificates::verify_url;
use crate::views::registry::csv_response;
use crate::web::bearer::ApiCaller;
use crate::web::blocking::{blocking, read};
use crate::web::request::client_ip;
use crate::web::respond::audit_refusal;
use crate::web::upload::read_upload;
use crate::web::{AppError, AppState};
use crate::workflows::applications as apps;
use crate::workflows::certificates::CertificateAuthority;
use crate::workflows::registry::{self, PAGE_SIZE, PageAsked};
use crate::workflows::{Actor, DbConn, WorkflowError, api_clients, connections, transparency};

const PROBLEM: &str = "application/problem+json";
/// The most rows a registry page may ask for.
const MAX_PAGE: i64 = 200;

/// The application as its provider sees it, with its files, questions and decision.
fn detail_of(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> Result<ApplicationDetail, WorkflowError> {
    let own = apps::own_application(conn, actor, id)?;
    Ok(ApplicationDetail::new(
        &own.application,
        &own.attachments,
        &own.requests,
        own.approval_number,
    ))
}

/// The client's id and secret from HTTP Basic credentials (RFC 6749 §2.3.1: each
/// form-encoded), if the request carries them.
pub fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |raw: &str| {
        url::form_urlencoded::parse(format!("v={raw}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// Exchanges an API client's credentials for a short-lived bearer token.
#[utoipa::path(
    post,
    path = "/api/v1/token",
    tag = "authentication",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 401, description = "Unknown client, wrong secret, or a revoked client", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many token requests; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    // Taken as a result so that a body over the limit is a problem document like any other.
    let body = body.map_err(|e| {
        if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::TokenRefused("invalid_request")
        }
    })?;
    let form: TokenRequest = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::TokenRefused("invalid_request"))?;
    match form.grant_type.as_str() {
        "client_credentials" => {}
        "" => return Err(AppError::TokenRefused("invalid_request")),
        _ => return Err(AppError::TokenRefused("unsupported_grant_type")),
    }
    let (client_id, secret) =
        basic_credentials(&req).unwrap_or((form.client_id, form.client_secret));
    // No client's id holds a control character (and PostgreSQL cannot compare NUL).
    if client_id.is_empty()
        || secret.is_empty()
        || client_id.len() > 64
        || secret.len() > 256
        || client_id.chars().any(char::is_control)
    {
        return Err(AppError::TokenRefused("invalid_client"));
    }
    let ip = client_ip(&req);
    let attempt = Attempt {
        account: &client_id,
        address: &ip,
        label: &client_id,
    };
    if let Err(refused) = state.token_limiter.check(attempt) {
        return Err(AppError::TooManyRequests(
            audit_refusal(&state, refused).await?,
        ));
    }
    let now = state.clock.now();
    let lookup_id = client_id.clone();
    let version = read(&state, move |conn| {
        api_clients::authenticate(conn, &lookup_id, &secret, now)
    })
    .await?
    .ok_or(AppError::TokenRefused("invalid_client"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: api_token::issue(&state.settings.secret_key, &client_id, version, now),
            token_type: "Bearer",
            expires_in: api_token::LIFETIME_SECONDS,
        }))
}

/// The organisation's applications, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/applications",
    tag = "applications",
    responses((status = 200, description = "The organisation's applications", body = ApplicationList))
)]
pub async fn list_applications(
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<web::Json<ApplicationList>, AppError> {
    let org = caller.identity.organisation_id.clone();
    let apps = read(&state, move |conn| apps::list_own(conn, &org)).await?;
    Ok(web::Json(ApplicationList {
        items: apps.iter().map(ApplicationSummary::from).collect(),
    }))
}

/// Starts a draft; the person the client acts for is its contact unless the fields say
/// otherwise.
#[utoipa::path(
    post,
    path = "/api/v1/applications",
    tag = "applications",
    request_body = NewApplication,
    responses(
        (status = 201, description = "The new draft", body = ApplicationDetail,
            headers(("Location" = String, description = "The draft's address")),
            links(
                ("GetApplication" = (operation_id = "get_application", parameters(("id" = "$response.body#/id")))),
                ("UpdateApplication" = (operation_id = "update_application", parameters(("id" = "$response.body#/id")))),
                ("SubmitApplication" = (operation_id = "submit_application", parameters(("id" = "$response.body#/id")))),
                ("WithdrawApplication" = (operation_id = "withdraw_application", parameters(("id" = "$response.body#/id")))),
                ("UploadAttachment" = (operation_id = "upload_attachment", parameters(("id" = "$response.body#/id")))),
                ("AnswerRequest" = (operation_id = "answer_request", parameters(("id" = "$response.body#/id"))))
            )),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_application(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<NewApplication>,
) -> Result<HttpResponse, AppError> {
    let actor = caller.actor();
    let user = &caller.identity.user;
    let base = apps::contact_content(&user.name, &user.email);
    let body = body.into_inner();
    let content = body
        .fields
        .merged_into(&base, Some(body.declaration_accepted));
    let now = state.clock.now();
    let detail = blocking(&state.pool, move |conn| {
        let app = apps::create_draft_with_content(conn, &actor, &body.kind, &content, now)?;
        detail_of(conn, &actor, &app.id)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/applications/{}", detail.summary.id),
        ))
        .json(detail))
}

/// One of the organisation's applications in full.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}",
    tag = "applications",
    params(("id" = String, Path, description = "The application's id")),
    responses((status = 200, description = "The application", body = ApplicationDetail))
)]
pub async fn get_application(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationDetail>, AppError> {
    let (actor, id) = (caller.actor(), path.into_inner());
    Ok(web::Json(
        read(&state, move |conn| detail_of(conn, &actor, &id)).await?,
    ))
}

/// Changes the fields given and leaves the rest; only a draft, or an application sent
/// back with questions, can change.
#[utoipa::path(
    patch,
    path = "/api/v1/applications/{id}",
    tag = "applications",
    params(("id" = String, Path, description = "The application's id")),
    request_body = ApplicationUpdate,
    responses(
        (status = 200, description = "The application as saved", body = ApplicationDetail),
        (status = 409, description = "The application can no longer change", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_application(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    body: web::Json<ApplicationUpdate>,
) -> Result<web::Json<ApplicationDetail>, AppError> {
    let (actor, id, now) = (caller.actor(), path.into_inner(), state.clock.now());
    let update = body.into_inner();
    Ok(web::Json(
        blocking(&state.pool, move |conn| {
            apps::update(
                conn,
                &actor,
                &id,
                |content| {
                    update
                        .fields
                        .merged_into(content, update.declaration_accepted)
                },
                now,
            )?;
            detail_of(conn, &actor, &id)
        })
        .await?,
    ))
}

/// Submits a complete draft to the secretariat; every missing or wrong field is named.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/submit",
    tag = "applications",
    params(("id" = String, Path, description = "The application's id")),
    responses(
        (status = 200, description = "The submitted application", body = ApplicationDetail),
        (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The application is not complete", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn submit_application(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationDetail>, AppError> {
    let (actor, id) = (caller.actor(), path.into_inner());
    let work_state = state.clone();
    Ok(web::Json(
        blocking(&state.pool, move |conn| {
            apps::submit(
                conn,
                &actor,
                &id,
                work_state.clock.as_ref(),
                &work_state.settings.rules,
            )?;
            detail_of(conn, &actor, &id)
        })
        .await?,
    ))
}

/// Withdraws an application before its decision.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/withdraw",
    tag = "applications",
    params(("id" = String, Path, description = "The application's id")),
    responses(
        (status = 200, description = "The withdrawn application", body = ApplicationDetail),
        (status = 409, description = "Already decided or closed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn withdraw_application(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<web::Json<ApplicationDetail>, AppError> {
    let (actor, id, now) = (caller.actor(), path.into_inner(), state.clock.now());
    let rules = state.settings.rules.clone();
    Ok(web::Json(
        read(&state, move |conn| {
            apps::withdraw(conn, &actor, &id, now, &rules)?;
            detail_of(conn, &actor, &id)
        })
        .await?,
    ))
}

/// Adds a file (PDF, PNG or JPEG, judged by its content) to an application that can
/// still change.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/attachments",
    tag = "applications",
    params(("id" = String, Path, description = "The application's id")),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The file as stored", body = Attachment),
        (status = 409, description = "The application can no longer change", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown kind, or not a PDF, PNG or JPEG", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upload_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let upload = read_upload(
        req.headers(),
        payload,
        state.settings.rules.attachment_max_bytes,
    )
    .await?;
    let (actor, id, now) = (caller.actor(), path.into_inner(), state.clock.now());
    let stored = blocking(&state.pool, move |conn| {
        apps::add_attachment(
            conn,
            &actor,
            &id,
            &upload.kind,
            &upload.file_name,
            &upload.bytes,
            now,
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(Attachment::from(&stored)))
}

/// Answers the open information request and sends the application back to the
/// secretariat.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/answers",
    tag = "applications",
    params(("id" = String, Path, description = "The application's id")),
    request_body = AnswerRequest,
    responses(
        (status = 200, description = "The resubmitted application", body = ApplicationDetail),
        (status = 409, description = "No information request is open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The answer, or the application, is not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn answer_request(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    body: web::Json<AnswerRequest>,
) -> Result<web::Json<ApplicationDetail>, AppError> {
    let (actor, id) = (caller.actor(), path.into_inner());
    let work_state = state.clone();
    Ok(web::Json(
        blocking(&state.pool, move |conn| {
            apps::answer_and_resubmit(
                conn,
                &actor,
                &id,
                &body.answer,
                work_state.clock.as_ref(),
                &work_state.settings.rules,
            )?;
            detail_of(conn, &actor, &id)
        })
        .await?,
    ))
}

/// The organisation's connections with their expiries and deadlines.
#[utoipa::path(
    get,
    path = "/api/v1/connections",
    tag = "connections",
    responses((status = 200, description = "The organisation's connections", body = ConnectionList))
)]
pub async fn list_connections(
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<web::Json<ConnectionList>, AppError> {
    let org = caller.identity.organisation_id.clone();
    let (connections, cases) =
        read(&state, move |conn| connections::own_connections(conn, &org)).await?;
    Ok(web::Json(ConnectionList {
        items: connections
            .iter()
            .map(|c| OwnConnection::new(c, cases.iter().find(|s| s.connection_id == c.id)))
            .collect(),
    }))
}

/// The findings of the routing monitoring about the organisation's networks on which the
/// secretariat asked it to explain, highest score first.
#[utoipa::path(
    get,
    path = "/api/v1/findings",
    tag = "findings",
    responses((status = 200, description = "The organisation's findings", body = FindingList))
)]
pub async fn list_findings(
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<web::Json<FindingList>, AppError> {
    let org = caller.identity.organisation_id.clone();
    let found = read(&state, move |conn| {
        crate::workflows::findings::of_organisation(conn, &org)
    })
    .await?;
    Ok(web::Json(FindingList {
        items: found.iter().map(OwnFinding::new).collect(),
    }))
}

/// The public registry, filtered, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/registry",
    tag = "registry",
    params(RegistryParams),
    responses((status = 200, description = "A page of the registry", body = RegistryPage)),
    security(())
)]
pub async fn registry(
    state: web::Data<AppState>,
    params: web::Query<RegistryParams>,
) -> Result<web::Json<RegistryPage>, AppError> {
    let size = match params.limit {
        None => PAGE_SIZE,
        Some(n) if (1..=MAX_PAGE).contains(&n) => n,
        Some(_) => return Err(AppError::BadRequest("error-malformed-query")),
    };
    let asked = PageAsked::of(&params.filters(), size)?;
    let (rows, span) = read(&state, move |conn| registry::page(conn, asked)).await?;
    Ok(web::Json(RegistryPage {
        items: rows.iter().map(Into::into).collect(),
        next_cursor: span.after,
        previous_cursor: span.before,
        total: span.total,
    }))
}

/// One approval's public record, its history and its newest signed certificate.
#[utoipa::path(
    get,
    path = "/api/v1/registry/{approval_number}",
    tag = "registry",
    params(("approval_number" = String, Path, description = "The approval number, e.g. IC-2026-00001")),
    responses((status = 200, description = "The public record", body = RegistryRecord)),
    security(())
)]
pub async fn registry_record(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let number = path.into_inner();
    let key = format!("api-record|{number}");
    // Kept per registry version, as the registry's pages are.
    let authority = CertificateAuthority::from_settings(&state.settings);
    let now = state.clock.now();
    let (version, found) = crate::routes::registry::kept_or_read(&state, &key, move |conn, _| {
        let record = registry::record(conn, &number)?;
        let inclusion = match &record.certificate {
            Some(c) => transparency::inclusion(conn, &authority, &c.id, now)?,
            None => None,
        };
        Ok((record, inclusion))
    })
    .await?;
    let body = match found {
        Ok(body) => body,
        Err((record, inclusion)) => {
            let verify = verify_url(&state.settings.base_url, &record.row.approval_number);
            let json = serde_json::to_string(&RegistryRecord::new(
                &record.row,
                &record.events,
                (record.certificate.map(|c| c.token), inclusion),
                verify,
            ))
            .map_err(|e| AppError::Internal(e.into()))?;
            let body: std::sync::Arc<str> = std::sync::Arc::from(json);
            state.pages.put(key, version, body.clone());
            body
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body.to_string()))
}

/// The whole filtered registry as CSV, UTF-8 after a byte-order mark; wherever a cell or a
/// piece of one after `,` `;` tab `|` or a line end would start a formula, a `'` is put in
/// front of it.
#[utoipa::path(
    get,
    path = "/api/v1/registry.csv",
    tag = "registry",
    params(RegistryParams),
    responses((status = 200, description = "The registry as CSV", body = String, content_type = "text/csv")),
    security(())
)]
pub async fn registry_csv(
    state: web::Data<AppState>,
    params: web::Query<RegistryParams>,
) -> Result<HttpResponse, AppError> {
    let (filter, _) = registry::filter_of(&params.filters())?;
    Ok(csv_response(registry::export(state.pool.clone(), filter)))
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI document", body = Object)),
    security(())
)]
pub async fn openapi_json() -> HttpResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let body = DOCUMENT.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.as_str())
}

/// Adds what every operation shares: the security schemes, and the problem answers any
/// request may get (400 malformed, 401 and 429 with a bearer token, 404 on a record).
struct Shared;

impl utoipa::Modify for Shared {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token from `POST /api/v1/token`, valid 15 minutes."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "client_credentials",
            SecurityScheme::OAuth2(OAuth2::new([Flow::ClientCredentials(
                ClientCredentials::new("/api/v1/token", Scopes::new()),
            )])),
        );
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let public = operation
                    .security
                    .as_ref()
                    .is_some_and(|s| s.iter().all(|r| *r == Default::default()));
                if !public {
                    operation.security =
                        Some(vec![utoipa::openapi::security::SecurityRequirement::new(
                            "bearer",
                            Vec::<String>::new(),
                        )]);
                }
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| problem(description).into());
                };
                add("400", "The request is malformed");
                if operation.request_body.is_some() {
                    add("413", "The request body is over the size limit");
                }
                if !public {
                    add("401", "No token, or an expired, forged or revoked one");
                    add("429", "Over the client's request limit; see `Retry-After`");
                }
                if path.contains('{') {
                    add("404", "No such record, or not the organisation's own");
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Interconnect Registry API",
        version = "1",
        description = "Applications for international network connections, the provider's connections, and the public registry of approvals. Errors are RFC 9457 problem documents in the language of `Accept-Language` (`lo` or `en`)."
    ),
    paths(
        token,
        list_applications,
        create_application,
        get_application,
        update_application,
        submit_application,
        withdraw_application,
        upload_attachment,
        answer_request,
        list_connections,
        list_findings,
        registry,
        registry_record,
        registry_csv,
        openapi_json,
    ),
    components(schemas(Problem, FieldProblem)),
    modifiers(&Shared),
    tags(
        (name = "authentication", description = "Tokens for API clients"),
        (name = "applications", description = "The organisation's applications"),
        (name = "connections", description = "The organisation's approved connections"),
        (name = "findings", description = "Links routing data shows that the secretariat asked the organisation to explain"),
        (name = "registry", description = "The public registry, no sign-in"),
        (name = "meta", description = "This description"),
    )
)]
pub struct ApiDoc;

/// Registers the public registry of the API.
pub fn configure_registry(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/registry", web::get().to(registry))
        .route("/api/v1/registry.csv", web::get().to(registry_csv))
        .route(
            "/api/v1/registry/{approval_number}",
            web::get().to(registry_record),
        );
}

/// Registers the rest of the API: its description, tokens, and a provider's applications
/// and connections.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/openapi.json", web::get().to(openapi_json))
        .route("/api/v1/token", web::post().to(token))
        .route("/api/v1/applications", web::get().to(list_applications))
        .route("/api/v1/applications", web::post().to(create_application))
        .route("/api/v1/applications/{id}", web::get().to(get_application))
        .route(
            "/api/v1/applications/{id}",
            web::patch().to(update_application),
        )
        .route(
            "/api/v1/applications/{id}/submit",
            web::post().to(submit_application),
        )
        .route(
            "/api/v1/applications/{id}/withdraw",
            web::post().to(withdraw_application),
        )
        .route(
            "/api/v1/applications/{id}/attachments",
            web::post().to(upload_attachment),
        )
        .route(
            "/api/v1/applications/{id}/answers",
            web::post().to(answer_request),
        )
        .route("/api/v1/connections", web::get().to(list_connections))
        .route("/api/v1/findings", web::get().to(list_findings));
}
