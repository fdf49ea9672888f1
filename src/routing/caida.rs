//! CAIDA's AS-to-organisation mapping and AS-relationship (serial-2) files.
//!
//! The AS-to-organisation file comes in two forms, told apart by its first line. The
//! text form has two sections, each opened by a `# format:` line: organisations
//! (`org_id|changed|org_name|country|source`) and AS numbers
//! (`aut|changed|aut_name|org_id|opaque_id|source`). The JSON-lines form has one object
//! per line, `"type": "Organization"` (with `organizationId`, `name`, `country`) or
//! `"type": "ASN"` (with `asn`, `name`, `organizationId`, `opaqueId`); the snake-case
//! spellings of the text form (`org_id`, `opaque_id`) are accepted too.
//!
//! The relationship file has rows `a|b|-1|source` (a provides transit to b) and
//! `a|b|0|source` (a and b peer); its `#` header lines list the clique of the largest
//! transit networks (`# input clique: …`) and the exchanges' own AS numbers
//! (`# IXP ASes: …`).
//!
//! Both readers check the shape of every row and hand the rows out; joining AS numbers
//! to organisations, or deciding who is a sibling, belongs to the import.

use std::io::BufRead;

use serde::Deserialize;

use super::{Lines, ParseError, json_message, shorten};

/// An organisation of the AS-to-organisation file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// CAIDA's id of the organisation, which AS rows refer to.
    pub id: String,
    /// The organisation's name.
    pub name: String,
    /// The country it registered, two upper-case letters, or empty when unknown.
    pub country: String,
}

/// An AS number and the organisation that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsOrg {
    /// The AS number.
    pub asn: u32,
    /// The name registered for the AS.
    pub name: String,
    /// The id of the [`Org`] that holds it.
    pub org_id: String,
    /// The holder's opaque id in the RIR's extended statistics, when CAIDA gives one.
    pub opaque_id: Option<String>,
}

/// One row of the AS-to-organisation file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum As2OrgRecord {
    /// An organisation.
    Org(Org),
    /// An AS number's organisation.
    As(AsOrg),
}

/// How two ASes of a relationship row are related.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationshipKind {
    /// `-1`: the first AS provides transit to the second.
    ProviderToCustomer,
    /// `0`: the two ASes peer.
    Peers,
}

/// A row of the AS-relationship file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relationship {
    /// The first AS of the row (the provider, for [`RelationshipKind::ProviderToCustomer`]).
    pub a: u32,
    /// The second AS of the row (the customer, for [`RelationshipKind::ProviderToCustomer`]).
    pub b: u32,
    /// How they are related.
    pub kind: RelationshipKind,
}

/// One thing read from the AS-relationship file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsRelRecord {
    /// The `# input clique:` header: the AS numbers CAIDA took as the top of the
    /// transit hierarchy.
    Clique(Vec<u32>),
    /// The `# IXP ASes:` header: AS numbers that belong to exchanges (route servers and
    /// the like).
    IxpAses(Vec<u32>),
    /// A relationship row.
    Relationship(Relationship),
}

/// The column lists the text form's `# format:` lines announce.
const ORG_FORMAT: &str = "org_id|changed|org_name|country|source";
const AUT_FORMAT: &str = "aut|changed|aut_name|org_id|opaque_id|source";

/// Which part of the AS-to-organisation file the reader is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Nothing but blank lines read so far.
    Start,
    /// The text form, before any `# format:` line.
    TextHeader,
    /// The text form's organisation section.
    Orgs,
    /// The text form's AS section.
    Auts,
    /// The JSON-lines form.
    Json,
}

/// Reads a CAIDA AS-to-organisation file (text or JSON lines) as it streams.
///
/// A file whose first line is neither a `#` header nor a JSON object, or whose first
/// row cannot be read, yields one error and nothing more: it is not this kind of file.
/// Later malformed rows yield an error each and reading goes on.
pub fn as2org<R: BufRead>(reader: R) -> As2OrgRecords<R> {
    As2OrgRecords {
        lines: Lines::new(reader),
        section: Section::Start,
        rows: 0,
        stopped: false,
    }
}

