//! What an application holds, and the rules it must meet. A draft keeps whatever the
//! provider typed (only lengths and control characters are checked), so nothing is ever
//! lost; submission checks everything and names each problem beside its field.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::account::{Asn, EmailAddress};
use super::country::CountryCode;
use super::validation::FieldErrors;

/// Why an application is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(into = "String")]
pub enum Kind {
    New,
    Modification,
    Renewal,
    Declaration,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::New,
        Kind::Modification,
        Kind::Renewal,
        Kind::Declaration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::New => "new",
            Kind::Modification => "modification",
            Kind::Renewal => "renewal",
            Kind::Declaration => "declaration",
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == raw.trim())
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Kind::New => "kind-new",
            Kind::Modification => "kind-modification",
            Kind::Renewal => "kind-renewal",
            Kind::Declaration => "kind-declaration",
        }
    }

    /// Modifications and renewals name the connection they change.
    pub fn needs_existing_approval(self) -> bool {
        matches!(self, Kind::Modification | Kind::Renewal)
    }

    /// Whether an application of this kind asks for `field` at all: only modifications
    /// and renewals name an existing approval.
    pub fn asks_for(self, field: &str) -> bool {
        field != "related_approval_number" || self.needs_existing_approval()
    }
}

crate::domain::stored::stored_as_text!(Kind, "an application kind");

/// Kinds of file a provider can attach to an application.
pub const ATTACHMENT_KINDS: [&str; 4] = [
    "network_diagram",
    "counterparty_contract",
    "licence_copy",
    "other",
];

/// Files a submission must include.
pub const REQUIRED_ATTACHMENTS: [&str; 2] = ["network_diagram", "counterparty_contract"];

/// The kinds of international connection.
pub const CONNECTION_TYPES: [&str; 10] = [
    "terrestrial_fibre",
    "microwave",
    "satellite_gateway",
    "submarine_capacity",
    "ip_transit",
    "leased_circuit",
    "mpls_vpn",
    "voice_interconnect",
    "foreign_ixp_peering",
    "cdn_cloud_onramp",
];

/// Connection types that cross a land border and must name the crossing.
const CROSSES_A_BORDER: [&str; 2] = ["terrestrial_fibre", "microwave"];
/// IP services whose counterparty must be identified by its AS number.
const NEEDS_COUNTERPARTY_ASN: [&str; 3] = ["ip_transit", "foreign_ixp_peering", "cdn_cloud_onramp"];

/// Fields only an international voice interconnect is asked for.
pub const VOICE_FIELDS: [&str; 2] = ["caller_id_integrity", "simbox_detection"];

/// Lao provinces (ISO 3166-2:LA) with English and Lao names.
pub const PROVINCES: [(&str, &str, &str); 18] = [
    ("VT", "Vientiane Capital", "ນະຄອນຫຼວງວຽງຈັນ"),
    ("AT", "Attapeu", "ອັດຕະປື"),
    ("BK", "Bokeo", "ບໍ່ແກ້ວ"),
    ("BL", "Bolikhamxai", "ບໍລິຄຳໄຊ"),
    ("CH", "Champasak", "ຈຳປາສັກ"),
    ("HO", "Houaphan", "ຫົວພັນ"),
    ("KH", "Khammouan", "ຄຳມ່ວນ"),
    ("LM", "Luang Namtha", "ຫຼວງນ້ຳທາ"),
    ("LP", "Luang Prabang", "ຫຼວງພະບາງ"),
    ("OU", "Oudomxai", "ອຸດົມໄຊ"),
    ("PH", "Phongsali", "ຜົ້ງສາລີ"),
    ("SL", "Salavan", "ສາລະວັນ"),
    ("SV", "Savannakhet", "ສະຫວັນນະເຂດ"),
    ("VI", "Vientiane Province", "ແຂວງວຽງຈັນ"),
    ("XA", "Sainyabuli", "ໄຊຍະບູລີ"),
    ("XE", "Sekong", "ເຊກອງ"),
    ("XI", "Xiangkhouang", "ຊຽງຂວາງ"),
    ("XS", "Xaisomboun", "ໄຊສົມບູນ"),
];

