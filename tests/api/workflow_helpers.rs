//! A committee and a provider, each member in a browser of their own, and the steps of
//! the application workflow as they would click them.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::helpers::{TestApp, TestUser, location};

/// A minimal, valid PDF.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// Every field of a complete application (connection type IP transit to Thailand).
pub fn complete_fields() -> Vec<(&'static str, String)> {
    let start = (chrono::Utc::now().date_naive() + chrono::TimeDelta::days(60)).to_string();
    vec![
        ("contact_name", "Noy Sisavath".into()),
        ("contact_email", "noy@skynet.example.la".into()),
        ("contact_phone", "+856 21 123 456".into()),
        ("local_contact_name", "Khamla".into()),
        ("local_contact_email", "lawful@skynet.example.la".into()),
        ("local_contact_phone", "+856 20 5555 1234".into()),
        ("connection_type", "ip_transit".into()),
        ("counterparty_name", "Thai Transit Co., Ltd.".into()),
        ("counterparty_country", "TH".into()),
        ("counterparty_asn", "AS38040".into()),
        ("counterparty_contact", "noc@transit.example.th".into()),
        ("endpoint_facility", "Skynet Vientiane DC1".into()),
        ("endpoint_province", "VT".into()),
        ("endpoint_coordinates", "17.9757, 102.6331".into()),
        ("capacity_mbps", "10000".into()),
        ("redundancy", "Two diverse paths via Nong Khai".into()),
        ("services_carried", "Internet transit".into()),
        ("customer_categories", "Residential, business".into()),
        ("equipment_vendors", "Juniper".into()),
        ("records_location", "Vientiane".into()),
        (
            "security_measures",
            "RPKI origin validation, abuse desk".into(),
        ),
        ("abuse_contact", "abuse@skynet.example.la".into()),
        ("requested_start_date", start),
        ("term_months", "60".into()),
        ("declared_by_name", "Noy Sisavath".into()),
        ("declaration_accepted", "on".into()),
    ]
}

/// A signed-in member of the cast.
pub struct Member {
    pub user: TestUser,
    pub browser: TestApp,
}

/// Everyone an application meets: the provider, the secretariat, three reviewers and
/// the chair (the chair and reviewers are the voting committee: four members).
pub struct Cast {
    pub provider: Member,
    pub secretariat: Member,
    pub technical: Member,
    pub security: Member,
    pub legal: Member,
    pub chair: Member,
}

async fn member(app: &TestApp, role: &str, domains: &[&str]) -> Member {
    let browser = app.another_browser();
    let user = app.create_member(role, domains);
    browser.sign_in_as(&user).await;
    Member { user, browser }
}

impl Cast {
    pub async fn assemble(app: &TestApp) -> Cast {
        let provider_browser = app.another_browser();
        let provider = app.create_user("org_admin", None);
        provider_browser.sign_in_as(&provider).await;
        Cast {
            provider: Member {
                user: provider,
                browser: provider_browser,
            },
            secretariat: member(app, "secretariat", &[]).await,
            technical: member(app, "reviewer", &["technical"]).await,
            security: member(app, "reviewer", &["security"]).await,
            legal: member(app, "reviewer", &["legal"]).await,
            chair: member(app, "chair", &["legal"]).await,
        }
    }

    pub fn voters(&self) -> [&Member; 4] {
        [&self.technical, &self.security, &self.legal, &self.chair]
    }
}

/// The id at the end of a `/applications/{id}/edit` redirect.
pub fn id_from(location: &str) -> String {
    location
        .trim_start_matches("/applications/")
        .trim_end_matches("/edit")
        .to_string()
}

impl Member {
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.browser.post(path, fields).await
    }

    /// POST and expect the 303 that follows success.
    pub async fn act(&self, path: &str, fields: &[(&str, &str)]) {
        let res = self.post(path, fields).await;
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::SEE_OTHER, "{path} failed: {body}");
    }

    pub async fn start_application(&self, kind: &str) -> String {
        let res = self.post("/applications", &[("kind", kind)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        id_from(&location(&res))
    }

    pub async fn save(
        &self,
        id: &str,
        fields: &[(&str, String)],
        intent: &str,
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form.push(("intent", intent));
        self.post(&format!("/applications/{id}/edit"), &form).await
    }

    pub async fn upload(
        &self,
        id: &str,
        kind: &str,
        name: &str,
        bytes: &[u8],
    ) -> reqwest::Response {
        self.upload_to(
            &format!("/applications/{id}/attachments"),
            kind,
            name,
            bytes,
        )
        .await
    }

    /// A multipart upload of one file to `path`, with the CSRF token and a `kind`.
    pub async fn upload_to(
        &self,
        path: &str,
        kind: &str,
        name: &str,
        bytes: &[u8],
    ) -> reqwest::Response {
        let token = self.browser.csrf().await;
        let form = Form::new()
            .text("csrf", token)
            .text("kind", kind.to_string())
            .part(
                "file",
                Part::bytes(bytes.to_vec()).file_name(name.to_string()),
            );
        self.browser
            .client
            .post(self.browser.url(path))
            .multipart(form)
            .send()
            .await
            .expect("upload")
    }

    /// An application of `kind` with both required files and `fields`, submitted;
    /// returns its id.
    pub async fn submit_application(&self, kind: &str, fields: &[(&str, String)]) -> String {
        let id = self.start_application(kind).await;
        for file_kind in ["network_diagram", "counterparty_contract"] {
            let res = self.upload(&id, file_kind, "diagram.pdf", PDF).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
        }
        let res = self.save(&id, fields, "submit").await;
        let status = res.status();
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "{}",
            res.text().await.unwrap()
        );
        id
    }

    /// A complete new application, submitted; returns its id.
    pub async fn submit_complete_application(&self) -> String {
        self.submit_application("new", &complete_fields()).await
    }
}

