//! The committee works a finding through the real server, on the demo's data (whose
//! routing files the demo seed imports): the queue, a finding's page, an explanation
//! requested of the provider, its answer with a file, refusals that keep what was typed,
//! the escalation's signed evidence, the resolution, the notices in the outbox, the
//! provider's API, and the disconnection that cannot be verified while routing still
//! shows the link.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::cli::run;
use crate::helpers::{TestApp, location};
use crate::workflow_helpers::PDF;
use interconnect_registry::domain::clock::Clock;
use interconnect_registry::seed::demo::DEMO_PASSWORD;
use interconnect_registry::workflows::findings::url_id;

/// Seeds the demo into the app's database and lists its findings (`findings --json`).
pub fn seed_demo(app: &TestApp) -> Vec<Value> {
    let (ok, out, err) = run(&app.database_url, &["seed-demo", "--json"], "");
    assert!(ok, "{out}{err}");
    let (ok, out, err) = run(&app.database_url, &["findings", "--json"], "");
    assert!(ok, "{err}");
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

pub fn find<'a>(findings: &'a [Value], kind: &str, domestic: i64, foreign: i64) -> &'a Value {
    findings
        .iter()
        .find(|f| f["kind"] == kind && f["domestic_asn"] == domestic && f["foreign_asn"] == foreign)
        .unwrap_or_else(|| panic!("no {kind} finding {domestic}–{foreign} in {findings:#?}"))
}

