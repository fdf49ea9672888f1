//! The public transparency log: every public event and certificate is an entry of a
//! Merkle tree served in the tlog-tiles layout; `verify-log`, run as an outsider runs it
//! (no database, no settings), checks it over HTTP, and catches a rewritten, altered or
//! rolled-back history. A certificate's API record carries a proof that checks against a
//! signed checkpoint.

use std::process::Command;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use diesel::prelude::*;

use interconnect_registry::db::models::certificate as certificate_db;
use interconnect_registry::db::models::transparency as log_db;
use interconnect_registry::db::schema::{tlog_checkpoints, tlog_entries, tlog_hashes, tlog_head};
use interconnect_registry::domain::transparency::{
    self as tlog, Hash, HashReader, leaf_hash, open_checkpoint, verify_inclusion,
};

use crate::cli::run_command;
use crate::helpers::TestApp;
use crate::workflow_helpers::Cast;

const BIN: &str = env!("CARGO_BIN_EXE_interconnect-registry");

/// `verify-log` as someone with no database and no settings runs it.
fn verify_log(app: &TestApp, state: &std::path::Path) -> (bool, String) {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    let (ok, out, err) = run_command(
        cmd,
        &[
            "verify-log",
            "--url",
            &app.address,
            "--state",
            state.to_str().unwrap(),
        ],
        "",
    );
    (ok, format!("{out}{err}"))
}

/// What `/verify` says of the newest certificate of the connection `connection_id`.
async fn verdict(app: &TestApp, connection_id: &str) -> String {
    let token = certificate_db::latest_for(&mut app.conn(), connection_id)
        .unwrap()
        .unwrap()
        .token;
    crate::certificates::verdict(&app.another_browser(), &token).await
}

