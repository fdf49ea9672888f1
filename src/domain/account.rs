//! Validated account data: e-mail addresses, slugs, AS numbers, passwords, and the
//! organisation and user records built from submitted forms.

use std::fmt;

use super::language::Lang;
use super::role::{ReviewDomain, Role};
use super::validation::FieldErrors;

/// A syntactically plausible e-mail address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err("error-required");
        }
        if value.len() > 254 {
            return Err("error-too-long");
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err("error-email");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"@".contains(c));
        if domain_ok && local_ok {
            Ok(Self(value))
        } else {
            Err("error-email")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short identifier for an organisation in URLs and commands: `lao-skynet`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim();
        let valid = (2..=40).contains(&value.len())
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !value.starts_with('-')
            && !value.ends_with('-');
        if value.is_empty() {
            Err("error-required")
        } else if valid {
            Ok(Self(value.to_string()))
        } else {
            Err("error-slug")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A public autonomous system number. Reserved, documentation and private-use numbers
/// (RFC 6996, RFC 5398, RFC 7300, AS_TRANS) cannot identify a provider's network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Asn(u32);

impl Asn {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let digits = raw.trim();
        let digits = digits
            .strip_prefix("AS")
            .or_else(|| digits.strip_prefix("as"))
            .unwrap_or(digits);
        let number: u32 = digits.parse().map_err(|_| "error-asn")?;
        let reserved = matches!(number,
            0 | 23456 | 64496..=65551 | 65552..=131071 | 4_200_000_000..=u32::MAX);
        if reserved {
            Err("error-asn")
        } else {
            Ok(Self(number))
        }
    }

    pub fn value(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Asn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AS{}", self.0)
    }
}

/// A list of AS numbers separated by commas or spaces, kept sorted and without repeats.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AsnList(Vec<Asn>);

impl AsnList {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let mut asns = raw
            .split([',', ' ', '\n', '\r', '\t', ';'])
            .filter(|p| !p.trim().is_empty())
            .map(Asn::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if asns.len() > 100 {
            return Err("error-too-long");
        }
        asns.sort();
        asns.dedup();
        Ok(Self(asns))
    }

    /// The stored form: `AS13335, AS64500`.
    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The password rule: 12 to 128 characters, and hard to guess. An estimate of the guesses
/// an attacker needs (zxcvbn: common passwords, words, names, keyboard patterns, repeats,
/// sequences and dates) must reach 10^10 (its score 3), with the owner's e-mail address and
/// name, and this registry's own name, among the words tried first. A weak password's
/// error is the translation key of its main weakness.
pub fn check_password(raw: &str, email: &str, name: &str) -> Result<(), &'static str> {
    match raw.chars().count() {
        0 => Err("error-required"),
        1..=11 => Err("error-password-short"),
        12..=128 => guessability(raw, &personal_words(email, name)),
        _ => Err("error-too-long"),
    }
}

/// What someone who knows whose account it is tries first: the e-mail address, its local
/// part and domain and their pieces, the name and each of its words, and the registry's name.
fn personal_words(email: &str, name: &str) -> Vec<String> {
    let email = email.trim().to_lowercase();
    let name = name.trim().to_lowercase();
    let mut words: Vec<String> = ["interconnect", "registry", "interconnect registry"]
        .into_iter()
        .map(String::from)
        .collect();
    if let Some((local, domain)) = email.split_once('@') {
        words.extend([local, domain].into_iter().map(String::from));
        words.extend(local.split(['.', '_', '-', '+']).map(String::from));
        words.extend(domain.split(['.', '-']).map(String::from));
    }
    words.extend(name.split_whitespace().map(String::from));
    words.extend([email, name]);
    words.retain(|w| w.chars().count() >= 3);
    words.sort();
    words.dedup();
    words
}

fn guessability(raw: &str, personal: &[String]) -> Result<(), &'static str> {
    let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
    if zxcvbn::zxcvbn(raw, &personal).score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    // zxcvbn names no warning for the owner's own words: strong without them means weak
    // because of them.
    let general = zxcvbn::zxcvbn(raw, &[]);
    if general.score() >= zxcvbn::Score::Three {
        return Err("error-password-personal");
    }
    Err(weakness_key(general.feedback().and_then(|f| f.warning())))
}

