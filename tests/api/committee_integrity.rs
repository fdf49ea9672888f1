//! A show-cause answer is taken until the notice's deadline only.

use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::workflow_helpers::{Cast, PDF};
use interconnect_registry::db::models::connection as connection_db;

#[tokio::test]
async fn a_show_cause_answer_after_its_deadline_is_refused_naming_the_deadline() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let provider = format!("/connections/{}", connection.id);
    cast.secretariat
        .act(
            &format!("/committee/connections/{}/show-cause", connection.id),
            &[("notice", "Resale of capacity"), ("days", "10")],
        )
        .await;
    let case = connection_db::list_show_causes(&mut app.conn(), &connection.id)
        .unwrap()
        .pop()
        .unwrap();
    let deadline = interconnect_registry::domain::clock::in_vientiane(
        &case.response_deadline,
        "%Y-%m-%d %H:%M",
    );
    let refusal = format!(
        "The deadline to answer this notice was {deadline} (Vientiane time): an answer after the deadline is not accepted."
    );

    app.clock.advance(TimeDelta::days(11));

    let res = cast
        .provider
        .post(
            &format!("{provider}/answer"),
            &[("answer", "We were on holiday.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains(&refusal));
    let res = cast
        .provider
        .upload_to(
            &format!("{provider}/files"),
            "show_cause_answer",
            "late.pdf",
            PDF,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains(&refusal));

    let case = connection_db::list_show_causes(&mut app.conn(), &connection.id)
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!((case.answer, case.answered_at), (None, None));
    assert!(
        connection_db::list_files(&mut app.conn(), &connection.id)
            .unwrap()
            .is_empty()
    );
    let (_, html) = cast.provider.browser.page(&provider).await;
    assert!(
        html.contains(&refusal),
        "the page says why no form is offered"
    );
    assert!(!html.contains("name=\"answer\""));
    let (_, html) = cast
        .chair
        .browser
        .page(&format!("/committee/connections/{}", connection.id))
        .await;
    assert!(
        html.contains(&refusal),
        "the committee sees the period ended"
    );
}