/// A browser signed in as a demo account (staff set up their second factor).
pub async fn demo_browser(app: &TestApp, email: &str) -> TestApp {
    let browser = app.another_browser();
    let res = browser.sign_in(email, DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    if location(&res).starts_with("/sign-in/two-factor") {
        browser.give_second_factor(email).await;
    }
    browser
}

/// Posts a finding's step form (multipart) with its CSRF token, as the page sends it.
pub async fn step(
    browser: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<&[u8]>,
) -> reqwest::Response {
    let mut form = Form::new().text("csrf", browser.csrf().await);
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some(bytes) = file {
        form = form.part(
            "file",
            Part::bytes(bytes.to_vec()).file_name("contract.pdf"),
        );
    }
    browser
        .client
        .post(browser.url(path))
        .multipart(form)
        .send()
        .await
        .expect("POST a step")
}

pub fn outbox(app: &TestApp, message: &str) -> Vec<(String, String)> {
    use interconnect_registry::db::models::outbox;
    outbox::list_recent(&mut app.conn(), None, None, 500)
        .unwrap()
        .into_iter()
        .filter(|m| m.message == message)
        .map(|m| (m.recipient_email, m.language))
        .collect()
}

#[tokio::test]
async fn the_demo_imports_routing_in_which_its_providers_links_raise_findings() {
    let app = TestApp::spawn().await;
    let findings = seed_demo(&app);
    let approved = find(&findings, "approved", 151234, 38040);
    assert!(approved["approval_number"].is_string(), "{approved}");
    assert_eq!(approved["organisation"], "lao-skynet");
    let unapproved = find(&findings, "unapproved", 151234, 4637);
    assert!(unapproved["approval_number"].is_null());
    let after = find(&findings, "seen_after_disconnection", 151234, 4651);
    assert_eq!(after["organisation"], "lao-skynet");
    find(&findings, "seen_while_suspended", 152345, 7552);
    find(&findings, "approved_not_observed", 151234, 13335);
    for f in [approved, unapproved, after] {
        assert_eq!(f["peers"], 2, "{f}");
    }
    let (ok, out, _) = run(&app.database_url, &["routing-imports", "--json"], "");
    assert!(ok);
    let kinds: Vec<String> = serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    for kind in ["rir", "as2org", "mrt"] {
        assert!(kinds.iter().any(|k| k == kind), "{kinds:?}");
    }
}

#[tokio::test]
async fn a_finding_goes_from_the_queue_through_an_answer_to_escalation_with_signed_evidence() {
    let app = TestApp::spawn().await;
    let findings = seed_demo(&app);
    let id = find(&findings, "unapproved", 151234, 4637)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = url_id(&id);
    let staff_page = format!("/committee/findings/{token}");
    let provider_page = format!("/findings/{token}");

    let secretariat = demo_browser(&app, "secretariat@registry.demo.la").await;
    let (status, queue) = secretariat
        .page("/committee/findings?kind=unapproved")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue.contains(&staff_page), "the queue links the finding");
    assert!(queue.contains("AS4637 Pacific Transit Ltd."), "{queue}");
    assert!(queue.contains("Lao Skynet Broadband Co., Ltd."));
    let (status, _) = secretariat.page("/committee/findings?kind=nonsense").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, page) = secretariat.page(&staff_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("no approval in the registry covers a link between them"));
    assert!(
        page.contains("<mark>4637</mark>"),
        "the pair is marked in the path"
    );
    assert!(page.contains("not proof of a physical circuit"));

    // Before anything is asked, the provider does not see the finding.
    let provider = demo_browser(&app, "admin@lao-skynet.demo.la").await;
    assert_eq!(provider.page(&provider_page).await.0, StatusCode::NOT_FOUND);

    // A reviewer may read but not act.
    let reviewer = demo_browser(&app, "reviewer.legal@registry.demo.la").await;
    let res = step(
        &reviewer,
        &format!("{staff_page}/request-explanation"),
        &[("request_text", "Explain")],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Bad input comes back with what was typed and the problem named.
    let res = step(
        &secretariat,
        &format!("{staff_page}/request-explanation"),
        &[
            ("request_text", "Who operates the link to AS4637?"),
            ("days", "999"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Who operates the link to AS4637?"));
    assert!(html.contains("id=\"e-days\""));

    let res = step(
        &secretariat,
        &format!("{staff_page}/request-explanation"),
        &[
            ("request_text", "Who operates the link to AS4637?"),
            ("days", "10"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let asked = outbox(&app, "finding_explanation_requested");
    assert!(
        asked.iter().any(|(to, _)| to == "admin@lao-skynet.demo.la"),
        "{asked:?}"
    );
    assert!(
        !asked
            .iter()
            .any(|(to, _)| to.ends_with("mekong-fibre.demo.la")),
        "{asked:?}"
    );

    // The provider now sees it, in its list and the API; the other provider does not.
    let (status, list) = provider.page("/findings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&provider_page));
    let other = demo_browser(&app, "admin@mekong-fibre.demo.la").await;
    assert_eq!(other.page(&provider_page).await.0, StatusCode::NOT_FOUND);
    assert!(!other.page("/findings").await.1.contains(&provider_page));

    let res = step(
        &provider,
        &format!("{provider_page}/answer"),
        &[("answer_text", "")],
        Some(PDF),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = step(
        &provider,
        &format!("{provider_page}/answer"),
        &[(
            "answer_text",
            "A test link of our Hong Kong partner, now removed.",
        )],
        Some(PDF),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!outbox(&app, "finding_answered").is_empty());

    // The provider starts a declaration of the link, its form filled from the finding.
    let res = provider
        .post(&format!("{provider_page}/declare"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let edit = location(&res);
    assert!(
        edit.starts_with("/applications/") && edit.ends_with("/edit"),
        "{edit}"
    );
    let form = provider.page(&edit).await.1;
    assert!(
        form.contains("value=\"AS4637\""),
        "the counterparty's AS is filled in"
    );
    assert!(form.contains("Pacific Transit Ltd."));
    assert!(
        other
            .post(&format!("{provider_page}/declare"), &[])
            .await
            .status()
            == StatusCode::NOT_FOUND
    );
    let page = secretariat.page(&staff_page).await.1;
    assert!(page.contains("A test link of our Hong Kong partner, now removed."));
    assert!(
        page.contains("badge-draft"),
        "the committee follows the declaration to its decision"
    );
    assert!(page.contains("contract.pdf"));

    // Escalation asks for confirmation, then signs the evidence.
    let res = step(
        &secretariat,
        &format!("{staff_page}/escalate"),
        &[("escalate_text", "No approval was ever sought.")],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("No approval was ever sought.")
    );
    let res = step(
        &secretariat,
        &format!("{staff_page}/escalate"),
        &[
            ("escalate_text", "No approval was ever sought."),
            ("confirm", "yes"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!outbox(&app, "finding_escalated").is_empty());
    let res = secretariat.get(&format!("{staff_page}/evidence")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let jws = res.text().await.unwrap();
    let claims = verified_claims(&secretariat, &jws).await;
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["foreign_asn"], 4637);
    assert_eq!(claims["sightings"][0]["collector"], "demo-collector");
    assert!(claims["sightings"][0]["sha256"].as_str().unwrap().len() == 64);
    let steps: Vec<&str> = claims["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["request_explanation", "answer", "declare"]);

    // The answer period is over once escalated: the provider's answer is refused.
    let res = step(
        &provider,
        &format!("{provider_page}/answer"),
        &[("answer_text", "More")],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("More"));

    let chair = demo_browser(&app, "chair@registry.demo.la").await;
    let res = step(
        &chair,
        &format!("{staff_page}/resolve"),
        &[
            ("resolve_text", "Disconnected; verified on site."),
            ("confirm", "yes"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, out, _) = run(
        &app.database_url,
        &["findings", "--state", "resolved", "--json"],
        "",
    );
    assert!(out.contains(&id), "{out}");
    let actions =
        interconnect_registry::db::audit::list_for_subject(&mut app.conn(), "finding", &id)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect::<Vec<_>>();
    assert_eq!(
        actions,
        [
            "finding.request_explanation",
            "finding.answer",
            "finding.declare",
            "finding.escalate",
            "finding.resolve"
        ]
    );
}

/// The claims of an evidence bundle, after checking its signature against the key the
/// registry publishes.
pub async fn verified_claims(browser: &TestApp, jws: &str) -> Value {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    let header = jsonwebtoken::decode_header(jws).unwrap();
    let jwks: Value = browser
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("the signing key is published");
    let public: [u8; 32] = URL_SAFE_NO_PAD
        .decode(key["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let (signed, signature) = jws.rsplit_once('.').unwrap();
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    VerifyingKey::from_bytes(&public)
        .unwrap()
        .verify(signed.as_bytes(), &signature)
        .expect("the evidence verifies with the published key");
    let payload = signed.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn a_disconnection_is_verified_while_routing_still_shows_the_link_only_with_a_reason() {
    let app = TestApp::spawn().await;
    seed_demo(&app);
    // The demo's revoked link, taken back to "disconnection confirmed, not yet verified".
    app.execute(
        "UPDATE connections SET disconnection_verified_at = NULL WHERE counterparty_asn = 4651",
    );
    let id: String = {
        use interconnect_registry::db::models::connection;
        connection::list_all(&mut app.conn())
            .unwrap()
            .into_iter()
            .find(|c| c.counterparty_asn == Some(4651))
            .unwrap()
            .id
    };
    let secretariat = demo_browser(&app, "secretariat@registry.demo.la").await;
    let path = format!("/committee/connections/{id}/verify");
    let res = secretariat.post(&path, &[("still_seen_reason", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The latest routing data still shows this link")
    );
    let res = secretariat
        .post(
            &path,
            &[(
                "still_seen_reason",
                "Site visit on 2026-12-01: the cross-connect is removed; the route is a stale announcement.",
            )],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = secretariat
        .page(&format!("/committee/connections/{id}"))
        .await
        .1;
    assert!(page.contains("the route is a stale announcement"));
}

#[tokio::test]
async fn the_api_lists_a_providers_own_findings_once_an_explanation_is_asked() {
    let app = TestApp::spawn().await;
    let findings = seed_demo(&app);
    let id = find(&findings, "unapproved", 151234, 4637)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, out, err) = run(
        &app.database_url,
        &[
            "create-api-client",
            "--org",
            "lao-skynet",
            "--user",
            "admin@lao-skynet.demo.la",
            "--name",
            "NOC",
            "--json",
        ],
        "",
    );
    assert!(ok, "{err}");
    let client: Value = serde_json::from_str(&out).unwrap();
    let token: Value = app
        .client
        .post(app.url("/api/v1/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client["client_id"].as_str().unwrap()),
            ("client_secret", client["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let list = |token: String| {
        let client = app.client.clone();
        let url = app.url("/api/v1/findings");
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(list(token.clone()).await["items"], serde_json::json!([]));
    let secretariat = demo_browser(&app, "secretariat@registry.demo.la").await;
    let res = step(
        &secretariat,
        &format!("/committee/findings/{}/request-explanation", url_id(&id)),
        &[("request_text", "Explain the link, please.")],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let items = list(token).await["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["state"], "explanation_requested");
    assert!(items[0]["explanation_due"].is_string());
}

#[tokio::test]
async fn the_monitoring_overview_draws_the_demos_links_by_finding_and_warns_of_missing_data() {
    let app = TestApp::spawn().await;
    seed_demo(&app);
    let auditor = {
        let user = app.create_user("auditor", None);
        let browser = app.another_browser();
        browser.sign_in_as(&user).await;
        browser
    };
    let (status, html) = auditor.page("/committee/monitoring").await;
    assert_eq!(status, StatusCode::OK);
    // A drawn link is a path with its title; the legend's keys are lines.
    let links = |class: &str| {
        let plain = format!("class=\"link link-{class}\"><title>");
        let dashed = format!("class=\"link link-{class}\" stroke-dasharray=\"7 5\"><title>");
        html.matches(&plain).count() + html.matches(&dashed).count()
    };
    // Thai Transit; Pacific Transit; Bangkok Voice; Viettel (suspended); the cloud
    // on-ramp and the Singapore exchange (approved, not seen).
    assert_eq!(links("approved"), 1, "{html}");
    assert_eq!(links("unapproved"), 1);
    assert_eq!(links("disconnected"), 1);
    assert_eq!(links("lapsed"), 1);
    assert_eq!(links("not-observed"), 2);
    assert_eq!(
        html.matches("stroke-dasharray").count(),
        links("not-observed") + 1,
        "the not-observed links and their legend key are dashed, nothing else"
    );
    assert_eq!(links("sibling"), 0);
    assert!(html.contains("Pacific Transit Ltd."));
    assert!(html.contains("Hong Kong"), "countries are named");
    // One import so far: the frontier counts Lao Skynet's and Mekong Fibre's networks.
    assert!(html.contains("Domestic networks with direct foreign links"));
    assert!(html.contains("rib.demo.bz2"));
    assert!(html.contains("AS151234, AS152345"), "coverage of the dump");
    assert!(
        html.contains("No PeeringDB file has been imported."),
        "the missing reference data is named"
    );
    assert!(!html.contains("No routing dump has been imported"));
    auditor
        .post(
            "/language",
            &[("lang", "lo"), ("next", "/committee/monitoring")],
        )
        .await;
    let (status, lao) = auditor.page("/committee/monitoring").await;
    assert_eq!(status, StatusCode::OK);
    assert!(lao.contains("<h1>ການຕິດຕາມເສັ້ນທາງ</h1>"), "{lao}");
    assert!(lao.contains("ຍັງບໍ່ມີການນຳເຂົ້າໄຟລ໌ ຖານຂໍ້ມູນ PeeringDB."));
}

#[tokio::test]
async fn a_providers_monitoring_page_sets_its_approvals_beside_what_routing_shows() {
    let app = TestApp::spawn().await;
    seed_demo(&app);
    let chair = demo_browser(&app, "chair@registry.demo.la").await;
    let (status, html) = chair
        .page("/committee/monitoring/providers/lao-skynet")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Lao Skynet Broadband Co., Ltd."));
    // The IP transit to Thai Transit is seen; the cloud on-ramp is not.
    let row = |needle: &str| {
        html.split("<tr>")
            .find(|row| row.contains(needle))
            .unwrap_or_else(|| panic!("no row with {needle}"))
            .to_string()
    };
    assert!(row("Thai Transit Co., Ltd. · Thailand").contains("Approved link seen"));
    assert!(row("Cloud Edge Pte. Ltd.").contains("Approved link not seen"));
    assert!(row("Bangkok Voice Exchange · Thailand").contains("Seen after disconnection"));
    // Its routes pass through three foreign networks: Thai Transit carries two /20s of
    // its space, the others one each.
    let thai = row("AS38040 Thai Transit Co., Ltd.");
    assert!(thai.contains("8,192") && thai.contains("100%"), "{thai}");
    let pacific = row("AS4637 Pacific Transit Ltd.");
    assert!(
        pacific.contains("4,096") && pacific.contains("50%"),
        "{pacific}"
    );
    assert!(html.contains("PeeringDB lists this provider at no exchange abroad."));
    let provider = demo_browser(&app, "admin@lao-skynet.demo.la").await;
    assert_eq!(
        provider
            .page("/committee/monitoring/providers/lao-skynet")
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        chair.page("/committee/monitoring/providers/nobody").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_explanation_holds_until_its_end_and_a_finding_seen_after_it_reopens() {
    let app = TestApp::spawn().await;
    let findings = seed_demo(&app);
    let id = find(&findings, "unapproved", 151234, 4637)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = format!("/committee/findings/{}", url_id(&id));
    let secretariat = demo_browser(&app, "secretariat@registry.demo.la").await;

    // Linking to another provider's approval is refused, naming the field.
    let other_number = {
        use interconnect_registry::db::models::{connection, organisation};
        let mekong = organisation::find_by_slug(&mut app.conn(), "mekong-fibre")
            .unwrap()
            .unwrap();
        connection::list_by_organisation(&mut app.conn(), &mekong.id)
            .unwrap()
            .remove(0)
            .approval_number
    };
    let res = step(
        &secretariat,
        &format!("{page}/link"),
        &[("approval_number", &other_number)],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("id=\"e-approval_number\"")
    );

    // An end in the past is refused with the reason kept; a reason must be chosen.
    let res = step(
        &secretariat,
        &format!("{page}/explain"),
        &[
            ("explain_text", "A backup path of the Thai transit."),
            ("expires", "2020-01-01"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"e-expires\"") && html.contains("id=\"e-reason\""));
    assert!(html.contains("A backup path of the Thai transit."));

    let until = (app.clock.now() + chrono::TimeDelta::days(2)).date();
    let res = step(
        &secretariat,
        &format!("{page}/explain"),
        &[
            ("explain_text", "A backup path of the Thai transit."),
            ("reason", "backup_link"),
            ("expires", &until.to_string()),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let state = |app: &TestApp| {
        let (_, out, _) = run(&app.database_url, &["findings", "--json"], "");
        serde_json::from_str::<Vec<Value>>(&out)
            .unwrap()
            .into_iter()
            .find(|f| f["id"] == id.as_str())
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state(&app), "explained");

    // Routing seen again before the explanation's end keeps it explained; seen after it,
    // the finding reopens, and its history says why.
    let import = |at: chrono::NaiveDateTime| {
        interconnect_registry::seed::routing::import_demo_routing(
            &mut app.conn(),
            &app.settings.monitoring,
            at,
        )
        .unwrap();
    };
    import(app.clock.now() + chrono::TimeDelta::days(1));
    assert_eq!(state(&app), "explained");
    import(app.clock.now() + chrono::TimeDelta::days(5));
    assert_eq!(state(&app), "open");
    let history = secretariat.page(&page).await.1;
    assert!(history.contains("Reopened: seen again"), "{history}");
    assert!(history.contains("Routing monitoring"));
}
