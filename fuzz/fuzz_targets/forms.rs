//! Form bodies, query strings and JSON bodies as handlers decode them: the CSRF form
//! extractor's strict UTF-8 decoding, `serde_urlencoded` into every form and query type
//! (what `web::Form`, `web::Query` and `CsrfForm` do), the registry's filters and cursor,
//! the API's JSON bodies, and the `next` address a form returns to.
//!
//! Properties: the strict decoder sees exactly the pairs the typed decoding sees (so the
//! CSRF token checked is the one in the form) and re-encoding them decodes to the same;
//! a registry cursor that parses is the one its row would be given.

#![no_main]

use chrono::{NaiveDate, NaiveDateTime};
use interconnect_registry::db::models::connection::{Cursor, PublicConnection, RegistrySort};
use interconnect_registry::domain::application_form::{ApplicationContent, FIELDS, Kind};
use interconnect_registry::domain::connection::ConnectionStatus;
use interconnect_registry::domain::country::CountryCode;
use interconnect_registry::routes;
use interconnect_registry::views::admin::{AuditQuery, UserForm, UsersQuery};
use interconnect_registry::views::api::{
    AnswerRequest, ApplicationUpdate, NewApplication, RegistryParams, TokenRequest,
};
use interconnect_registry::views::committee::InboxQuery;
use interconnect_registry::views::connections::ToActOnQuery;
use interconnect_registry::views::organisation::OrganisationForm;
use interconnect_registry::web::extract::decode_form;
use interconnect_registry::web::form::{CodeForm, FieldsForm};
use interconnect_registry::web::request::safe_next;
use interconnect_registry::workflows::registry::{
    RegistryQuery, encode_cursor, filter_of, parse_cursor,
};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

/// Decodes `data` as `T` the way actix's `web::Form` and `web::Query` do.
fn form<T: DeserializeOwned>(data: &[u8]) -> Option<T> {
    serde_urlencoded::from_bytes(data).ok()
}

fn strict_decoding(data: &[u8]) {
    let Ok(pairs) = decode_form(data) else {
        return;
    };
    let lenient: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
    assert_eq!(pairs, lenient);
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    assert_eq!(
        decode_form(encoded.as_bytes()).expect("re-encoded pairs decode"),
        pairs
    );
    for (_, value) in &pairs {
        let next = safe_next(value);
        assert!(next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\"));
        assert!(!next.chars().any(char::is_control));
    }
}

/// A public row placed where `cursor` points, for the round trip of the cursor.
fn row_at(cursor: &Cursor) -> PublicConnection {
    let (approved_at, valid_until, id) = match cursor {
        Cursor::Newest { approved_at, id } => (*approved_at, NaiveDate::MIN, id),
        Cursor::Expiry { valid_until, id } => (NaiveDateTime::MIN, *valid_until, id),
    };
    PublicConnection {
        approval_number: String::new(),
        provider_en: String::new(),
        provider_lo: String::new(),
        provider_slug: String::new(),
        connection_type: String::new(),
        counterparty_name: String::new(),
        counterparty_country: String::new(),
        status: ConnectionStatus::Active,
        valid_from: NaiveDate::MIN,
        valid_until,
        revoked_at: None,
        approved_at,
        id: id.clone(),
    }
}

fn registry(query: &RegistryQuery) {
    let Ok((filter, sort)) = filter_of(query) else {
        return;
    };
    if let Some(country) = &filter.country {
        assert_eq!(
            CountryCode::parse(country).map(|c| c.as_str()),
            Ok(country.as_str())
        );
    }
    if let Some(text) = &filter.text {
        assert!(text.chars().count() <= 100);
    }
    for sort in [sort, RegistrySort::Newest, RegistrySort::Expiry] {
        if let Ok(Some(cursor)) = parse_cursor(sort, &query.after) {
            let token = encode_cursor(&Cursor::of(sort, &row_at(&cursor)));
            assert_eq!(
                parse_cursor(sort, &token).expect("a cursor of ours parses"),
                Some(cursor)
            );
        }
    }
}

fn json(data: &[u8]) {
    if let Ok(new) = serde_json::from_slice::<NewApplication>(data) {
        let _ = Kind::parse(&new.kind);
        let content = new.fields.merged_into(
            &ApplicationContent::default(),
            Some(new.declaration_accepted),
        );
        assert!(content.values.keys().all(|k| FIELDS.contains(&k.as_str())));
        let _ = content.check_draft();
    }
    if let Ok(update) = serde_json::from_slice::<ApplicationUpdate>(data) {
        let _ = update
            .fields
            .merged_into(&ApplicationContent::default(), update.declaration_accepted)
            .check_draft();
    }
    let _ = serde_json::from_slice::<AnswerRequest>(data);
}

fuzz_target!(|data: &[u8]| {
    strict_decoding(data);
    if let Some(query) = form::<RegistryQuery>(data) {
        registry(&query);
    }
    if let Some(params) = form::<RegistryParams>(data) {
        registry(&params.filters());
    }
    if let Some(organisation) = form::<OrganisationForm>(data) {
        let _ = organisation.input().parse_new();
    }
    if let Some(user) = form::<UserForm>(data) {
        let _ = user.input().parse();
    }
    let _ = form::<TokenRequest>(data);
    let _ = form::<FieldsForm>(data);
    let _ = form::<interconnect_registry::views::applications::ContentForm>(data);
    let _ = form::<interconnect_registry::views::applications::NewForm>(data);
    let _ = form::<interconnect_registry::views::applications::AnswerForm>(data);
    let _ = form::<routes::account::NotificationsForm>(data);
    let _ = form::<routes::account::ForgotForm>(data);
    let _ = form::<routes::account::PasswordForm>(data);
    let _ = form::<routes::home::LanguageForm>(data);
    let _ = form::<routes::session::SignInQuery>(data);
    let _ = form::<routes::session::SignInForm>(data);
    let _ = form::<CodeForm>(data);
    let _ = form::<routes::account::EndSessionForm>(data);
    let _ = form::<AuditQuery>(data);
    let _ = form::<UsersQuery>(data);
    let _ = form::<InboxQuery>(data);
    let _ = form::<ToActOnQuery>(data);
    let _ = form::<routes::admin::OutboxQuery>(data);
    let _ = form::<routes::certificates::VerifyQuery>(data);
    let _ = form::<interconnect_registry::views::organisation::InviteForm>(data);
    let _ = form::<interconnect_registry::views::organisation::ApiClientForm>(data);
    json(data);
});
