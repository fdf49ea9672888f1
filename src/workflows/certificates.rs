//! Approval certificates: each approval (and each renewal or modification) gets a signed
//! statement of the connection's terms, checkable by anyone with the published keys. One
//! key signs at a time; rotating starts a new one, and an old key stays published while a
//! certificate it signed is still valid. And the public reads beside them: an approval's
//! record with its newest certificate, and a pasted certificate checked against the live
//! record.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use crate::auth::signing::{self, Signer};
use crate::config::Settings;
use crate::db::models::certificate::{self as certificate_db, Certificate, SigningKey};
use crate::db::models::connection::{self as connection_db, Connection, PublicConnection};
use crate::db::models::organisation as org_db;
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::audit::AuditAction;
use crate::domain::certificate::{CertificateClaims, expiry_of, unix};
use crate::domain::connection::ConnectionStatus;
use crate::workflows::audit::record;
use crate::workflows::transparency::{Logged, logged};
use crate::workflows::{Actor, WorkflowError};

/// What signing needs: the key that seals private keys, and the issuer named in tokens.
#[derive(Clone)]
pub struct CertificateAuthority {
    pub secret: Vec<u8>,
    pub issuer: String,
}

impl CertificateAuthority {
    pub fn from_settings(settings: &Settings) -> CertificateAuthority {
        CertificateAuthority {
            secret: settings.secret_key.clone(),
            issuer: settings.base_url.as_str().trim_end_matches('/').to_string(),
        }
    }
}

/// Makes a new key the one that signs (inside the caller's transaction).
fn start_key(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
) -> Result<SigningKey, WorkflowError> {
    certificate_db::retire_all(conn, now)?;
    let generated = signing::generate(&authority.secret);
    let key = SigningKey {
        kid: format!("{}-{}", now.format("%Y%m%d"), &new_id()[..8]),
        public_key: generated.public_key,
        sealed_private_key: generated.sealed_private_key,
        created_at: now,
        retired_at: None,
    };
    certificate_db::insert_key(conn, &key)?;
    Ok(key)
}

/// The signer of the current key. With none yet, or one this server cannot unseal (its
/// `SECRET_KEY` differs from the one that sealed it), a new key is started; certificates
/// signed by the old one still verify with its published public key.
pub(crate) fn current_signer(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
) -> Result<Signer, WorkflowError> {
    let key = match certificate_db::current_key(conn)? {
        Some(key) => key,
        None => start_key(conn, authority, now)?,
    };
    match Signer::unseal(&key.kid, &key.sealed_private_key, &authority.secret) {
        Ok(signer) => Ok(signer),
        Err(e) => {
            tracing::warn!(kid = %key.kid, error = %e, "starting a new certificate signing key");
            let key = start_key(conn, authority, now)?;
            Signer::unseal(&key.kid, &key.sealed_private_key, &authority.secret)
                .map_err(|_| WorkflowError::Conflict("error-signing-key"))
        }
    }
}

/// Signs `claims` as a compact JWS with the current certificate key (inside the caller's
/// transaction): a document the registry stands behind, checkable offline against
/// `/.well-known/jwks.json` like a certificate.
pub fn sign_document<T: serde::Serialize>(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    claims: &T,
    now: NaiveDateTime,
) -> Result<String, WorkflowError> {
    current_signer(conn, authority, now)?
        .sign(claims)
        .map_err(|_| WorkflowError::Conflict("error-signing-key"))
}

