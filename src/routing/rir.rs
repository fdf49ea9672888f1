//! RIR delegation statistics: the `delegated-<rir>` and `delegated-<rir>-extended`
//! files each registry publishes, and the NRO's combined file.
//!
//! The format is pipe-separated text. Comments start with `#`; blank lines are ignored.
//! The first other line is the version line
//! `version|registry|serial|records|startdate|enddate|UTCoffset` (version `2` or `2.3`;
//! the NRO file says `nro` as its registry). Summary lines
//! `registry|*|type|*|count|summary` give the number of rows of each type, and each
//! row is `registry|cc|type|start|value|date|status[|opaque-id[|extensions]]`. RIPE
//! writes only the first seven fields for `available` and `reserved` space, and the NRO
//! file adds a source field after the opaque id; both are accepted.
//!
//! This module checks the file against itself (counts, number ranges, addresses) and
//! hands out the rows. Deciding which rows make an AS domestic belongs to the import.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::net::{Ipv4Addr, Ipv6Addr};

use chrono::NaiveDate;
use ipnet::Ipv6Net;

use super::{Lines, ParseError, shorten};

/// The version line at the top of the file: which registry wrote it, and the span of
/// dates its data covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RirHeader {
    /// The format version, `2` or `2.3`.
    pub version: String,
    /// The registry that wrote the file (`afrinic`, `apnic`, `arin`, `lacnic`,
    /// `ripencc`, or `nro` for the combined file).
    pub registry: String,
    /// The file's serial number, as written.
    pub serial: String,
    /// How many rows the file says it holds (summary lines and comments excluded).
    pub records: u64,
    /// The earliest date in the data; `None` when the file writes `00000000`.
    pub start_date: Option<NaiveDate>,
    /// The latest date in the data; `None` when the file writes `00000000`.
    pub end_date: Option<NaiveDate>,
    /// The registry's offset from UTC as written, e.g. `+1000`.
    pub utc_offset: String,
}

/// What the registry says about a block of numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Allocated to a local registry or provider.
    Allocated,
    /// Assigned to an end user.
    Assigned,
    /// Held by the registry, free to hand out.
    Available,
    /// Held back by the registry.
    Reserved,
    /// Any other word a registry uses (for example the NRO's `ianapool`), lower case.
    Other(String),
}

impl Status {
    fn parse(raw: &str) -> Option<Self> {
        let word = raw.trim().to_ascii_lowercase();
        match word.as_str() {
            "" => None,
            "allocated" => Some(Self::Allocated),
            "assigned" => Some(Self::Assigned),
            "available" => Some(Self::Available),
            "reserved" => Some(Self::Reserved),
            _ => Some(Self::Other(word)),
        }
    }

    /// Whether the numbers are in someone's hands (allocated or assigned).
    pub fn is_delegated(&self) -> bool {
        matches!(self, Self::Allocated | Self::Assigned)
    }

    /// The word as registries write it, lower case.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Allocated => "allocated",
            Self::Assigned => "assigned",
            Self::Available => "available",
            Self::Reserved => "reserved",
            Self::Other(word) => word,
        }
    }
}

/// The fields every row shares besides its numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The country the holder registered, two upper-case letters; `ZZ` or empty for
    /// space nobody holds.
    pub cc: String,
    /// What the registry says about the numbers.
    pub status: Status,
    /// The registry's opaque id of the holder, the same for all of one holder's rows in
    /// the extended files; `None` when the row has none.
    pub opaque_id: Option<String>,
}

/// A row of consecutive AS numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsnRange {
    /// The first AS number of the range.
    pub first: u32,
    /// How many AS numbers the range holds (at least 1).
    pub count: u32,
    /// Country, status and holder.
    pub holding: Holding,
}

impl AsnRange {
    /// The last AS number of the range.
    pub fn last(&self) -> u32 {
        // `records` only builds ranges whose end fits in a u32; saturating keeps a range
        // built by hand from wrapping around.
        self.first.saturating_add(self.count.saturating_sub(1))
    }
}