/// The translation key explaining zxcvbn's warning (its own text is English only).
fn weakness_key(warning: Option<zxcvbn::feedback::Warning>) -> &'static str {
    use zxcvbn::feedback::Warning as W;
    match warning {
        Some(W::StraightRowsOfKeysAreEasyToGuess | W::ShortKeyboardPatternsAreEasyToGuess) => {
            "error-password-keyboard"
        }
        Some(
            W::RepeatsLikeAaaAreEasyToGuess | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
        ) => "error-password-repeats",
        Some(W::SequencesLikeAbcAreEasyToGuess) => "error-password-sequence",
        Some(
            W::ThisIsATop10Password
            | W::ThisIsATop100Password
            | W::ThisIsACommonPassword
            | W::ThisIsSimilarToACommonlyUsedPassword,
        ) => "error-password-common",
        Some(W::RecentYearsAreEasyToGuess | W::DatesAreOftenEasyToGuess) => "error-password-dates",
        Some(W::AWordByItselfIsEasyToGuess) => "error-password-word",
        Some(
            W::NamesAndSurnamesByThemselvesAreEasyToGuess | W::CommonNamesAndSurnamesAreEasyToGuess,
        ) => "error-password-names",
        None => "error-password-weak",
    }
}

/// What a form or command submits for an organisation.
#[derive(Debug, Clone, Default)]
pub struct OrganisationInput {
    pub slug: String,
    pub name_en: String,
    pub name_lo: String,
    pub registration_number: String,
    pub licence_number: String,
    pub address: String,
    pub asns: String,
}

/// An organisation's validated profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationProfile {
    pub name_en: String,
    pub name_lo: String,
    pub registration_number: String,
    pub licence_number: String,
    pub address: String,
    pub asns: AsnList,
}

impl OrganisationInput {
    /// Validates the profile fields (everything but the slug).
    pub fn profile(&self, errors: &mut FieldErrors) -> OrganisationProfile {
        let name_en = errors.text("name_en", &self.name_en, true, 200);
        let name_lo = errors.text("name_lo", &self.name_lo, true, 200);
        let registration_number =
            errors.text("registration_number", &self.registration_number, false, 60);
        let licence_number = errors.text("licence_number", &self.licence_number, false, 60);
        let address = errors.text("address", &self.address, false, 500);
        let asns = AsnList::parse(&self.asns).unwrap_or_else(|key| {
            errors.add("asns", key);
            AsnList::default()
        });
        OrganisationProfile {
            name_en,
            name_lo,
            registration_number,
            licence_number,
            address,
            asns,
        }
    }

    /// Validates a new organisation: slug and profile.
    pub fn parse_new(&self) -> Result<(Slug, OrganisationProfile), FieldErrors> {
        let mut errors = FieldErrors::new();
        let slug = Slug::parse(&self.slug).map_err(|key| errors.add("slug", key));
        let profile = self.profile(&mut errors);
        match slug {
            Ok(slug) if errors.is_empty() => Ok((slug, profile)),
            _ => Err(errors),
        }
    }

    /// Validates an edit of an existing organisation's profile.
    pub fn parse_profile(&self) -> Result<OrganisationProfile, FieldErrors> {
        let mut errors = FieldErrors::new();
        let profile = self.profile(&mut errors);
        errors.into_result(|| profile)
    }
}

/// What a form or command submits for a user account.
#[derive(Debug, Clone, Default)]
pub struct UserInput {
    pub email: String,
    pub name: String,
    pub role: String,
    pub organisation_id: String,
    pub language: String,
    pub committee_member: bool,
    pub review_domains: Vec<String>,
}