/// The iterator [`as2org`] returns.
pub struct As2OrgRecords<R> {
    lines: Lines<R>,
    section: Section,
    rows: u64,
    stopped: bool,
}

impl<R: BufRead> Iterator for As2OrgRecords<R> {
    type Item = Result<As2OrgRecord, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.stopped {
            let (number, line) = match self.lines.next_line()? {
                Ok(read) => read,
                Err(error) => return Some(Err(error)),
            };
            let text = line.trim();
            if text.is_empty() {
                continue;
            }
            let parsed = match self.section {
                Section::Start if text.starts_with('#') => {
                    self.section = Section::TextHeader;
                    self.header_line(text)
                }
                Section::Start if text.starts_with('{') => {
                    self.section = Section::Json;
                    parse_json_line(text).map(Some)
                }
                Section::Start => Err(
                    "not a CAIDA AS-to-organisation file: it should start with `#` header lines or a JSON object"
                        .to_string(),
                ),
                Section::Json => parse_json_line(text).map(Some),
                _ if text.starts_with('#') => self.header_line(text),
                Section::TextHeader => Err(
                    "a row before any `# format:` line: not a CAIDA AS-to-organisation file".to_string(),
                ),
                Section::Orgs => parse_org_row(text).map(Some),
                Section::Auts => parse_aut_row(text).map(Some),
            };
            match parsed {
                Ok(None) => continue,
                Ok(Some(record)) => {
                    self.rows += 1;
                    return Some(Ok(record));
                }
                Err(message) => {
                    // A first row that cannot be read means the file is of another kind.
                    self.stopped = self.rows == 0;
                    return Some(Err(ParseError::at_line(number, message)));
                }
            }
        }
        None
    }
}

impl<R> As2OrgRecords<R> {
    /// Handles a `#` line of the text form: a `# format:` line opens a section, any
    /// other comment is skipped.
    fn header_line(&mut self, text: &str) -> Result<Option<As2OrgRecord>, String> {
        let comment = text.trim_start_matches('#').trim();
        let Some(format) = comment.strip_prefix("format:") else {
            return Ok(None);
        };
        let columns: Vec<&str> = format.split('|').map(str::trim).collect();
        let columns = columns.join("|");
        self.section = if columns == ORG_FORMAT {
            Section::Orgs
        } else if columns == AUT_FORMAT {
            Section::Auts
        } else {
            return Err(format!(
                "unknown `# format:` line `{}`; expected `{ORG_FORMAT}` or `{AUT_FORMAT}`",
                shorten(&columns)
            ));
        };
        Ok(None)
    }
}

/// Parses `org_id|changed|org_name|country|source`. A `|` inside the name is kept: the
/// fields around it are counted from both ends.
fn parse_org_row(text: &str) -> Result<As2OrgRecord, String> {
    let fields: Vec<&str> = text.split('|').collect();
    if fields.len() < 5 {
        return Err(format!(
            "expected 5 fields ({ORG_FORMAT}), found {}",
            fields.len()
        ));
    }
    let id = required(fields[0], "org_id")?;
    let country = parse_country(fields[fields.len() - 2])?;
    Ok(As2OrgRecord::Org(Org {
        id,
        name: fields[2..fields.len() - 2].join("|").trim().to_string(),
        country,
    }))
}

/// Parses `aut|changed|aut_name|org_id|opaque_id|source`, counting from both ends as
/// [`parse_org_row`] does.
fn parse_aut_row(text: &str) -> Result<As2OrgRecord, String> {
    let fields: Vec<&str> = text.split('|').collect();
    if fields.len() < 6 {
        return Err(format!(
            "expected 6 fields ({AUT_FORMAT}), found {}",
            fields.len()
        ));
    }
    let n = fields.len();
    Ok(As2OrgRecord::As(AsOrg {
        asn: parse_asn(fields[0])?,
        name: fields[2..n - 3].join("|").trim().to_string(),
        org_id: required(fields[n - 3], "org_id")?,
        opaque_id: optional(fields[n - 2]),
    }))
}

