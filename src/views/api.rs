//! What the JSON API sends and accepts, described for the OpenAPI document. Built from
//! rows here so that handlers stay thin; nothing confidential goes into a public shape.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::models::application::Application;
use crate::db::models::attachment::AttachmentInfo;
use crate::db::models::connection::{Connection, ConnectionEvent, PublicConnection, ShowCause};
use crate::db::models::information_request::InformationRequest;
use crate::domain::application::Status;
use crate::domain::application_form::ApplicationContent;
use crate::domain::connection::PUBLIC_EVENTS;
use crate::workflows::registry::RegistryQuery;
use crate::workflows::transparency::Inclusion;

/// Times are sent in UTC, RFC 3339.
fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// Declares the form's fields once: the struct the API reads and writes, and its
/// conversions to and from stored content.
macro_rules! application_fields {
    ($($field:ident),* $(,)?) => {
        /// The application form's fields, each optional. A field left out is unchanged
        /// by an update; an empty string clears it.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct ApplicationFields {
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                #[schema(max_length = 4000)]
                pub $field: Option<String>,
            )*
        }

        impl ApplicationFields {
            /// The fields given, by name.
            pub fn given(&self) -> Vec<(&'static str, &str)> {
                let mut out = Vec::new();
                $(
                    if let Some(value) = &self.$field {
                        out.push((stringify!($field), value.as_str()));
                    }
                )*
                out
            }

            pub fn of(content: &ApplicationContent) -> Self {
                Self {
                    $( $field: content.values.get(stringify!($field)).cloned(), )*
                }
            }
        }
    };
}

application_fields!(
    related_approval_number,
    contact_name,
    contact_email,
    contact_phone,
    local_contact_name,
    local_contact_email,
    local_contact_phone,
    connection_type,
    counterparty_name,
    counterparty_country,
    counterparty_asn,
    counterparty_contact,
    endpoint_facility,
    endpoint_province,
    endpoint_coordinates,
    border_crossing,
    capacity_mbps,
    redundancy,
    services_carried,
    customer_categories,
    equipment_vendors,
    records_location,
    security_measures,
    caller_id_integrity,
    simbox_detection,
    abuse_contact,
    foreign_holders,
    requested_start_date,
    term_months,
    declared_by_name,
);

impl ApplicationFields {
    /// `content` with the given fields written over it.
    pub fn merged_into(
        &self,
        content: &ApplicationContent,
        declaration: Option<bool>,
    ) -> ApplicationContent {
        let mut values: BTreeMap<String, String> = content.values.clone();
        for (field, value) in self.given() {
            values.insert(field.to_string(), value.to_string());
        }
        ApplicationContent::from_pairs(
            values.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            declaration.unwrap_or(content.declaration_accepted),
        )
    }
}

/// `POST /api/v1/token`, form-encoded (RFC 6749 §4.4). The client's id and secret may
/// come in the body or as HTTP Basic credentials. A `scope` is ignored: a token carries
/// every right of its client.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Always `client_credentials`.
    #[serde(default)]
    pub grant_type: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
}

/// A new draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    /// `new`, `modification`, `renewal` or `declaration`.
    pub kind: String,
    #[serde(default)]
    pub fields: ApplicationFields,
    #[serde(default)]
    pub declaration_accepted: bool,
}

/// Changes to a draft, or to an application sent back with questions.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationUpdate {
    #[serde(default)]
    pub fields: ApplicationFields,
    pub declaration_accepted: Option<bool>,
}

/// The answer to the open information request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    #[schema(max_length = 8000)]
    pub answer: String,
}

/// An attachment, sent as `multipart/form-data`.
// The handler reads the parts as a stream; this type only describes them.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AttachmentUpload {
    /// `network_diagram`, `counterparty_contract`, `licence_copy` or `other`.
    pub kind: String,
    /// PDF, PNG or JPEG.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
}

/// One application in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationSummary {
    pub id: String,
    /// Given on first submission.
    pub reference: Option<String>,
    pub kind: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decision_due_at: Option<DateTime<Utc>>,
}