/// A row of consecutive IPv4 addresses (not always a single prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Range {
    /// The first address.
    pub start: Ipv4Addr,
    /// How many addresses the row holds (at least 1).
    pub count: u64,
    /// Country, status and holder.
    pub holding: Holding,
}

/// A row holding one IPv6 prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Range {
    /// The prefix, with no bits set past its length.
    pub prefix: Ipv6Net,
    /// Country, status and holder.
    pub holding: Holding,
}

/// One thing read from an RIR statistics file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RirRecord {
    /// The version line; always the first record of a file.
    Header(RirHeader),
    /// An `asn` row.
    Asn(AsnRange),
    /// An `ipv4` row.
    Ipv4(Ipv4Range),
    /// An `ipv6` row.
    Ipv6(Ipv6Range),
}

/// The three row types, in the order summaries are reported.
const TYPES: [&str; 3] = ["asn", "ipv4", "ipv6"];

/// Reads an RIR statistics file as it streams.
///
/// The first item is the [`RirRecord::Header`], or an error if the file does not start
/// with a version line (it is then not an RIR statistics file, and nothing follows). A
/// malformed row yields an error for that row and reading goes on; at the end of the
/// file one error follows for each count (version line or summary) that disagrees with
/// the rows read.
pub fn records<R: BufRead>(reader: R) -> RirRecords<R> {
    RirRecords {
        lines: Lines::new(reader),
        header: None,
        summaries: BTreeMap::new(),
        rows: 0,
        rows_by_type: BTreeMap::new(),
        finished: false,
        end_errors: Vec::new(),
    }
}

/// The iterator [`records`] returns.
pub struct RirRecords<R> {
    lines: Lines<R>,
    header: Option<u64>,
    summaries: BTreeMap<&'static str, u64>,
    rows: u64,
    rows_by_type: BTreeMap<&'static str, u64>,
    finished: bool,
    end_errors: Vec<ParseError>,
}

impl<R: BufRead> Iterator for RirRecords<R> {
    type Item = Result<RirRecord, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.finished {
                return self.end_errors.pop().map(Err);
            }
            let (number, line) = match self.lines.next_line() {
                None => {
                    self.finish();
                    continue;
                }
                Some(Err(error)) => {
                    self.finished = true;
                    return Some(Err(error));
                }
                Some(Ok(read)) => read,
            };
            let text = line.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = text.split('|').map(str::trim).collect();
            if self.header.is_none() {
                return Some(match parse_header(&fields) {
                    Ok(header) => {
                        self.header = Some(header.records);
                        Ok(RirRecord::Header(header))
                    }
                    Err(message) => {
                        self.finished = true;
                        Err(ParseError::at_line(number, message))
                    }
                });
            }
            if fields.len() == 6 && fields[5] == "summary" {
                match self.summary(&fields) {
                    Ok(()) => continue,
                    Err(message) => return Some(Err(ParseError::at_line(number, message))),
                }
            }
            self.rows += 1;
            if let Some(kind) = fields.get(2).and_then(|t| TYPES.iter().find(|k| *k == t)) {
                *self.rows_by_type.entry(kind).or_default() += 1;
            }
            return Some(
                parse_row(&fields).map_err(|message| ParseError::at_line(number, message)),
            );
        }
    }
}

impl<R: BufRead> RirRecords<R> {
    /// Records a summary line's count, refusing an unknown type or a second summary.
    fn summary(&mut self, fields: &[&str]) -> Result<(), String> {
        let kind = TYPES
            .iter()
            .find(|k| **k == fields[2])
            .ok_or_else(|| format!("summary for unknown type `{}`", fields[2]))?;
        let count: u64 = fields[4]
            .parse()
            .map_err(|_| format!("summary count `{}` is not a number", fields[4]))?;
        if self.summaries.insert(kind, count).is_some() {
            return Err(format!("a second summary line for {kind}"));
        }
        Ok(())
    }