/// Issues a certificate for the connection's current terms, inside the caller's
/// transaction (the approval's).
pub fn issue(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    connection: &Connection,
    now: NaiveDateTime,
) -> Result<Certificate, WorkflowError> {
    let signer = current_signer(conn, authority, now)?;
    let organisation = org_db::find(conn, &connection.organisation_id)?;
    let id = new_id();
    let claims = CertificateClaims {
        iss: authority.issuer.clone(),
        sub: connection.approval_number.clone(),
        jti: id.clone(),
        iat: unix(now),
        exp: expiry_of(connection.valid_until),
        provider: organisation
            .as_ref()
            .map(|o| o.name_en.clone())
            .unwrap_or_default(),
        provider_lo: organisation.map(|o| o.name_lo).unwrap_or_default(),
        counterparty: connection.counterparty_name.clone(),
        country: connection.counterparty_country.clone(),
        connection_type: connection.connection_type.clone(),
        capacity_mbps: connection.capacity_mbps,
        valid_from: connection.valid_from,
        valid_until: connection.valid_until,
    };
    let token = signer
        .sign(&claims)
        .map_err(|_| WorkflowError::Conflict("error-signing-key"))?;
    let certificate = Certificate {
        id,
        connection_id: connection.id.clone(),
        kid: signer.kid().to_string(),
        token,
        issued_at: now,
        valid_until: connection.valid_until,
    };
    certificate_db::insert_certificate(conn, &certificate)?;
    crate::workflows::transparency::append(
        conn,
        connection,
        "certificate",
        now,
        Some(&certificate),
    )?;
    Ok(certificate)
}

/// Starts a new signing key; the old ones stay published while their certificates are valid.
pub fn rotate(
    conn: &mut DbConn,
    actor: &Actor,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
) -> Result<SigningKey, WorkflowError> {
    write_tx(conn, |conn| {
        let key = start_key(conn, authority, now)?;
        record(
            conn,
            actor,
            AuditAction::SigningKeyRotate,
            "signing_key",
            &key.kid,
            None,
            Some(json!({ "kid": key.kid, "public_key": key.public_key })),
        )?;
        Ok(key)
    })
}

/// The published keys as a JSON Web Key Set (RFC 7517; OKP keys, RFC 8037).
pub fn jwks(conn: &mut DbConn, today: NaiveDate) -> Result<serde_json::Value, WorkflowError> {
    let keys: Vec<serde_json::Value> = certificate_db::published_keys(conn, today)?
        .into_iter()
        .map(|key| {
            json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "use": "sig",
                "kid": key.kid,
                "x": key.public_key,
            })
        })
        .collect();
    Ok(json!({ "keys": keys }))
}

/// What checking a presented certificate found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Signed by one of this registry's keys. `latest` is false when a newer certificate
    /// (a renewal or modification) has replaced it.
    Genuine {
        claims: Box<CertificateClaims>,
        kid: String,
        latest: bool,
    },
    /// Well formed, but not signed by any key of this registry.
    NotGenuine,
    /// Not a certificate at all.
    Malformed,
}

/// The longest token accepted for checking.
const MAX_TOKEN_LENGTH: usize = 4096;

/// Checks a certificate pasted by anyone: the signature against the key its `kid` names,
/// then whether it is the connection's latest. Expiry and the connection's live status
/// are for the caller to show; a genuine certificate may still be expired or revoked.
pub fn check(conn: &mut DbConn, token: &str) -> Result<Check, WorkflowError> {
    let token = token.trim();
    if token.len() > MAX_TOKEN_LENGTH {
        return Ok(Check::Malformed);
    }
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return Ok(Check::Malformed);
    };
    if header.alg != jsonwebtoken::Algorithm::EdDSA {
        return Ok(Check::NotGenuine);
    }
    // The registry's key ids hold no control character, so a certificate whose key id does
    // is not one of its certificates at all, and the id is never looked up (PostgreSQL
    // cannot even compare a NUL).
    let Some(kid) = header.kid.as_deref() else {
        return Ok(Check::NotGenuine);
    };
    if kid.chars().any(char::is_control) {
        return Ok(Check::Malformed);
    }
    let Some(key) = certificate_db::find_key(conn, kid)? else {
        return Ok(Check::NotGenuine);
    };
    let Ok(decoding) = jsonwebtoken::DecodingKey::from_ed_components(&key.public_key) else {
        return Ok(Check::NotGenuine);
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = match jsonwebtoken::decode::<CertificateClaims>(token, &decoding, &validation) {
        Ok(data) => data.claims,
        Err(e) => {
            return Ok(match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => Check::NotGenuine,
                _ => Check::Malformed,
            });
        }
    };
    let latest = crate::db::models::connection::find_by_number(conn, &claims.sub)?
        .map(|c| certificate_db::latest_for(conn, &c.id))
        .transpose()?
        .flatten()
        .is_some_and(|c| c.id == claims.jti);
    Ok(Check::Genuine {
        claims: Box::new(claims),
        kid: key.kid,
        latest,
    })
}

