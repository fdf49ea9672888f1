//! Translations: every string a person reads comes from `locales/<lang>/main.ftl`,
//! looked up by key in the reader's language.

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::langid;

use crate::domain::clock;
use crate::domain::language::Lang;

pub const ENGLISH_FTL: &str = include_str!("../locales/en/main.ftl");
pub const LAO_FTL: &str = include_str!("../locales/lo/main.ftl");

struct Bundles {
    lo: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(source: &str, id: unic_langid::LanguageIdentifier) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(source.to_string())
        .unwrap_or_else(|(_, errors)| panic!("translation file for {id} has errors: {errors:?}"));
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Direction-isolation marks would show up as stray characters inside HTML attributes.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .expect("translation keys are unique");
    bundle
}

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| Bundles {
    lo: bundle(LAO_FTL, langid!("lo")),
    en: bundle(ENGLISH_FTL, langid!("en")),
});

/// The message for `key` in `lang`.
pub fn t(lang: Lang, key: &str) -> String {
    t_args(lang, key, &[])
}

/// The message for `key` in `lang`, or `None` when no message has that key.
pub fn label(lang: Lang, key: &str) -> Option<String> {
    let bundle = match lang {
        Lang::Lo => &BUNDLES.lo,
        Lang::En => &BUNDLES.en,
    };
    bundle.has_message(key).then(|| t(lang, key))
}

/// The message for `key` in `lang`, with `{ $name }` placeholders filled from `args`.
pub fn t_args(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let bundle = match lang {
        Lang::Lo => &BUNDLES.lo,
        Lang::En => &BUNDLES.en,
    };
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        tracing::warn!(key, lang = lang.code(), "missing translation");
        return key.to_string();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, arg_value(value));
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(
            key,
            lang = lang.code(),
            ?errors,
            "translation formatting problem"
        );
    }
    single_full_stops(text.into_owned(), args)
}

/// A sentence ends after a value that itself ends with a full stop ("… Co., Ltd."), so
/// the sentence's own full stop is dropped instead of doubled.
fn single_full_stops(mut text: String, args: &[(&str, &str)]) -> String {
    for (_, value) in args {
        if value.ends_with('.') && !value.ends_with("..") {
            text = text.replace(&format!("{value}."), value);
        }
    }
    text
}

/// A calendar date as a reader of `lang` writes it: `2026-12-05` in English,
/// `ວັນທີ 05/12/2026` in Lao. Only for people: files and the API keep ISO dates.
pub fn date(lang: Lang, day: NaiveDate) -> String {
    use chrono::Datelike;
    use std::fmt::Write;
    // Pages show many dates (fifty rows of the registry, two each): the message around
    // the digits is rendered once per language, and the digits written without a
    // format-string parser.
    static AROUND: LazyLock<[(String, String); 2]> = LazyLock::new(|| {
        [Lang::Lo, Lang::En].map(|lang| {
            let text = t_args(lang, "date-on", &[("date", DATE_MARK)]);
            match text.split_once(DATE_MARK) {
                Some((before, after)) => (before.to_string(), after.to_string()),
                None => (text, String::new()),
            }
        })
    });
    let (before, after) = &AROUND[usize::from(lang == Lang::En)];
    let mut out = String::with_capacity(before.len() + 10 + after.len());
    out.push_str(before);
    let (y, m, d) = (day.year(), day.month(), day.day());
    let _ = match lang {
        Lang::Lo => write!(out, "{d:02}/{m:02}/{y:04}"),
        Lang::En => write!(out, "{y:04}-{m:02}-{d:02}"),
    };
    out.push_str(after);
    out
}

/// Stands for a date's digits while the message around them is rendered.
const DATE_MARK: &str = "\u{E000}";

/// A UTC time as Vientiane's clock shows it, date and minute, in `lang`'s style:
/// `2026-12-05 17:00` in English, `ວັນທີ 05/12/2026 ເວລາ 17:00` in Lao.
pub fn local_time(lang: Lang, at: &NaiveDateTime) -> String {
    let local = clock::to_vientiane(at);
    t_args(
        lang,
        "date-time-on",
        &[
            ("date", &local.format(date_pattern(lang)).to_string()),
            ("time", &local.format("%H:%M").to_string()),
        ],
    )
}

/// The date in Vientiane of a UTC time, in `lang`'s style.
pub fn local_date(lang: Lang, at: &NaiveDateTime) -> String {
    date(lang, clock::to_vientiane(at).date())
}

