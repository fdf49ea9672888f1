//! The ISO 3166-1 alpha-2 country list, with each country's English and Lao name.
//!
//! Pure data and lookups, no I/O: the list is compiled in, sorted by code, and searched
//! by binary search.

use std::fmt;

/// A country or territory with an officially assigned ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// The two-letter code, upper case, e.g. `TH`.
    pub code: &'static str,
    /// The common English short name.
    pub name_en: &'static str,
    /// The name in Lao script.
    pub name_lo: &'static str,
}

/// Builds one row of [`COUNTRIES`].
const fn entry(code: &'static str, name_en: &'static str, name_lo: &'static str) -> Country {
    Country {
        code,
        name_en,
        name_lo,
    }
}

/// Every officially assigned ISO 3166-1 alpha-2 code (249), sorted by code.
pub const COUNTRIES: &[Country] = &[
    entry("AD", "Andorra", "ອັນດໍຣາ"),
    entry("AE", "United Arab Emirates", "ສະຫະລັດອາຣັບເອມິເຣດ"),
    entry("AF", "Afghanistan", "ອາຟການິດສະຖານ"),
    entry("AG", "Antigua and Barbuda", "ແອນທິກົວ ແລະ ບາບູດາ"),
    entry("AI", "Anguilla", "ແອນກຸຍລາ"),
    entry("AL", "Albania", "ແອວເບເນຍ"),
    entry("AM", "Armenia", "ອາເມເນຍ"),
    entry("AO", "Angola", "ແອງໂກລາ"),
    entry("AQ", "Antarctica", "ແອນຕາດຕິກາ"),
    entry("AR", "Argentina", "ອາເຈນຕິນາ"),
    entry("AS", "American Samoa", "ຊາມົວອາເມລິກາ"),
    entry("AT", "Austria", "ອອສເຕຣຍ"),
    entry("AU", "Australia", "ອົດສະຕຣາລີ"),
    entry("AW", "Aruba", "ອາຣູບາ"),
    entry("AX", "Åland Islands", "ໝູ່ເກາະໂອລັນ"),
    entry("AZ", "Azerbaijan", "ອາເຊີໄບຈານ"),
    entry("BA", "Bosnia and Herzegovina", "ບອດສະເນຍ ແລະ ແຮສໂກວີນາ"),
    entry("BB", "Barbados", "ບາບາໂດສ"),
    entry("BD", "Bangladesh", "ບັງກະລາເທດ"),
    entry("BE", "Belgium", "ແບນຊິກ"),
    entry("BF", "Burkina Faso", "ເບີກິນາ ຟາໂຊ"),
    entry("BG", "Bulgaria", "ບຸນກາຣີ"),
    entry("BH", "Bahrain", "ບາເຣນ"),
    entry("BI", "Burundi", "ບູຣຸນດິ"),
    entry("BJ", "Benin", "ເບນິນ"),
    entry("BL", "Saint Barthélemy", "ເຊນ ບາເທເລມີ"),
    entry("BM", "Bermuda", "ເບີມິວດາ"),
    entry("BN", "Brunei", "ບຣູໄນ"),
    entry("BO", "Bolivia", "ໂບລິເວຍ"),
    entry("BQ", "Caribbean Netherlands", "ເນເທີແລນຄາຣິບບຽນ"),
    entry("BR", "Brazil", "ບຣາຊິນ"),
    entry("BS", "Bahamas", "ບາຮາມາສ"),
    entry("BT", "Bhutan", "ພູຖານ"),
    entry("BV", "Bouvet Island", "ເກາະບູເວດ"),
    entry("BW", "Botswana", "ບອດສະວານາ"),
    entry("BY", "Belarus", "ເບລາຣຸສ"),
    entry("BZ", "Belize", "ເບລີຊ"),
    entry("CA", "Canada", "ການາດາ"),
    entry("CC", "Cocos (Keeling) Islands", "ໝູ່ເກາະໂກໂກສ"),
    entry(
        "CD",
        "Democratic Republic of the Congo",
        "ສາທາລະນະລັດປະຊາທິປະໄຕຄອງໂກ",
    ),
    entry("CF", "Central African Republic", "ສາທາລະນະລັດອາຟຣິກາກາງ"),
    entry("CG", "Republic of the Congo", "ສາທາລະນະລັດຄອງໂກ"),
    entry("CH", "Switzerland", "ສະວິດເຊີແລນ"),
    entry("CI", "Côte d'Ivoire", "ໂກດດີວົວ"),
    entry("CK", "Cook Islands", "ໝູ່ເກາະຄຸກ"),
    entry("CL", "Chile", "ຊິລີ"),
    entry("CM", "Cameroon", "ຄາເມຣູນ"),
    entry("CN", "China", "ຈີນ"),
    entry("CO", "Colombia", "ໂຄລົມເບຍ"),
    entry("CR", "Costa Rica", "ໂຄສຕາ ຣິກາ"),
    entry("CU", "Cuba", "ຄິວບາ"),
    entry("CV", "Cabo Verde", "ເຄບ ເວີດ"),
    entry("CW", "Curaçao", "ຄູຣາຊາວ"),
    entry("CX", "Christmas Island", "ເກາະຄຣິສມາດ"),
    entry("CY", "Cyprus", "ໄຊປຣັສ"),
    entry("CZ", "Czechia", "ເຊັກເຊຍ"),
    entry("DE", "Germany", "ເຢຍລະມັນ"),
    entry("DJ", "Djibouti", "ຈິບູຕິ"),
    entry("DK", "Denmark", "ເດນມາກ"),
    entry("DM", "Dominica", "ໂດມີນິຄາ"),
    entry("DO", "Dominican Republic", "ສາທາລະນະລັດໂດມິນິກັນ"),
    entry("DZ", "Algeria", "ອານຈີເຣຍ"),
    entry("EC", "Ecuador", "ເອກວາດໍ"),
    entry("EE", "Estonia", "ເອສໂຕເນຍ"),
    entry("EG", "Egypt", "ອີຢິບ"),
    entry("EH", "Western Sahara", "ຊາຮາຣາຕາເວັນຕົກ"),
    entry("ER", "Eritrea", "ເອຣິເທຣຍ"),
    entry("ES", "Spain", "ແອັດສະປາຍ"),
    entry("ET", "Ethiopia", "ອີທິໂອເປຍ"),
    entry("FI", "Finland", "ຟິນແລນ"),
    entry("FJ", "Fiji", "ຟິຈິ"),
    entry("FK", "Falkland Islands", "ໝູ່ເກາະຟອກແລນ"),
    entry("FM", "Micronesia", "ໄມໂຄຣນີເຊຍ"),
    entry("FO", "Faroe Islands", "ໝູ່ເກາະແຟໂຣ"),
    entry("FR", "France", "ຝຣັ່ງ"),
    entry("GA", "Gabon", "ກາບອນ"),
    entry("GB", "United Kingdom", "ສະຫະລາຊະອານາຈັກອັງກິດ"),
    entry("GD", "Grenada", "ເກຣເນດາ"),
    entry("GE", "Georgia", "ຈໍເຈຍ"),
    entry("GF", "French Guiana", "ກີອານາຂອງຝຣັ່ງ"),
    entry("GG", "Guernsey", "ເກີນຊີ"),
    entry("GH", "Ghana", "ການາ"),
    entry("GI", "Gibraltar", "ຈິບບຣອນທາ"),
    entry("GL", "Greenland", "ກຣີນແລນ"),
    entry("GM", "Gambia", "ແກມເບຍ"),
    entry("GN", "Guinea", "ກິນີ"),
    entry("GP", "Guadeloupe", "ກົວດາລູບ"),
    entry("GQ", "Equatorial Guinea", "ກິນີເສັ້ນສູນສູດ"),
    entry("GR", "Greece", "ກຣີຊ"),
    entry(
        "GS",
        "South Georgia and the South Sandwich Islands",
        "ໝູ່ເກາະຈໍເຈຍໃຕ້ ແລະ ແຊນວິດໃຕ້",
    ),
    entry("GT", "Guatemala", "ກົວເທມາລາ"),
    entry("GU", "Guam", "ກວາມ"),
    entry("GW", "Guinea-Bissau", "ກິນີ-ບິສເຊົາ"),
    entry("GY", "Guyana", "ກາຍຢານາ"),
    entry(
        "HK",
        "Hong Kong (Special Administrative Region of China)",
        "ຮົງກົງ (ເຂດປົກຄອງພິເສດຂອງຈີນ)",
    ),
    entry(
        "HM",
        "Heard Island and McDonald Islands",
        "ເກາະເຮີດ ແລະ ໝູ່ເກາະແມັກໂດນອລ",
    ),
    entry("HN", "Honduras", "ຮອນດູຣັສ"),
    entry("HR", "Croatia", "ໂຄຣເອເທຍ"),
    entry("HT", "Haiti", "ໄຮຕິ"),
    entry("HU", "Hungary", "ຮົງກາຣີ"),
    entry("ID", "Indonesia", "ອິນໂດເນເຊຍ"),
    entry("IE", "Ireland", "ໄອແລນ"),
    entry("IL", "Israel", "ອິສຣາເອວ"),
    entry("IM", "Isle of Man", "ເກາະແມນ"),
    entry("IN", "India", "ອິນເດຍ"),
    entry(
        "IO",
        "British Indian Ocean Territory",
        "ເຂດແດນອັງກິດໃນມະຫາສະໝຸດອິນເດຍ",
    ),
    entry("IQ", "Iraq", "ອີຣັກ"),
    entry("IR", "Iran", "ອີຣານ"),
    entry("IS", "Iceland", "ໄອສແລນ"),
    entry("IT", "Italy", "ອິຕາລີ"),
    entry("JE", "Jersey", "ເຈີຊີ"),
    entry("JM", "Jamaica", "ຈາໄມຄາ"),
    entry("JO", "Jordan", "ຈໍແດນ"),
    entry("JP", "Japan", "ຍີ່ປຸ່ນ"),
    entry("KE", "Kenya", "ເຄນຢາ"),
    entry("KG", "Kyrgyzstan", "ຄຽກກິດສະຖານ"),
    entry("KH", "Cambodia", "ກຳປູເຈຍ"),
    entry("KI", "Kiribati", "ຄິຣິບາທິ"),
    entry("KM", "Comoros", "ໂຄໂມໂຣສ"),
    entry("KN", "Saint Kitts and Nevis", "ເຊນ ຄິດ ແລະ ເນວິສ"),
    entry("KP", "North Korea", "ເກົາຫຼີເໜືອ"),
    entry("KR", "South Korea", "ເກົາຫຼີໃຕ້"),
    entry("KW", "Kuwait", "ກູເວດ"),
    entry("KY", "Cayman Islands", "ໝູ່ເກາະເຄແມນ"),
    entry("KZ", "Kazakhstan", "ຄາຊັກສະຖານ"),
    entry("LA", "Laos", "ລາວ"),
    entry("LB", "Lebanon", "ເລບານອນ"),
    entry("LC", "Saint Lucia", "ເຊນ ລູເຊຍ"),
    entry("LI", "Liechtenstein", "ລິດເທນສະຕາຍ"),
    entry("LK", "Sri Lanka", "ສີລັງກາ"),
    entry("LR", "Liberia", "ລິເບີເຣຍ"),
    entry("LS", "Lesotho", "ເລໂຊໂທ"),
    entry("LT", "Lithuania", "ລິທົວເນຍ"),
    entry("LU", "Luxembourg", "ລຸກຊຳບວກ"),
    entry("LV", "Latvia", "ລັດເວຍ"),
    entry("LY", "Libya", "ລິເບຍ"),
    entry("MA", "Morocco", "ມາຣົກ"),
    entry("MC", "Monaco", "ໂມນາໂຄ"),
    entry("MD", "Moldova", "ໂມນໂດວາ"),
    entry("ME", "Montenegro", "ມອນເຕເນໂກຣ"),
    entry("MF", "Saint Martin", "ເຊນ ມາທິນ"),
    entry("MG", "Madagascar", "ມາດາກາສະກາ"),
    entry("MH", "Marshall Islands", "ໝູ່ເກາະມາແຊວ"),
    entry("MK", "North Macedonia", "ແມຊິໂດເນຍເໜືອ"),
    entry("ML", "Mali", "ມາລີ"),
    entry("MM", "Myanmar", "ມຽນມາ"),
    entry("MN", "Mongolia", "ມົງໂກລີ"),
    entry(
        "MO",
        "Macao (Special Administrative Region of China)",
        "ມາກາວ (ເຂດປົກຄອງພິເສດຂອງຈີນ)",
    ),
    entry("MP", "Northern Mariana Islands", "ໝູ່ເກາະມາເຣຍນາຕອນເໜືອ"),
    entry("MQ", "Martinique", "ມາຕິນີກ"),
    entry("MR", "Mauritania", "ມົວຣິເທເນຍ"),
    entry("MS", "Montserrat", "ມອນເຊີຣາດ"),
    entry("MT", "Malta", "ມອນທາ"),
    entry("MU", "Mauritius", "ມົວຣິຊຽສ"),
    entry("MV", "Maldives", "ມັນດິຟ"),
    entry("MW", "Malawi", "ມາລາວີ"),
    entry("MX", "Mexico", "ເມັກຊິໂກ"),
    entry("MY", "Malaysia", "ມາເລເຊຍ"),
    entry("MZ", "Mozambique", "ໂມແຊມບິກ"),
    entry("NA", "Namibia", "ນາມີເບຍ"),
    entry("NC", "New Caledonia", "ນິວ ຄາເລໂດເນຍ"),
    entry("NE", "Niger", "ນິເຈີ"),
    entry("NF", "Norfolk Island", "ເກາະນໍໂຟກ"),
    entry("NG", "Nigeria", "ໄນຈີເຣຍ"),
    entry("NI", "Nicaragua", "ນິກຄາຣາກົວ"),
    entry("NL", "Netherlands", "ເນເທີແລນ"),
    entry("NO", "Norway", "ນໍເວ"),
    entry("NP", "Nepal", "ເນປານ"),
    entry("NR", "Nauru", "ນາອູຣູ"),
    entry("NU", "Niue", "ນີອູເອ"),
    entry("NZ", "New Zealand", "ນິວຊີແລນ"),
    entry("OM", "Oman", "ໂອມານ"),
    entry("PA", "Panama", "ພານາມາ"),
    entry("PE", "Peru", "ເປຣູ"),
    entry("PF", "French Polynesia", "ໂພລີນີເຊຍຂອງຝຣັ່ງ"),
    entry("PG", "Papua New Guinea", "ປາປົວນິວກິນີ"),
    entry("PH", "Philippines", "ຟິລິບປິນ"),
    entry("PK", "Pakistan", "ປາກິດສະຖານ"),
    entry("PL", "Poland", "ໂປແລນ"),
    entry("PM", "Saint Pierre and Miquelon", "ເຊນ ປີແອ ແລະ ມິເກວລອນ"),
    entry("PN", "Pitcairn Islands", "ໝູ່ເກາະພິດແຄນ"),
    entry("PR", "Puerto Rico", "ເປີໂຕ ຣິໂກ"),
    entry("PS", "Palestine", "ປາເລດສະຕິນ"),
    entry("PT", "Portugal", "ປອກຕຸຍການ"),
    entry("PW", "Palau", "ປາລາວ"),
    entry("PY", "Paraguay", "ພາຣາກວຍ"),
    entry("QA", "Qatar", "ກາຕາ"),
    entry("RE", "Réunion", "ເຣອູນິຍົງ"),
    entry("RO", "Romania", "ໂຣມານີ"),
    entry("RS", "Serbia", "ເຊີເບຍ"),
    entry("RU", "Russia", "ຣັດເຊຍ"),
    entry("RW", "Rwanda", "ຣວັນດາ"),
    entry("SA", "Saudi Arabia", "ຊາອຸດີອາຣາເບຍ"),
    entry("SB", "Solomon Islands", "ໝູ່ເກາະໂຊໂລມອນ"),
    entry("SC", "Seychelles", "ເຊເຊວເລສ"),
    entry("SD", "Sudan", "ຊູດານ"),
    entry("SE", "Sweden", "ສະວີເດັນ"),
    entry("SG", "Singapore", "ສິງກະໂປ"),
    entry(
        "SH",
        "Saint Helena, Ascension and Tristan da Cunha",
        "ເຊນ ເຮເລນາ, ອາເຊນຊັນ ແລະ ທຣິສຕັນ ດາ ກູນຢາ",
    ),
    entry("SI", "Slovenia", "ສະໂລເວເນຍ"),
    entry("SJ", "Svalbard and Jan Mayen", "ສະວາບາ ແລະ ແຢນ ມາເຢນ"),
    entry("SK", "Slovakia", "ສະໂລວາເກຍ"),
    entry("SL", "Sierra Leone", "ເຊຍຣາ ລີໂອນ"),
    entry("SM", "San Marino", "ແຊນ ມາຣິໂນ"),
    entry("SN", "Senegal", "ເຊເນການ"),
    entry("SO", "Somalia", "ໂຊມາເລຍ"),
    entry("SR", "Suriname", "ຊູຣິນາມ"),
    entry("SS", "South Sudan", "ຊູດານໃຕ້"),
    entry("ST", "Sao Tome and Principe", "ເຊົາທູເມ ແລະ ພຣິນຊິບ"),
    entry("SV", "El Salvador", "ເອວ ຊໍວາດໍ"),
    entry("SX", "Sint Maarten", "ຊິນ ມາເທັນ"),
    entry("SY", "Syria", "ຊີເຣຍ"),
    entry("SZ", "Eswatini", "ເອສະວາຕິນີ"),
    entry("TC", "Turks and Caicos Islands", "ໝູ່ເກາະເທີກ ແລະ ໄຄໂຄສ"),
    entry("TD", "Chad", "ຊາດ"),
    entry("TF", "French Southern Territories", "ເຂດແດນທາງໃຕ້ຂອງຝຣັ່ງ"),
    entry("TG", "Togo", "ໂຕໂກ"),
    entry("TH", "Thailand", "ໄທ"),
    entry("TJ", "Tajikistan", "ທາຈິກິດສະຖານ"),
    entry("TK", "Tokelau", "ໂຕເກເລົາ"),
    entry("TL", "Timor-Leste", "ຕີມໍ-ເລສເຕ"),
    entry("TM", "Turkmenistan", "ເທີກເມນິສະຖານ"),
    entry("TN", "Tunisia", "ຕູນິເຊຍ"),
    entry("TO", "Tonga", "ທອງກາ"),
    entry("TR", "Türkiye", "ເທີຄີ"),
    entry("TT", "Trinidad and Tobago", "ທຣິນິແດດ ແລະ ໂທແບໂກ"),
    entry("TV", "Tuvalu", "ຕູວາລູ"),
    entry("TW", "Taiwan", "ໄຕ້ຫວັນ"),
    entry("TZ", "Tanzania", "ທານຊາເນຍ"),
    entry("UA", "Ukraine", "ຢູເຄຣນ"),
    entry("UG", "Uganda", "ອູການດາ"),
    entry(
        "UM",
        "United States Minor Outlying Islands",
        "ໝູ່ເກາະຮອບນອກຂອງສະຫະລັດອາເມລິກາ",
    ),
    entry("US", "United States", "ສະຫະລັດອາເມລິກາ"),
    entry("UY", "Uruguay", "ອູຣຸກວຍ"),
    entry("UZ", "Uzbekistan", "ອຸສເບກິສະຖານ"),
    entry("VA", "Vatican City", "ນະຄອນວາຕິກັນ"),
    entry(
        "VC",
        "Saint Vincent and the Grenadines",
        "ເຊນ ວິນເຊນ ແລະ ເກຣເນດິນ",
    ),
    entry("VE", "Venezuela", "ເວເນຊູເອລາ"),
    entry("VG", "British Virgin Islands", "ໝູ່ເກາະເວີຈິນຂອງອັງກິດ"),
    entry("VI", "U.S. Virgin Islands", "ໝູ່ເກາະເວີຈິນຂອງສະຫະລັດອາເມລິກາ"),
    entry("VN", "Vietnam", "ຫວຽດນາມ"),
    entry("VU", "Vanuatu", "ວານົວຕູ"),
    entry("WF", "Wallis and Futuna", "ວາລິສ ແລະ ຟູຕູນາ"),
    entry("WS", "Samoa", "ຊາມົວ"),
    entry("YE", "Yemen", "ເຢເມນ"),
    entry("YT", "Mayotte", "ມາຢັອດ"),
    entry("ZA", "South Africa", "ອາຟຣິກາໃຕ້"),
    entry("ZM", "Zambia", "ແຊມເບຍ"),
    entry("ZW", "Zimbabwe", "ຊິມບັບເວ"),
];