impl Member {
    /// Casts this member's vote on an application.
    pub async fn vote(&self, application_id: &str, choice: &str, reason: &str) {
        self.act(
            &format!("/committee/applications/{application_id}/vote"),
            &[("choice", choice), ("reason", reason)],
        )
        .await;
    }
}

impl Cast {
    /// A renewal of `approval_number`, submitted, reviewed by the technical member and put
    /// to the vote; returns its id.
    pub async fn renewal_in_vote(&self, approval_number: &str) -> String {
        let mut fields = complete_fields();
        fields.push(("related_approval_number", approval_number.to_string()));
        let renewal = self.provider.submit_application("renewal", &fields).await;
        self.review_and_open_vote(&renewal, &[(&self.technical, "technical")])
            .await;
        renewal
    }

    /// A submitted application screened (unless it already is), found complete,
    /// reviewed (approve) by each of `reviewers` in their area, and put to the vote.
    pub async fn review_and_open_vote(&self, id: &str, reviewers: &[(&Member, &str)]) {
        let case = format!("/committee/applications/{id}");
        if self.status_of(id) == "submitted" {
            self.secretariat.act(&format!("{case}/screen"), &[]).await;
        }
        self.secretariat.act(&format!("{case}/complete"), &[]).await;
        for (reviewer, domain) in reviewers {
            self.secretariat
                .act(
                    &format!("{case}/assign"),
                    &[("reviewer_id", &reviewer.user.id), ("domain", domain)],
                )
                .await;
        }
        for (reviewer, _) in reviewers {
            let assignment = self.assignment_of(id, &reviewer.user.id);
            reviewer
                .act(
                    &format!("{case}/review"),
                    &[
                        ("assignment_id", &assignment),
                        ("recommendation", "approve"),
                        ("comments", "INTERNAL-NOTE: fine"),
                    ],
                )
                .await;
        }
        self.secretariat
            .act(&format!("{case}/open-vote"), &[])
            .await;
    }

    /// Submitted, screened, complete, reviewed by all three reviewers, vote open.
    pub async fn application_in_vote(&self) -> String {
        let id = self.provider.submit_complete_application().await;
        let reviewers = [
            (&self.technical, "technical"),
            (&self.security, "security"),
            (&self.legal, "legal"),
        ];
        self.review_and_open_vote(&id, &reviewers).await;
        id
    }

    pub fn assignment_of(&self, application_id: &str, reviewer_id: &str) -> String {
        let assignments = interconnect_registry::db::models::committee::list_assignments(
            &mut self.provider.browser.conn(),
            application_id,
        )
        .unwrap();
        assignments
            .into_iter()
            .find(|(a, _)| a.reviewer_id == reviewer_id && a.completed_at.is_none())
            .map(|(a, _)| a.id)
            .expect("an open assignment")
    }

    pub fn status_of(&self, id: &str) -> String {
        interconnect_registry::db::models::application::find(&mut self.provider.browser.conn(), id)
            .unwrap()
            .unwrap()
            .status
            .into()
    }
}

impl Cast {
    /// An application taken through the vote to approval; returns the application id.
    pub async fn approve(&self, id: &str, validity_months: &str) {
        let case = format!("/committee/applications/{id}");
        for voter in self.voters() {
            voter.vote(id, "approve", "ok").await;
        }
        self.chair
            .act(
                &format!("{case}/decide"),
                &[
                    ("legal_basis", "Notice No. 258"),
                    ("validity_months", validity_months),
                    ("conditions", "Keep records"),
                ],
            )
            .await;
    }

    /// A new connection, approved; returns the connection.
    pub async fn approved_connection(
        &self,
    ) -> interconnect_registry::db::models::connection::Connection {
        let id = self.application_in_vote().await;
        self.approve(&id, "12").await;
        self.connection_of(&id)
    }

