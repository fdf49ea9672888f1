//! The public registry keeps what it rendered only for the registry version it showed:
//! every change to public data is on every server's next request, with no time-based
//! expiry, on one server and on two sharing a database; a reader holding the current page
//! is answered 304.

use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_NONE_MATCH};

use interconnect_registry::db::models::connection as connection_db;
use interconnect_registry::domain::clock::Clock;
use interconnect_registry::workflows::{Actor, connections};

use crate::cli::{command, start_command};
use crate::helpers::TestApp;
use crate::workflow_helpers::Cast;

fn version(app: &TestApp) -> i64 {
    connection_db::registry_head(&mut app.conn())
        .unwrap()
        .version
}

/// The registry's first page from the server at `base`, as an anonymous reader.
async fn registry_at(base: &str) -> String {
    reqwest::Client::new()
        .get(format!("{base}/registry"))
        .header("accept-language", "en")
        .send()
        .await
        .expect("GET /registry")
        .text()
        .await
        .unwrap()
}

/// The row of `number` in a registry page.
fn row_of<'a>(page: &'a str, number: &str) -> &'a str {
    let start = page
        .find(&format!("<a href=\"/registry/{number}\">"))
        .unwrap_or_else(|| panic!("{number} is listed"));
    &page[start..start + page[start..].find("</tr>").unwrap()]
}