    /// At the end of the file: compare the counts the file announced with the rows read.
    fn finish(&mut self) {
        self.finished = true;
        let at = self.lines.number().max(1);
        let Some(announced) = self.header else {
            self.end_errors.push(ParseError::at_line(
                at,
                "no version line: this is not an RIR statistics file",
            ));
            return;
        };
        let mut errors = Vec::new();
        if announced != self.rows {
            errors.push(ParseError::at_line(
                at,
                format!("version line says {announced} records, found {}", self.rows),
            ));
        }
        for (kind, said) in &self.summaries {
            let found = self.rows_by_type.get(kind).copied().unwrap_or(0);
            if *said != found {
                errors.push(ParseError::at_line(
                    at,
                    format!("summary says {said} {kind} records, found {found}"),
                ));
            }
        }
        errors.reverse();
        self.end_errors = errors;
    }
}

/// Parses the version line, or says why the line is not one.
fn parse_header(fields: &[&str]) -> Result<RirHeader, String> {
    let shape =
        "the first line should be `version|registry|serial|records|startdate|enddate|UTCoffset`";
    if fields.len() != 7 {
        return Err(format!(
            "not an RIR statistics file: {shape}, found {} fields",
            fields.len()
        ));
    }
    let version = fields[0];
    if version != "2" && version != "2.3" {
        return Err(format!(
            "not an RIR statistics file of version 2 or 2.3: {shape}, found version `{}`",
            shorten(version)
        ));
    }
    let records = fields[3].parse().map_err(|_| {
        format!(
            "version line: record count `{}` is not a number",
            shorten(fields[3])
        )
    })?;
    Ok(RirHeader {
        version: version.to_string(),
        registry: fields[1].to_string(),
        serial: fields[2].to_string(),
        records,
        start_date: parse_date(fields[4])?,
        end_date: parse_date(fields[5])?,
        utc_offset: fields[6].to_string(),
    })
}

/// Parses a `YYYYMMDD` date; `00000000` means none.
fn parse_date(raw: &str) -> Result<Option<NaiveDate>, String> {
    if raw == "00000000" {
        return Ok(None);
    }
    if raw.len() != 8 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "version line: date `{}` is not YYYYMMDD",
            shorten(raw)
        ));
    }
    NaiveDate::parse_from_str(raw, "%Y%m%d")
        .map(Some)
        .map_err(|_| format!("version line: `{raw}` is not a calendar date"))
}