/// A line of the JSON-lines form, told apart by its `type`.
#[derive(Deserialize)]
#[serde(tag = "type")]
enum JsonLine {
    #[serde(rename = "Organization")]
    Organization {
        #[serde(rename = "organizationId", alias = "org_id")]
        org_id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        country: Option<String>,
    },
    #[serde(rename = "ASN")]
    Asn {
        asn: JsonAsn,
        #[serde(default)]
        name: Option<String>,
        #[serde(rename = "organizationId", alias = "org_id")]
        org_id: String,
        #[serde(default, rename = "opaqueId", alias = "opaque_id")]
        opaque_id: Option<String>,
    },
}

/// An AS number written as a JSON number or as a string of digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum JsonAsn {
    Number(u32),
    Text(String),
}

/// Parses one line of the JSON-lines form.
fn parse_json_line(text: &str) -> Result<As2OrgRecord, String> {
    let line: JsonLine = serde_json::from_str(text).map_err(|error| json_message(&error))?;
    let record = match line {
        JsonLine::Organization {
            org_id,
            name,
            country,
        } => As2OrgRecord::Org(Org {
            id: required(&org_id, "organizationId")?,
            name: name.unwrap_or_default().trim().to_string(),
            country: parse_country(&country.unwrap_or_default())?,
        }),
        JsonLine::Asn {
            asn,
            name,
            org_id,
            opaque_id,
        } => As2OrgRecord::As(AsOrg {
            asn: match asn {
                JsonAsn::Number(asn) => asn,
                JsonAsn::Text(text) => parse_asn(&text)?,
            },
            name: name.unwrap_or_default().trim().to_string(),
            org_id: required(&org_id, "organizationId")?,
            opaque_id: opaque_id.as_deref().and_then(optional),
        }),
    };
    Ok(record)
}

/// Reads a CAIDA AS-relationship file (serial-2, or serial-1 without the source field)
/// as it streams.
///
/// A file whose first row cannot be read yields one error and nothing more: it is not
/// this kind of file. Later malformed rows yield an error each and reading goes on.
pub fn relationships<R: BufRead>(reader: R) -> RelationshipRecords<R> {
    RelationshipRecords {
        lines: Lines::new(reader),
        rows: 0,
        stopped: false,
    }
}

/// The iterator [`relationships`] returns.
pub struct RelationshipRecords<R> {
    lines: Lines<R>,
    rows: u64,
    stopped: bool,
}

impl<R: BufRead> Iterator for RelationshipRecords<R> {
    type Item = Result<AsRelRecord, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.stopped {
            let (number, line) = match self.lines.next_line()? {
                Ok(read) => read,
                Err(error) => return Some(Err(error)),
            };
            let text = line.trim();
            if text.is_empty() {
                continue;
            }
            let parsed = if text.starts_with('#') {
                parse_relationship_header(text)
            } else {
                parse_relationship(text).map(|r| Some(AsRelRecord::Relationship(r)))
            };
            match parsed {
                Ok(None) => continue,
                Ok(Some(record)) => {
                    self.rows += 1;
                    return Some(Ok(record));
                }
                Err((message, fatal)) => {
                    // A first row that cannot be read means the file is of another kind.
                    self.stopped = fatal || self.rows == 0;
                    return Some(Err(ParseError::at_line(number, message)));
                }
            }
        }
        None
    }
}

/// Reads a `#` line: the clique and IXP lists become records, other comments are
/// skipped, and a `# format:` line (which only the AS-to-organisation file has) stops
/// the reading.
fn parse_relationship_header(text: &str) -> Result<Option<AsRelRecord>, (String, bool)> {
    let comment = text.trim_start_matches('#').trim();
    let lower = comment.to_ascii_lowercase();
    if lower.starts_with("format:") {
        return Err((
            "a `# format:` line: this is a CAIDA AS-to-organisation file, not AS relationships"
                .to_string(),
            true,
        ));
    }
    let (list, make): (&str, fn(Vec<u32>) -> AsRelRecord) = if lower.starts_with("input clique:") {
        (&comment["input clique:".len()..], AsRelRecord::Clique)
    } else if lower.starts_with("ixp ases:") {
        (&comment["ixp ases:".len()..], AsRelRecord::IxpAses)
    } else {
        return Ok(None);
    };
    let asns = list
        .split_whitespace()
        .map(parse_asn)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| (message, false))?;
    Ok(Some(make(asns)))
}

