//! Long lists a page at a time: each page says where it stands ("51–100 of 120") and
//! leads forward and back, every row shown once, in order, whatever the filters.

use reqwest::StatusCode;
use scraper::{Html, Selector};

use interconnect_registry::domain::account::OrganisationInput;
use interconnect_registry::workflows::{Actor, accounts};

use crate::helpers::TestApp;
use crate::workflow_helpers::{id_from, insert_connections};

/// One page of a list: its rows (the text of each row's first link), its "1–50 of 120",
/// and the links to the pages before and after it.
struct Page {
    rows: Vec<String>,
    range: String,
    previous: Option<String>,
    next: Option<String>,
}

async fn read_page(browser: &TestApp, path: &str, rows: &str) -> Page {
    let (status, html) = browser.page(path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    let doc = Html::parse_document(&html);
    let cells = Selector::parse(rows).unwrap();
    let link = |rel: &str| {
        let selector = Selector::parse(&format!("nav.pager a[rel=\"{rel}\"]")).unwrap();
        doc.select(&selector)
            .next()
            .map(|a| a.value().attr("href").unwrap().to_string())
    };
    let range = Selector::parse("nav.pager p").unwrap();
    Page {
        rows: doc
            .select(&cells)
            .map(|a| a.text().collect::<String>())
            .collect(),
        range: doc
            .select(&range)
            .next()
            .map(|p| p.text().collect())
            .unwrap_or_default(),
        previous: link("prev"),
        next: link("next"),
    }
}

/// Follows the "Next" links from `start` to the last page, then the "Previous" links back
/// to the first, checking that both ways show the same pages with the same ranges; returns
/// every row in the order shown and the ranges of the pages.
async fn walk(browser: &TestApp, start: &str, rows: &str) -> (Vec<String>, Vec<String>) {
    let mut pages = vec![read_page(browser, start, rows).await];
    assert!(
        pages[0].previous.is_none(),
        "the first page has no previous"
    );
    while let Some(next) = pages.last().unwrap().next.clone() {
        assert!(!next.contains("?&"), "{next}");
        pages.push(read_page(browser, &next, rows).await);
        assert!(pages.len() < 50, "the pages never end");
    }
    let mut back = pages.len() - 1;
    let mut page = read_page(browser, start, rows).await;
    if let Some(last) = pages.last().unwrap().previous.clone() {
        page = read_page(browser, &last, rows).await;
        back -= 1;
        loop {
            assert_eq!(page.rows, pages[back].rows, "page {back} read backwards");
            assert_eq!(page.range, pages[back].range, "page {back} read backwards");
            match page.previous.clone() {
                Some(previous) => {
                    assert!(!previous.contains("?&"), "{previous}");
                    page = read_page(browser, &previous, rows).await;
                    back -= 1;
                }
                None => break,
            }
        }
    }
    assert_eq!(back, 0, "the previous links lead back to the first page");
    assert_eq!(page.rows, pages[0].rows);
    let ranges = pages.iter().map(|p| p.range.clone()).collect();
    (pages.into_iter().flat_map(|p| p.rows).collect(), ranges)
}

const REGISTRY_ROWS: &str = "table.registry tbody tr td:first-child a";

#[tokio::test]
async fn the_registry_pages_forward_and_back_with_its_total() {
    let app = TestApp::spawn().await;
    let provider = app.create_user("org_admin", None);
    app.sign_in_as(&provider).await;
    let org = interconnect_registry::db::models::user::find(&mut app.conn(), &provider.id)
        .unwrap()
        .unwrap()
        .organisation_id
        .unwrap();
    let res = app.post("/applications", &[("kind", "new")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let application = id_from(&crate::helpers::location(&res));
    insert_connections(&app, &application, &org, 0, 120);
    let public = app.another_browser();

    let (rows, ranges) = walk(&public, "/registry", REGISTRY_ROWS).await;
    let newest_first: Vec<String> = (0..120).rev().map(|i| format!("IC-2000-{i:05}")).collect();
    assert_eq!(rows, newest_first);
    assert_eq!(
        ranges,
        ["1–50 of 120", "51–100 of 120", "101–120 of 120"],
        "each page says where it stands"
    );

    let (rows, _) = walk(&public, "/registry?sort=expiry&country=SG", REGISTRY_ROWS).await;
    let mut soonest_first = newest_first.clone();
    soonest_first.reverse();
    assert_eq!(rows, soonest_first);

    // A filter that matches nothing shows no range and no links.
    let page = read_page(&public, "/registry?country=VN", REGISTRY_ROWS).await;
    assert!(page.rows.is_empty() && page.range.is_empty());
    assert!(page.previous.is_none() && page.next.is_none());

    // The API pages both ways too, and gives the total.
    let (_, body) = public.page("/api/v1/registry?limit=50").await;
    let first: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(first["total"], 120);
    assert!(first["previous_cursor"].is_null());
    let after = first["next_cursor"].as_str().unwrap();
    let (_, body) = public
        .page(&format!("/api/v1/registry?limit=50&after={after}"))
        .await;
    let second: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(second["items"][0]["approval_number"], "IC-2000-00069");
    let before = second["previous_cursor"].as_str().unwrap();
    let (_, body) = public
        .page(&format!("/api/v1/registry?limit=50&before={before}"))
        .await;
    let back: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(back["items"], first["items"]);
    assert!(back["previous_cursor"].is_null());
    let res = public
        .get(&format!("/registry?after={after}&before={before}"))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "both ways at once");
}

fn organisation(app: &TestApp, slug: &str, name_en: &str, name_lo: &str) -> String {
    accounts::create_organisation(
        &mut app.conn(),
        &Actor::command_line(),
        &OrganisationInput {
            slug: slug.into(),
            name_en: name_en.into(),
            name_lo: name_lo.into(),
            registration_number: "01-0000001".into(),
            licence_number: "ISP-2026-001".into(),
            address: "Vientiane".into(),
            asns: "AS151234".into(),
        },
    )
    .expect("create organisation")
    .id
}

#[tokio::test]
async fn the_provider_filter_finds_legal_names_in_either_language_by_any_part_and_case() {
    let app = TestApp::spawn().await;
    let provider = app.create_user("org_admin", None);
    app.sign_in_as(&provider).await;
    let res = app.post("/applications", &[("kind", "new")]).await;
    let application = id_from(&crate::helpers::location(&res));
    let mekong = organisation(
        &app,
        "mekong-fibre",
        "Mekong Fibre Co., Ltd.",
        "ບໍລິສັດ ແມ່ຂອງ ໄຟເບີ ຈຳກັດ",
    );
    let percent = organisation(&app, "uptime", "100% Uptime_Net Ltd.", "ບໍລິສັດ ອັບໄທມ໌ ຈຳກັດ");
    let plain = organisation(
        &app,
        "uptime-plain",
        "1000 Uptime Nets Ltd.",
        "ບໍລິສັດ ເນັດ ຈຳກັດ",
    );
    insert_connections(&app, &application, &mekong, 0, 2);
    insert_connections(&app, &application, &percent, 10, 1);
    insert_connections(&app, &application, &plain, 20, 1);
    let mekong_rows = ["IC-2000-00001", "IC-2000-00000"];
    let cases: [(&str, &[&str]); 12] = [
        ("mekong-fibre", &mekong_rows),
        ("Mekong", &mekong_rows),
        ("mEKONG fIBRE", &mekong_rows),
        ("Mekong Fibre Co., Ltd.", &mekong_rows),
        ("fibre co", &mekong_rows),
        ("ແມ່ຂອງ", &mekong_rows),
        ("ບໍລິສັດ ແມ່ຂອງ ໄຟເບີ ຈຳກັດ", &mekong_rows),
        ("100%", &["IC-2000-00010"]),
        ("e_N", &["IC-2000-00010"]),
        ("uptime", &["IC-2000-00020", "IC-2000-00010"]),
        ("%", &["IC-2000-00010"]),
        ("nobody at all", &[]),
    ];
    let public = app.another_browser();
    for (typed, expected) in cases {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("provider", typed)
            .finish();
        let page = read_page(&public, &format!("/registry?{query}"), REGISTRY_ROWS).await;
        assert_eq!(page.rows, expected, "{typed:?}");
        let (_, body) = public.page(&format!("/api/v1/registry?{query}")).await;
        let api: serde_json::Value = serde_json::from_str(&body).unwrap();
        let numbers: Vec<&str> = api["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["approval_number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers, expected, "API: {typed:?}");
        assert_eq!(api["total"], expected.len(), "API total: {typed:?}");
    }
    let res = public.get("/registry?provider=a%00b").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a NUL in the filter");
}

/// Adds `n` users of `role` straight to the database, named `name` (all alike, so the
/// list's order falls back on their ids) with addresses `{prefix}-{i}@example.la`.
fn insert_users(app: &TestApp, role: &str, name: &str, prefix: &str, n: usize) -> Vec<String> {
    use interconnect_registry::db::models::user::{self as user_db, NewUser};
    let now = chrono::Utc::now().naive_utc();
    let mut conn = app.conn();
    (0..n)
        .map(|i| {
            let id = format!("{prefix}-{i:04}-{}", uuid::Uuid::new_v4().simple());
            user_db::insert(
                &mut conn,
                &NewUser {
                    id: &id,
                    email: &format!("{prefix}-{i}@example.la"),
                    name,
                    role,
                    organisation_id: None,
                    password_hash: "",
                    language: None,
                    active: true,
                    committee_member: false,
                    review_domains: "",
                    created_at: now,
                    updated_at: now,
                },
            )
            .unwrap();
            id
        })
        .collect()
}

const USER_ROWS: &str = "table.users tbody tr td:nth-child(2)";

#[tokio::test]
async fn the_list_of_users_pages_both_ways_and_finds_people_by_name_address_and_role() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    insert_users(&app, "reviewer", "Bounthavy Same", "same", 70);
    insert_users(&app, "auditor", "Khamla Inspector", "inspector", 45);
    insert_users(&app, "secretariat", "Noy 100%_Clerk", "clerk", 1);
    insert_users(&app, "secretariat", "Noy 1000 Clerk", "clerk-plain", 1);

    // Everyone, 118 with the admin, by name and then id: none twice, none missed.
    let (rows, ranges) = walk(&app, "/admin/users", USER_ROWS).await;
    assert_eq!(rows.len(), 118);
    let mut unique = rows.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 118, "every user once");
    assert_eq!(ranges, ["1–50 of 118", "51–100 of 118", "101–118 of 118"]);

    // Seventy people of one name keep one order across pages, and their role narrows it.
    let (rows, ranges) = walk(&app, "/admin/users?role=reviewer", USER_ROWS).await;
    assert_eq!(rows.len(), 70);
    assert!(rows.iter().all(|email| email.starts_with("same-")));
    assert_eq!(ranges, ["1–50 of 70", "51–70 of 70"]);

    for (query, expected) in [
        ("q=inspector", 45),
        ("q=KHAMLA", 45),
        ("q=inspector-7%40", 1),
        ("q=khamla&role=reviewer", 0),
        ("q=100%25", 1),
        ("q=%25_c", 1),
        ("q=noy", 2),
    ] {
        let page = read_page(&app, &format!("/admin/users?{query}"), USER_ROWS).await;
        assert_eq!(page.rows.len(), expected, "{query}");
    }
    let (status, _) = app.page("/admin/users?role=emperor").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The filters are kept in the form and in the links of the pages.
    let (_, html) = app.page("/admin/users?q=same&role=reviewer").await;
    assert!(html.contains("value=\"same\""));
    let page = read_page(&app, "/admin/users?q=same&role=reviewer", USER_ROWS).await;
    assert!(
        page.next
            .unwrap()
            .starts_with("/admin/users?q=same&role=reviewer&after=")
    );

    for role in ["auditor", "secretariat", "org_admin"] {
        let other = app.another_browser();
        other.sign_in_as(&app.create_user(role, None)).await;
        let (status, _) = other.page("/admin/users?q=same").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
}

const AUDIT_ROWS: &str = "table.audit tbody tr td:first-child";

#[tokio::test]
async fn the_audit_log_pages_both_ways_and_narrows_to_a_person_an_action_a_subject_and_dates() {
    use interconnect_registry::db::audit::{AuditEntry, append};
    use interconnect_registry::domain::audit::AuditAction;
    let app = TestApp::spawn().await;
    let auditor = app.create_user("auditor", None);
    let subject = app.create_user("reviewer", None);
    let actor_id = insert_users(&app, "secretariat", "Vilay Keeper", "keeper", 1).remove(0);
    {
        let mut conn = app.conn();
        for i in 0..230 {
            let (actor, action) = if i % 3 == 0 {
                (Some(actor_id.as_str()), AuditAction::OutboxRetry)
            } else {
                (None, AuditAction::SecretKeyRotate)
            };
            append(
                &mut conn,
                &AuditEntry {
                    actor_id: actor,
                    actor_label: "someone",
                    action,
                    subject_type: "user",
                    subject_id: if i % 10 == 0 { &subject.id } else { "nobody" },
                    before_state: None,
                    after_state: None,
                    ip: "",
                },
            )
            .unwrap();
        }
    }
    app.run_scheduler();
    app.sign_in_as(&auditor).await;
    let newest =
        interconnect_registry::db::audit::list_recent(&mut app.conn(), 1, None).unwrap()[0].seq;

    // Every event once, newest first, forward and back; the count is the chain's length.
    let (rows, ranges) = walk(&app, "/admin/audit", AUDIT_ROWS).await;
    let expected: Vec<String> = (1..=newest).rev().map(|s| s.to_string()).collect();
    assert_eq!(rows, expected);
    let total = interconnect_registry::views::grouped(newest);
    assert_eq!(ranges[0], format!("1–100 of {total}"));
    assert_eq!(ranges[1], format!("101–200 of {total}"));

    // One action, one person (by part of their name), one subject (by e-mail address).
    let (rows, ranges) = walk(&app, "/admin/audit?action=outbox.retry", AUDIT_ROWS).await;
    assert_eq!(rows.len(), 77);
    assert_eq!(ranges, ["1–77 of 77"]);
    let (by_actor, _) = walk(&app, "/admin/audit?actor=vilay+KEEP", AUDIT_ROWS).await;
    assert_eq!(by_actor, rows);
    let subject_query = format!(
        "/admin/audit?subject={}&action=secret_key.rotate",
        subject.email.to_uppercase().replace('@', "%40")
    );
    let (rows, _) = walk(&app, &subject_query, AUDIT_ROWS).await;
    assert_eq!(rows.len(), 23 - 8, "the subject's events of one action");
    // The subject is named, not shown as its id, and linked for whom may open its page.
    let (_, html) = app.page(&subject_query).await;
    assert!(html.contains("Test reviewer"));
    assert!(
        !html.contains(&subject.id),
        "an auditor cannot open the user's page"
    );
    let admin = app.another_browser();
    admin.sign_in_as(&app.create_user("admin", None)).await;
    let (_, html) = admin.page(&subject_query).await;
    assert!(html.contains(&format!(
        "<a href=\"/admin/users/{}\">Test reviewer</a>",
        subject.id
    )));

    // Dates are Vientiane's days.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Vientiane)
        .date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let tomorrow = today.succ_opt().unwrap();
    let yesterday = today.pred_opt().unwrap();
    for (query, found) in [
        (format!("from={}&to={}", day(today), day(today)), true),
        (format!("from={}", day(tomorrow)), false),
        (format!("to={}", day(yesterday)), false),
    ] {
        let page = read_page(
            &app,
            &format!("/admin/audit?action=outbox.retry&{query}"),
            AUDIT_ROWS,
        )
        .await;
        assert_eq!(page.rows.len(), if found { 77 } else { 0 }, "{query}");
    }
    for bad in ["from=yesterday", "after=%%%", "actor=a%00b"] {
        let (status, _) = app.page(&format!("/admin/audit?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let reviewer = app.another_browser();
    reviewer
        .sign_in_as(&app.create_user("reviewer", None))
        .await;
    let (status, _) = reviewer.page("/admin/audit?action=outbox.retry").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Adds `n` applications of `organisation` straight to the database, submitted a minute
/// apart from `first_minute` on, numbered `APP-2000-{start + i}` and left in `status`.
fn insert_applications(
    app: &TestApp,
    organisation: &str,
    created_by: &str,
    start: usize,
    n: usize,
    status: &str,
) {
    use interconnect_registry::db::models::application::{self as app_db, NewApplication};
    let now = chrono::Utc::now().naive_utc();
    for i in start..start + n {
        let id = format!("app-{i:05}");
        app_db::insert(
            &mut app.conn(),
            &NewApplication {
                id: &id,
                organisation_id: organisation,
                created_by,
                kind: "new",
                status,
                content: "{}",
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap();
        app.execute(&format!(
            "UPDATE applications SET reference = 'APP-2000-{i:05}', \
             submitted_at = '2026-01-01 00:00:00', decision_due_at = '2099-01-01 00:00:00' \
             WHERE id = '{id}'"
        ));
        // Several share a submission time, so the order falls back on the id.
        app.execute(&format!(
            "UPDATE applications SET submitted_at = '2026-01-01 {:02}:{:02}:00' WHERE id = '{id}'",
            i / 120,
            (i / 2) % 60
        ));
    }
}

const INBOX_ROWS: &str = "section#applications table tbody tr td:first-child a";

#[tokio::test]
async fn the_committee_inbox_pages_every_application_and_keeps_an_archive_of_decided_ones() {
    let app = TestApp::spawn().await;
    let secretariat = app.create_user("secretariat", None);
    app.sign_in_as(&secretariat).await;
    let mekong = organisation(
        &app,
        "mekong-fibre",
        "Mekong Fibre Co., Ltd.",
        "ບໍລິສັດ ແມ່ຂອງ ໄຟເບີ ຈຳກັດ",
    );
    let other = organisation(&app, "other-net", "Other Net Ltd.", "ບໍລິສັດ ອື່ນ ຈຳກັດ");
    let author = insert_users(&app, "org_admin", "Author", "author", 1).remove(0);
    insert_applications(&app, &mekong, &author, 0, 60, "submitted");
    insert_applications(&app, &other, &author, 60, 12, "approved");
    insert_applications(&app, &mekong, &author, 72, 5, "info_requested");
    let numbers = |range: std::ops::Range<usize>| -> Vec<String> {
        range.map(|i| format!("APP-2000-{i:05}")).collect()
    };

    // Open applications by default, oldest submission first, each once, both ways.
    let (rows, ranges) = walk(&app, "/committee", INBOX_ROWS).await;
    let mut open = numbers(0..60);
    open.extend(numbers(72..77));
    assert_eq!(rows, open);
    assert_eq!(ranges, ["1–50 of 65", "51–65 of 65"]);

    // The archive: decided ones, newest first.
    let (rows, _) = walk(&app, "/committee?status=decided", INBOX_ROWS).await;
    let mut decided = numbers(60..72);
    decided.reverse();
    assert_eq!(rows, decided);

    for (q, status, expected) in [
        ("", "approved", 12),
        ("", "info_requested", 5),
        ("", "all", 77),
        ("mekong", "", 65),
        ("ແມ່ຂອງ", "", 65),
        ("OTHER", "all", 12),
        ("app-2000-0007", "all", 7),
        ("mekong", "info_requested", 5),
        ("%", "", 0),
        ("", "overdue", 0),
    ] {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", q)
            .append_pair("status", status)
            .finish();
        let (rows, _) = walk(&app, &format!("/committee?{query}"), INBOX_ROWS).await;
        assert_eq!(rows.len(), expected, "{query}");
    }
    let (status, _) = app.page("/committee?status=draft").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let provider = app.another_browser();
    provider
        .sign_in_as(&app.create_user("org_admin", None))
        .await;
    let (status, _) = provider.page("/committee?status=all").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

const TO_ACT_ON_ROWS: &str = "table tbody tr td:first-child a";

#[tokio::test]
async fn connections_to_act_on_name_their_provider_and_page_both_ways() {
    let app = TestApp::spawn().await;
    let chair = app.create_user("chair", None);
    app.sign_in_as(&chair).await;
    let provider = app.create_user("org_admin", None);
    let browser = app.another_browser();
    browser.sign_in_as(&provider).await;
    let res = browser.post("/applications", &[("kind", "new")]).await;
    let application = id_from(&crate::helpers::location(&res));
    let mekong = organisation(
        &app,
        "mekong-fibre",
        "Mekong Fibre Co., Ltd.",
        "ບໍລິສັດ ແມ່ຂອງ ໄຟເບີ ຈຳກັດ",
    );
    insert_connections(&app, &application, &mekong, 0, 100);
    let soon = (chrono::Utc::now() + chrono::TimeDelta::days(30)).date_naive();
    // 0–39 suspended, 40–59 expiring soon, 60–69 revoked and not verified, 70–99 active
    // for a year yet: 70 to act on.
    app.execute(
        "UPDATE connections SET status = 'suspended' WHERE approval_number < 'IC-2000-00040'",
    );
    app.execute(&format!(
        "UPDATE connections SET valid_until = '{soon}' \
         WHERE approval_number >= 'IC-2000-00040' AND approval_number < 'IC-2000-00060'"
    ));
    app.execute(
        "UPDATE connections SET status = 'revoked' \
         WHERE approval_number >= 'IC-2000-00060' AND approval_number < 'IC-2000-00070'",
    );

    let (rows, ranges) = walk(&app, "/committee/connections", TO_ACT_ON_ROWS).await;
    assert_eq!(rows.len(), 70);
    let mut unique = rows.clone();
    unique.sort();
    assert_eq!(
        unique,
        (0..70)
            .map(|i| format!("IC-2000-{i:05}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(ranges, ["1–50 of 70", "51–70 of 70"]);
    assert_eq!(&rows[..20], &unique[40..60], "the soonest expiry first");
    let (_, html) = app.page("/committee/connections").await;
    assert!(
        html.contains(">Mekong Fibre Co., Ltd.</td>"),
        "the provider is named"
    );

    for (query, expected) in [
        ("need=suspended", 40),
        ("need=expiring", 20),
        ("need=unverified", 10),
        ("need=deadline", 0),
    ] {
        let (rows, _) = walk(
            &app,
            &format!("/committee/connections?{query}"),
            TO_ACT_ON_ROWS,
        )
        .await;
        assert_eq!(rows.len(), expected, "{query}");
    }
    let (status, _) = app.page("/committee/connections?need=everything").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The committee's page of a connection names its provider in its heading.
    let (_, page) = app.page("/committee/connections/conn-00001").await;
    assert!(
        crate::helpers::text_of(&page, "h1")
            .unwrap()
            .contains("Mekong Fibre Co., Ltd.")
    );
    let (status, _) = browser.page("/committee/connections?need=suspended").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn open_applications_in_several_states_come_in_one_order_of_submission() {
    let app = TestApp::spawn().await;
    let secretariat = app.create_user("secretariat", None);
    app.sign_in_as(&secretariat).await;
    let mekong = organisation(
        &app,
        "mekong-fibre",
        "Mekong Fibre Co., Ltd.",
        "ບໍລິສັດ ແມ່ຂອງ ໄຟເບີ ຈຳກັດ",
    );
    let author = insert_users(&app, "org_admin", "Author", "author", 1).remove(0);
    // Each state's applications are spread over the whole list, not one after another.
    let states = ["submitted", "screening", "in_review", "voting", "approved"];
    for i in 0..150 {
        insert_applications(&app, &mekong, &author, i, 1, states[i % states.len()]);
    }
    let open: Vec<String> = (0..150)
        .filter(|i| i % states.len() != 4)
        .map(|i| format!("APP-2000-{i:05}"))
        .collect();
    let (rows, ranges) = walk(&app, "/committee", INBOX_ROWS).await;
    assert_eq!(rows, open);
    assert_eq!(ranges, ["1–50 of 120", "51–100 of 120", "101–120 of 120"]);

    let (rows, _) = walk(&app, "/committee?status=all", INBOX_ROWS).await;
    let mut all: Vec<String> = (0..150).map(|i| format!("APP-2000-{i:05}")).collect();
    all.reverse();
    assert_eq!(rows, all, "newest first");
}

#[tokio::test]
async fn a_connection_needing_the_committee_for_two_reasons_is_listed_once_in_order_of_expiry() {
    let app = TestApp::spawn().await;
    let chair = app.create_user("chair", None);
    app.sign_in_as(&chair).await;
    let provider = app.create_user("org_admin", None);
    let browser = app.another_browser();
    browser.sign_in_as(&provider).await;
    let res = browser.post("/applications", &[("kind", "new")]).await;
    let application = id_from(&crate::helpers::location(&res));
    let mekong = organisation(&app, "mekong-fibre", "Mekong Fibre Co., Ltd.", "ແມ່ຂອງ");
    insert_connections(&app, &application, &mekong, 0, 130);
    // 0–59 suspended, 60–119 expiring soon, 120–129 active for a year yet; their expiry
    // dates interleave. Open show-cause cases on ten suspended ones, five expiring ones and
    // two of those with a year to go.
    let today = chrono::Utc::now().date_naive();
    let mut expected = Vec::new();
    for i in 0..130_i64 {
        let until = if i < 120 {
            today + chrono::TimeDelta::days(1 + (i * 7) % 60)
        } else {
            today + chrono::TimeDelta::days(400)
        };
        let status = if i < 60 { "suspended" } else { "active" };
        app.execute(&format!(
            "UPDATE connections SET status = '{status}', valid_until = '{until}' \
             WHERE id = 'conn-{i:05}'"
        ));
        if i < 10 || (100..105).contains(&i) || (120..122).contains(&i) {
            app.execute(&format!(
                "INSERT INTO show_cause_cases (id, connection_id, notice, opened_by, opened_at, \
                 response_deadline) VALUES ('case-{i}', 'conn-{i:05}', 'Why?', '{}', \
                 '2026-01-01 00:00:00', '2099-01-01 00:00:00')",
                chair.id
            ));
        }
        if i < 122 {
            expected.push((until, format!("IC-2000-{i:05}")));
        }
    }
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, number)| number).collect();

    let (rows, ranges) = walk(&app, "/committee/connections", TO_ACT_ON_ROWS).await;
    assert_eq!(rows, expected);
    assert_eq!(ranges, ["1–50 of 122", "51–100 of 122", "101–122 of 122"]);
    let (rows, _) = walk(&app, "/committee/connections?need=deadline", TO_ACT_ON_ROWS).await;
    assert_eq!(rows.len(), 17);
}
