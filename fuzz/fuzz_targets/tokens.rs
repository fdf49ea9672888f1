//! Tokens anyone can send: API bearer JWTs (HS256) and the `Authorization` headers that
//! carry them or the client's credentials, approval certificates (EdDSA JWS) checked
//! against the registry's keys in a real SQLite database, e-mailed invitation and reset
//! links, CSRF tokens, the codes of two-factor sign-in, and `X-Forwarded-For`.
//!
//! Arbitrary strings must be refused without a panic. Round trips: what the registry
//! issues verifies to what it said, and nothing else does (another key, another purpose,
//! a later time, one character changed).

#![no_main]

use std::sync::{Mutex, OnceLock};

use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta};
use interconnect_registry::auth::signing::{self, Signer};
use interconnect_registry::auth::{api_token, csrf, email_token, totp};
use interconnect_registry::db::models::certificate::{self as certificate_db, SigningKey};
use interconnect_registry::db::{self, DbConn};
use interconnect_registry::domain::certificate::CertificateClaims;
use interconnect_registry::routes::api::basic_credentials;
use interconnect_registry::trusted_proxies::TrustedProxies;
use interconnect_registry::web::bearer;
use interconnect_registry::workflows::certificates::{self, Check};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const OTHER_SECRET: &[u8] = b"fedcba9876543210fedcba9876543210";
const KID: &str = "fuzz-key";

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    /// Sent as it is: a bearer token, a certificate, a link token, a CSRF token, a header.
    token: &'a str,
    /// The values of the tokens the registry issues.
    id: &'a str,
    other: &'a str,
    version: i32,
    seconds: i64,
    days: (i32, i32),
    numbers: (i64, i64),
    /// Where one character of an issued token is changed, and to what.
    tamper: (u16, u8),
}

/// A database with the registry's schema and one certificate signing key.
struct Registry {
    conn: DbConn,
    signer: Signer,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut conn = db::establish(":memory:").expect("an in-memory SQLite database");
        db::run_migrations(&mut conn).expect("migrations");
        let key = signing::generate(SECRET);
        certificate_db::insert_key(
            &mut conn,
            &SigningKey {
                kid: KID.to_string(),
                public_key: key.public_key,
                sealed_private_key: key.sealed_private_key.clone(),
                created_at: NaiveDateTime::MIN,
                retired_at: None,
            },
        )
        .expect("the key is stored");
        let signer = Signer::unseal(KID, &key.sealed_private_key, SECRET).expect("unsealed");
        Mutex::new(Registry { conn, signer })
    })
}

/// `token` with one character replaced by a different one.
fn tampered(token: &str, (at, with): (u16, u8)) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let at = usize::from(at) % bytes.len();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    let mut replacement = alphabet[usize::from(with) % alphabet.len()];
    if replacement == bytes[at] {
        replacement = if bytes[at] == b'A' { b'B' } else { b'A' };
    }
    bytes[at] = replacement;
    String::from_utf8(bytes).expect("an issued token is ASCII")
}

fn api_tokens(input: &Input<'_>) {
    // The server's clock reads a time after 1970 and before 2600.
    let now = DateTime::from_timestamp(input.seconds.rem_euclid(20_000_000_000), 0)
        .expect("within chrono's range")
        .naive_utc();
    assert_eq!(api_token::verify(SECRET, input.token, now), None);
    // Client ids are short; a token over its length limit is refused by design.
    if input.id.len() > 200 {
        return;
    }
    let token = api_token::issue(SECRET, input.id, input.version, now);
    let claims = api_token::verify(SECRET, &token, now).expect("an issued token verifies");
    assert_eq!((claims.sub.as_str(), claims.ver), (input.id, input.version));
    let expired = now + TimeDelta::seconds(api_token::LIFETIME_SECONDS);
    assert_eq!(api_token::verify(SECRET, &token, expired), None);
    assert_eq!(api_token::verify(OTHER_SECRET, &token, now), None);
    let changed = tampered(&token, input.tamper);
    assert_eq!(api_token::verify(SECRET, &changed, now), None, "{changed}");
}

fn headers(input: &Input<'_>) {
    if let Ok(value) = HeaderValue::from_str(input.token) {
        let req = TestRequest::default()
            .insert_header((AUTHORIZATION, value))
            .to_http_request();
        if let Some(token) = bearer::bearer(&req) {
            assert_eq!(token, token.trim());
        }
        let _ = basic_credentials(&req);
    }
    let encode =
        |raw: &str| url::form_urlencoded::byte_serialize(raw.as_bytes()).collect::<String>();
    let credentials = STANDARD.encode(format!("{}:{}", encode(input.id), encode(input.other)));
    let req = TestRequest::default()
        .insert_header((AUTHORIZATION, format!("Basic {credentials}")))
        .to_http_request();
    assert_eq!(
        basic_credentials(&req),
        Some((input.id.to_string(), input.other.to_string()))
    );
    forwarded_for(input);
}

