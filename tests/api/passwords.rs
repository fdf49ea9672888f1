//! Passwords: the guessability rule wherever a password is set, a signed-in person's own
//! change of password, and invitations that do not reveal who has an account.

use interconnect_registry::db::audit::{AuditEvent, list_recent};
use interconnect_registry::db::models::user as user_db;
use interconnect_registry::domain::language::Lang;
use interconnect_registry::i18n;
use reqwest::{Response, StatusCode};

use crate::cli::run;
use crate::helpers::{PASSWORD, TestApp, TestUser, location, text_of, value_of};
use crate::smtp_sink::{Received, SmtpSink};

/// A weak password, and the translation key of the reason it is refused.
const WEAK: &str = "password1234";
const WEAK_REASON: &str = "error-password-common";
const NEW_PASSWORD: &str = "mango tuk-tuk monsoon ledger";

async fn app_with_mail(sink: &SmtpSink) -> TestApp {
    TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await
}

/// Delivers everything due and returns what the server accepted in this call.
async fn deliver(app: &TestApp, sink: &SmtpSink) -> Vec<Received> {
    let before = sink.received().len();
    while app.deliver_mail().await.claimed > 0 {}
    sink.received().split_off(before)
}

/// A browser on the same app that asks for pages in `lang`.
fn browser_in(app: &TestApp, lang: Lang) -> TestApp {
    app.another_browser_sending("accept-language", lang.code())
}

/// The problem shown beside the field `field` of a refused form, in `lang`.
async fn refused_with(res: Response, field: &str, key: &str, lang: Lang) -> String {
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert_eq!(
        text_of(&html, &format!("#e-{field}")).as_deref(),
        Some(i18n::t(lang, key).as_str()),
        "{lang:?}: {key} beside {field}"
    );
    html
}

fn is_lao(text: &str) -> bool {
    text.chars().any(|c| ('\u{0E80}'..='\u{0EFF}').contains(&c))
}

fn events(app: &TestApp) -> Vec<AuditEvent> {
    list_recent(&mut app.conn(), 200, None).unwrap()
}

/// The path of the link in `message` that starts with `prefix`.
fn link_in(app: &TestApp, message: &Received, prefix: &str) -> String {
    let wanted = app.url(prefix);
    message
        .links()
        .into_iter()
        .find(|l| l.starts_with(&wanted))
        .unwrap_or_else(|| panic!("no link to {wanted} in {}", message.text()))
        .trim_start_matches(&app.address)
        .to_string()
}

#[test]
fn the_tests_own_password_passes_the_rule() {
    let check = interconnect_registry::domain::account::check_password;
    assert_eq!(
        check(PASSWORD, "applicant-0a1b2c3d@example.la", "Test applicant"),
        Ok(())
    );
    assert_eq!(
        check(
            NEW_PASSWORD,
            "applicant-0a1b2c3d@example.la",
            "Test applicant"
        ),
        Ok(())
    );
}