#[tokio::test]
async fn every_public_change_is_on_the_next_request_and_an_unchanged_page_is_304() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let number = connection.approval_number.clone();
    let reader = app.another_browser();
    let first = reader.get("/registry").await;
    let tag = first.headers()[ETAG].to_str().unwrap().to_string();
    assert!(tag.starts_with("W/\""), "{tag}");
    let page = first.text().await.unwrap();
    assert!(row_of(&page, &number).contains("badge-active"));
    // The country filter offers the countries the registry reaches, and one asked for.
    assert!(page.contains("<option value=\"TH\""), "Thailand is reached");
    assert!(
        !page.contains("<option value=\"FR\""),
        "nothing reaches France"
    );
    let asked = reader.page("/registry?country=FR").await.1;
    assert!(asked.contains("<option value=\"FR\" selected"));
    let record = format!("/api/v1/registry/{number}");
    let status = |json: serde_json::Value| json["status"].as_str().unwrap().to_string();
    let api = reader.get(&record).await.json().await.unwrap();
    assert_eq!(status(api), "active");
    assert!(
        !reader
            .page("/statistics")
            .await
            .1
            .contains("<td>Suspended</td>")
    );
    let verify = format!("/verify/{number}");
    assert!(reader.page(&verify).await.1.contains("badge-active"));
    let again = reader
        .client
        .get(reader.url("/registry"))
        .header(IF_NONE_MATCH, &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        again.headers()["cache-control"],
        "private, no-cache",
        "a browser may keep it, asking each time"
    );

    // A suspension through the committee's page: the next request shows it, the old tag
    // no longer matches.
    let before = version(&app);
    let path = format!("/committee/connections/{}", connection.id);
    cast.chair
        .act(
            &format!("{path}/suspend"),
            &[
                ("reason", "Traffic to a scam call centre"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert!(version(&app) > before, "the suspension bumped the version");
    let changed = reader
        .client
        .get(reader.url("/registry"))
        .header(IF_NONE_MATCH, &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert!(row_of(&changed.text().await.unwrap(), &number).contains("badge-suspended"));
    let api = reader.get(&record).await.json().await.unwrap();
    assert_eq!(status(api), "suspended", "the API's record is as fresh");
    assert!(
        reader
            .page("/statistics")
            .await
            .1
            .contains("<td>Suspended</td>"),
        "the statistics count it"
    );
    assert!(
        reader.page(&verify).await.1.contains("badge-suspended"),
        "the verification page shows it"
    );

    // Reinstatement, and an organisation's name changed however it was written:
    // each is on the next request.
    cast.chair
        .act(
            &format!("{path}/reinstate"),
            &[("reason", "Customer cut off")],
        )
        .await;
    assert!(row_of(&reader.page("/registry").await.1, &number).contains("badge-active"));
    app.execute(&format!(
        "UPDATE organisations SET name_en = 'Renamed Telecom Co., Ltd.' WHERE id = '{}'",
        connection.organisation_id
    ));
    assert!(row_of(&reader.page("/registry").await.1, &number).contains("Renamed Telecom"));
    let lao = reader
        .client
        .get(reader.url("/registry"))
        .header("accept-language", "lo")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        lao.contains("lang=\"lo\""),
        "the language is part of what is kept"
    );
}

/// The chair's actor for a change made without the web, as another server would make it.
fn actor_with_chair(app: &TestApp, mut actor: Actor) -> Actor {
    let chair = app.create_member("chair", &[]);
    actor.id = Some(chair.id);
    actor.role = Some(interconnect_registry::domain::role::Role::Chair);
    actor
}

#[tokio::test]
async fn two_servers_on_one_database_each_show_a_change_on_their_next_request() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let number = connection.approval_number.clone();
    let (_other, other) = start_command(command(&app.database_url), "serve").await;
    let here = app.address.clone();
    for base in [&here, &other] {
        let page = registry_at(base).await;
        assert!(
            row_of(&page, &number).contains("badge-active"),
            "{base}: {}",
            row_of(&page, &number)
        );
        // Rendered and kept on each server.
        assert!(row_of(&registry_at(base).await, &number).contains("badge-active"));
    }

    // Suspended through this server: the other shows it on its next request.
    cast.chair
        .act(
            &format!("/committee/connections/{}/suspend", connection.id),
            &[("reason", "Emergency"), ("confirm", "yes")],
        )
        .await;
    assert!(row_of(&registry_at(&other).await, &number).contains("badge-suspended"));
    assert!(row_of(&registry_at(&here).await, &number).contains("badge-suspended"));

    // Reinstated by a third writer (the command line, a script): both show it.
    let chair = actor_with_chair(&app, Actor::system("test"));
    connections::reinstate(
        &mut app.conn(),
        &chair,
        &connection.id,
        "Cleared",
        app.clock.now(),
    )
    .unwrap();
    for base in [&here, &other] {
        assert!(
            row_of(&registry_at(base).await, &number).contains("badge-active"),
            "{base}"
        );
    }
}

/// The registry's head counts its connections as rows come and go, and the unfiltered
/// list's total, read from the head, agrees with a filtered list's, which is counted.
#[tokio::test]
async fn the_head_counts_the_connections_the_lists_total() {
    use diesel::prelude::*;
    use interconnect_registry::db::schema::connections::dsl::{connections, status};
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    cast.approved_connection().await;
    let counted = || -> i64 { connections.count().get_result(&mut app.conn()).unwrap() };
    let head = || connection_db::registry_head(&mut app.conn()).unwrap();
    let total = |query: &'static str| {
        let reader = app.another_browser();
        async move {
            let json: serde_json::Value = reader
                .get(&format!("/api/v1/registry{query}"))
                .await
                .json()
                .await
                .unwrap();
            json["total"].as_i64().unwrap()
        }
    };
    let before = head();
    assert_eq!(before.connections, counted());
    assert!(before.connections > 0);
    assert_eq!(total("").await, before.connections);
    assert_eq!(total("?sort=expiry&status=active").await, {
        connections
            .filter(status.eq("active"))
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap()
    });
    // A row written and removed by hand, past every workflow, is counted both ways.
    let id = "counted-by-the-head";
    diesel::sql_query(format!(
        "INSERT INTO connections SELECT '{id}', 'IC-1999-99999', application_id, \
         organisation_id, status, connection_type, counterparty_name, counterparty_country, \
         capacity_mbps, endpoint_province, terms, conditions, valid_from, valid_until, \
         approved_at, status_changed_at, revoked_at, disconnection_deadline, \
         disconnection_confirmed_at, disconnection_evidence, disconnection_verified_at, \
         search_text, created_at, updated_at, counterparty_asn FROM connections LIMIT 1"
    ))
    .execute(&mut app.conn())
    .unwrap();
    assert_eq!(head().connections, before.connections + 1);
    assert_eq!(total("").await, before.connections + 1);
    diesel::sql_query(format!("DELETE FROM connections WHERE id = '{id}'"))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(head().connections, before.connections);
    assert_eq!(head().connections, counted());
    assert_eq!(total("").await, before.connections);
}