impl From<&Application> for ApplicationSummary {
    fn from(app: &Application) -> Self {
        Self {
            id: app.id.clone(),
            reference: app.reference.clone(),
            kind: app.kind.into(),
            status: app.status.into(),
            created_at: utc(app.created_at),
            updated_at: utc(app.updated_at),
            submitted_at: app.submitted_at.map(utc),
            decision_due_at: app.decision_due_at.map(utc),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Attachment {
    pub id: String,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<&AttachmentInfo> for Attachment {
    fn from(a: &AttachmentInfo) -> Self {
        Self {
            id: a.id.clone(),
            kind: a.kind.clone(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size_bytes: a.size_bytes,
            sha256: a.sha256.clone(),
            uploaded_at: utc(a.uploaded_at),
        }
    }
}

/// A question from the secretariat, and the answer if given.
#[derive(Debug, Serialize, ToSchema)]
pub struct InformationRequestView {
    pub id: String,
    pub questions: String,
    pub requested_at: DateTime<Utc>,
    pub deadline_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub lapsed_at: Option<DateTime<Utc>>,
}

impl From<&InformationRequest> for InformationRequestView {
    fn from(r: &InformationRequest) -> Self {
        Self {
            id: r.id.clone(),
            questions: r.questions.clone(),
            requested_at: utc(r.requested_at),
            deadline_at: utc(r.deadline_at),
            answer: r.answer.clone(),
            answered_at: r.answered_at.map(utc),
            lapsed_at: r.lapsed_at.map(utc),
        }
    }
}

/// The committee's decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Decision {
    pub approved: bool,
    pub decided_at: DateTime<Utc>,
    pub conditions: String,
    pub validity_months: Option<i32>,
    pub legal_basis: String,
    pub reasons: String,
    /// The registry number of the approved connection.
    pub approval_number: Option<String>,
}

/// An application in full, as its provider sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDetail {
    #[serde(flatten)]
    pub summary: ApplicationSummary,
    pub revision: i32,
    pub fields: ApplicationFields,
    pub declaration_accepted: bool,
    pub attachments: Vec<Attachment>,
    pub information_requests: Vec<InformationRequestView>,
    pub decision: Option<Decision>,
}

impl ApplicationDetail {
    pub fn new(
        app: &Application,
        attachments: &[AttachmentInfo],
        requests: &[InformationRequest],
        approval_number: Option<String>,
    ) -> Self {
        let content = &app.content;
        Self {
            summary: ApplicationSummary::from(app),
            revision: app.revision,
            fields: ApplicationFields::of(content),
            declaration_accepted: content.declaration_accepted,
            attachments: attachments.iter().map(Attachment::from).collect(),
            information_requests: requests.iter().map(InformationRequestView::from).collect(),
            decision: app.decided_at.map(|decided_at| Decision {
                approved: app.status == Status::Approved,
                decided_at: utc(decided_at),
                conditions: app.decision_conditions.clone(),
                validity_months: app.decision_validity_months,
                legal_basis: app.decision_legal_basis.clone(),
                reasons: app.decision_reasons.clone(),
                approval_number,
            }),
        }
    }
}

/// One of the provider's own connections.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnConnection {
    pub id: String,
    pub approval_number: String,
    pub application_id: String,
    pub status: String,
    pub connection_type: String,
    pub counterparty_name: String,
    pub counterparty_country: String,
    pub capacity_mbps: i64,
    pub endpoint_province: String,
    pub conditions: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub approved_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub disconnection_deadline: Option<DateTime<Utc>>,
    /// The deadline to answer an open show-cause notice.
    pub show_cause_deadline: Option<DateTime<Utc>>,
}

impl OwnConnection {
    pub fn new(c: &Connection, case: Option<&ShowCause>) -> Self {
        Self {
            id: c.id.clone(),
            approval_number: c.approval_number.clone(),
            application_id: c.application_id.clone(),
            status: c.status.into(),
            connection_type: c.connection_type.clone(),
            counterparty_name: c.counterparty_name.clone(),
            counterparty_country: c.counterparty_country.clone(),
            capacity_mbps: c.capacity_mbps,
            endpoint_province: c.endpoint_province.clone(),
            conditions: c.conditions.clone(),
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            approved_at: utc(c.approved_at),
            revoked_at: c.revoked_at.map(utc),
            disconnection_deadline: c.disconnection_deadline.map(utc),
            show_cause_deadline: case
                .filter(|s| s.answered_at.is_none())
                .map(|s| utc(s.response_deadline)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionList {
    pub items: Vec<OwnConnection>,
}

/// A finding about the provider's own networks, on which the secretariat asked it to
/// explain.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnFinding {
    pub id: String,
    /// What the routing showed, e.g. `unapproved`, `seen_after_disconnection`.
    pub kind: String,
    /// `explanation_requested`, `explained`, `escalated` or `resolved`.
    pub state: String,
    pub domestic_asn: i64,
    pub foreign_asn: Option<i64>,
    pub foreign_country: Option<String>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// The deadline to answer, while an explanation is asked.
    pub explanation_due: Option<DateTime<Utc>>,
    /// The page where the provider answers.
    pub url: String,
}

impl OwnFinding {
    pub fn new(finding: &crate::db::models::routing::FindingFull) -> Self {
        let (row, case, side) = finding;
        Self {
            id: row.id.clone(),
            kind: row.kind.clone(),
            state: case.state.clone(),
            domestic_asn: row.domestic_asn,
            foreign_asn: row.foreign_asn,
            foreign_country: side.foreign_country.clone(),
            first_seen: row.first_seen.map(utc),
            last_seen: row.last_seen.map(utc),
            explanation_due: case.explanation_due.map(utc),
            url: format!("/findings/{}", crate::workflows::findings::url_id(&row.id)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingList {
    pub items: Vec<OwnFinding>,
}

/// Filters of the public registry.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct RegistryParams {
    /// ISO 3166-1 alpha-2 country of the counterparty.
    #[param(max_length = 2)]
    pub country: String,
    /// Connection type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub connection_type: String,
    /// `active`, `suspended`, `revoked` or `expired`.
    pub status: String,
    /// Part of the provider's English or Lao legal name, or of its short name, in any case.
    pub provider: String,
    /// Free text in the number, provider or counterparty.
    pub q: String,
    /// `newest` (default) or `expiry`.
    pub sort: String,
    /// The `next_cursor` of the page before: the page after it.
    pub after: String,
    /// The `previous_cursor` of the page after: the page before it.
    pub before: String,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

impl RegistryParams {
    pub fn filters(&self) -> RegistryQuery {
        RegistryQuery {
            country: self.country.clone(),
            connection_type: self.connection_type.clone(),
            status: self.status.clone(),
            provider: self.provider.clone(),
            q: self.q.clone(),
            sort: self.sort.clone(),
            after: self.after.clone(),
            before: self.before.clone(),
        }
    }
}

/// A connection in the public registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistryEntry {
    pub approval_number: String,
    pub provider_en: String,
    pub provider_lo: String,
    pub provider_slug: String,
    pub connection_type: String,
    pub counterparty_name: String,
    pub counterparty_country: String,
    pub status: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&PublicConnection> for RegistryEntry {
    fn from(r: &PublicConnection) -> Self {
        Self {
            approval_number: r.approval_number.clone(),
            provider_en: r.provider_en.clone(),
            provider_lo: r.provider_lo.clone(),
            provider_slug: r.provider_slug.clone(),
            connection_type: r.connection_type.clone(),
            counterparty_name: r.counterparty_name.clone(),
            counterparty_country: r.counterparty_country.clone(),
            status: r.status.into(),
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            revoked_at: r.revoked_at.map(utc),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistryPage {
    pub items: Vec<RegistryEntry>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Pass as `before` for the previous page; absent on the first page.
    pub previous_cursor: Option<String>,
    /// How many connections the filters match, on every page.
    pub total: i64,
}

/// A public event in a connection's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistryEvent {
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
}

/// A connection's public record.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistryRecord {
    #[serde(flatten)]
    pub entry: RegistryEntry,
    pub history: Vec<RegistryEvent>,
    /// The newest signed certificate (compact JWS, EdDSA), checked with the keys at
    /// `/.well-known/jwks.json`.
    pub certificate: Option<String>,
    /// The page showing the approval's live status.
    pub verify_url: String,
    /// Where the newest certificate stands in the registry's transparency log
    /// (`/transparency/`): its entry and the proof that a signed checkpoint includes it.
    /// None for a certificate issued before the log began.
    pub transparency: Option<Inclusion>,
}

impl RegistryRecord {
    pub fn new(
        row: &PublicConnection,
        events: &[ConnectionEvent],
        (certificate, transparency): (Option<String>, Option<Inclusion>),
        verify_url: String,
    ) -> Self {
        Self {
            entry: RegistryEntry::from(row),
            history: events
                .iter()
                .filter(|e| PUBLIC_EVENTS.contains(&e.kind.as_str()))
                .map(|e| RegistryEvent {
                    kind: e.kind.clone(),
                    occurred_at: utc(e.occurred_at),
                })
                .collect(),
            certificate,
            verify_url,
            transparency,
        }
    }
}

/// One problem with one field of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    /// A stable name of the problem, e.g. `required`.
    pub code: String,
    /// The problem in the reader's language (`Accept-Language`: `lo` or `en`).
    pub detail: String,
}

/// An error (RFC 9457), sent as `application/problem+json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub instance: String,
    /// A stable name of the problem, e.g. `not-found`.
    pub code: String,
    pub request_id: String,
    /// For a refused token request: the OAuth 2.0 error code (RFC 6749 §5.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a validation failure: each field's problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}
