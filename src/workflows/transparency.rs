//! The registry's transparency log (README, "The transparency log"). Every public event of
//! a connection and every certificate issued is appended, in the transaction that made it,
//! as a leaf of an append-only Merkle tree; the tree is served in the C2SP tlog-tiles
//! layout under `/transparency/`, with checkpoints signed by the certificate key, so that
//! anyone who kept an older checkpoint can check that the registry never rewrote what it
//! published. The tree's arithmetic is `domain::transparency`'s.

use std::cell::RefCell;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::models::certificate::{self as certificate_db, Certificate};
use crate::db::models::connection::Connection;
use crate::db::models::organisation as org_db;
use crate::db::models::transparency::{self as log_db, TlogEntry};
use crate::db::{DbConn, write_tx};
use crate::domain::transparency::{
    self as tlog, Hash, HashReader, LogError, Tile, entry_bundle, read_hash_tile,
};
use crate::workflows::WorkflowError;
use crate::workflows::certificates::{CertificateAuthority, current_signer};

/// What a leaf's first field says: the format of the rest.
pub const LEAF_FORMAT: &str = "interconnect-registry/transparency/v1";

/// A leaf's data: one JSON object, its fields always in this order, dates `YYYY-MM-DD`,
/// times UTC `YYYY-MM-DDTHH:MM:SSZ` (README, "The transparency log").
#[derive(Debug, Serialize)]
struct Leaf<'a> {
    format: &'static str,
    /// The event (one of `domain::connection::PUBLIC_EVENTS`), or `certificate`.
    kind: &'a str,
    at: String,
    approval_number: &'a str,
    provider: &'a str,
    provider_lo: &'a str,
    status: &'a str,
    connection_type: &'a str,
    counterparty: &'a str,
    country: &'a str,
    capacity_mbps: i64,
    valid_from: String,
    valid_until: String,
    certificate: Option<CertificateLeaf<'a>>,
}

/// A certificate as its leaf names it: the token's SHA-256, so that a certificate shown
/// anywhere can be matched to its entry.
#[derive(Debug, Serialize)]
struct CertificateLeaf<'a> {
    id: &'a str,
    kid: &'a str,
    sha256: String,
}

/// The log's stored hashes, read through the caller's connection.
struct StoredHashes<'c>(RefCell<&'c mut DbConn>);

impl HashReader for StoredHashes<'_> {
    type Error = diesel::result::Error;

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Self::Error> {
        let wanted: Vec<i64> = indexes.iter().map(|&i| i as i64).collect();
        let found = log_db::read_hashes(&mut self.0.borrow_mut(), &wanted)?;
        let by_index: std::collections::HashMap<i64, Vec<u8>> = found.into_iter().collect();
        wanted
            .iter()
            .map(|i| {
                by_index
                    .get(i)
                    .and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok())
                    .map(Hash)
                    .ok_or(diesel::result::Error::NotFound)
            })
            .collect()
    }
}

/// A failure of the tree's arithmetic over what is stored: the storage's own error, or
/// stored hashes that do not fit together.
fn stored<E: Into<diesel::result::Error> + std::fmt::Display>(e: LogError<E>) -> WorkflowError {
    match e {
        LogError::Storage(e) => WorkflowError::Database(e.into()),
        other => WorkflowError::Database(diesel::result::Error::DeserializationError(
            other.to_string().into(),
        )),
    }
}