/// Parses `a|b|-1|source` or `a|b|0|source` (the source may be missing).
fn parse_relationship(text: &str) -> Result<Relationship, (String, bool)> {
    let fields: Vec<&str> = text.split('|').map(str::trim).collect();
    if !(3..=4).contains(&fields.len()) {
        return Err((
            format!(
                "expected `a|b|relationship|source`, found {} fields",
                fields.len()
            ),
            false,
        ));
    }
    let a = parse_asn(fields[0]).map_err(|m| (m, false))?;
    let b = parse_asn(fields[1]).map_err(|m| (m, false))?;
    if a == b {
        return Err((format!("AS{a} is related to itself"), false));
    }
    let kind = match fields[2] {
        "-1" => RelationshipKind::ProviderToCustomer,
        "0" => RelationshipKind::Peers,
        other => {
            return Err((
                format!(
                    "relationship `{}` is neither -1 (provider to customer) nor 0 (peers)",
                    shorten(other)
                ),
                false,
            ));
        }
    };
    Ok(Relationship { a, b, kind })
}

/// Parses an AS number written as plain digits.
fn parse_asn(raw: &str) -> Result<u32, String> {
    let raw = raw.trim();
    raw.parse().map_err(|_| {
        format!(
            "AS number `{}` is not a number from 0 to 4294967295",
            shorten(raw)
        )
    })
}

/// Parses a country field: two letters (upper-cased), or empty.
fn parse_country(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() || (raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_alphabetic())) {
        Ok(raw.to_ascii_uppercase())
    } else {
        Err(format!(
            "country `{}` is not a two-letter code",
            shorten(raw)
        ))
    }
}

/// A field that must not be empty.
fn required(raw: &str, name: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        Err(format!("the {name} field is empty"))
    } else {
        Ok(raw.to_string())
    }
}