/// Every field of an application form, as typed. Field names are the form's and the
/// database's column names.
pub const FIELDS: [&str; 30] = [
    "related_approval_number",
    "contact_name",
    "contact_email",
    "contact_phone",
    "local_contact_name",
    "local_contact_email",
    "local_contact_phone",
    "connection_type",
    "counterparty_name",
    "counterparty_country",
    "counterparty_asn",
    "counterparty_contact",
    "endpoint_facility",
    "endpoint_province",
    "endpoint_coordinates",
    "border_crossing",
    "capacity_mbps",
    "redundancy",
    "services_carried",
    "customer_categories",
    "equipment_vendors",
    "records_location",
    "security_measures",
    "caller_id_integrity",
    "simbox_detection",
    "abuse_contact",
    "foreign_holders",
    "requested_start_date",
    "term_months",
    "declared_by_name",
];

/// Fields shown as several lines of text.
pub const LONG_FIELDS: [&str; 11] = [
    "counterparty_contact",
    "redundancy",
    "services_carried",
    "customer_categories",
    "equipment_vendors",
    "records_location",
    "security_measures",
    "caller_id_integrity",
    "simbox_detection",
    "foreign_holders",
    "border_crossing",
];

const SHORT_MAX: usize = 200;
const LONG_MAX: usize = 4000;

/// The application's content: every field's text, and the signed declaration. Stored as
/// JSON, where a field left out reads as empty (`{}` is an application with nothing
/// filled in); anything else that is not this shape does not read at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ApplicationContent {
    pub values: BTreeMap<String, String>,
    pub declaration_accepted: bool,
}

impl ApplicationContent {
    pub fn get(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    /// Keeps only known fields, trimmed.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        declaration_accepted: bool,
    ) -> Self {
        let values = pairs
            .into_iter()
            .filter(|(k, _)| FIELDS.contains(k))
            .map(|(k, v)| (k.to_string(), v.trim().to_string()))
            .collect();
        Self {
            values,
            declaration_accepted,
        }
    }

    /// Whether `field` applies to an application of `kind` with this connection type.
    pub fn applies(&self, kind: Kind, field: &str) -> bool {
        kind.asks_for(field)
            && (!VOICE_FIELDS.contains(&field)
                || self.get("connection_type") == "voice_interconnect")
    }

    /// The content with only the fields that apply: what a submission keeps. A draft
    /// keeps the voice fields whatever the type, so changing it back and forth loses
    /// nothing typed.
    pub fn applicable(&self, kind: Kind) -> ApplicationContent {
        self.keeping(|field| self.applies(kind, field))
    }

    /// The content without the fields an application of `kind` is never asked (an
    /// existing approval number on a new application): what a draft keeps.
    pub fn for_kind(&self, kind: Kind) -> ApplicationContent {
        self.keeping(|field| kind.asks_for(field))
    }

    fn keeping(&self, keep: impl Fn(&str) -> bool) -> ApplicationContent {
        ApplicationContent {
            values: self
                .values
                .iter()
                .filter(|(field, _)| keep(field))
                .map(|(field, value)| (field.clone(), value.clone()))
                .collect(),
            declaration_accepted: self.declaration_accepted,
        }
    }

    fn max_len(field: &str) -> usize {
        if LONG_FIELDS.contains(&field) {
            LONG_MAX
        } else {
            SHORT_MAX
        }
    }

    /// The checks a draft must pass: nothing too long, no control characters.
    pub fn check_draft(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for field in FIELDS {
            errors.text(field, self.get(field), false, Self::max_len(field));
        }
        errors
    }