/// A directory of the test's own for `verify-log`'s state.
fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("verify-log-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Drops the log's append-only triggers, as someone with the database's owner rights can.
fn drop_guards(app: &TestApp) {
    let sql = if app.is_postgres() {
        "DROP TRIGGER tlog_entries_no_change ON tlog_entries; \
         DROP TRIGGER tlog_hashes_no_change ON tlog_hashes; \
         DROP TRIGGER tlog_checkpoints_no_change ON tlog_checkpoints; \
         DROP TRIGGER tlog_head_no_shrink ON tlog_head;"
    } else {
        "DROP TRIGGER tlog_entries_no_update; DROP TRIGGER tlog_entries_no_delete; \
         DROP TRIGGER tlog_hashes_no_update; DROP TRIGGER tlog_hashes_no_delete; \
         DROP TRIGGER tlog_checkpoints_no_update; DROP TRIGGER tlog_checkpoints_no_delete; \
         DROP TRIGGER tlog_head_no_shrink;"
    };
    app.execute(sql);
}

/// A tree held in memory, for the forger's recomputation.
struct InMemory(std::cell::RefCell<Vec<Hash>>);

impl HashReader for InMemory {
    type Error = std::convert::Infallible;

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Self::Error> {
        let stored = self.0.borrow();
        Ok(indexes.iter().map(|&i| stored[i as usize]).collect())
    }
}

/// Rewrites the log as a forger with the database would: every entry's data as `edit`
/// makes it, the tree's hashes recomputed, the checkpoints removed (the server then signs
/// the forged tree with its own key), and the log cut to `keep` entries.
fn forge(app: &TestApp, keep: i64, edit: impl Fn(i64, Vec<u8>) -> Vec<u8>) {
    let mut conn = app.conn();
    let entries: Vec<(i64, Vec<u8>)> = tlog_entries::table
        .filter(tlog_entries::idx.lt(keep))
        .order(tlog_entries::idx.asc())
        .select((tlog_entries::idx, tlog_entries::data))
        .load(&mut conn)
        .unwrap();
    let memory = InMemory(Default::default());
    for (idx, data) in &entries {
        let data = edit(*idx, data.clone());
        let added = tlog::append_leaf(&memory, *idx as u64, &data).unwrap();
        memory
            .0
            .borrow_mut()
            .extend(added.into_iter().map(|(_, h)| h));
        diesel::update(tlog_entries::table.find(*idx))
            .set(tlog_entries::data.eq(data))
            .execute(&mut conn)
            .unwrap();
    }
    diesel::delete(tlog_entries::table.filter(tlog_entries::idx.ge(keep)))
        .execute(&mut conn)
        .unwrap();
    diesel::delete(tlog_hashes::table)
        .execute(&mut conn)
        .unwrap();
    diesel::delete(tlog_checkpoints::table)
        .execute(&mut conn)
        .unwrap();
    let hashes: Vec<(i64, [u8; 32])> = memory
        .0
        .borrow()
        .iter()
        .enumerate()
        .map(|(i, h)| (i as i64, h.0))
        .collect();
    log_db::insert_hashes(&mut conn, &hashes).unwrap();
    diesel::update(tlog_head::table.find(1))
        .set(tlog_head::size.eq(keep))
        .execute(&mut conn)
        .unwrap();
}

#[tokio::test]
async fn verify_log_checks_the_log_and_catches_a_rewritten_history() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    cast.chair
        .act(
            &format!("/committee/connections/{}/suspend", connection.id),
            &[
                ("reason", "Traffic to a scam call centre"),
                ("confirm", "yes"),
            ],
        )
        .await;
    let kinds: Vec<String> = tlog_entries::table
        .order(tlog_entries::idx.asc())
        .select(tlog_entries::kind)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(kinds, ["approved", "certificate", "suspended"]);

    // The tiles are public, kept forever, and readable from any origin.
    let reader = app.another_browser();
    let tile = reader.get("/transparency/tile/entries/000.p/3").await;
    assert_eq!(tile.status(), 200);
    assert!(
        tile.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(tile.headers()["access-control-allow-origin"], "*");
    let bundle = tile.bytes().await.unwrap();
    let entries = tlog::parse_entry_bundle(&bundle).unwrap();
    let first: serde_json::Value = serde_json::from_slice(entries[0]).unwrap();
    assert_eq!(first["format"], "interconnect-registry/transparency/v1");
    assert_eq!(first["kind"], "approved");
    assert_eq!(
        first["approval_number"],
        connection.approval_number.as_str()
    );
    for missing in [
        "entries/000.p/4",
        "entries/001",
        "0/000.p/0",
        "9/000",
        "0/../000",
    ] {
        let status = app
            .get(&format!("/transparency/tile/{missing}"))
            .await
            .status();
        assert_eq!(status, 404, "{missing}");
    }

    // The API record's proof leads from the certificate's entry to a signed checkpoint.
    let keys_before: Vec<String> = app
        .get("/transparency/keys")
        .await
        .text()
        .await
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let record: serde_json::Value = app
        .get(&format!("/api/v1/registry/{}", connection.approval_number))
        .await
        .json()
        .await
        .unwrap();
    let inclusion = &record["transparency"];
    assert_eq!(inclusion["index"], 1, "{record}");
    let checkpoint = open_checkpoint(
        inclusion["checkpoint"].as_str().unwrap().as_bytes(),
        &keys_before,
    )
    .unwrap();
    let proof: Vec<Hash> = inclusion["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            Hash(
                BASE64_STANDARD
                    .decode(h.as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap(),
            )
        })
        .collect();
    let certificate_leaf = leaf_hash(entries[1]);
    let size = inclusion["tree_size"].as_u64().unwrap();
    assert_eq!(size, checkpoint.size);
    verify_inclusion(&proof, size, checkpoint.root, 1, certificate_leaf).unwrap();
    assert!(verify_inclusion(&proof, size, checkpoint.root, 1, leaf_hash(entries[0])).is_err());

    // `/verify` makes the same check for someone who pastes the certificate.
    let said = verdict(&app, &connection.id).await;
    assert!(
        said.contains("It is entry 1 of the registry")
            && said.contains("signed checkpoint of 3 entries includes it checks"),
        "{said}"
    );

    // An outsider verifies, and keeps the checkpoint.
    let dir = scratch();
    let state = dir.join("registry.checkpoint");
    let (ok, said) = verify_log(&app, &state);
    assert!(ok, "{said}");
    assert!(said.contains("verified: 3 entries"), "{said}");

    // The key is rotated and the log grows: the next run opens the checkpoint it kept,
    // signed by the retired key, and finds its entries unchanged in a tree the new key
    // signed.
    let (ok, _, err) = run_command(
        crate::cli::command(&app.database_url),
        &["rotate-signing-key"],
        "",
    );
    assert!(ok, "{err}");
    cast.chair
        .act(
            &format!("/committee/connections/{}/reinstate", connection.id),
            &[("reason", "The traffic stopped"), ("confirm", "yes")],
        )
        .await;
    let (ok, said) = verify_log(&app, &state);
    assert!(ok, "{said}");
    assert!(said.contains("verified: 4 entries"), "{said}");
    assert!(said.contains("unchanged, the 3 entries"), "{said}");
    let keys = app.another_browser().get("/transparency/keys").await;
    assert_eq!(keys.text().await.unwrap().lines().count(), 2, "both keys");
    let newest = app.another_browser().get("/transparency/checkpoint").await;
    let note = newest.text().await.unwrap();
    assert_eq!(
        open_checkpoint(note.as_bytes(), &keys_before)
            .err()
            .map(|e| e.to_string()),
        Some("the checkpoint carries no signature by any of the trusted keys".to_string()),
        "the new checkpoint is the new key's: {note}"
    );

    // The database refuses a change to the log while its guards stand.
    let refused = diesel::sql_query("UPDATE tlog_entries SET kind = 'approved' WHERE idx = 2")
        .execute(&mut app.conn());
    assert!(refused.is_err());

    // Someone with the database rewrites the suspension out of history, recomputes the
    // tree, and lets the server sign it: the log is consistent in itself, and only the
    // checkpoint kept from before shows the rewrite.
    drop_guards(&app);
    forge(&app, 4, |idx, data| {
        if idx == 2 {
            String::from_utf8(data)
                .unwrap()
                .replace("\"suspended\"", "\"modified\"")
                .into_bytes()
        } else {
            data
        }
    });
    let fresh = dir.join("newcomer.checkpoint");
    let (ok, said) = verify_log(&app, &fresh);
    assert!(ok, "a newcomer cannot tell: {said}");
    let (ok, said) = verify_log(&app, &state);
    assert!(!ok, "{said}");
    assert!(said.contains("history rewritten"), "{said}");
}