/// The entry for an upper-case code, if the code is in [`COUNTRIES`].
fn find(code: &str) -> Option<&'static Country> {
    COUNTRIES
        .binary_search_by(|c| c.code.cmp(code))
        .ok()
        .map(|i| &COUNTRIES[i])
}

/// A validated ISO 3166-1 alpha-2 code: always one of the codes in [`COUNTRIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode(&'static str);

impl CountryCode {
    /// Parses a code such as ` th ` or `VN`: trimmed, upper-cased, and accepted only if it
    /// is an officially assigned code. User-assigned codes such as `XK` are refused.
    pub fn parse(raw: &str) -> Result<CountryCode, &'static str> {
        let value = raw.trim().to_ascii_uppercase();
        if value.is_empty() {
            return Err("error-required");
        }
        find(&value)
            .map(|c| CountryCode(c.code))
            .ok_or("error-country")
    }

    /// The two-letter upper-case code.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The country this code names.
    pub fn country(self) -> &'static Country {
        find(self.0).expect("a CountryCode always holds a code from COUNTRIES")
    }

    /// The country's name in Lao when `lao` is true, else in English.
    pub fn name(self, lao: bool) -> &'static str {
        let country = self.country();
        if lao {
            country.name_lo
        } else {
            country.name_en
        }
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_every_officially_assigned_code() {
        assert_eq!(COUNTRIES.len(), 249);
    }

    #[test]
    fn codes_are_two_upper_case_letters_strictly_sorted() {
        for c in COUNTRIES {
            assert_eq!(c.code.len(), 2, "{}", c.code);
            assert!(c.code.bytes().all(|b| b.is_ascii_uppercase()), "{}", c.code);
        }
        for pair in COUNTRIES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} is not before {}",
                pair[0].code,
                pair[1].code
            );
        }
    }

    #[test]
    fn every_country_has_an_english_and_a_lao_name() {
        for c in COUNTRIES {
            assert!(!c.name_en.trim().is_empty(), "{}", c.code);
            assert!(!c.name_lo.trim().is_empty(), "{}", c.code);
            assert!(
                c.name_lo
                    .chars()
                    .any(|ch| ('\u{0E80}'..='\u{0EFF}').contains(&ch)),
                "{} has no Lao-script character in its Lao name",
                c.code
            );
        }
    }

    #[test]
    fn parse_trims_and_upper_cases() {
        let th = CountryCode::parse(" th ").unwrap();
        assert_eq!(th.as_str(), "TH");
        assert_eq!(th.to_string(), "TH");
        assert_eq!(CountryCode::parse("vn").unwrap().as_str(), "VN");
        assert_eq!(CountryCode::parse("LA").unwrap().country().name_lo, "ລາວ");
    }

    #[test]
    fn parse_refuses_unknown_and_malformed_codes() {
        assert_eq!(CountryCode::parse(""), Err("error-required"));
        assert_eq!(CountryCode::parse("   "), Err("error-required"));
        for raw in ["XX", "XK", "THA", "1A", "T", "ıN"] {
            assert_eq!(CountryCode::parse(raw), Err("error-country"), "{raw}");
        }
    }

    #[test]
    fn every_listed_code_parses_to_its_own_entry() {
        for c in COUNTRIES {
            let code = CountryCode::parse(&c.code.to_ascii_lowercase()).unwrap();
            assert_eq!(code.country(), c);
        }
    }

    #[test]
    fn name_picks_the_language() {
        let th = CountryCode::parse("TH").unwrap();
        assert_eq!(th.name(true), "ໄທ");
        assert_eq!(th.name(false), "Thailand");
    }
}
