//! The domain's parsers of outside text: e-mail addresses, slugs, AS numbers, country and
//! language codes, roles and other enumerations, approval numbers, the organisation and
//! user forms, and an application's fields checked as a draft and as a submission.
//! Besides "no panic", each parser's accepted values must parse again to themselves.

#![no_main]

use chrono::{NaiveDate, TimeDelta};
use interconnect_registry::domain::account::{
    Asn, AsnList, EmailAddress, OrganisationInput, Slug, UserInput, check_password,
};
use interconnect_registry::domain::application::Status;
use interconnect_registry::domain::application_form::{
    ApplicationContent, FIELDS, Kind, is_approval_number,
};
use interconnect_registry::domain::certificate::expiry_of;
use interconnect_registry::domain::committee::{Choice, Recommendation};
use interconnect_registry::domain::connection::{
    ConnectionStatus, approval_number, reminder_due, valid_until,
};
use interconnect_registry::domain::country::CountryCode;
use interconnect_registry::domain::language::Lang;
use interconnect_registry::domain::notification::MessageKind;
use interconnect_registry::domain::role::{ReviewDomain, Role};
use interconnect_registry::domain::validation::FieldErrors;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Input<'a> {
    /// One string through every single-value parser.
    Text(&'a str),
    /// The language choice: saved preference, cookie, `Accept-Language`.
    Language(Option<&'a str>, Option<&'a str>, Option<&'a str>),
    /// An application: known fields by index, unknown ones by name.
    Application {
        fields: Vec<(u8, &'a str)>,
        unknown: Vec<(&'a str, &'a str)>,
        declaration_accepted: bool,
        kind: u8,
        today: i32,
    },
    Organisation([&'a str; 7]),
    User {
        text: [&'a str; 5],
        committee_member: bool,
        review_domains: Vec<&'a str>,
    },
    /// Validity and reminder dates from an applicant's start date and term.
    Validity {
        start: i32,
        months: u32,
        today: i32,
    },
    Number {
        year: i32,
        number: i64,
    },
}

fn date(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MIN)
}

/// An enumeration's parser accepts exactly its own names (trimmed) and round-trips them.
fn enumeration<T: PartialEq + std::fmt::Debug + Copy>(
    raw: &str,
    parse: fn(&str) -> Option<T>,
    name: fn(T) -> &'static str,
) {
    if let Some(value) = parse(raw) {
        assert_eq!(name(value), raw.trim());
        assert_eq!(parse(name(value)), Some(value));
    }
}

fn text(raw: &str) {
    if let Ok(email) = EmailAddress::parse(raw) {
        let value = email.as_str();
        assert!(value.len() <= 254 && value.contains('@'));
        assert_eq!(value, value.trim());
        assert_eq!(EmailAddress::parse(value).as_ref(), Ok(&email), "{value:?}");
    }
    if let Ok(slug) = Slug::parse(raw) {
        let value = slug.as_str();
        assert!((2..=40).contains(&value.len()));
        assert!(
            value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
        assert_eq!(Slug::parse(value).as_ref(), Ok(&slug));
    }
    if let Ok(asn) = Asn::parse(raw) {
        assert_eq!(Asn::parse(&asn.to_string()), Ok(asn));
        assert_eq!(Asn::parse(&asn.value().to_string()), Ok(asn));
    }
    if let Ok(list) = AsnList::parse(raw) {
        assert_eq!(AsnList::parse(&list.to_text()).as_ref(), Ok(&list));
    }
    let _ = check_password(raw, raw, raw);
    if let Ok(code) = CountryCode::parse(raw) {
        assert_eq!(code.as_str(), raw.trim().to_ascii_uppercase());
        assert_eq!(code.country().code, code.as_str());
        assert_eq!(CountryCode::parse(code.as_str()), Ok(code));
        assert!(!code.name(true).is_empty() && !code.name(false).is_empty());
    }
    if let Some(lang) = Lang::parse(raw) {
        assert_eq!(Lang::parse(lang.code()), Some(lang));
    }
    let _ = Lang::from_accept_language(raw);
    enumeration(raw, Role::parse, Role::as_str);
    enumeration(raw, ReviewDomain::parse, ReviewDomain::as_str);
    enumeration(raw, Kind::parse, Kind::as_str);
    enumeration(raw, Status::parse, Status::as_str);
    enumeration(raw, ConnectionStatus::parse, ConnectionStatus::as_str);
    enumeration(raw, Recommendation::parse, Recommendation::as_str);
    enumeration(raw, Choice::parse, Choice::as_str);
    enumeration(raw, MessageKind::parse, MessageKind::as_str);
    if is_approval_number(raw) {
        assert_eq!(raw.len(), 13);
    }
    let mut errors = FieldErrors::new();
    let kept = errors.text("field", raw, true, 200);
    assert_eq!(kept, raw.trim());
}

fn application(
    fields: &[(u8, &str)],
    unknown: &[(&str, &str)],
    declaration_accepted: bool,
    kind: u8,
    today: i32,
) {
    let pairs = fields
        .iter()
        .map(|(i, v)| (FIELDS[usize::from(*i) % FIELDS.len()], *v))
        .chain(unknown.iter().copied());
    let content = ApplicationContent::from_pairs(pairs, declaration_accepted);
    for (field, value) in &content.values {
        assert!(FIELDS.contains(&field.as_str()), "{field:?} kept");
        assert_eq!(value, value.trim());
    }
    let draft = content.check_draft();
    let kind = Kind::ALL[usize::from(kind) % Kind::ALL.len()];
    let submission = content.check_submission(kind, date(today));
    // A submission is checked for everything a draft is, and reports it the same way.
    for (field, key) in draft.iter() {
        assert_eq!(submission.get(field), Some(key), "{field}");
    }
    let changes = content.changes_from(&ApplicationContent::default());
    assert_eq!(
        changes.len(),
        content.values.values().filter(|v| !v.is_empty()).count()
    );
}

fn organisation(raw: &[&str; 7]) {
    let input = OrganisationInput {
        slug: raw[0].to_string(),
        name_en: raw[1].to_string(),
        name_lo: raw[2].to_string(),
        registration_number: raw[3].to_string(),
        licence_number: raw[4].to_string(),
        address: raw[5].to_string(),
        asns: raw[6].to_string(),
    };
    if let Ok((slug, profile)) = input.parse_new() {
        assert_eq!(slug.as_str(), raw[0].trim());
        assert_eq!(input.parse_profile(), Ok(profile));
    }
}

fn user(text: &[&str; 5], committee_member: bool, review_domains: &[&str]) {
    let input = UserInput {
        email: text[0].to_string(),
        name: text[1].to_string(),
        role: text[2].to_string(),
        organisation_id: text[3].to_string(),
        language: text[4].to_string(),
        committee_member,
        review_domains: review_domains.iter().map(|d| d.to_string()).collect(),
    };
    if let Ok(fields) = input.parse() {
        assert_eq!(fields.role.is_provider(), fields.organisation_id.is_some());
        assert!(!fields.committee_member || fields.role.may_join_committee());
        let stored = fields.review_domains_text();
        let again: Vec<ReviewDomain> = stored
            .split(',')
            .filter(|d| !d.is_empty())
            .map(|d| ReviewDomain::parse(d).expect("a stored domain parses"))
            .collect();
        assert_eq!(again, fields.review_domains);
    }
}

fn validity(start: i32, months: u32, today: i32) {
    let start = date(start);
    let until = valid_until(start, months);
    assert!(until >= start.pred_opt().unwrap_or(NaiveDate::MIN));
    let _ = expiry_of(until);
    if let Some(days) = reminder_due(date(today), until) {
        let left = until - date(today);
        assert!(left >= TimeDelta::zero() && left <= TimeDelta::days(days));
    }
}

fuzz_target!(|input: Input<'_>| match input {
    Input::Text(raw) => text(raw),
    Input::Language(preference, cookie, accept) => {
        let _ = Lang::choose(preference, cookie, accept);
    }
    Input::Application {
        fields,
        unknown,
        declaration_accepted,
        kind,
        today,
    } => application(&fields, &unknown, declaration_accepted, kind, today),
    Input::Organisation(raw) => organisation(&raw),
    Input::User {
        text,
        committee_member,
        review_domains,
    } => user(&text, committee_member, &review_domains),
    Input::Validity {
        start,
        months,
        today,
    } => validity(start, months, today),
    Input::Number { year, number } => {
        let formatted = approval_number(year, number);
        assert_eq!(
            is_approval_number(&formatted),
            (1000..=9999).contains(&year) && (0..=99_999).contains(&number),
            "{formatted}"
        );
    }
});