/// The signer, without taking the write lock unless a key must be started.
fn signer_for_reading(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
) -> Result<Signer, WorkflowError> {
    if let Some(key) = certificate_db::current_key(conn)?
        && let Ok(signer) = Signer::unseal(&key.kid, &key.sealed_private_key, &authority.secret)
    {
        return Ok(signer);
    }
    write_tx(conn, |conn| current_signer(conn, authority, now))
}

/// One withdrawn approval in the revocation list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Withdrawn {
    /// The approval number.
    pub sub: String,
    /// `revoked` or `suspended`.
    pub status: ConnectionStatus,
    /// When it took this status (UTC, RFC 3339).
    pub since: String,
}

/// Every approval revoked or suspended, as a compact JWS signed like the certificates
/// (a certificate revocation list for approvals): `iss`, `iat` and `entries`.
pub fn revocation_list(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
) -> Result<String, WorkflowError> {
    let mut entries: Vec<Withdrawn> = crate::db::models::connection::list_in_states(
        conn,
        &[ConnectionStatus::Revoked, ConnectionStatus::Suspended],
    )?
    .into_iter()
    .map(|c| Withdrawn {
        since: c
            .revoked_at
            .unwrap_or(c.status_changed_at)
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        sub: c.approval_number,
        status: c.status,
    })
    .collect();
    entries.sort_by(|a, b| a.sub.cmp(&b.sub));
    let signer = signer_for_reading(conn, authority, now)?;
    signer
        .sign(&json!({ "iss": authority.issuer, "iat": unix(now), "entries": entries }))
        .map_err(|_| WorkflowError::Conflict("error-signing-key"))
}

/// What the printable certificate shows: the approval's newest certificate and the terms
/// it states as signed (never what the records say now), the connection's standing today,
/// and the decision behind it: its conditions, legal basis and the chair who signed it.
pub struct Printable {
    pub connection: Connection,
    pub certificate: Certificate,
    pub claims: CertificateClaims,
    pub legal_basis: String,
    /// The name of the chair who signed the decision (empty when it is not known).
    pub signed_by: String,
}

/// The printable certificate of approval `number`; `NotFound` when it has no certificate
/// that this registry's keys vouch for.
pub fn printable(conn: &mut DbConn, number: &str) -> Result<Printable, WorkflowError> {
    let connection = crate::db::models::connection::find_by_number(conn, number)?
        .ok_or(WorkflowError::NotFound)?;
    let certificate =
        certificate_db::latest_for(conn, &connection.id)?.ok_or(WorkflowError::NotFound)?;
    let Check::Genuine { claims, .. } = check(conn, &certificate.token)? else {
        return Err(WorkflowError::NotFound);
    };
    let decision = crate::db::models::application::find(conn, &connection.application_id)?;
    let signed_by = match decision.as_ref().and_then(|a| a.decided_by.as_deref()) {
        Some(chair) => crate::db::models::user::find(conn, chair)?
            .map(|u| u.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(Printable {
        legal_basis: decision.map(|a| a.decision_legal_basis).unwrap_or_default(),
        signed_by,
        claims: *claims,
        connection,
        certificate,
    })
}

/// The public record of approval `number` and its newest certificate, if any.
pub fn record_and_certificate(
    conn: &mut DbConn,
    number: &str,
) -> Result<(PublicConnection, Option<Certificate>), WorkflowError> {
    let row = connection_db::find_public(conn, number)?.ok_or(WorkflowError::NotFound)?;
    let certificate = certificate_db::latest_for(conn, &row.id)?;
    Ok((row, certificate))
}

/// A pasted certificate [`check`]ed, and, when it is genuine, the live public record of
/// the approval it names (if that still exists).
pub fn check_with_record(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    token: &str,
    now: NaiveDateTime,
) -> Result<(Check, Option<PublicConnection>, Option<Logged>), WorkflowError> {
    let checked = check(conn, token)?;
    let (live, logged) = match &checked {
        Check::Genuine { claims, .. } => (
            connection_db::find_public(conn, &claims.sub)?,
            Some(logged(conn, authority, (&claims.jti, token), now)?),
        ),
        _ => (None, None),
    };
    Ok((checked, live, logged))
}