/// Appends the leaf of `kind` about `connection` (and the certificate it issued, if any),
/// inside the caller's transaction; returns the entry's index.
pub fn append(
    conn: &mut DbConn,
    connection: &Connection,
    kind: &str,
    at: NaiveDateTime,
    certificate: Option<&Certificate>,
) -> Result<i64, WorkflowError> {
    let organisation = org_db::find(conn, &connection.organisation_id)?;
    let (provider, provider_lo) = organisation
        .as_ref()
        .map(|o| (o.name_en.as_str(), o.name_lo.as_str()))
        .unwrap_or_default();
    let leaf = Leaf {
        format: LEAF_FORMAT,
        kind,
        at: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        approval_number: &connection.approval_number,
        provider,
        provider_lo,
        status: connection.status.as_str(),
        connection_type: &connection.connection_type,
        counterparty: &connection.counterparty_name,
        country: &connection.counterparty_country,
        capacity_mbps: connection.capacity_mbps,
        valid_from: connection.valid_from.to_string(),
        valid_until: connection.valid_until.to_string(),
        certificate: certificate.map(|c| CertificateLeaf {
            id: &c.id,
            kid: &c.kid,
            sha256: hex::encode(Sha256::digest(c.token.as_bytes())),
        }),
    };
    let data = serde_json::to_vec(&leaf).map_err(|e| {
        WorkflowError::Database(diesel::result::Error::SerializationError(e.into()))
    })?;
    let idx = log_db::grow(conn, 1)?;
    let hashes =
        tlog::append_leaf(&StoredHashes(RefCell::new(conn)), idx as u64, &data).map_err(stored)?;
    let hashes: Vec<(i64, [u8; 32])> = hashes.into_iter().map(|(i, h)| (i as i64, h.0)).collect();
    log_db::insert_hashes(conn, &hashes)?;
    log_db::insert_entry(
        conn,
        &TlogEntry {
            idx,
            kind: kind.to_string(),
            connection_id: connection.id.clone(),
            certificate_id: certificate.map(|c| c.id.clone()),
            data,
            created_at: at,
        },
    )?;
    Ok(idx)
}

/// The log's name, which its checkpoints carry and its key is named by: the registry's
/// address without its scheme, then `/transparency`, e.g. `registry.example.la/transparency`.
pub fn origin(authority: &CertificateAuthority) -> String {
    origin_of(authority, "transparency")
}

/// The name of the registry's log `log`: its address without the scheme, then `/log`.
pub fn origin_of(authority: &CertificateAuthority, log: &str) -> String {
    let address = authority
        .issuer
        .split_once("://")
        .map_or(authority.issuer.as_str(), |(_, rest)| rest);
    format!("{}/{log}", address.trim_end_matches('/'))
}

/// The newest checkpoint (size and signed note). When the log has grown since the last
/// one, a checkpoint of its present size is signed with the certificate key first.
pub fn checkpoint(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
) -> Result<(i64, String), WorkflowError> {
    let size = log_db::size(conn)?;
    if let Some((signed, note)) = log_db::latest_checkpoint(conn)?
        && signed == size
    {
        return Ok((signed, note));
    }
    write_tx(conn, |conn| {
        let size = log_db::grow(conn, 0)?;
        if let Some((signed, note)) = log_db::latest_checkpoint(conn)?
            && signed == size
        {
            return Ok((signed, note));
        }
        let root =
            tlog::tree_root(&StoredHashes(RefCell::new(conn)), size as u64).map_err(stored)?;
        let note = current_signer(conn, authority, now)?
            .checkpoint_signer(&origin(authority))
            .and_then(|signer| signer.sign(size as u64, root))
            .map_err(|_| WorkflowError::Conflict("error-signing-key"))?;
        log_db::insert_checkpoint(conn, size, &note, now)?;
        Ok((size, note))
    })
}

/// The verifier keys of every key that has signed checkpoints or certificates, newest
/// first: old checkpoints stay verifiable after a rotation.
pub fn verifier_keys(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
) -> Result<Vec<String>, WorkflowError> {
    verifier_keys_named(conn, &origin(authority))
}

/// [`verifier_keys`] for the log named `origin`.
pub fn verifier_keys_named(conn: &mut DbConn, origin: &str) -> Result<Vec<String>, WorkflowError> {
    let mut keys = certificate_db::list_keys(conn)?;
    keys.sort_by_key(|key| std::cmp::Reverse(key.created_at));
    Ok(keys
        .iter()
        .filter_map(|key| {
            let public = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&key.public_key)
                .ok()?;
            tlog::verifier_key(origin, &public.try_into().ok()?).ok()
        })
        .collect())
}