#[tokio::test]
async fn verify_log_catches_an_altered_entry_and_a_rolled_back_log() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    cast.approved_connection().await;
    let second = cast.approved_connection().await;
    let state = scratch().join("state");
    let (ok, said) = verify_log(&app, &state);
    assert!(ok, "{said}");
    assert!(said.contains("verified: 4 entries"), "{said}");
    let kept = std::fs::read_to_string(&state).unwrap();

    drop_guards(&app);
    // One entry's data changed in place, the tree left as it was: the second
    // certificate's, whose page then warns whoever checks it.
    let original: Vec<u8> = tlog_entries::table
        .find(3)
        .select(tlog_entries::data)
        .first(&mut app.conn())
        .unwrap();
    let altered = String::from_utf8(original.clone())
        .unwrap()
        .replace("\"capacity_mbps\":", "\"capacity_mbps\":1");
    diesel::update(tlog_entries::table.find(3))
        .set(tlog_entries::data.eq(altered.into_bytes()))
        .execute(&mut app.conn())
        .unwrap();
    let (ok, said) = verify_log(&app, &state);
    assert!(!ok, "{said}");
    assert!(
        said.contains("entry 3 in tile/entries/000.p/4 does not hash"),
        "{said}"
    );
    let warned = verdict(&app, &second.id).await;
    assert!(warned.contains("does not match it"), "{warned}");
    diesel::update(tlog_entries::table.find(3))
        .set(tlog_entries::data.eq(original))
        .execute(&mut app.conn())
        .unwrap();
    assert!(verify_log(&app, &state).0, "restored");

    // The log cut back to its first approval, as a backup restored from before would be.
    forge(&app, 2, |_, data| data);
    std::fs::write(&state, &kept).unwrap();
    let (ok, said) = verify_log(&app, &state);
    assert!(!ok, "{said}");
    assert!(said.contains("rolled back"), "{said}");
}