/// A user account's validated fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFields {
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<String>,
    pub language: Option<Lang>,
    pub committee_member: bool,
    pub review_domains: Vec<ReviewDomain>,
}

impl UserFields {
    /// The stored form of the review domains: `technical,legal`.
    pub fn review_domains_text(&self) -> String {
        self.review_domains
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl UserInput {
    /// Validates the fields and the rules that tie them together: provider staff belong
    /// to an organisation and nobody else does; only reviewers and the chair sit on the
    /// committee; review domains need committee membership.
    pub fn parse(&self) -> Result<UserFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = EmailAddress::parse(&self.email).map_err(|key| errors.add("email", key));
        let name = errors.text("name", &self.name, true, 200);
        let role = Role::parse(&self.role).ok_or_else(|| errors.add("role", "error-role"));
        let organisation_id =
            Some(self.organisation_id.trim().to_string()).filter(|s| !s.is_empty());
        let language = match self.language.trim() {
            "" => None,
            code => Lang::parse(code).or_else(|| {
                errors.add("language", "error-language");
                None
            }),
        };
        let mut review_domains = Vec::new();
        for raw in &self.review_domains {
            match ReviewDomain::parse(raw) {
                Some(d) if !review_domains.contains(&d) => review_domains.push(d),
                Some(_) => {}
                None => errors.add("review_domains", "error-review-domain"),
            }
        }
        if let Ok(role) = role {
            if role.is_provider() && organisation_id.is_none() {
                errors.add("organisation_id", "error-organisation-required");
            }
            if !role.is_provider() && organisation_id.is_some() {
                errors.add("organisation_id", "error-organisation-not-allowed");
            }
            if self.committee_member && !role.may_join_committee() {
                errors.add("committee_member", "error-committee-role");
            }
        }
        if !review_domains.is_empty() && !self.committee_member {
            errors.add("review_domains", "error-domains-need-membership");
        }
        match (email, role) {
            (Ok(email), Ok(role)) if errors.is_empty() => Ok(UserFields {
                email,
                name,
                role,
                organisation_id,
                language,
                committee_member: self.committee_member,
                review_domains,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_normalised_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Noy@Example.LA ").unwrap().as_str(),
            "noy@example.la"
        );
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "a b@c.la",
            "<x>@c.la",
            "a@.la",
            "a@la.",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(EmailAddress::parse(&"a".repeat(300)), Err("error-too-long"));
    }

    #[test]
    fn slugs_are_lowercase_words_with_hyphens() {
        assert!(Slug::parse("lao-skynet").is_ok());
        for bad in ["Lao", "-x", "x-", "a", "with space", "ລາວ"] {
            assert_eq!(Slug::parse(bad), Err("error-slug"), "{bad}");
        }
    }

    #[test]
    fn asns_reject_reserved_and_private_numbers() {
        assert_eq!(Asn::parse("AS13335").unwrap().value(), 13335);
        assert_eq!(Asn::parse("131072").unwrap().value(), 131072);
        for bad in [
            "0",
            "23456",
            "64496",
            "64512",
            "65535",
            "4200000000",
            "4294967295",
            "x",
            "-1",
            "4294967296",
        ] {
            assert!(Asn::parse(bad).is_err(), "{bad}");
        }
        let list = AsnList::parse("AS4775, 13335 13335;AS9988").unwrap();
        assert_eq!(list.to_text(), "AS4775, AS9988, AS13335");
        assert_eq!(AsnList::parse("").unwrap().to_text(), "");
        assert!(AsnList::parse("13335, 64512").is_err());
    }

    #[test]
    fn passwords_need_twelve_characters() {
        let check = |p: &str| check_password(p, "noy@example.la", "Noy");
        assert_eq!(check(""), Err("error-required"));
        assert_eq!(check("short"), Err("error-password-short"));
        assert!(check("ລະຫັດຜ່ານຍາວພໍສົມຄວນ").is_ok());
        assert_eq!(check(&"x".repeat(129)), Err("error-too-long"));
    }

    #[test]
    fn guessable_passwords_are_refused_with_their_weakness() {
        let check = |p: &str| check_password(p, "khamla.vongsa@lao-skynet.la", "Khamla Vongsa");
        for (password, why) in [
            ("aaaaaaaaaaaa", "error-password-repeats"),
            ("password1234", "error-password-common"),
            ("zxcvbnm,./asdf", "error-password-keyboard"),
            ("abcdefghijklmnop", "error-password-sequence"),
            ("michaeljordan", "error-password-names"),
            ("Dinosaurs123", "error-password-weak"),
            ("interconnect-demo", "error-password-personal"),
            ("khamla.vongsa@lao-skynet.la", "error-password-personal"),
            ("Khamla.Vongsa", "error-password-personal"),
        ] {
            assert_eq!(check(password), Err(why), "{password}");
        }
        for strong in [
            "correct horse battery staple",
            "mango tuk-tuk monsoon ledger",
            "ແມ່ນ້ຳຂອງໄຫຼຍາວໄກ",
        ] {
            assert_eq!(check(strong), Ok(()), "{strong}");
        }
    }

    #[test]
    fn every_weakness_has_its_own_message() {
        use zxcvbn::feedback::Warning as W;
        let keys: std::collections::BTreeSet<_> = [
            W::StraightRowsOfKeysAreEasyToGuess,
            W::RepeatsLikeAaaAreEasyToGuess,
            W::SequencesLikeAbcAreEasyToGuess,
            W::ThisIsACommonPassword,
            W::DatesAreOftenEasyToGuess,
            W::AWordByItselfIsEasyToGuess,
            W::CommonNamesAndSurnamesAreEasyToGuess,
        ]
        .into_iter()
        .map(|w| weakness_key(Some(w)))
        .chain([weakness_key(None)])
        .collect();
        assert_eq!(keys.len(), 8);
    }

    fn user(role: &str, org: &str) -> UserInput {
        UserInput {
            email: "x@example.la".into(),
            name: "X".into(),
            role: role.into(),
            organisation_id: org.into(),
            ..UserInput::default()
        }
    }

    #[test]
    fn provider_staff_need_an_organisation_and_others_must_not_have_one() {
        assert!(user("applicant", "org-1").parse().is_ok());
        assert_eq!(
            user("applicant", "")
                .parse()
                .unwrap_err()
                .get("organisation_id"),
            Some("error-organisation-required")
        );
        assert_eq!(
            user("secretariat", "org-1")
                .parse()
                .unwrap_err()
                .get("organisation_id"),
            Some("error-organisation-not-allowed")
        );
    }

    #[test]
    fn committee_membership_is_for_reviewers_and_the_chair() {
        let mut input = user("reviewer", "");
        input.committee_member = true;
        input.review_domains = vec!["technical".into(), "legal".into(), "technical".into()];
        let fields = input.parse().unwrap();
        assert_eq!(fields.review_domains_text(), "technical,legal");

        let mut auditor = user("auditor", "");
        auditor.committee_member = true;
        assert_eq!(
            auditor.parse().unwrap_err().get("committee_member"),
            Some("error-committee-role")
        );

        let mut loose = user("reviewer", "");
        loose.review_domains = vec!["security".into()];
        assert_eq!(
            loose.parse().unwrap_err().get("review_domains"),
            Some("error-domains-need-membership")
        );
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let errors = UserInput {
            email: "nope".into(),
            role: "king".into(),
            language: "fr".into(),
            ..UserInput::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(errors.get("email"), Some("error-email"));
        assert_eq!(errors.get("name"), Some("error-required"));
        assert_eq!(errors.get("role"), Some("error-role"));
        assert_eq!(errors.get("language"), Some("error-language"));
    }
}
