//! Approval certificates checked the way an outsider would: fetch the published keys over
//! HTTP and verify the token's Ed25519 signature with a plain Ed25519 library, not with the
//! code that signed it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use interconnect_registry::db::models::certificate as certificate_db;
use interconnect_registry::db::models::connection::Connection;
use interconnect_registry::domain::clock::Clock;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::workflow_helpers::Cast;

async fn jwks(app: &TestApp) -> serde_json::Value {
    let res = reqwest::get(app.url("/.well-known/jwks.json"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[reqwest::header::CONTENT_TYPE],
        "application/jwk-set+json"
    );
    res.json().await.unwrap()
}

fn kids(set: &serde_json::Value) -> Vec<String> {
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

/// The claims, if the token's signature verifies with a key of the set.
fn verify(set: &serde_json::Value, token: &str) -> Option<serde_json::Value> {
    let (signed, signature) = token.rsplit_once('.')?;
    let (header, payload) = signed.split_once('.')?;
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header["alg"] != "EdDSA" {
        return None;
    }
    let key = set["keys"]
        .as_array()?
        .iter()
        .find(|k| k["kid"] == header["kid"] && k["kty"] == "OKP" && k["crv"] == "Ed25519")?;
    let public: [u8; 32] = URL_SAFE_NO_PAD
        .decode(key["x"].as_str()?)
        .ok()?
        .try_into()
        .ok()?;
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?).ok()?;
    VerifyingKey::from_bytes(&public)
        .ok()?
        .verify(signed.as_bytes(), &signature)
        .ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

fn certificate_of(app: &TestApp, connection: &Connection) -> certificate_db::Certificate {
    certificate_db::latest_for(&mut app.conn(), &connection.id)
        .unwrap()
        .expect("the approval issued a certificate")
}

#[tokio::test]
async fn an_approval_certificate_verifies_with_the_published_key_and_a_changed_byte_does_not() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let certificate = certificate_of(&app, &connection);
    let set = jwks(&app).await;
    assert_eq!(kids(&set), vec![certificate.kid.clone()]);

    let claims = verify(&set, &certificate.token).expect("the certificate verifies");
    assert_eq!(claims["sub"], connection.approval_number.as_str());
    assert_eq!(
        claims["iss"],
        app.settings.base_url.as_str().trim_end_matches('/')
    );
    assert_eq!(claims["country"], "TH");
    assert_eq!(claims["counterparty"], "Thai Transit Co., Ltd.");
    assert_eq!(claims["connection_type"], "ip_transit");
    assert_eq!(claims["capacity_mbps"], 10000);
    assert_eq!(claims["valid_until"], connection.valid_until.to_string());
    assert!(claims["provider"].as_str().unwrap().ends_with("Co., Ltd."));

    for position in [10, certificate.token.len() / 2, certificate.token.len() - 3] {
        let mut bytes = certificate.token.clone().into_bytes();
        bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(bytes).unwrap();
        assert!(verify(&set, &changed).is_none(), "changed at {position}");
    }
}

#[tokio::test]
async fn after_key_rotation_old_and_new_certificates_both_verify_until_the_old_expire() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let first = cast.approved_connection().await;
    let old = certificate_of(&app, &first);

    let (ok, out, err) = crate::cli::run(&app.database_url, &["rotate-signing-key", "--json"], "");
    assert!(ok, "{err}");
    let rotated: serde_json::Value = serde_json::from_str(&out).unwrap();
    let new_kid = rotated["kid"].as_str().unwrap().to_string();
    assert_ne!(new_kid, old.kid);

    let id = cast.application_in_vote().await;
    cast.approve(&id, "36").await;
    let second = cast.connection_of(&id);
    let new = certificate_of(&app, &second);
    assert_eq!(new.kid, new_kid);

    let set = jwks(&app).await;
    assert_eq!(kids(&set), [new_kid.clone(), old.kid.clone()]);
    assert!(verify(&set, &old.token).is_some());
    assert!(verify(&set, &new.token).is_some());

    app.clock.advance(
        TimeDelta::days((first.valid_until - app.clock.today_in_vientiane()).num_days())
            + TimeDelta::days(1),
    );
    let set = jwks(&app).await;
    assert_eq!(
        kids(&set),
        [new_kid],
        "a retired key goes once its certificates have expired"
    );
    assert!(verify(&set, &new.token).is_some());
}