    /// The checks a submission must pass, given the kind and today's date (Vientiane).
    pub fn check_submission(&self, kind: Kind, today: NaiveDate) -> FieldErrors {
        let mut errors = self.check_draft();
        let required = |errors: &mut FieldErrors, field: &'static str| {
            if self.get(field).is_empty() {
                errors.add(field, "error-required");
            }
        };
        for field in [
            "contact_name",
            "contact_phone",
            "local_contact_name",
            "local_contact_phone",
            "counterparty_name",
            "counterparty_contact",
            "endpoint_facility",
            "redundancy",
            "services_carried",
            "customer_categories",
            "equipment_vendors",
            "records_location",
            "security_measures",
            "declared_by_name",
        ] {
            required(&mut errors, field);
        }
        for field in ["contact_email", "local_contact_email", "abuse_contact"] {
            if let Err(key) = EmailAddress::parse(self.get(field)) {
                errors.add(field, key);
            }
        }
        for field in ["contact_phone", "local_contact_phone"] {
            let phone = self.get(field);
            if !phone.is_empty() && !is_phone(phone) {
                errors.add(field, "error-phone");
            }
        }
        let approval = self.get("related_approval_number");
        if kind.needs_existing_approval() {
            if approval.is_empty() {
                errors.add("related_approval_number", "error-required");
            } else if !is_approval_number(approval) {
                errors.add("related_approval_number", "error-approval-number");
            }
        } else if !approval.is_empty() && !is_approval_number(approval) {
            errors.add("related_approval_number", "error-approval-number");
        }
        let connection_type = self.get("connection_type");
        if connection_type.is_empty() {
            errors.add("connection_type", "error-required");
        } else if !CONNECTION_TYPES.contains(&connection_type) {
            errors.add("connection_type", "error-connection-type");
        }
        match CountryCode::parse(self.get("counterparty_country")) {
            Ok(code) if code.as_str() == "LA" => {
                errors.add("counterparty_country", "error-country-domestic")
            }
            Ok(_) => {}
            Err(key) => errors.add("counterparty_country", key),
        }
        let asn = self.get("counterparty_asn");
        if asn.is_empty() {
            if NEEDS_COUNTERPARTY_ASN.contains(&connection_type) {
                errors.add("counterparty_asn", "error-asn-required");
            }
        } else if let Err(key) = Asn::parse(asn) {
            errors.add("counterparty_asn", key);
        }
        let province = self.get("endpoint_province");
        if province.is_empty() {
            errors.add("endpoint_province", "error-required");
        } else if !PROVINCES.iter().any(|(code, _, _)| *code == province) {
            errors.add("endpoint_province", "error-province");
        }
        if let Err(key) = check_coordinates(self.get("endpoint_coordinates")) {
            errors.add("endpoint_coordinates", key);
        }
        if CROSSES_A_BORDER.contains(&connection_type) {
            required(&mut errors, "border_crossing");
        }
        match self
            .get("capacity_mbps")
            .replace([',', ' '], "")
            .parse::<i64>()
        {
            _ if self.get("capacity_mbps").is_empty() => {
                errors.add("capacity_mbps", "error-required")
            }
            Ok(n) if n > 0 && n <= 100_000_000 => {}
            Ok(_) => errors.add("capacity_mbps", "error-capacity"),
            Err(_) => errors.add("capacity_mbps", "error-number"),
        }
        if connection_type == "voice_interconnect" {
            required(&mut errors, "caller_id_integrity");
            required(&mut errors, "simbox_detection");
        }
        if let Err(key) = check_foreign_holders(self.get("foreign_holders")) {
            errors.add("foreign_holders", key);
        }
        match NaiveDate::parse_from_str(self.get("requested_start_date"), "%Y-%m-%d") {
            _ if self.get("requested_start_date").is_empty() => {
                errors.add("requested_start_date", "error-required")
            }
            // An existing link being declared may have started long ago.
            Ok(date) if date < today && kind != Kind::Declaration => {
                errors.add("requested_start_date", "error-date-past")
            }
            Ok(_) => {}
            Err(_) => errors.add("requested_start_date", "error-date"),
        }
        match self.get("term_months").parse::<i32>() {
            _ if self.get("term_months").is_empty() => errors.add("term_months", "error-required"),
            Ok(n) if (1..=180).contains(&n) => {}
            Ok(_) => errors.add("term_months", "error-term"),
            Err(_) => errors.add("term_months", "error-number"),
        }
        if !self.declaration_accepted {
            errors.add("declaration_accepted", "error-declaration");
        }
        errors
    }

    /// The fields whose values differ between two versions: (field, before, after).
    pub fn changes_from(&self, before: &ApplicationContent) -> Vec<(String, String, String)> {
        FIELDS
            .iter()
            .filter(|f| self.get(f) != before.get(f))
            .map(|f| {
                (
                    f.to_string(),
                    before.get(f).to_string(),
                    self.get(f).to_string(),
                )
            })
            .collect()
    }
}