/// How the digits of a date are laid out in `lang`.
fn date_pattern(lang: Lang) -> &'static str {
    match lang {
        Lang::Lo => "%d/%m/%Y",
        Lang::En => "%Y-%m-%d",
    }
}

/// A placeholder's value: a whole number written plainly becomes a Fluent number, so a
/// plural selector (`{ $count -> [one] … *[other] … }`) chooses by it; any other text,
/// a number with leading zeros included, stays text.
fn arg_value(value: &str) -> FluentValue<'_> {
    const EXACT: i64 = 1 << 53;
    match value.parse::<i64>() {
        Ok(n) if n.abs() < EXACT && n.to_string() == value => FluentValue::from(n),
        _ => FluentValue::from(value),
    }
}

/// The message keys a translation file defines.
pub fn keys_of(source: &str) -> std::collections::BTreeSet<String> {
    use fluent_syntax::ast::Entry;
    let resource = fluent_syntax::parser::parse(source.to_string())
        .unwrap_or_else(|(_, errors)| panic!("translation file has errors: {errors:?}"));
    resource
        .body
        .into_iter()
        .filter_map(|entry| match entry {
            Entry::Message(m) => Some(m.id.name),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    #[test]
    fn a_value_ending_with_a_full_stop_ends_the_sentence_once() {
        let text = t_args(
            Lang::En,
            "email-review-assigned-body",
            &[
                ("reference", "APP-2026-00001"),
                ("organisation", "Skynet Co., Ltd."),
                ("area", "Technical"),
            ],
        );
        assert!(text.contains("from Skynet Co., Ltd. Your area"), "{text}");
        assert!(!text.contains(".."), "{text}");
    }

    #[test]
    fn both_languages_define_exactly_the_same_keys() {
        let en = keys_of(ENGLISH_FTL);
        let lo = keys_of(LAO_FTL);
        let only_en: Vec<_> = en.difference(&lo).collect();
        let only_lo: Vec<_> = lo.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in Lao: {only_en:?}");
        assert!(only_lo.is_empty(), "missing in English: {only_lo:?}");
    }

    #[test]
    fn every_key_used_in_code_and_templates_is_defined() {
        let defined = keys_of(ENGLISH_FTL);
        let families: std::collections::BTreeSet<&str> = defined
            .iter()
            .filter_map(|k| k.split_once('-').map(|(p, _)| p))
            .collect();
        let mut missing = Vec::new();
        for (path, text) in sources_for_key_check() {
            let code = if path.ends_with(".html") {
                template_code(&text)
            } else {
                text
            };
            for key in string_literals(&code) {
                let is_key_shaped = key.contains('-')
                    && !key.ends_with('-')
                    && key.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
                    })
                    && key
                        .split_once('-')
                        .is_some_and(|(p, _)| families.contains(p));
                if is_key_shaped && !defined.contains(&key) {
                    missing.push(format!("{path}: {key}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "undefined translation keys: {missing:?}"
        );
    }

    /// The parts of a template inside `{{ }}` and `{% %}`, where keys are named.
    fn template_code(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find(['{']) {
            rest = &rest[start..];
            let close = match rest.get(..2) {
                Some("{{") => "}}",
                Some("{%") => "%}",
                _ => {
                    rest = &rest[1..];
                    continue;
                }
            };
            let Some(end) = rest.find(close) else { break };
            out.push_str(&rest[..end]);
            out.push('\n');
            rest = &rest[end + 2..];
        }
        out
    }

    fn string_literals(code: &str) -> Vec<String> {
        code.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn keys_built_at_run_time_are_defined() {
        use crate::domain::notification::MessageKind;
        let defined = keys_of(ENGLISH_FTL);
        let mut built: Vec<String> = Vec::new();
        for kind in MessageKind::ALL {
            built.push(format!("{}-subject", kind.key()));
            built.push(format!("{}-name", kind.key()));
            if kind.is_committee_notice() {
                built.push(format!("{}-item", kind.key()));
            }
        }
        for status in crate::views::admin::OUTBOX_STATUSES {
            built.push(format!("outbox-status-{status}"));
        }
        let missing: Vec<_> = built.iter().filter(|k| !defined.contains(*k)).collect();
        assert!(missing.is_empty(), "undefined: {missing:?}");
    }

    /// A message as the tests read it: its text, the placeholders it uses, and those a
    /// selector chooses by.
    #[derive(Default)]
    struct Message {
        text: String,
        vars: BTreeSet<String>,
        selectors: BTreeSet<String>,
    }

    /// Each message of a translation file, by key.
    fn messages_of(source: &str) -> BTreeMap<String, Message> {
        use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

        fn inline(e: &InlineExpression<&str>, m: &mut Message) {
            match e {
                InlineExpression::VariableReference { id } => {
                    m.vars.insert(id.name.to_string());
                }
                InlineExpression::Placeable { expression } => expr(expression, m),
                InlineExpression::FunctionReference { arguments, .. } => {
                    for a in &arguments.positional {
                        inline(a, m);
                    }
                    for a in &arguments.named {
                        inline(&a.value, m);
                    }
                }
                _ => {}
            }
        }
        fn expr(e: &Expression<&str>, m: &mut Message) {
            match e {
                Expression::Inline(i) => inline(i, m),
                Expression::Select { selector, variants } => {
                    if let InlineExpression::VariableReference { id } = selector {
                        m.selectors.insert(id.name.to_string());
                    }
                    inline(selector, m);
                    for v in variants {
                        pattern(&v.value, m);
                    }
                }
            }
        }
        fn pattern(p: &Pattern<&str>, m: &mut Message) {
            for element in &p.elements {
                match element {
                    PatternElement::TextElement { value } => m.text.push_str(value),
                    PatternElement::Placeable { expression } => expr(expression, m),
                }
            }
        }

        let resource = fluent_syntax::parser::parse(source)
            .unwrap_or_else(|(_, errors)| panic!("translation file has errors: {errors:?}"));
        resource
            .body
            .iter()
            .filter_map(|entry| match entry {
                Entry::Message(message) => {
                    let mut m = Message::default();
                    if let Some(value) = &message.value {
                        pattern(value, &mut m);
                    }
                    Some((message.id.name.to_string(), m))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn both_languages_use_the_same_placeholders_in_each_message() {
        let lo = messages_of(LAO_FTL);
        let differ: Vec<_> = messages_of(ENGLISH_FTL)
            .into_iter()
            .filter(|(key, m)| lo.get(key).is_some_and(|l| l.vars != m.vars))
            .map(|(key, _)| key)
            .collect();
        assert!(differ.is_empty(), "placeholders differ: {differ:?}");
    }

    #[test]
    fn lao_text_has_no_thai_characters() {
        let thai: Vec<_> = messages_of(LAO_FTL)
            .into_iter()
            .filter(|(_, m)| {
                m.text
                    .chars()
                    .any(|c| ('\u{0E00}'..='\u{0E7F}').contains(&c))
            })
            .map(|(key, _)| key)
            .collect();
        assert!(thai.is_empty(), "Thai characters in: {thai:?}");
    }

    /// Lao messages rightly written without Lao script: the name of a service that the
    /// trade writes as an acronym in every language.
    const NO_LAO_SCRIPT: &[&str] = &["conn-type-mpls_vpn"];

    #[test]
    fn every_lao_message_is_written_in_lao() {
        let latin: Vec<_> = messages_of(LAO_FTL)
            .into_iter()
            .filter(|(key, m)| {
                !NO_LAO_SCRIPT.contains(&key.as_str())
                    && !m
                        .text
                        .chars()
                        .any(|c| ('\u{0E80}'..='\u{0EFF}').contains(&c))
            })
            .map(|(key, _)| key)
            .collect();
        assert!(latin.is_empty(), "no Lao script in: {latin:?}");
    }

    /// Words the Lao text no longer uses, each with the one it uses instead.
    const GLOSSARY: &[(&str, &str)] = &[
        ("ຂ້ອຍ", "ຂ້າພະເຈົ້າ"),
        ("ໂຕພິມ", "ຕົວພິມ"),
        ("ຜູ້ບໍລິຫານລະບົບ", "ຜູ້ດູແລລະບົບ"),
        ("ລ່າສຸດ", "ຫຼ້າສຸດ"),
        ("ກາຍກຳນົດ", "ເກີນກຳນົດ"),
        ("ເຂົາເຈົ້າ", "ຜູ້ກ່ຽວ"),
        ("ບຣາວເຊີ", "ໂປຣແກຣມທ່ອງເວັບ"),
        ("ກະລຸນາຂຽນ", "ກະລຸນາປ້ອນ"),
        ("ປັດໄຈທີສອງ", "ການຢືນຢັນຂັ້ນທີສອງ"),
        ("ພວກເຮົາ", "ກອງເລຂາ, ລະບົບ"),
        ("ຂອງແທ້", "ຖືກຕ້ອງແທ້ຈິງ"),
        ("ຫຍັງ", "ໃດ, ໃດໆ"),
        ("ກະລຸນາບໍ່ຕ້ອງ", "ບໍ່ຈຳເປັນຕ້ອງ"),
    ];

    #[test]
    fn lao_text_keeps_to_the_glossary() {
        let mut found = Vec::new();
        for (key, m) in messages_of(LAO_FTL) {
            for (avoid, instead) in GLOSSARY {
                if m.text.contains(avoid) {
                    found.push(format!("{key}: {avoid} (write {instead})"));
                }
            }
        }
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn english_counts_agree_with_their_nouns() {
        let text = |key: &str, count: &str| t_args(Lang::En, key, &[("count", count)]);
        assert_eq!(
            text("inbox-overdue-count", "1"),
            "1 application is past its decision date."
        );
        assert_eq!(
            text("inbox-overdue-count", "2"),
            "2 applications are past their decision date."
        );
        assert!(text("audit-intact", "1").ends_with(": 1 event verified."));
        assert!(text("audit-intact", "2").ends_with(": 2 events verified."));
        let median = t_args(Lang::En, "stats-median", &[("days", "1"), ("count", "1")]);
        assert!(median.ends_with(": 1 day (1 decision)."), "{median}");
    }

    #[test]
    fn every_english_count_chooses_a_plural_form() {
        let bare: Vec<_> = messages_of(ENGLISH_FTL)
            .into_iter()
            .filter(|(_, m)| m.vars.contains("count") && !m.selectors.contains("count"))
            .map(|(key, _)| key)
            .collect();
        assert!(bare.is_empty(), "no plural form for $count in: {bare:?}");
    }

    #[test]
    fn a_number_with_leading_zeros_stays_as_written() {
        let text = t_args(Lang::En, "signed-in-as", &[("name", "007")]);
        assert!(text.contains("007"), "{text}");
    }

    #[test]
    fn dates_read_as_each_language_writes_them() {
        let at = NaiveDate::from_ymd_opt(2026, 12, 5)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        assert_eq!(local_time(Lang::En, &at), "2026-12-05 17:00");
        assert_eq!(local_time(Lang::Lo, &at), "ວັນທີ 05/12/2026 ເວລາ 17:00");
        assert_eq!(local_date(Lang::En, &at), "2026-12-05");
        assert_eq!(date(Lang::Lo, at.date()), "ວັນທີ 05/12/2026");
    }

    #[test]
    fn every_audit_action_subject_and_system_actor_has_a_label_in_both_languages() {
        use crate::domain::audit::{
            AuditAction, SUBJECT_TYPES, SYSTEM_ACTORS, action_key, subject_type_key,
            system_actor_key,
        };
        let keys = AuditAction::ALL
            .iter()
            .map(|a| action_key(a.code()))
            .chain(SUBJECT_TYPES.iter().map(|s| subject_type_key(s)))
            .chain(SYSTEM_ACTORS.iter().map(|s| system_actor_key(s)));
        let (en, lo) = (keys_of(ENGLISH_FTL), keys_of(LAO_FTL));
        let missing: Vec<_> = keys
            .filter(|k| !en.contains(k) || !lo.contains(k))
            .collect();
        assert!(missing.is_empty(), "no label: {missing:?}");
    }

    #[test]
    fn placeholders_are_filled() {
        let text = t_args(Lang::En, "signed-in-as", &[("name", "Noy")]);
        assert!(text.contains("Noy"), "{text}");
    }

    #[test]
    fn a_missing_key_falls_back_to_the_key() {
        assert_eq!(t(Lang::En, "no-such-key"), "no-such-key");
    }

    /// The source files whose translation keys the tests check: every template and module.
    fn sources_for_key_check() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).expect("source directory is readable") {
                let path = entry.expect("directory entry").path();
                if path.is_dir() {
                    walk(&path, out);
                } else if matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("rs" | "html" | "txt")
                ) && !path.ends_with("i18n.rs")
                {
                    let text = std::fs::read_to_string(&path).expect("source file is text");
                    out.push((path.display().to_string(), text));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        walk(&root.join("src"), &mut out);
        walk(&root.join("templates"), &mut out);
        out
    }
}
