//! Signed checkpoints of the audit chain, kept outside the database, catch what the chain
//! alone cannot: each rewrite of finding F1 (the newest events removed and the head moved
//! back; a vote attributed to another member and every later hash recomputed; an event
//! removed, the later ones renumbered and re-chained), done by someone who also holds
//! `SECRET_KEY`, passes `verify-audit` without checkpoints, and fails it with them. Done
//! with the database alone, the keyed chain catches each rewrite by itself. Run on the
//! test's own database, with the append-only triggers dropped as someone with the
//! database's owner rights can.

use diesel::prelude::*;

use interconnect_registry::db::audit::chain_keys;
use interconnect_registry::db::schema::{audit_events, audit_head, outbox_messages};
use interconnect_registry::domain::audit::{AuditContent, ChainKeys};
use interconnect_registry::domain::clock::Clock;
use interconnect_registry::workflows::audit_checkpoints::mail_daily;
use interconnect_registry::workflows::certificates::CertificateAuthority;

use crate::cli::{command, run_command};
use crate::helpers::TestApp;
use crate::workflow_helpers::Cast;

/// A running registry with a history: an approval, its votes among it.
async fn registry_with_history() -> (TestApp, std::path::PathBuf) {
    let app = TestApp::spawn().await;
    Cast::assemble(&app).await.approved_connection().await;
    let dir = std::env::temp_dir().join(format!("audit-checkpoints-{}", uuid::Uuid::new_v4()));
    (app, dir)
}

/// Runs the binary's `args` against the app's database, checkpoints going to `dir`.
fn run(app: &TestApp, dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let mut cmd = command(&app.database_url);
    cmd.env("AUDIT_CHECKPOINT_DIR", dir);
    let (ok, out, err) = run_command(cmd, args, "");
    (ok, format!("{out}{err}"))
}

fn drop_guards(app: &TestApp) {
    app.execute(if app.is_postgres() {
        "DROP TRIGGER audit_events_no_change ON audit_events"
    } else {
        "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
    });
}

/// Who rewrites the chain.
#[derive(Clone, Copy)]
enum Forger {
    /// Someone who also holds `SECRET_KEY`, and so the chain's keys.
    WithTheSecret,
    /// Someone with the database alone, who hashes as the chain did before it was keyed.
    WithTheDatabaseAlone,
}

/// Recomputes every hash from event `from` on, and the head, as `forger` would.
fn rechain(app: &TestApp, from: i64, forger: Forger) {
    let mut conn = app.conn();
    let keys = match forger {
        Forger::WithTheSecret => chain_keys(&mut conn).unwrap(),
        Forger::WithTheDatabaseAlone => ChainKeys::unkeyed(),
    };
    type Row = (
        i64,
        chrono::NaiveDateTime,
        Option<String>,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
    );
    let mut prev: String = audit_events::table
        .find(from - 1)
        .select(audit_events::hash)
        .first(&mut conn)
        .unwrap();
    let rows: Vec<Row> = audit_events::table
        .filter(audit_events::seq.ge(from))
        .order(audit_events::seq.asc())
        .select((
            audit_events::seq,
            audit_events::occurred_at,
            audit_events::actor_id,
            audit_events::actor_label,
            audit_events::action,
            audit_events::subject_type,
            audit_events::subject_id,
            audit_events::before_state,
            audit_events::after_state,
            audit_events::ip,
        ))
        .load(&mut conn)
        .unwrap();
    let mut last = from - 1;
    for (seq, at, actor, label, action, subject_type, subject_id, before, after, ip) in &rows {
        let content = AuditContent {
            seq: *seq,
            occurred_at: *at,
            actor_id: actor.as_deref(),
            actor_label: label,
            action,
            subject_type,
            subject_id,
            before_state: before.as_deref(),
            after_state: after.as_deref(),
            ip,
        };
        let hash = keys.hash(&content, &prev).unwrap();
        diesel::update(audit_events::table.find(seq))
            .set((
                audit_events::prev_hash.eq(&prev),
                audit_events::hash.eq(&hash),
            ))
            .execute(&mut conn)
            .unwrap();
        prev = hash;
        last = *seq;
    }
    diesel::update(audit_head::table.find(1))
        .set((
            audit_head::last_seq.eq(last),
            audit_head::last_hash.eq(&prev),
        ))
        .execute(&mut conn)
        .unwrap();
}