    /// Revokes a connection by due process: show-cause, the provider's answer, the
    /// chair's decision with a 15-day disconnection deadline.
    pub async fn revoke(&self, connection_id: &str) {
        let committee = format!("/committee/connections/{connection_id}");
        self.secretariat
            .act(
                &format!("{committee}/show-cause"),
                &[("notice", "Resale of capacity"), ("days", "10")],
            )
            .await;
        self.provider
            .act(
                &format!("/connections/{connection_id}/answer"),
                &[("answer", "It is not resale.")],
            )
            .await;
        self.chair
            .act(
                &format!("{committee}/decide"),
                &[
                    ("outcome", "revoke"),
                    ("reason", "Resale confirmed"),
                    ("disconnection_days", "15"),
                    ("confirm", "yes"),
                ],
            )
            .await;
    }

    pub fn connection_of(
        &self,
        application_id: &str,
    ) -> interconnect_registry::db::models::connection::Connection {
        use diesel::prelude::*;
        use interconnect_registry::db::schema::connections;
        let mut conn = self.provider.browser.conn();
        let conn: &mut interconnect_registry::db::DbConn = &mut conn;
        connections::table
            .filter(connections::application_id.eq(application_id))
            .select(interconnect_registry::db::models::connection::Connection::as_select())
            .first(conn)
            .expect("a connection for the application")
    }
}

/// Inserts `n` connections directly, approved a second apart after `start`.
pub fn insert_connections(
    app: &TestApp,
    application_id: &str,
    organisation_id: &str,
    start: i64,
    n: i64,
) {
    let mut conn = app.conn();
    let base = chrono::Utc::now().naive_utc() - chrono::TimeDelta::days(30);
    for i in start..start + n {
        let at = base + chrono::TimeDelta::seconds(i);
        let number = format!("IC-2000-{i:05}");
        interconnect_registry::db::models::connection::insert(
            &mut conn,
            &interconnect_registry::db::models::connection::NewConnection {
                id: &format!("conn-{i:05}"),
                approval_number: &number,
                application_id,
                organisation_id,
                status: "active",
                connection_type: "ip_transit",
                counterparty_name: "Bulk Co.",
                counterparty_country: "SG",
                capacity_mbps: 100,
                endpoint_province: "VT",
                terms: "{}",
                conditions: "",
                valid_from: at.date(),
                valid_until: at.date() + chrono::TimeDelta::days(365),
                approved_at: at,
                status_changed_at: at,
                search_text: &number.to_lowercase(),
                created_at: at,
                updated_at: at,
                counterparty_asn: None,
            },
        )
        .unwrap();
    }
}

/// An open `unapproved` finding of `organisation`'s AS64500 with AS64510, inserted as an
/// import's comparison would; returns its id.
pub fn insert_finding(app: &TestApp, organisation: &str) -> String {
    use interconnect_registry::db::models::routing::{self, FindingRow};
    let now = chrono::Utc::now().naive_utc();
    let id = format!("unapproved:64500:64510:{}", &organisation[..8]);
    routing::insert_finding(
        &mut app.conn(),
        &FindingRow {
            id: id.clone(),
            kind: "unapproved".into(),
            state: "open".into(),
            domestic_asn: 64500,
            foreign_asn: Some(64510),
            organisation_id: Some(organisation.to_string()),
            connection_id: None,
            exchange_id: None,
            connection_status: None,
            detail: "{}".into(),
            peers: 2,
            severity: 5,
            confidence: 3,
            impact: 2,
            score: 30,
            rank_parts: "{}".into(),
            first_seen: Some(now),
            last_seen: Some(now),
            still_seen: true,
            created_at: now,
            updated_at: now,
        },
    )
    .expect("insert a finding");
    id
}

/// A show-cause case at its notice against `organisation` on the finding `finding`, as
/// opening it from the finding leaves it; returns its id.
pub fn insert_link_case(app: &TestApp, finding: &str, organisation: &str, by: &str) -> String {
    use interconnect_registry::db::models::link_case::{self, LinkCase};
    let now = chrono::Utc::now().naive_utc();
    let id = uuid::Uuid::new_v4().to_string();
    link_case::insert(
        &mut app.conn(),
        &LinkCase {
            id: id.clone(),
            finding_id: finding.to_string(),
            organisation_id: organisation.to_string(),
            connection_id: None,
            stage: "notice".into(),
            notice: "Explain the link.".into(),
            opened_by: by.to_string(),
            opened_at: now,
            response_deadline: now + chrono::TimeDelta::days(30),
            answer: None,
            answered_at: None,
            decision: None,
            decided_by: None,
            decided_at: None,
            disconnection_deadline: None,
            confirmation: None,
            confirmed_at: None,
            verified_by: None,
            verified_at: None,
            still_seen_reason: None,
            evidence: "e.y.j".into(),
        },
    )
    .expect("insert a case");
    id
}