/// Parses a row `registry|cc|type|start|value|date|status[|opaque-id[|…]]`.
fn parse_row(fields: &[&str]) -> Result<RirRecord, String> {
    if fields.len() < 7 {
        return Err(format!(
            "expected at least 7 fields (registry|cc|type|start|value|date|status), found {}",
            fields.len()
        ));
    }
    let cc = fields[1];
    if !(cc.is_empty() || (cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_uppercase()))) {
        return Err(format!(
            "country code `{}` is not two capital letters",
            shorten(cc)
        ));
    }
    let status = Status::parse(fields[6]).ok_or("the status field is empty")?;
    let holding = Holding {
        cc: cc.to_string(),
        status,
        opaque_id: fields
            .get(7)
            .filter(|id| !id.is_empty())
            .map(|id| id.to_string()),
    };
    let (start, value) = (fields[3], fields[4]);
    match fields[2] {
        "asn" => {
            let first: u32 = start.parse().map_err(|_| {
                format!(
                    "AS number `{}` is not a number from 0 to 4294967295",
                    shorten(start)
                )
            })?;
            let count: u32 = value.parse().ok().filter(|c| *c > 0).ok_or_else(|| {
                format!(
                    "AS count `{}` is not a number from 1 to 4294967295",
                    shorten(value)
                )
            })?;
            if first.checked_add(count - 1).is_none() {
                return Err(format!(
                    "AS range starting at {first} with {count} numbers runs past 4294967295"
                ));
            }
            Ok(RirRecord::Asn(AsnRange {
                first,
                count,
                holding,
            }))
        }
        "ipv4" => {
            let address: Ipv4Addr = start
                .parse()
                .map_err(|_| format!("`{}` is not an IPv4 address", shorten(start)))?;
            let count: u64 = value.parse().ok().filter(|c| *c > 0).ok_or_else(|| {
                format!(
                    "address count `{}` is not a positive number",
                    shorten(value)
                )
            })?;
            if count > (1 << 32) - u64::from(u32::from(address)) {
                return Err(format!(
                    "IPv4 range starting at {address} with {count} addresses runs past 255.255.255.255"
                ));
            }
            Ok(RirRecord::Ipv4(Ipv4Range {
                start: address,
                count,
                holding,
            }))
        }
        "ipv6" => {
            let address: Ipv6Addr = start
                .parse()
                .map_err(|_| format!("`{}` is not an IPv6 address", shorten(start)))?;
            let prefix = value
                .parse::<u8>()
                .ok()
                .and_then(|len| Ipv6Net::new(address, len).ok())
                .ok_or_else(|| {
                    format!(
                        "IPv6 prefix length `{}` is not a number from 0 to 128",
                        shorten(value)
                    )
                })?;
            if prefix.trunc().addr() != address {
                return Err(format!(
                    "{address}/{} has bits set past its prefix length",
                    prefix.prefix_len()
                ));
            }
            Ok(RirRecord::Ipv6(Ipv6Range { prefix, holding }))
        }
        other => Err(format!(
            "unknown row type `{}` (expected asn, ipv4 or ipv6)",
            shorten(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Result<RirRecord, ParseError>> {
        records(text.as_bytes()).collect()
    }

    fn errors(text: &str) -> Vec<String> {
        read(text)
            .into_iter()
            .filter_map(Result::err)
            .map(|e| e.to_string())
            .collect()
    }

    fn holding(cc: &str, status: Status, opaque_id: Option<&str>) -> Holding {
        Holding {
            cc: cc.into(),
            status,
            opaque_id: opaque_id.map(Into::into),
        }
    }

    const EXTENDED: &str = "\
# Statistics of a made-up registry
#
2.3|examplenic|20260101|5|19930101|20251231|+0700
examplenic|*|asn|*|2|summary
examplenic|*|ipv4|*|2|summary
examplenic|*|ipv6|*|1|summary

examplenic|LA|asn|64496|2|20200101|allocated|LAO-HOLDER-1
examplenic|TH|asn|65536|16|20200102|assigned|TH-HOLDER-2|e-stats
examplenic|LA|ipv4|192.0.2.0|256|20200103|allocated|LAO-HOLDER-1
examplenic|ZZ|ipv4|198.51.100.0|128||available
examplenic|LA|ipv6|2001:db8::|32|20200104|assigned|LAO-HOLDER-1
";

    #[test]
    fn an_extended_file_yields_its_header_then_every_row() {
        let got: Vec<RirRecord> = read(EXTENDED).into_iter().map(Result::unwrap).collect();
        assert_eq!(
            got,
            vec![
                RirRecord::Header(RirHeader {
                    version: "2.3".into(),
                    registry: "examplenic".into(),
                    serial: "20260101".into(),
                    records: 5,
                    start_date: NaiveDate::from_ymd_opt(1993, 1, 1),
                    end_date: NaiveDate::from_ymd_opt(2025, 12, 31),
                    utc_offset: "+0700".into(),
                }),
                RirRecord::Asn(AsnRange {
                    first: 64496,
                    count: 2,
                    holding: holding("LA", Status::Allocated, Some("LAO-HOLDER-1")),
                }),
                RirRecord::Asn(AsnRange {
                    first: 65536,
                    count: 16,
                    holding: holding("TH", Status::Assigned, Some("TH-HOLDER-2")),
                }),
                RirRecord::Ipv4(Ipv4Range {
                    start: Ipv4Addr::new(192, 0, 2, 0),
                    count: 256,
                    holding: holding("LA", Status::Allocated, Some("LAO-HOLDER-1")),
                }),
                RirRecord::Ipv4(Ipv4Range {
                    start: Ipv4Addr::new(198, 51, 100, 0),
                    count: 128,
                    holding: holding("ZZ", Status::Available, None),
                }),
                RirRecord::Ipv6(Ipv6Range {
                    prefix: "2001:db8::/32".parse().unwrap(),
                    holding: holding("LA", Status::Assigned, Some("LAO-HOLDER-1")),
                }),
            ]
        );
    }

    #[test]
    fn the_nro_file_with_its_source_field_and_empty_dates_is_read() {
        let text = "\
2|nro|20260101|2|00000000|00000000|+0000
nro|*|asn|*|1|summary
examplenic|LA|asn|64500|1|20200101|assigned|LAO-HOLDER-1|e-stats
examplenic||ipv4|203.0.113.0|256||ianapool|
";
        let got: Vec<RirRecord> = read(text).into_iter().map(Result::unwrap).collect();
        let RirRecord::Header(header) = &got[0] else {
            panic!("first record is not the header");
        };
        assert_eq!(header.registry, "nro");
        assert_eq!((header.start_date, header.end_date), (None, None));
        assert_eq!(
            got[2],
            RirRecord::Ipv4(Ipv4Range {
                start: Ipv4Addr::new(203, 0, 113, 0),
                count: 256,
                holding: holding("", Status::Other("ianapool".into()), None),
            })
        );
    }

    #[test]
    fn only_allocated_and_assigned_count_as_delegated() {
        assert!(Status::Allocated.is_delegated());
        assert!(Status::Assigned.is_delegated());
        assert!(!Status::Available.is_delegated());
        assert!(!Status::Reserved.is_delegated());
        assert!(!Status::Other("ianapool".into()).is_delegated());
    }

    #[test]
    fn a_file_of_another_kind_fails_on_its_first_line_and_stops() {
        let got = read("org_id|changed|org_name|country|source\nmore|lines\n");
        assert_eq!(got.len(), 1);
        let error = got[0].as_ref().unwrap_err();
        assert_eq!(error.at, crate::routing::Position::Line(1));
        assert!(
            error.message.contains("not an RIR statistics file"),
            "{error}"
        );
    }

    #[test]
    fn an_unsupported_version_is_refused() {
        let message = &errors("3|examplenic|1|0|19930101|20251231|+0700\n")[0];
        assert!(message.contains("version `3`"), "{message}");
    }

    #[test]
    fn an_empty_file_has_no_version_line() {
        assert_eq!(
            errors("# only a comment\n"),
            vec!["line 1: no version line: this is not an RIR statistics file"]
        );
    }

    #[test]
    fn a_version_count_that_disagrees_with_the_rows_is_reported_at_the_end() {
        let text = "\
2|examplenic|1|3|19930101|20251231|+0700
examplenic|LA|asn|64496|1|20200101|allocated
examplenic|LA|asn|64497|1|20200101|allocated
";
        assert_eq!(
            errors(text),
            vec!["line 3: version line says 3 records, found 2"]
        );
    }

    #[test]
    fn a_summary_count_that_disagrees_with_the_rows_is_reported_at_the_end() {
        let text = "\
2|examplenic|1|2|19930101|20251231|+0700
examplenic|*|asn|*|3|summary
examplenic|*|ipv4|*|0|summary
examplenic|LA|asn|64496|1|20200101|allocated
examplenic|LA|asn|64497|1|20200101|allocated
";
        assert_eq!(
            errors(text),
            vec!["line 5: summary says 3 asn records, found 2",]
        );
    }

    #[test]
    fn a_malformed_row_is_reported_and_counted_and_reading_goes_on() {
        let text = "\
2|examplenic|1|2|19930101|20251231|+0700
examplenic|LA|asn|64496
examplenic|LA|asn|64497|1|20200101|allocated
";
        let got = read(text);
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[1].as_ref().unwrap_err().to_string(),
            "line 2: expected at least 7 fields (registry|cc|type|start|value|date|status), found 4"
        );
        assert!(got[2].is_ok());
    }

    #[test]
    fn bad_numbers_and_addresses_in_rows_are_named() {
        let cases = [
            (
                "examplenic|LA|asn|AS64496|1|20200101|allocated",
                "AS number `AS64496`",
            ),
            (
                "examplenic|LA|asn|64496|0|20200101|allocated",
                "AS count `0`",
            ),
            (
                "examplenic|LA|ipv4|192.0.2|256|20200101|allocated",
                "`192.0.2` is not an IPv4",
            ),
            (
                "examplenic|LA|ipv4|192.0.2.0|-1|20200101|allocated",
                "address count `-1`",
            ),
            (
                "examplenic|LA|ipv6|2001:db8::g|32|20200101|allocated",
                "`2001:db8::g` is not an IPv6",
            ),
            (
                "examplenic|LA|ipv6|2001:db8::|129|20200101|allocated",
                "prefix length `129`",
            ),
            (
                "examplenic|LA|ipv6|2001:db8::1|32|20200101|allocated",
                "bits set past",
            ),
            (
                "examplenic|Lao|asn|64496|1|20200101|allocated",
                "country code `Lao`",
            ),
            (
                "examplenic|LA|asn|64496|1|20200101|",
                "status field is empty",
            ),
            (
                "examplenic|LA|ip|1|1|20200101|allocated",
                "unknown row type `ip`",
            ),
        ];
        for (row, expected) in cases {
            let text = format!("2|examplenic|1|1|19930101|20251231|+0700\n{row}\n");
            let found = errors(&text);
            assert_eq!(found.len(), 1, "{row}: {found:?}");
            assert!(found[0].starts_with("line 2: "), "{}", found[0]);
            assert!(found[0].contains(expected), "{row}: {}", found[0]);
        }
    }

    #[test]
    fn an_asn_range_running_past_the_largest_as_number_is_refused() {
        let fits = "2|examplenic|1|1|19930101|20251231|+0700\n\
                    examplenic|ZZ|asn|4294967294|2||reserved\n";
        let got: Vec<_> = read(fits).into_iter().map(Result::unwrap).collect();
        let RirRecord::Asn(range) = &got[1] else {
            panic!("not an asn row");
        };
        assert_eq!(range.last(), u32::MAX);

        let overflows = "2|examplenic|1|1|19930101|20251231|+0700\n\
                         examplenic|ZZ|asn|4294967295|2||reserved\n";
        assert_eq!(
            errors(overflows),
            vec!["line 2: AS range starting at 4294967295 with 2 numbers runs past 4294967295"]
        );
    }

    #[test]
    fn an_ipv4_range_running_past_the_last_address_is_refused() {
        let text = "2|examplenic|1|1|19930101|20251231|+0700\n\
                    examplenic|ZZ|ipv4|255.255.255.0|257||reserved\n";
        assert!(errors(text)[0].contains("runs past 255.255.255.255"));
        let huge = "2|examplenic|1|1|19930101|20251231|+0700\n\
                    examplenic|ZZ|ipv4|192.0.2.0|18446744073709551615||reserved\n";
        assert!(errors(huge)[0].contains("runs past 255.255.255.255"));
    }

    #[test]
    fn a_bad_date_on_the_version_line_is_refused() {
        let message = &errors("2|examplenic|1|0|19931301|20251231|+0700\n")[0];
        assert!(
            message.contains("`19931301` is not a calendar date"),
            "{message}"
        );
    }

    #[test]
    fn a_summary_of_an_unknown_type_or_count_is_refused() {
        let text = "2|examplenic|1|0|19930101|20251231|+0700\n\
                    examplenic|*|asn32|*|0|summary\n\
                    examplenic|*|ipv4|*|many|summary\n";
        assert_eq!(
            errors(text),
            vec![
                "line 2: summary for unknown type `asn32`",
                "line 3: summary count `many` is not a number",
            ]
        );
    }

    #[test]
    fn a_second_summary_for_one_type_is_refused() {
        let text = "2|examplenic|1|0|19930101|20251231|+0700\n\
                    examplenic|*|asn|*|0|summary\n\
                    examplenic|*|asn|*|0|summary\n";
        assert_eq!(errors(text), vec!["line 3: a second summary line for asn"]);
    }
}