fn last_seq(app: &TestApp) -> i64 {
    audit_head::table
        .find(1)
        .select(audit_head::last_seq)
        .first(&mut app.conn())
        .unwrap()
}

/// Signs a checkpoint into `dir` and checks that the untouched chain passes with it.
fn checkpoint(app: &TestApp, dir: &std::path::Path) {
    let (ok, said) = run(app, dir, &["checkpoint"]);
    assert!(ok, "{said}");
    assert!(
        said.contains("/audit\n"),
        "a signed note of the audit log: {said}"
    );
    let (ok, said) = run(
        app,
        dir,
        &["verify-audit", "--checkpoints", dir.to_str().unwrap()],
    );
    assert!(ok && said.contains("holds"), "{said}");
}

/// `verify-audit` passes the rewritten chain alone, and refuses it with the checkpoints.
fn caught(app: &TestApp, dir: &std::path::Path, finding: &str) {
    let (ok, said) = run(app, dir, &["verify-audit"]);
    assert!(
        ok && said.contains("intact"),
        "the chain alone cannot tell: {said}"
    );
    let (ok, said) = run(
        app,
        dir,
        &["verify-audit", "--checkpoints", dir.to_str().unwrap()],
    );
    assert!(!ok, "{said}");
    assert!(said.contains(finding), "{said}");
}

#[tokio::test]
async fn the_newest_events_removed_and_the_head_moved_back_are_caught() {
    let (app, dir) = registry_with_history().await;
    checkpoint(&app, &dir);
    assert!(
        std::fs::read_dir(&dir).unwrap().count() == 1,
        "one file per checkpoint"
    );
    drop_guards(&app);
    let last = last_seq(&app);
    app.execute(&format!(
        "DELETE FROM audit_events WHERE seq > {}",
        last - 5
    ));
    rechain(&app, last - 5, Forger::WithTheSecret);
    assert_eq!(last_seq(&app), last - 5);
    caught(&app, &dir, "TRUNCATED");
}

/// Attributes the first vote to the member who cast the second; returns its event.
fn reattribute_a_vote(app: &TestApp) -> i64 {
    let votes: Vec<(i64, Option<String>)> = audit_events::table
        .filter(audit_events::action.eq("vote.cast"))
        .order(audit_events::seq.asc())
        .select((audit_events::seq, audit_events::actor_id))
        .load(&mut app.conn())
        .unwrap();
    let ((first, _), (_, other)) = (&votes[0], &votes[1]);
    diesel::update(audit_events::table.find(first))
        .set(audit_events::actor_id.eq(other))
        .execute(&mut app.conn())
        .unwrap();
    *first
}

#[tokio::test]
async fn a_vote_attributed_to_another_member_and_the_chain_recomputed_is_caught() {
    let (app, dir) = registry_with_history().await;
    checkpoint(&app, &dir);
    drop_guards(&app);
    let vote = reattribute_a_vote(&app);
    rechain(&app, vote, Forger::WithTheSecret);
    caught(&app, &dir, "REWRITTEN");
}

/// Without `SECRET_KEY` the chain cannot be recomputed: with no checkpoint at all,
/// `verify-audit` names the rewritten event, and names the chain's keys when they are
/// removed to pass the chain off as never keyed.
#[tokio::test]
async fn a_chain_recomputed_from_the_database_alone_is_caught_by_its_keys() {
    let (app, dir) = registry_with_history().await;
    let (ok, said) = run(&app, &dir, &["verify-audit"]);
    assert!(ok && said.contains("intact"), "{said}");
    drop_guards(&app);
    let vote = reattribute_a_vote(&app);
    rechain(&app, vote, Forger::WithTheDatabaseAlone);
    let (ok, said) = run(&app, &dir, &["verify-audit"]);
    assert!(!ok, "{said}");
    assert!(
        said.contains(&format!("event {vote} has been altered")),
        "{said}"
    );

    app.execute(if app.is_postgres() {
        "DROP TRIGGER audit_chain_keys_no_delete ON audit_chain_keys; \
         DELETE FROM audit_chain_keys"
    } else {
        "DROP TRIGGER audit_chain_keys_no_delete; DELETE FROM audit_chain_keys"
    });
    let (ok, said) = run(&app, &dir, &["verify-audit"]);
    assert!(!ok, "{said}");
    assert!(
        said.contains("event 1 is keyed, but the database holds no key for it"),
        "{said}"
    );
}