/// Whatever a client writes in `X-Forwarded-For`, an untrusted peer is the client, and the
/// address a trusted proxy appends last is not hidden by what came before it.
fn forwarded_for(input: &Input<'_>) {
    let proxies = TrustedProxies::parse("127.0.0.1, ::1, 10.0.0.0/8").expect("valid");
    let client_wrote = [input.token.as_bytes(), input.other.as_bytes()];
    let outsider = "203.0.113.9".parse().expect("an address");
    assert_eq!(proxies.client(outsider, client_wrote.into_iter()), outsider);
    let through_proxy = client_wrote.into_iter().chain([b"203.0.113.9".as_slice()]);
    let proxy = "127.0.0.1".parse().expect("an address");
    assert_eq!(proxies.client(proxy, through_proxy), outsider);
}

fn date(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MIN)
}

fn certificate(input: &Input<'_>) {
    let mut registry = registry().lock().unwrap_or_else(|e| e.into_inner());
    let Registry { conn, signer } = &mut *registry;
    let checked = certificates::check(conn, input.token).expect("the database answers");
    assert!(!matches!(checked, Check::Genuine { .. }), "{checked:?}");
    // Certificates hold names and numbers of a bounded size; a longer token is refused.
    if input.id.len() + input.other.len() > 1000 {
        return;
    }
    let claims = CertificateClaims {
        iss: "https://registry.example".to_string(),
        sub: input.id.to_string(),
        jti: input.other.to_string(),
        iat: input.numbers.0,
        exp: input.numbers.1,
        provider: input.other.to_string(),
        provider_lo: input.id.to_string(),
        counterparty: input.token.chars().take(200).collect(),
        country: "TH".to_string(),
        connection_type: "ip_transit".to_string(),
        capacity_mbps: input.numbers.0,
        valid_from: date(input.days.0),
        valid_until: date(input.days.1),
    };
    let token = signer.sign(&claims).expect("signs");
    match certificates::check(conn, &token).expect("the database answers") {
        Check::Genuine {
            claims: checked,
            kid,
            latest,
        } => {
            assert_eq!(*checked, claims);
            assert_eq!(kid, KID);
            assert!(!latest, "no connection holds it");
        }
        other => panic!("an issued certificate is {other:?}"),
    }
    let changed = tampered(&token, input.tamper);
    let checked = certificates::check(conn, &changed).expect("the database answers");
    assert!(!matches!(checked, Check::Genuine { .. }), "{changed}");
}

fn links(input: &Input<'_>) {
    use email_token::Purpose;
    for purpose in [Purpose::Invitation, Purpose::PasswordReset] {
        assert_eq!(email_token::verify(SECRET, purpose, input.token), None);
    }
    let token = email_token::sign(SECRET, Purpose::Invitation, input.id);
    let expected = (!input.id.is_empty() && input.id.len() <= 64 && !input.id.contains('.'))
        .then_some(input.id);
    assert_eq!(
        email_token::verify(SECRET, Purpose::Invitation, &token).as_deref(),
        expected
    );
    assert_eq!(
        email_token::verify(SECRET, Purpose::PasswordReset, &token),
        None
    );
    assert_eq!(
        email_token::verify(OTHER_SECRET, Purpose::Invitation, &token),
        None
    );
}

fn csrf_tokens(input: &Input<'_>) {
    let session = Some(input.other).filter(|s| !s.is_empty());
    assert!(!csrf::verify(SECRET, input.id, session, input.token));
    let token = csrf::token(SECRET, input.id, session);
    assert_eq!(
        csrf::verify(SECRET, input.id, session, &token),
        !input.id.is_empty()
    );
    assert!(!csrf::verify(OTHER_SECRET, input.id, session, &token));
    assert!(!csrf::verify(
        SECRET,
        input.id,
        session,
        &tampered(&token, input.tamper)
    ));
}

fn second_factor(input: &Input<'_>) {
    // The server's clock, some time after 1970.
    let now = 60 + input.seconds.unsigned_abs() % 20_000_000_000;
    if let Some(step) = totp::matching_step(SECRET, input.token, now) {
        assert!(step.abs_diff(now / 30) <= 1, "{step} at {now}");
    }
    let typed = input.token;
    if totp::is_recovery_code(typed) {
        // Case, spaces and dashes as typed do not change which code it is.
        let retyped = typed.to_ascii_uppercase().replace('-', " ");
        assert_eq!(
            totp::recovery_code_hash(typed),
            totp::recovery_code_hash(&retyped)
        );
    }
}

fuzz_target!(|input: Input<'_>| {
    api_tokens(&input);
    headers(&input);
    certificate(&input);
    links(&input);
    csrf_tokens(&input);
    second_factor(&input);
});