#[tokio::test]
async fn an_admin_cannot_give_a_new_account_a_weak_password_and_is_told_why_in_either_language() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    for lang in [Lang::En, Lang::Lo] {
        let browser = browser_in(&app, lang);
        browser.sign_in_as(&admin).await;
        for (password, key) in [
            (WEAK, WEAK_REASON),
            ("interconnect-demo", "error-password-personal"),
            ("noy.sisavath@example.la", "error-password-personal"),
            ("aaaaaaaaaaaa", "error-password-repeats"),
        ] {
            let res = browser
                .post(
                    "/admin/users",
                    &[
                        ("email", "noy.sisavath@example.la"),
                        ("name", "Noy Sisavath"),
                        ("role", "secretariat"),
                        ("password", password),
                    ],
                )
                .await;
            let html = refused_with(res, "password", key, lang).await;
            assert_eq!(
                is_lao(&text_of(&html, "#e-password").unwrap()),
                lang == Lang::Lo
            );
            assert_eq!(
                value_of(&html, "#f-email").as_deref(),
                Some("noy.sisavath@example.la"),
                "the other fields are kept"
            );
            assert_eq!(value_of(&html, "#f-name").as_deref(), Some("Noy Sisavath"));
            assert_eq!(value_of(&html, "#f-password").as_deref(), Some(""));
        }
    }
    assert!(
        user_db::find_by_email(&mut app.conn(), "noy.sisavath@example.la")
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_command_line_refuses_a_weak_password_and_says_why() {
    let app = TestApp::spawn().await;
    let create = |password: &str| {
        run(
            &app.database_url,
            &[
                "create-user",
                "--email",
                "ops@example.la",
                "--name",
                "Ops",
                "--role",
                "secretariat",
            ],
            &format!("{password}\n"),
        )
    };
    let (ok, _, err) = create(WEAK);
    assert!(!ok);
    assert!(
        err.contains(&format!("password: {}", i18n::t(Lang::En, WEAK_REASON))),
        "{err}"
    );
    let (ok, _, err) = create(PASSWORD);
    assert!(ok, "{err}");
}

#[tokio::test]
async fn invitation_and_reset_links_refuse_a_weak_password_in_either_language() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let org_admin = app.create_user("org_admin", None);
    app.sign_in_as(&org_admin).await;
    for (email, language) in [("keo@example.la", "en"), ("noy@example.la", "lo")] {
        let res = app
            .post(
                "/organisation/invite",
                &[
                    ("name", "Keo Phommachanh"),
                    ("email", email),
                    ("role", "applicant"),
                    ("language", language),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let existing = app.create_user("secretariat", None);
    app.another_browser()
        .post("/password/forgot", &[("email", &existing.email)])
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(sent.len(), 3);
    let mut links = Vec::new();
    for message in &sent {
        let prefix = if message.to.contains(&existing.email) {
            "/password/reset/"
        } else {
            "/invitation/"
        };
        links.push((message.to[0].clone(), link_in(&app, message, prefix)));
    }
    for (to, link) in links {
        for lang in [Lang::En, Lang::Lo] {
            let browser = browser_in(&app, lang);
            let res = browser
                .post(
                    &link,
                    &[("password", WEAK), ("password_confirmation", WEAK)],
                )
                .await;
            refused_with(res, "password", WEAK_REASON, lang).await;
            let res = browser
                .post(&link, &[("password", &to), ("password_confirmation", &to)])
                .await;
            refused_with(res, "password", "error-password-personal", lang).await;
        }
        let res = app
            .another_browser()
            .post(
                &link,
                &[
                    ("password", NEW_PASSWORD),
                    ("password_confirmation", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            location(&res),
            "/sign-in",
            "{to}: a strong password is taken"
        );
        assert_eq!(
            app.another_browser()
                .sign_in(&to, NEW_PASSWORD)
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
    }
}

/// Posts the change-password form of the account page.
async fn change(browser: &TestApp, current: &str, new: &str, again: &str) -> Response {
    browser
        .post(
            "/account/password",
            &[
                ("current_password", current),
                ("password", new),
                ("password_confirmation", again),
            ],
        )
        .await
}

#[tokio::test]
async fn a_signed_in_person_changes_their_password_and_their_other_sessions_end() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let user = app.create_user("secretariat", None);
    let (here, elsewhere) = (browser_in(&app, Lang::Lo), app.another_browser());
    here.sign_in_as(&user).await;
    elsewhere.sign_in_as(&user).await;
    let (status, page) = here.page("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("action=\"/account/password\""));

    let res = change(&here, "not my password", NEW_PASSWORD, NEW_PASSWORD).await;
    refused_with(res, "current_password", "error-current-password", Lang::Lo).await;
    let failed = events(&app);
    assert_eq!(failed[0].action, "user.password_change_failed");
    assert_eq!(failed[0].subject_id, user.id);
    let res = change(&here, PASSWORD, WEAK, WEAK).await;
    refused_with(res, "password", WEAK_REASON, Lang::Lo).await;
    let res = change(&here, PASSWORD, NEW_PASSWORD, "something else entirely").await;
    refused_with(
        res,
        "password_confirmation",
        "error-password-mismatch",
        Lang::Lo,
    )
    .await;
    let res = here
        .post_raw(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_confirmation", NEW_PASSWORD),
            ],
        )
        .await;
    assert_ne!(
        res.status(),
        StatusCode::SEE_OTHER,
        "no CSRF token, no change"
    );
    assert_eq!(
        elsewhere.get("/dashboard").await.status(),
        StatusCode::OK,
        "nothing changed yet"
    );

    let res = change(&here, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/account");
    let (status, page) = here.page("/account").await;
    assert_eq!(status, StatusCode::OK, "this session is kept");
    assert!(page.contains(&i18n::t(Lang::Lo, "flash-password-changed")));
    assert!(
        location(&elsewhere.get("/dashboard").await).starts_with("/sign-in"),
        "every other session ended"
    );
    let changed = events(&app);
    assert_eq!(changed[0].action, "user.password_changed");
    assert_eq!(changed[0].actor_id.as_deref(), Some(user.id.as_str()));
    assert_eq!(
        changed[0].after_state.as_deref(),
        Some(r#"{"sessions_ended":1}"#)
    );
    let browser = app.another_browser();
    assert_eq!(
        browser.sign_in(&user.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser.sign_in(&user.email, NEW_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    let sent = deliver(&app, &sink).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, vec![user.email.clone()]);
    assert_eq!(
        sent[0].subject(),
        i18n::t(Lang::Lo, "email-password-changed-subject"),
        "in the person's language"
    );
    link_in(&app, &sent[0], "/password/forgot");
}

#[tokio::test]
async fn guessing_the_current_password_is_limited_like_signing_in() {
    let app = TestApp::spawn().await;
    let user = app.create_user("org_admin", None);
    app.sign_in_as(&user).await;
    for _ in 0..5 {
        let res = change(&app, "a wrong guess", NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = change(&app, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let html = res.text().await.unwrap();
    assert_eq!(
        text_of(&html, "#e-current_password").as_deref(),
        Some(i18n::t(Lang::En, "error-too-many-attempts").as_str())
    );
    assert_eq!(
        app.another_browser()
            .sign_in(&user.email, PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER,
        "the refused attempt changed nothing"
    );
}

/// Everything an inviter is answered: the status and headers, each cookie's value but a
/// session's or CSRF seed's, and the body; then the page the redirect leads to, but for
/// its list of members.
async fn answer_to_invitation(browser: &TestApp, email: &str) -> Vec<String> {
    let res = browser
        .post(
            "/organisation/invite",
            &[
                ("name", "Somebody"),
                ("email", email),
                ("role", "applicant"),
                ("language", "en"),
            ],
        )
        .await;
    let mut answer = vec![res.status().to_string()];
    for (name, value) in res.headers() {
        let value = value.to_str().unwrap();
        match name.as_str() {
            "date" | "x-request-id" => {}
            "set-cookie" if value.starts_with("ir_session=") || value.starts_with("ir_csrf=") => {
                answer.push(format!("{name}: {}", value.split('=').next().unwrap()));
            }
            _ => answer.push(format!("{name}: {value}")),
        }
    }
    answer.push(res.text().await.unwrap());
    let next = answer
        .iter()
        .find_map(|line| line.strip_prefix("location: "))
        .map(str::to_string);
    if let Some(next) = next {
        let page = browser.get(&next).await;
        answer.push(page.status().to_string());
        let html = page.text().await.unwrap();
        answer.push(text_of(&html, ".flash").unwrap_or_default());
    }
    answer
}

#[tokio::test]
async fn inviting_an_address_that_has_an_account_answers_as_for_a_new_one() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let inviter = app.create_user("org_admin", None);
    app.sign_in_as(&inviter).await;
    let elsewhere = app.create_user("applicant", None);
    let chair = app.create_user("chair", None);
    let colleague = app.create_user(
        "applicant",
        Some(
            &interconnect_registry::db::models::organisation::find(
                &mut app.conn(),
                &user_db::find(&mut app.conn(), &inviter.id)
                    .unwrap()
                    .unwrap()
                    .organisation_id
                    .unwrap(),
            )
            .unwrap()
            .unwrap(),
        ),
    );
    let users_before = user_db::count(&mut app.conn()).unwrap();

    let fresh = answer_to_invitation(&app, "newcomer@example.la").await;
    assert_eq!(fresh[0], "303 See Other", "{fresh:?}");
    for existing in [&elsewhere, &chair, &colleague] {
        let answer = answer_to_invitation(&app, &existing.email.to_uppercase()).await;
        assert_eq!(answer, fresh, "{}", existing.email);
    }

    assert_eq!(
        user_db::count(&mut app.conn()).unwrap(),
        users_before + 1,
        "only the newcomer's account is made"
    );
    let after: Vec<TestUser> = [&elsewhere, &chair, &colleague]
        .into_iter()
        .cloned()
        .collect();
    for user in &after {
        let stored = user_db::find(&mut app.conn(), &user.id).unwrap().unwrap();
        assert!(
            !stored.password_hash.is_empty(),
            "{}: untouched",
            user.email
        );
    }
    let sent = deliver(&app, &sink).await;
    let to_newcomer = sent
        .iter()
        .find(|m| m.to == ["newcomer@example.la"])
        .expect("the newcomer is invited");
    link_in(&app, to_newcomer, "/invitation/");
    for user in &after {
        let notice = sent
            .iter()
            .find(|m| m.to == [user.email.clone()])
            .unwrap_or_else(|| panic!("{} is told", user.email));
        assert_eq!(
            notice.subject(),
            i18n::t(Lang::Lo, "email-account-exists-subject")
        );
        assert!(notice.text().contains(&inviter.email), "names who invited");
        assert!(
            notice.links().iter().all(|l| !l.contains("/invitation/")),
            "no invitation link for an existing account"
        );
    }
    assert_eq!(sent.len(), 4);
    let noticed: Vec<_> = events(&app)
        .into_iter()
        .filter(|e| e.action == "user.invite_existing")
        .map(|e| e.subject_id)
        .collect();
    assert_eq!(noticed.len(), 3);
}