#[tokio::test]
async fn an_event_removed_and_the_later_ones_renumbered_and_rechained_is_caught() {
    let (app, dir) = registry_with_history().await;
    checkpoint(&app, &dir);
    drop_guards(&app);
    let last = last_seq(&app);
    let removed = last / 2;
    app.execute(&format!("DELETE FROM audit_events WHERE seq = {removed}"));
    for seq in removed + 1..=last {
        app.execute(&format!(
            "UPDATE audit_events SET seq = {} WHERE seq = {seq}",
            seq - 1
        ));
    }
    rechain(&app, removed, Forger::WithTheSecret);
    // New events after the rewrite bring the chain back to its old length.
    app.create_user("reviewer", None);
    assert!(last_seq(&app) >= last);
    caught(&app, &dir, "REWRITTEN");
}

/// A server with `AUDIT_CHECKPOINT_DIR` writes checkpoints there on its own, a new file
/// each time the chain has grown, and they hold.
#[tokio::test]
async fn a_server_writes_a_checkpoint_at_each_interval_when_the_chain_grew() {
    let app = TestApp::spawn().await;
    let auditor = app.create_user("auditor", None);
    let dir = std::env::temp_dir().join(format!("audit-checkpoints-{}", uuid::Uuid::new_v4()));
    let mut cmd = command(&app.database_url);
    cmd.env("AUDIT_CHECKPOINT_DIR", &dir)
        .env("AUDIT_CHECKPOINT_SECONDS", "1");
    let (_server, _) = crate::cli::start_command(cmd, "serve").await;
    let files = async |least: usize| {
        for _ in 0..100 {
            let found = std::fs::read_dir(&dir)
                .map(|d| d.count())
                .unwrap_or_default();
            if found >= least {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("fewer than {least} checkpoints were written");
    };
    assert_eq!(files(1).await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        files(1).await,
        1,
        "no new file while the chain stands still"
    );
    app.create_user("reviewer", None);
    assert_eq!(files(2).await, 2);
    let (ok, said) = run(
        &app,
        &dir,
        &["verify-audit", "--checkpoints", dir.to_str().unwrap()],
    );
    assert!(ok, "{said}");
    assert_eq!(said.matches(": holds").count(), 2, "{said}");
    assert_eq!(
        checkpoints_mailed_to(&app, &auditor.email).len(),
        1,
        "the server sent the day's checkpoint to the auditor"
    );
}

/// The audit checkpoints in the outbox for `email`.
fn checkpoints_mailed_to(app: &TestApp, email: &str) -> Vec<serde_json::Value> {
    let params: Vec<String> = outbox_messages::table
        .filter(outbox_messages::message.eq("audit_checkpoint"))
        .filter(outbox_messages::recipient_email.eq(email))
        .select(outbox_messages::params)
        .load(&mut app.conn())
        .unwrap();
    params
        .iter()
        .map(|p| serde_json::from_str(p).unwrap())
        .collect()
}

/// Each day the auditors are sent that day's checkpoint once, whichever server sends it,
/// and the checkpoint in the message is one `verify-audit --checkpoints` accepts.
#[tokio::test]
async fn the_auditors_are_sent_the_days_checkpoint_once_a_day() {
    let app = TestApp::spawn().await;
    let auditor = app.create_user("auditor", None);
    app.create_user("reviewer", None);
    let authority = CertificateAuthority::from_settings(&app.settings);
    let send = || {
        mail_daily(
            &mut app.conn(),
            &authority,
            app.clock.now(),
            app.clock.today_in_vientiane(),
        )
        .unwrap()
    };
    assert!(send());
    assert!(!send(), "once a day");
    let mailed = checkpoints_mailed_to(&app, &auditor.email);
    assert_eq!(mailed.len(), 1);
    let note = mailed[0]["text"].as_str().unwrap();
    let dir = std::env::temp_dir().join(format!("audit-checkpoints-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mailed.checkpoint"), note).unwrap();
    let (ok, said) = run(
        &app,
        &dir,
        &["verify-audit", "--checkpoints", dir.to_str().unwrap()],
    );
    assert!(ok && said.contains("holds"), "{said}");

    app.clock.advance(chrono::TimeDelta::days(1));
    assert!(send(), "the next day's");
    assert_eq!(checkpoints_mailed_to(&app, &auditor.email).len(), 2);
}

/// Nothing to sign in an empty chain, and no checkpoint where none was written: each is
/// said plainly, with a failing exit, and nothing is written.
#[tokio::test]
async fn an_empty_chain_and_a_directory_without_checkpoints_are_refused_plainly() {
    let app = TestApp::spawn().await;
    let dir = std::env::temp_dir().join(format!("audit-checkpoints-{}", uuid::Uuid::new_v4()));
    if last_seq(&app) == 0 {
        let (ok, said) = run(&app, &dir, &["checkpoint"]);
        assert!(!ok && said.contains("no events yet"), "{said}");
        assert!(!dir.exists(), "nothing written");
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a checkpoint").unwrap();
    let (ok, said) = run(
        &app,
        &dir,
        &["verify-audit", "--checkpoints", dir.to_str().unwrap()],
    );
    assert!(!ok && said.contains("no checkpoint files"), "{said}");
    let forged = dir.join("audit-000000000001.checkpoint");
    std::fs::write(
        &forged,
        "127.0.0.1:8080/audit\n1\nAAAA\n\n— 127.0.0.1:8080/audit AAAA\n",
    )
    .unwrap();
    let (ok, said) = run(
        &app,
        &dir,
        &["verify-audit", "--checkpoints", forged.to_str().unwrap()],
    );
    assert!(
        !ok && said.contains("not a valid audit checkpoint"),
        "{said}"
    );
}

/// The audit page shows the chain's head signed now, in English and Lao, and offers it as
/// a file, which `verify-audit --checkpoints` accepts; only the audit's readers get it,
/// and nobody once the chain is found broken.
#[tokio::test]
async fn the_audit_page_shows_and_offers_the_checkpoint_of_the_chain_as_it_is() {
    let (app, dir) = registry_with_history().await;
    let provider = app.create_user("applicant", None);
    app.sign_in_as(&provider).await;
    let res = app.get("/admin/audit/checkpoint").await;
    assert!(res.status().is_client_error(), "{}", res.status());

    let auditor = app.create_user("auditor", None);
    app.sign_in_as(&auditor).await;
    let events = last_seq(&app);
    let (status, html) = app.page("/admin/audit").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let section = crate::helpers::text_of(&html, "#audit-checkpoint").expect("the checkpoint");
    assert!(
        section.contains(&format!("as it is now: {events} events.")),
        "{section}"
    );
    assert!(
        section.contains(&format!("/audit\n{events}\n")),
        "{section}"
    );

    let res = app.get("/admin/audit/checkpoint").await;
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains(&format!("audit-{events:012}.checkpoint")),
        "{disposition}"
    );
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let note = res.text().await.unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("downloaded.checkpoint");
    std::fs::write(&file, &note).unwrap();
    let (ok, said) = run(
        &app,
        &dir,
        &["verify-audit", "--checkpoints", file.to_str().unwrap()],
    );
    assert!(ok && said.contains("holds"), "{said}");

    app.post("/language", &[("lang", "lo"), ("next", "/admin/audit")])
        .await;
    let (_, html) = app.page("/admin/audit").await;
    let section = crate::helpers::text_of(&html, "#audit-checkpoint").expect("the checkpoint");
    assert!(section.contains("ດາວໂຫຼດຈຸດກວດສອບ"), "{section}");

    // A chain found broken gets no checkpoint: none shown, and the file is refused.
    drop_guards(&app);
    app.execute("UPDATE audit_events SET actor_label = 'someone else' WHERE seq = 2");
    let (_, html) = app.page("/admin/audit").await;
    assert!(crate::helpers::text_of(&html, "#audit-checkpoint").is_none());
    let res = app.get("/admin/audit/checkpoint").await;
    assert_eq!(res.status(), reqwest::StatusCode::CONFLICT);
    let page = res.text().await.unwrap();
    assert!(page.contains("ທະບຽນຈຶ່ງບໍ່ລົງລາຍເຊັນຈຸດກວດສອບຂອງມັນ"), "{page}");
}