fn is_phone(raw: &str) -> bool {
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    (6..=20).contains(&digits)
        && raw
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// `IC-YYYY-NNNNN`.
pub fn is_approval_number(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() == 13
        && raw.starts_with("IC-")
        && b[3..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..].iter().all(u8::is_ascii_digit)
}

/// `latitude, longitude` in decimal degrees, inside Laos.
fn check_coordinates(raw: &str) -> Result<(), &'static str> {
    if raw.is_empty() {
        return Ok(());
    }
    let (lat, lon) = raw.split_once(',').ok_or("error-coordinates")?;
    let lat: f64 = lat.trim().parse().map_err(|_| "error-coordinates")?;
    let lon: f64 = lon.trim().parse().map_err(|_| "error-coordinates")?;
    if (13.5..=23.0).contains(&lat) && (99.8..=108.0).contains(&lon) {
        Ok(())
    } else {
        Err("error-coordinates-outside")
    }
}

/// One holder a line: `name; country code; percent`, each holding 10 % to 100 %.
fn check_foreign_holders(raw: &str) -> Result<(), &'static str> {
    for line in raw.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split(';').map(str::trim).collect();
        let [name, country, percent] = parts[..] else {
            return Err("error-foreign-holders");
        };
        let percent: f64 = percent
            .trim_end_matches('%')
            .trim()
            .parse()
            .map_err(|_| "error-foreign-holders")?;
        if name.is_empty()
            || CountryCode::parse(country).is_err()
            || !(10.0..=100.0).contains(&percent)
        {
            return Err("error-foreign-holders");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn complete() -> ApplicationContent {
        ApplicationContent::from_pairs(
            [
                ("contact_name", "Noy"),
                ("contact_email", "noy@skynet.la"),
                ("contact_phone", "+856 21 123 456"),
                ("local_contact_name", "Khamla"),
                ("local_contact_email", "lawful@skynet.la"),
                ("local_contact_phone", "+856 20 5555 1234"),
                ("connection_type", "ip_transit"),
                ("counterparty_name", "Thai Transit Co."),
                ("counterparty_country", "TH"),
                ("counterparty_asn", "AS38040"),
                ("counterparty_contact", "noc@transit.th"),
                ("endpoint_facility", "Skynet Vientiane DC1"),
                ("endpoint_province", "VT"),
                ("endpoint_coordinates", "17.9757, 102.6331"),
                ("capacity_mbps", "10000"),
                ("redundancy", "Two diverse paths"),
                ("services_carried", "Internet transit"),
                ("customer_categories", "Residential, business"),
                ("equipment_vendors", "Juniper"),
                ("records_location", "Vientiane"),
                ("security_measures", "RPKI, abuse desk"),
                ("abuse_contact", "abuse@skynet.la"),
                ("foreign_holders", "Mekong Holdings; SG; 25%"),
                ("requested_start_date", "2027-01-01"),
                ("term_months", "60"),
                ("declared_by_name", "Noy Sisavath"),
            ],
            true,
        )
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn with(field: &str, value: &str) -> ApplicationContent {
        let mut c = complete();
        c.values.insert(field.to_string(), value.to_string());
        c
    }

    #[test]
    fn a_complete_application_passes() {
        assert!(complete().check_submission(Kind::New, today()).is_empty());
    }

    #[test]
    fn each_problem_is_named_beside_its_field() {
        let cases = [
            ("counterparty_asn", "AS64512", "error-asn"),
            ("counterparty_asn", "", "error-asn-required"),
            ("counterparty_country", "XX", "error-country"),
            ("counterparty_country", "LA", "error-country-domestic"),
            ("capacity_mbps", "0", "error-capacity"),
            ("capacity_mbps", "fast", "error-number"),
            ("requested_start_date", "2020-01-01", "error-date-past"),
            ("requested_start_date", "31/12/2027", "error-date"),
            ("term_months", "0", "error-term"),
            ("term_months", "181", "error-term"),
            ("endpoint_province", "ZZ", "error-province"),
            (
                "endpoint_coordinates",
                "48.85, 2.35",
                "error-coordinates-outside",
            ),
            ("endpoint_coordinates", "north", "error-coordinates"),
            ("contact_email", "nope", "error-email"),
            ("contact_phone", "call me", "error-phone"),
            (
                "foreign_holders",
                "Someone; TH; 5%",
                "error-foreign-holders",
            ),
            ("connection_type", "carrier pigeon", "error-connection-type"),
            (
                "related_approval_number",
                "IC-26-1",
                "error-approval-number",
            ),
        ];
        for (field, value, key) in cases {
            let errors = with(field, value).check_submission(Kind::New, today());
            assert_eq!(errors.get(field), Some(key), "{field} = {value:?}");
        }
    }

    #[test]
    fn the_declaration_is_required() {
        let mut c = complete();
        c.declaration_accepted = false;
        assert_eq!(
            c.check_submission(Kind::New, today())
                .get("declaration_accepted"),
            Some("error-declaration")
        );
    }

    #[test]
    fn kind_specific_rules() {
        let errors = complete().check_submission(Kind::Renewal, today());
        assert_eq!(
            errors.get("related_approval_number"),
            Some("error-required")
        );
        let renewal = with("related_approval_number", "IC-2025-00042");
        assert!(renewal.check_submission(Kind::Renewal, today()).is_empty());
        let declared = with("requested_start_date", "2019-05-01");
        assert!(
            declared
                .check_submission(Kind::Declaration, today())
                .is_empty()
        );
        let voice = with("connection_type", "voice_interconnect");
        let errors = voice.check_submission(Kind::New, today());
        assert_eq!(errors.get("caller_id_integrity"), Some("error-required"));
        assert_eq!(errors.get("simbox_detection"), Some("error-required"));
        let fibre = with("connection_type", "terrestrial_fibre");
        assert_eq!(
            fibre
                .check_submission(Kind::New, today())
                .get("border_crossing"),
            Some("error-required")
        );
    }

    #[test]
    fn a_submission_keeps_only_the_fields_that_apply() {
        let mut typed = with("related_approval_number", "IC-2025-00042");
        typed
            .values
            .insert("caller_id_integrity".to_string(), "STIR".to_string());
        let new = typed.applicable(Kind::New);
        assert_eq!(new.get("related_approval_number"), "");
        assert_eq!(new.get("caller_id_integrity"), "");
        assert_eq!(new.get("counterparty_name"), "Thai Transit Co.");
        assert_eq!(typed.for_kind(Kind::New).get("related_approval_number"), "");
        assert_eq!(typed.for_kind(Kind::New).get("caller_id_integrity"), "STIR");
        let renewal = typed.applicable(Kind::Renewal);
        assert_eq!(renewal.get("related_approval_number"), "IC-2025-00042");
        typed.values.insert(
            "connection_type".to_string(),
            "voice_interconnect".to_string(),
        );
        assert_eq!(
            typed.applicable(Kind::New).get("caller_id_integrity"),
            "STIR"
        );
    }

    #[test]
    fn a_draft_keeps_anything_that_is_not_too_long() {
        let draft =
            ApplicationContent::from_pairs([("capacity_mbps", "lots"), ("unknown", "x")], false);
        assert!(draft.check_draft().is_empty());
        assert_eq!(draft.values.len(), 1, "unknown fields are dropped");
        let long = with("contact_name", &"x".repeat(201));
        assert_eq!(
            long.check_draft().get("contact_name"),
            Some("error-too-long")
        );
    }

    #[test]
    fn changes_list_only_the_fields_that_differ() {
        let before = complete();
        let after = with("capacity_mbps", "20000");
        assert_eq!(
            after.changes_from(&before),
            vec![(
                "capacity_mbps".to_string(),
                "10000".to_string(),
                "20000".to_string()
            )]
        );
    }
}