/// A tile of the log (a path under `/transparency/`, e.g. `tile/0/000` or
/// `tile/entries/000.p/5`): its bytes. None for a path that names no tile of the log.
pub fn tile(conn: &mut DbConn, path: &str) -> Result<Option<Vec<u8>>, WorkflowError> {
    let size = log_db::size(conn)?;
    let Ok(tile) = Tile::parse(path, size as u64) else {
        return Ok(None);
    };
    if tile.is_entry_bundle() {
        let range = tile.leaf_range();
        let entries = log_db::entry_data(conn, range.start as i64, range.end as i64)?;
        return entry_bundle(&tile, &entries).map(Some).map_err(|e| {
            WorkflowError::Database(diesel::result::Error::DeserializationError(
                e.to_string().into(),
            ))
        });
    }
    read_hash_tile(&StoredHashes(RefCell::new(conn)), &tile)
        .map(Some)
        .map_err(stored)
}

/// Where a certificate stands in the log: its entry, and the proof that the entry is in
/// the tree of a signed checkpoint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inclusion {
    /// The entry's index (from 0).
    pub index: i64,
    /// The size of the tree the proof leads to: the checkpoint's.
    pub tree_size: i64,
    /// The inclusion proof (RFC 9162), base64 hashes from the leaf up.
    pub proof: Vec<String>,
    /// The signed checkpoint (C2SP tlog-checkpoint) the proof leads to.
    pub checkpoint: String,
}

/// The inclusion of the certificate `certificate_id` in the newest checkpoint; None when
/// it was issued before the log began.
pub fn inclusion(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    certificate_id: &str,
    now: NaiveDateTime,
) -> Result<Option<Inclusion>, WorkflowError> {
    let Some(entry) = log_db::entry_of_certificate(conn, certificate_id)? else {
        return Ok(None);
    };
    let (size, note) = checkpoint(conn, authority, now)?;
    let proof = tlog::inclusion_proof(
        &StoredHashes(RefCell::new(conn)),
        size as u64,
        entry.idx as u64,
    )
    .map_err(stored)?;
    Ok(Some(Inclusion {
        index: entry.idx,
        tree_size: size,
        proof: proof.iter().map(|h| BASE64_STANDARD.encode(h.0)).collect(),
        checkpoint: note,
    }))
}

/// How a certificate stands in the log, as `/verify` tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logged {
    /// Its entry names it, and the entry's inclusion proof checks against the newest
    /// checkpoint, opened with the published keys.
    Included { index: i64, size: i64 },
    /// Issued before the log began.
    Before,
    /// Its entry names another token, or the proof or the checkpoint does not check.
    Broken,
}

/// Checks where the certificate `certificate_id`, whose token is `token`, stands in the
/// log: the check anyone can make with the API record's proof, made here for the reader.
pub fn logged(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    (certificate_id, token): (&str, &str),
    now: NaiveDateTime,
) -> Result<Logged, WorkflowError> {
    let Some(entry) = log_db::entry_of_certificate(conn, certificate_id)? else {
        return Ok(Logged::Before);
    };
    let Some(inclusion) = inclusion(conn, authority, certificate_id, now)? else {
        return Ok(Logged::Before);
    };
    let named = serde_json::from_slice::<serde_json::Value>(&entry.data)
        .ok()
        .and_then(|leaf| leaf["certificate"]["sha256"].as_str().map(str::to_string));
    if named != Some(hex::encode(Sha256::digest(token.as_bytes()))) {
        return Ok(Logged::Broken);
    }
    let keys = verifier_keys(conn, authority)?;
    let Ok(checkpoint) = tlog::open_checkpoint(inclusion.checkpoint.as_bytes(), &keys) else {
        return Ok(Logged::Broken);
    };
    let proof: Option<Vec<Hash>> = inclusion
        .proof
        .iter()
        .map(|h| {
            let bytes = BASE64_STANDARD.decode(h).ok()?;
            Some(Hash(bytes.try_into().ok()?))
        })
        .collect();
    let holds = proof.is_some_and(|proof| {
        tlog::verify_inclusion(
            &proof,
            inclusion.tree_size as u64,
            checkpoint.root,
            entry.idx as u64,
            tlog::leaf_hash(&entry.data),
        )
        .is_ok()
    }) && checkpoint.size == inclusion.tree_size as u64;
    Ok(if holds {
        Logged::Included {
            index: entry.idx,
            size: inclusion.tree_size,
        }
    } else {
        Logged::Broken
    })
}