#[tokio::test]
async fn the_printable_certificate_carries_a_qr_code_of_its_verification_page() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let number = &connection.approval_number;
    let public = app.another_browser();
    let (status, page) = public
        .page(&format!("/registry/{number}/certificate"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let verify_url = format!("{}/verify/{number}", app.address);
    assert!(page.contains("<svg"), "an inline SVG QR code");
    assert!(!page.contains("<?xml"));
    assert!(page.contains(&format!("href=\"{verify_url}\"")));
    assert!(page.contains(&certificate_of(&app, &connection).token));
    let (status, page) = public.page(&format!("/verify/{number}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("badge-active"));
    assert_eq!(
        public
            .get("/registry/IC-1999-00001/certificate")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// The printable certificate of `number` for a browser asking for `language`.
async fn printed(app: &TestApp, number: &str, language: &str) -> String {
    let res = crate::helpers::client(language)
        .get(app.url(&format!("/registry/{number}/certificate")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_certificate_states_its_signed_terms_and_decision_and_says_across_the_page_when_no_longer_in_force()
 {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let number = connection.approval_number.as_str();
    let today = interconnect_registry::domain::clock::in_vientiane(&app.clock.now(), "%Y-%m-%d");
    let today_lo = interconnect_registry::domain::clock::in_vientiane(&app.clock.now(), "%d/%m/%Y");

    // In force: the ministry's letterhead in both languages, the signed terms, the
    // decision's conditions and legal basis, the chair who signed, and no band.
    let page = printed(&app, number, "en").await;
    let certificate = crate::helpers::text_of(&page, "article.certificate").unwrap();
    for text in [
        "ສາທາລະນະລັດ ປະຊາທິປະໄຕ ປະຊາຊົນລາວ",
        "Lao People's Democratic Republic",
        "ກະຊວງເຕັກໂນໂລຊີ ແລະ ການສື່ສານ",
        "Ministry of Technology and Communications",
        "Mbit/s",
        "Keep records",
        "Notice No. 258",
        "Signed for the committee by its chair, Test chair.",
    ] {
        assert!(certificate.contains(text), "{text} on the certificate");
    }
    assert!(crate::helpers::text_of(&page, ".certificate-void-band").is_none());

    // A provider renaming itself does not rename what was certified.
    cast.provider
        .act(
            "/organisation/edit",
            &[
                ("name_en", "Totally Different Telecom Ltd."),
                ("name_lo", "ບໍລິສັດ ອື່ນ"),
                ("asns", ""),
            ],
        )
        .await;
    let page = printed(&app, number, "en").await;
    assert!(!page.contains("Totally Different"), "the signed name stays");

    let committee = format!("/committee/connections/{}", connection.id);
    cast.chair
        .act(
            &format!("{committee}/suspend"),
            &[("reason", "Interference"), ("confirm", "yes")],
        )
        .await;
    for language in ["en", "lo"] {
        let page = printed(&app, number, language).await;
        let band = crate::helpers::text_of(&page, ".certificate-void-band").expect("a band");
        assert!(
            band.contains(&format!("SUSPENDED since {today}"))
                && band.contains(&format!("ຖືກໂຈະ ແຕ່ ວັນທີ {today_lo}")),
            "{language}: {band}"
        );
        let mark = crate::helpers::text_of(&page, ".certificate-watermark").unwrap();
        assert!(
            mark.contains("SUSPENDED") && mark.contains("ຖືກໂຈະ"),
            "{mark}"
        );
        let title = crate::helpers::text_of(&page, "title").unwrap();
        let status = if language == "en" {
            "Suspended"
        } else {
            "ຖືກໂຈະ"
        };
        assert!(title.contains(status), "{title}");
    }
    cast.chair
        .act(&format!("{committee}/reinstate"), &[("reason", "Fixed")])
        .await;
    let page = printed(&app, number, "en").await;
    assert!(crate::helpers::text_of(&page, ".certificate-void-band").is_none());

    cast.revoke(&connection.id).await;
    let page = printed(&app, number, "en").await;
    let band = crate::helpers::text_of(&page, ".certificate-void-band").unwrap();
    assert!(band.contains("REVOKED with effect from"), "{band}");
    assert!(band.contains("ຖືກຖອນຄືນ"), "{band}");

    // Past its last day, the scheduler expires it, and its certificate says when it ended.
    let other = cast.approved_connection().await;
    app.clock.advance(TimeDelta::days(800));
    app.run_scheduler();
    let page = printed(&app, &other.approval_number, "en").await;
    let band = crate::helpers::text_of(&page, ".certificate-void-band").unwrap();
    assert!(
        band.contains(&format!(
            "EXPIRED: this approval ended on {}",
            other.valid_until
        )),
        "{band}"
    );
}

/// The verdict box of the verification page for `token`.
/// Text that is no certificate at all is refused (422); a certificate gets a verdict (200).
/// The verdict box of `/verify` for a pasted `token`, as text.
pub async fn verdict(app: &TestApp, token: &str) -> String {
    let res = app
        .client
        .get(app.url("/verify"))
        .query(&[("token", token)])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    let verdict = html
        .select(&scraper::Selector::parse(".flash").unwrap())
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let expected = if verdict.contains("not a certificate") {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    assert_eq!(status, expected, "{verdict}");
    verdict
}

#[tokio::test]
async fn verification_checks_a_pasted_certificate_and_shows_the_approval_as_it_is_today() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let token = certificate_of(&app, &connection).token;
    let public = app.another_browser();

    let genuine = verdict(&public, &token).await;
    assert!(genuine.contains("is genuine"), "{genuine}");
    // Approved to start on the requested date, which is still to come.
    let status = format!(
        "status today: Approved, valid from {}",
        connection.valid_from
    );
    assert!(genuine.contains(&status), "{genuine}");

    let mut bytes = token.clone().into_bytes();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    let changed = verdict(&public, &String::from_utf8(bytes).unwrap()).await;
    assert!(
        changed.contains("NOT genuine") || changed.contains("not a certificate"),
        "{changed}"
    );
    assert!(
        verdict(&public, "hello")
            .await
            .contains("not a certificate")
    );
    let overlong = format!("{token}{}", "A".repeat(5000));
    assert!(
        verdict(&public, &overlong)
            .await
            .contains("not a certificate")
    );
    let (status, page) = public.page("/verify?token=").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("class=\"flash"),
        "an empty form gives no verdict"
    );
    let (header, rest) = token.split_once('.').unwrap();
    let mut header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"] = "someone-else".into();
    let other_key = format!(
        "{}.{rest}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap())
    );
    assert!(verdict(&public, &other_key).await.contains("NOT genuine"));

    cast.revoke(&connection.id).await;
    let revoked = verdict(&public, &token).await;
    assert!(
        revoked.contains("is genuine") && revoked.contains("status today: Revoked"),
        "a genuine certificate of a revoked approval says so: {revoked}"
    );
}

async fn revocations(app: &TestApp) -> serde_json::Value {
    let res = reqwest::get(app.url("/registry/revocations.jwt"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[reqwest::header::CONTENT_TYPE],
        "application/jwt"
    );
    let token = res.text().await.unwrap();
    verify(&jwks(app).await, &token).expect("the list is signed by a published key")["entries"]
        .clone()
}

#[tokio::test]
async fn the_signed_revocation_list_follows_suspensions_and_revocations() {
    let app = TestApp::spawn().await;
    assert_eq!(
        revocations(&app).await,
        serde_json::json!([]),
        "signed even when empty"
    );
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let number = connection.approval_number.as_str();
    let committee = format!("/committee/connections/{}", connection.id);
    cast.chair
        .act(
            &format!("{committee}/suspend"),
            &[("reason", "Interference"), ("confirm", "yes")],
        )
        .await;
    let entries = revocations(&app).await;
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(
        (entries[0]["sub"].as_str(), entries[0]["status"].as_str()),
        (Some(number), Some("suspended"))
    );
    assert!(entries[0]["since"].as_str().unwrap().ends_with('Z'));
    cast.chair
        .act(&format!("{committee}/reinstate"), &[("reason", "Fixed")])
        .await;
    assert_eq!(revocations(&app).await, serde_json::json!([]));
    cast.revoke(&connection.id).await;
    let entries = revocations(&app).await;
    assert_eq!(entries[0]["status"], "revoked");
}