/// A field that may be empty, which means none.
fn optional(raw: &str) -> Option<String> {
    let raw = raw.trim();
    (!raw.is_empty()).then(|| raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Position;

    fn org(id: &str, name: &str, country: &str) -> As2OrgRecord {
        As2OrgRecord::Org(Org {
            id: id.into(),
            name: name.into(),
            country: country.into(),
        })
    }

    fn aut(asn: u32, name: &str, org_id: &str, opaque_id: Option<&str>) -> As2OrgRecord {
        As2OrgRecord::As(AsOrg {
            asn,
            name: name.into(),
            org_id: org_id.into(),
            opaque_id: opaque_id.map(Into::into),
        })
    }

    fn errors<T>(items: impl Iterator<Item = Result<T, ParseError>>) -> Vec<String> {
        items
            .filter_map(Result::err)
            .map(|e| e.to_string())
            .collect()
    }

    const AS2ORG_TEXT: &str = "\
# name: AS Org
# description: made-up organisations for a test
# format:org_id|changed|org_name|country|source
LAONET-ORG|20250101|Lao Example Net|LA|APNIC
FAR-ORG|20250102|Far Away | Transit Ltd|th|APNIC

# format:aut|changed|aut_name|org_id|opaque_id|source
64496|20250101|LAONET-AS|LAONET-ORG|LAO-HOLDER-1|APNIC
65536|20250102|FAR-AS|FAR-ORG||APNIC
";

    #[test]
    fn the_text_form_yields_organisations_then_as_numbers() {
        let got: Vec<_> = as2org(AS2ORG_TEXT.as_bytes()).map(Result::unwrap).collect();
        assert_eq!(
            got,
            vec![
                org("LAONET-ORG", "Lao Example Net", "LA"),
                org("FAR-ORG", "Far Away | Transit Ltd", "TH"),
                aut(64496, "LAONET-AS", "LAONET-ORG", Some("LAO-HOLDER-1")),
                aut(65536, "FAR-AS", "FAR-ORG", None),
            ]
        );
    }

    #[test]
    fn the_json_lines_form_yields_the_same_records() {
        let text = r#"{"type":"Organization","organizationId":"LAONET-ORG","changed":"20250101","name":"Lao Example Net","country":"LA","source":"APNIC"}
{"type":"ASN","asn":"64496","changed":"20250101","name":"LAONET-AS","organizationId":"LAONET-ORG","opaqueId":"LAO-HOLDER-1","source":"APNIC"}
{"type":"ASN","asn":65536,"name":"FAR-AS","org_id":"FAR-ORG","opaque_id":"","source":"APNIC"}
"#;
        let got: Vec<_> = as2org(text.as_bytes()).map(Result::unwrap).collect();
        assert_eq!(
            got,
            vec![
                org("LAONET-ORG", "Lao Example Net", "LA"),
                aut(64496, "LAONET-AS", "LAONET-ORG", Some("LAO-HOLDER-1")),
                aut(65536, "FAR-AS", "FAR-ORG", None),
            ]
        );
    }

    #[test]
    fn a_file_of_another_kind_is_refused_on_its_first_line() {
        let rir = "2|examplenic|1|0|19930101|20251231|+0700\n64496|x|y|z|w|v\n";
        let got: Vec<_> = as2org(rir.as_bytes()).collect();
        assert_eq!(got.len(), 1);
        let error = got[0].as_ref().unwrap_err();
        assert_eq!(error.at, Position::Line(1));
        assert!(
            error
                .message
                .contains("not a CAIDA AS-to-organisation file")
        );
    }

    #[test]
    fn rows_before_any_format_line_are_refused_and_stop_the_reading() {
        let commented_rir = "# a registry's comment\n2|examplenic|1|0|19930101|20251231|+0700\n";
        assert_eq!(
            errors(as2org(commented_rir.as_bytes())),
            vec!["line 2: a row before any `# format:` line: not a CAIDA AS-to-organisation file"]
        );
    }

    #[test]
    fn an_unknown_format_line_is_refused() {
        let found = errors(as2org("# format:a|b|c\n".as_bytes()));
        assert!(
            found[0].contains("unknown `# format:` line `a|b|c`"),
            "{found:?}"
        );
    }

    #[test]
    fn malformed_rows_are_named_and_reading_goes_on() {
        let text = "\
# format:org_id|changed|org_name|country|source
LAONET-ORG|20250101|Lao Example Net|LA|APNIC
BAD-ORG|20250101|Bad
BAD-ORG|20250101|Bad|Laos|APNIC
|20250101|No Id|LA|APNIC
# format:aut|changed|aut_name|org_id|opaque_id|source
AS64496|20250101|LAONET-AS|LAONET-ORG||APNIC
64497|20250101|LAONET-AS|LAONET-ORG
64498|20250101|LAONET-AS|LAONET-ORG||APNIC
";
        let got: Vec<_> = as2org(text.as_bytes()).collect();
        assert_eq!(got.len(), 7);
        assert_eq!(
            errors(got.clone().into_iter()),
            vec![
                "line 3: expected 5 fields (org_id|changed|org_name|country|source), found 3",
                "line 4: country `Laos` is not a two-letter code",
                "line 5: the org_id field is empty",
                "line 7: AS number `AS64496` is not a number from 0 to 4294967295",
                "line 8: expected 6 fields (aut|changed|aut_name|org_id|opaque_id|source), found 4",
            ]
        );
        assert_eq!(got[6], Ok(aut(64498, "LAONET-AS", "LAONET-ORG", None)));
    }

    #[test]
    fn a_bad_json_line_gives_serdes_column_and_message() {
        let text = "\
{\"type\":\"Organization\",\"organizationId\":\"LAONET-ORG\",\"name\":\"Lao\",\"country\":\"LA\"}
{\"type\":\"ASN\",\"asn\":\"64496\",\"name\":\"X\"}
{\"type\":\"Network\",\"asn\":\"64496\"}
{\"type\":\"ASN\",\"asn\":\"645x\",\"organizationId\":\"LAONET-ORG\"}
{\"type\":\"ASN\",\"asn\":64496,
";
        assert_eq!(
            errors(as2org(text.as_bytes())),
            vec![
                "line 2: missing field `organizationId`",
                "line 3: column 17: unknown variant `Network`, expected `Organization` or `ASN`",
                "line 4: AS number `645x` is not a number from 0 to 4294967295",
                "line 5: column 26: EOF while parsing a value",
            ]
        );
    }

    #[test]
    fn a_json_file_of_another_shape_stops_on_its_first_line() {
        let peeringdb = "{\"net\": {\"data\": []},\n\"ix\": {\"data\": []}}\n";
        let got: Vec<_> = as2org(peeringdb.as_bytes()).collect();
        assert_eq!(got.len(), 1);
        assert!(got[0].is_err());
    }

    const ASREL: &str = "\
# source:topology|BGP|20260101|example
# input clique: 64496 64497 65536
# IXP ASes: 64510 65550
64496|64500|-1|bgp
64500|65537|0|mlp
64501|64502|-1
";

    #[test]
    fn a_relationship_file_yields_its_lists_then_its_rows() {
        let got: Vec<_> = relationships(ASREL.as_bytes())
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            got,
            vec![
                AsRelRecord::Clique(vec![64496, 64497, 65536]),
                AsRelRecord::IxpAses(vec![64510, 65550]),
                AsRelRecord::Relationship(Relationship {
                    a: 64496,
                    b: 64500,
                    kind: RelationshipKind::ProviderToCustomer,
                }),
                AsRelRecord::Relationship(Relationship {
                    a: 64500,
                    b: 65537,
                    kind: RelationshipKind::Peers,
                }),
                AsRelRecord::Relationship(Relationship {
                    a: 64501,
                    b: 64502,
                    kind: RelationshipKind::ProviderToCustomer,
                }),
            ]
        );
    }

    #[test]
    fn a_relationship_row_of_another_shape_is_named_and_reading_goes_on() {
        let text = "\
64496|64500|-1|bgp
64496|64500
64496|64500|1|bgp
64496|64496|0|bgp
64496|4294967296|0|bgp
# IXP ASes: 64510 x
64496|64501|0|bgp
";
        let got: Vec<_> = relationships(text.as_bytes()).collect();
        assert_eq!(got.len(), 7);
        assert_eq!(
            errors(got.clone().into_iter()),
            vec![
                "line 2: expected `a|b|relationship|source`, found 2 fields",
                "line 3: relationship `1` is neither -1 (provider to customer) nor 0 (peers)",
                "line 4: AS64496 is related to itself",
                "line 5: AS number `4294967296` is not a number from 0 to 4294967295",
                "line 6: AS number `x` is not a number from 0 to 4294967295",
            ]
        );
        assert!(got[6].is_ok());
    }

    #[test]
    fn a_relationship_reader_refuses_a_file_of_another_kind_on_its_first_row() {
        let rir = "2|examplenic|1|0|19930101|20251231|+0700\n64496|64500|-1|bgp\n";
        let got: Vec<_> = relationships(rir.as_bytes()).collect();
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].as_ref().unwrap_err().to_string(),
            "line 1: expected `a|b|relationship|source`, found 7 fields"
        );
    }

    #[test]
    fn a_relationship_reader_refuses_an_as2org_file_at_its_format_line() {
        let got: Vec<_> = relationships(AS2ORG_TEXT.as_bytes()).collect();
        assert_eq!(got.len(), 1);
        let error = got[0].as_ref().unwrap_err();
        assert_eq!(error.at, Position::Line(3));
        assert!(error.message.contains("AS-to-organisation file"));
    }
}
