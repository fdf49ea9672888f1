//! PeeringDB dumps: which networks are present at which exchanges, and which AS
//! numbers are exchanges' route servers.
//!
//! Two shapes are accepted. A whole dump is one JSON object with the keys `net`, `ix`,
//! `ixlan`, `netixlan`, `fac` and `netfac`, each `{"data": […]}` (other keys, such as
//! `org` or `poc`, are ignored). A file of one object type is `{"data": […]}` at the
//! top; each object's type is told by the fields it carries (see [`records`]).
//!
//! JSON is a tree, so the file is read whole with `serde_json`, but only into structs
//! that keep the few fields listed below; everything else is skipped as it streams by.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read};

use serde::{Deserialize, Deserializer};

use super::{ParseError, Position, json_message};

/// A network (`net`): one AS number as PeeringDB lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    /// PeeringDB's id of the network, which presences refer to.
    pub id: u32,
    /// Its AS number.
    pub asn: u32,
    /// Its name.
    pub name: String,
    /// What kind of network it says it is (`NSP`, `Content`, `Route Server`, …): the
    /// older single `info_type` and the newer `info_types` list together.
    pub info_types: Vec<String>,
}

/// An exchange (`ix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// PeeringDB's id of the exchange.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// The country it is in, as PeeringDB writes it (two letters).
    pub country: String,
}

/// A facility (`fac`): a building networks are present in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facility {
    /// PeeringDB's id of the facility.
    pub id: u32,
    /// The country it is in, as PeeringDB writes it (two letters).
    pub country: String,
}

/// A network's port at an exchange (`netixlan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presence {
    /// The AS number the port uses.
    pub asn: u32,
    /// The [`Network`] it belongs to.
    pub net_id: u32,
    /// The [`Exchange`] it is at.
    pub ix_id: u32,
}

/// A network's presence in a facility (`netfac`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FacilityPresence {
    /// The [`Network`] present.
    pub net_id: u32,
    /// The [`Facility`] it is present in.
    pub fac_id: u32,
}

/// One thing read from a PeeringDB file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeeringDbRecord {
    /// A network.
    Network(Network),
    /// An exchange.
    Exchange(Exchange),
    /// A facility.
    Facility(Facility),
    /// An AS number that is an exchange's route server: a network whose type is
    /// "Route Server", or an exchange LAN's `rs_asn`. Each number is given once per file.
    RouteServer(u32),
    /// A network at an exchange.
    Presence(Presence),
    /// A network in a facility.
    FacilityPresence(FacilityPresence),
}

/// The `info_type` PeeringDB gives route servers.
const ROUTE_SERVER: &str = "Route Server";

/// The keys a whole dump must hold.
const DUMP_KEYS: [&str; 6] = ["net", "ix", "ixlan", "netixlan", "fac", "netfac"];

/// Reads a PeeringDB file: a whole dump, or a file of one object type.
///
/// The file is read on the first call to `next`. Records come in this order: networks,
/// exchanges, facilities, route-server AS numbers (ascending), presences at exchanges,
/// presences in facilities. A file that is not JSON, is cut short, or lacks a key or
/// field this reader needs yields one error (with serde's line and column where it has
/// them) and nothing more. A presence whose exchange cannot be found (no `ix_id`, and
/// its `ixlan_id` is not in the file) yields an error for that presence alone.
///
/// In a file of one object type, each object of `data` is told apart by its fields:
/// `net_id` with `fac_id` is a netfac; `net_id` with `ixlan_id` or `ix_id` a netixlan;
/// `asn` without `net_id` a net; `ix_id` without `net_id` an ixlan; `fac_count`,
/// `proto_unicast` or `media` an ix; `ix_count`, `address1`, `latitude` or `clli` a fac.
pub fn records<R: BufRead>(reader: R) -> PeeringDbRecords<R> {
    PeeringDbRecords {
        reader: Some(reader),
        ready: Vec::new().into_iter(),
    }
}

/// The iterator [`records`] returns.
pub struct PeeringDbRecords<R> {
    reader: Option<R>,
    ready: std::vec::IntoIter<Result<PeeringDbRecord, ParseError>>,
}

impl<R: BufRead> Iterator for PeeringDbRecords<R> {
    type Item = Result<PeeringDbRecord, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(reader) = self.reader.take() {
            self.ready = read_file(reader).into_iter();
        }
        self.ready.next()
    }
}

/// `{"data": […]}`, the wrapper around every object list.
#[derive(Deserialize)]
struct Table<T> {
    data: Vec<T>,
}

/// The top of a PeeringDB file, either shape.
#[derive(Deserialize)]
struct Top {
    net: Option<Table<Net>>,
    ix: Option<Table<Ix>>,
    ixlan: Option<Table<IxLan>>,
    netixlan: Option<Table<NetIxLan>>,
    fac: Option<Table<Fac>>,
    netfac: Option<Table<NetFac>>,
    data: Option<Vec<AnyObject>>,
}

#[derive(Deserialize)]
struct Net {
    id: u32,
    asn: u32,
    name: String,
    info_type: Option<String>,
    info_types: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Ix {
    id: u32,
    name: String,
    country: String,
}

#[derive(Deserialize)]
struct IxLan {
    id: u32,
    ix_id: u32,
    rs_asn: Option<u32>,
}

#[derive(Deserialize)]
struct NetIxLan {
    net_id: u32,
    ix_id: Option<u32>,
    ixlan_id: Option<u32>,
    asn: u32,
}

#[derive(Deserialize)]
struct Fac {
    id: u32,
    country: String,
}

#[derive(Deserialize)]
struct NetFac {
    net_id: u32,
    fac_id: u32,
}

/// An object of a one-type file: every field any kind needs, plus the fields that
/// tell an exchange from a facility.
#[derive(Deserialize)]
struct AnyObject {
    id: Option<u32>,
    asn: Option<u32>,
    name: Option<String>,
    country: Option<String>,
    info_type: Option<String>,
    info_types: Option<Vec<String>>,
    net_id: Option<u32>,
    ix_id: Option<u32>,
    ixlan_id: Option<u32>,
    fac_id: Option<u32>,
    rs_asn: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    fac_count: bool,
    #[serde(default, deserialize_with = "present")]
    proto_unicast: bool,
    #[serde(default, deserialize_with = "present")]
    media: bool,
    #[serde(default, deserialize_with = "present")]
    ix_count: bool,
    #[serde(default, deserialize_with = "present")]
    address1: bool,
    #[serde(default, deserialize_with = "present")]
    latitude: bool,
    #[serde(default, deserialize_with = "present")]
    clli: bool,
}

/// True for a field that is there, whatever its value (even `null`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(deserializer).map(|_| true)
}

/// The objects of a file, by type.
#[derive(Default)]
struct Tables {
    nets: Vec<Net>,
    ixes: Vec<Ix>,
    ixlans: Vec<IxLan>,
    netixlans: Vec<NetIxLan>,
    facs: Vec<Fac>,
    netfacs: Vec<NetFac>,
}

/// Counts the lines a reader passes on, so that problems found after parsing can be
/// placed at the end of the file.
struct CountingReader<R> {
    inner: R,
    newlines: u64,
    ends_with_newline: bool,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        let filled = buf.get(..read).unwrap_or_default();
        if let Some(last) = filled.last() {
            self.newlines += filled.iter().filter(|b| **b == b'\n').count() as u64;
            self.ends_with_newline = *last == b'\n';
        }
        Ok(read)
    }
}

impl<R> CountingReader<R> {
    /// The number of the file's last line.
    fn last_line(&self) -> u64 {
        (self.newlines + u64::from(!self.ends_with_newline)).max(1)
    }
}

/// Reads and checks the whole file, then lists its records.
fn read_file<R: BufRead>(reader: R) -> Vec<Result<PeeringDbRecord, ParseError>> {
    let mut counting = CountingReader {
        inner: reader,
        newlines: 0,
        ends_with_newline: false,
    };
    if let Err(error) = starts_with_object(&mut counting) {
        return vec![Err(error)];
    }
    let top: Top = match serde_json::from_reader(&mut counting) {
        Ok(top) => top,
        Err(error) => return vec![Err(json_error(&error))],
    };
    let end = counting.last_line();
    match tables(top) {
        Ok(tables) => to_records(tables, end),
        Err(message) => vec![Err(ParseError::at_line(end, message))],
    }
}

/// Skips the whitespace at the start of the file and checks that a JSON object follows,
/// so that an array, a bare value or a text file is refused on its first line.
fn starts_with_object<R: BufRead>(reader: &mut CountingReader<R>) -> Result<(), ParseError> {
    loop {
        let line = reader.newlines + 1;
        let buffer = reader.inner.fill_buf().map_err(|error| {
            ParseError::at_line(line, format!("could not read the file: {error}"))
        })?;
        let Some(first) = buffer.first().copied() else {
            return Err(ParseError::at_line(
                line,
                "the file is empty: not a PeeringDB file",
            ));
        };
        match first {
            b'{' => return Ok(()),
            b' ' | b'\t' | b'\r' | b'\n' => {
                if first == b'\n' {
                    reader.newlines += 1;
                }
                reader.inner.consume(1);
            }
            _ => {
                return Err(ParseError::at_line(
                    line,
                    "not a PeeringDB file: it should be a JSON object, starting with `{`",
                ));
            }
        }
    }
}

/// serde's error, placed at its line with its column in the message.
fn json_error(error: &serde_json::Error) -> ParseError {
    let message = json_message(error);
    let message = if error.is_eof() {
        format!("{message} (the file ends too early)")
    } else {
        message
    };
    ParseError::at_line(error.line().max(1) as u64, message)
}

/// Sorts the top of the file into tables, refusing a file of neither shape.
fn tables(top: Top) -> Result<Tables, String> {
    let present = [
        top.net.is_some(),
        top.ix.is_some(),
        top.ixlan.is_some(),
        top.netixlan.is_some(),
        top.fac.is_some(),
        top.netfac.is_some(),
    ];
    if present.iter().any(|p| *p) {
        let missing: Vec<String> = DUMP_KEYS
            .iter()
            .zip(present)
            .filter(|(_, p)| !p)
            .map(|(key, _)| format!("`{key}`"))
            .collect();
        return match (
            top.net,
            top.ix,
            top.ixlan,
            top.netixlan,
            top.fac,
            top.netfac,
        ) {
            (Some(net), Some(ix), Some(ixlan), Some(netixlan), Some(fac), Some(netfac)) => {
                Ok(Tables {
                    nets: net.data,
                    ixes: ix.data,
                    ixlans: ixlan.data,
                    netixlans: netixlan.data,
                    facs: fac.data,
                    netfacs: netfac.data,
                })
            }
            _ => Err(format!(
                "this PeeringDB dump has no {} list",
                missing.join(", ")
            )),
        };
    }
    let Some(objects) = top.data else {
        return Err(
            "not a PeeringDB file: it has neither the keys net, ix, ixlan, netixlan, fac and netfac nor a `data` list"
                .to_string(),
        );
    };
    let mut tables = Tables::default();
    for (index, object) in objects.into_iter().enumerate() {
        sort_object(&mut tables, object).map_err(|message| format!("data[{index}]: {message}"))?;
    }
    Ok(tables)
}

/// Tells an object of a one-type file by its fields and files it in its table.
fn sort_object(tables: &mut Tables, object: AnyObject) -> Result<(), String> {
    let AnyObject {
        id,
        asn,
        name,
        country,
        info_type,
        info_types,
        net_id,
        ix_id,
        ixlan_id,
        fac_id,
        rs_asn,
        ..
    } = object;
    if let (Some(net_id), Some(fac_id)) = (net_id, fac_id) {
        tables.netfacs.push(NetFac { net_id, fac_id });
    } else if let Some(net_id) = net_id.filter(|_| ix_id.is_some() || ixlan_id.is_some()) {
        tables.netixlans.push(NetIxLan {
            net_id,
            ix_id,
            ixlan_id,
            asn: need(asn, "netixlan", "asn")?,
        });
    } else if net_id.is_some() {
        return Err("an object with `net_id` but neither `fac_id` nor `ixlan_id`".to_string());
    } else if let Some(asn) = asn {
        tables.nets.push(Net {
            id: need(id, "net", "id")?,
            asn,
            name: need(name, "net", "name")?,
            info_type,
            info_types,
        });
    } else if let Some(ix_id) = ix_id {
        tables.ixlans.push(IxLan {
            id: need(id, "ixlan", "id")?,
            ix_id,
            rs_asn,
        });
    } else if object.fac_count || object.proto_unicast || object.media {
        tables.ixes.push(Ix {
            id: need(id, "ix", "id")?,
            name: need(name, "ix", "name")?,
            country: need(country, "ix", "country")?,
        });
    } else if object.ix_count || object.address1 || object.latitude || object.clli {
        tables.facs.push(Fac {
            id: need(id, "fac", "id")?,
            country: need(country, "fac", "country")?,
        });
    } else {
        return Err("not a PeeringDB net, ix, ixlan, netixlan, fac or netfac object".to_string());
    }
    Ok(())
}

/// A field an object of the given kind must have.
fn need<T>(value: Option<T>, kind: &str, field: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("this {kind} object has no `{field}`"))
}

/// Lists the records of the tables, resolving each presence's exchange.
fn to_records(tables: Tables, end: u64) -> Vec<Result<PeeringDbRecord, ParseError>> {
    let mut route_servers = BTreeSet::new();
    let mut out = Vec::new();
    for net in tables.nets {
        let mut info_types: Vec<String> = net.info_type.into_iter().collect();
        for kind in net.info_types.into_iter().flatten() {
            if !info_types.contains(&kind) {
                info_types.push(kind);
            }
        }
        info_types.retain(|kind| !kind.is_empty());
        if info_types.iter().any(|kind| kind == ROUTE_SERVER) {
            route_servers.insert(net.asn);
        }
        out.push(Ok(PeeringDbRecord::Network(Network {
            id: net.id,
            asn: net.asn,
            name: net.name,
            info_types,
        })));
    }
    out.extend(tables.ixes.into_iter().map(|ix| {
        Ok(PeeringDbRecord::Exchange(Exchange {
            id: ix.id,
            name: ix.name,
            country: ix.country,
        }))
    }));
    out.extend(tables.facs.into_iter().map(|fac| {
        Ok(PeeringDbRecord::Facility(Facility {
            id: fac.id,
            country: fac.country,
        }))
    }));
    let exchange_of: BTreeMap<u32, u32> = tables
        .ixlans
        .iter()
        .map(|ixlan| (ixlan.id, ixlan.ix_id))
        .collect();
    route_servers.extend(tables.ixlans.iter().filter_map(|ixlan| ixlan.rs_asn));
    out.extend(
        route_servers
            .into_iter()
            .map(|asn| Ok(PeeringDbRecord::RouteServer(asn))),
    );
    for netixlan in tables.netixlans {
        let ix_id = netixlan.ix_id.or_else(|| {
            netixlan
                .ixlan_id
                .and_then(|id| exchange_of.get(&id).copied())
        });
        out.push(match ix_id {
            Some(ix_id) => Ok(PeeringDbRecord::Presence(Presence {
                asn: netixlan.asn,
                net_id: netixlan.net_id,
                ix_id,
            })),
            None => Err(ParseError {
                at: Position::Line(end),
                message: format!(
                    "the netixlan of AS{} (net {}) has no ix_id, and its ixlan_id {} is not in the file",
                    netixlan.asn,
                    netixlan.net_id,
                    netixlan
                        .ixlan_id
                        .map_or_else(|| "(none)".to_string(), |id| id.to_string())
                ),
            }),
        });
    }
    out.extend(tables.netfacs.into_iter().map(|netfac| {
        Ok(PeeringDbRecord::FacilityPresence(FacilityPresence {
            net_id: netfac.net_id,
            fac_id: netfac.fac_id,
        }))
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Result<PeeringDbRecord, ParseError>> {
        records(text.as_bytes()).collect()
    }

    fn only_error(text: &str) -> String {
        let got = read(text);
        assert_eq!(got.len(), 1, "{got:?}");
        got[0].as_ref().unwrap_err().to_string()
    }

    const DUMP: &str = r#"{
  "org": {"data": [{"id": 1, "name": "Made-up Holdings"}]},
  "net": {"data": [
    {"id": 10, "asn": 64496, "name": "Lao Example Net", "info_type": "NSP", "info_types": ["NSP"], "irr_as_set": "AS-EXAMPLE"},
    {"id": 11, "asn": 65550, "name": "Example IX Route Servers", "info_type": "", "info_types": ["Route Server"]},
    {"id": 12, "asn": 65536, "name": "Far Transit", "info_type": "Route Server"}
  ]},
  "ix": {"data": [{"id": 20, "name": "Example IX", "country": "TH", "media": "Ethernet"}]},
  "ixlan": {"data": [
    {"id": 30, "ix_id": 20, "rs_asn": 64511, "mtu": 1500},
    {"id": 31, "ix_id": 20, "rs_asn": null}
  ]},
  "netixlan": {"data": [
    {"id": 40, "net_id": 10, "ix_id": 20, "ixlan_id": 30, "asn": 64496, "ipaddr4": "198.51.100.1"},
    {"id": 41, "net_id": 12, "ixlan_id": 31, "asn": 65536}
  ]},
  "fac": {"data": [{"id": 50, "name": "Example Building", "country": "TH", "latitude": null}]},
  "netfac": {"data": [{"id": 60, "net_id": 10, "fac_id": 50, "local_asn": 64496}]}
}"#;

    #[test]
    fn a_whole_dump_yields_networks_exchanges_route_servers_and_presences() {
        let got: Vec<_> = read(DUMP).into_iter().map(Result::unwrap).collect();
        assert_eq!(
            got,
            vec![
                PeeringDbRecord::Network(Network {
                    id: 10,
                    asn: 64496,
                    name: "Lao Example Net".into(),
                    info_types: vec!["NSP".into()],
                }),
                PeeringDbRecord::Network(Network {
                    id: 11,
                    asn: 65550,
                    name: "Example IX Route Servers".into(),
                    info_types: vec!["Route Server".into()],
                }),
                PeeringDbRecord::Network(Network {
                    id: 12,
                    asn: 65536,
                    name: "Far Transit".into(),
                    info_types: vec!["Route Server".into()],
                }),
                PeeringDbRecord::Exchange(Exchange {
                    id: 20,
                    name: "Example IX".into(),
                    country: "TH".into(),
                }),
                PeeringDbRecord::Facility(Facility {
                    id: 50,
                    country: "TH".into(),
                }),
                PeeringDbRecord::RouteServer(64511),
                PeeringDbRecord::RouteServer(65536),
                PeeringDbRecord::RouteServer(65550),
                PeeringDbRecord::Presence(Presence {
                    asn: 64496,
                    net_id: 10,
                    ix_id: 20,
                }),
                PeeringDbRecord::Presence(Presence {
                    asn: 65536,
                    net_id: 12,
                    ix_id: 20,
                }),
                PeeringDbRecord::FacilityPresence(FacilityPresence {
                    net_id: 10,
                    fac_id: 50,
                }),
            ]
        );
    }

    #[test]
    fn one_file_per_object_type_is_told_apart_by_its_fields() {
        let files = [
            (
                r#"{"data": [{"id": 10, "asn": 64496, "name": "Lao Example Net", "info_type": "Route Server"}]}"#,
                vec![
                    PeeringDbRecord::Network(Network {
                        id: 10,
                        asn: 64496,
                        name: "Lao Example Net".into(),
                        info_types: vec!["Route Server".into()],
                    }),
                    PeeringDbRecord::RouteServer(64496),
                ],
            ),
            (
                r#"{"data": [{"id": 20, "name": "Example IX", "country": "TH", "proto_unicast": true, "fac_count": 1}]}"#,
                vec![PeeringDbRecord::Exchange(Exchange {
                    id: 20,
                    name: "Example IX".into(),
                    country: "TH".into(),
                })],
            ),
            (
                r#"{"data": [{"id": 30, "ix_id": 20, "rs_asn": 64511}]}"#,
                vec![PeeringDbRecord::RouteServer(64511)],
            ),
            (
                r#"{"data": [{"id": 40, "net_id": 10, "ix_id": 20, "ixlan_id": 30, "asn": 64496}]}"#,
                vec![PeeringDbRecord::Presence(Presence {
                    asn: 64496,
                    net_id: 10,
                    ix_id: 20,
                })],
            ),
            (
                r#"{"data": [{"id": 50, "name": "Example Building", "country": "TH", "latitude": null}]}"#,
                vec![PeeringDbRecord::Facility(Facility {
                    id: 50,
                    country: "TH".into(),
                })],
            ),
            (
                r#"{"data": [{"id": 60, "net_id": 10, "fac_id": 50}]}"#,
                vec![PeeringDbRecord::FacilityPresence(FacilityPresence {
                    net_id: 10,
                    fac_id: 50,
                })],
            ),
        ];
        for (text, expected) in files {
            let got: Vec<_> = read(text).into_iter().map(Result::unwrap).collect();
            assert_eq!(got, expected, "{text}");
        }
    }

    #[test]
    fn an_object_of_unknown_type_in_a_one_type_file_is_refused() {
        assert_eq!(
            only_error("{\"data\": [{\"id\": 1, \"name\": \"Someone\"}]}\n"),
            "line 1: data[0]: not a PeeringDB net, ix, ixlan, netixlan, fac or netfac object"
        );
    }

    #[test]
    fn an_object_missing_a_needed_field_in_a_one_type_file_is_refused() {
        assert_eq!(
            only_error("{\"data\": [\n{\"id\": 1, \"asn\": 64496}\n]}\n"),
            "line 3: data[0]: this net object has no `name`"
        );
    }

    #[test]
    fn a_presence_whose_exchange_is_not_in_the_file_is_an_error_of_its_own() {
        let got = read(
            r#"{"data": [{"net_id": 10, "ixlan_id": 30, "asn": 64496}, {"net_id": 11, "ix_id": 20, "asn": 64497}]}"#,
        );
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].as_ref().unwrap_err().to_string(),
            "line 1: the netixlan of AS64496 (net 10) has no ix_id, and its ixlan_id 30 is not in the file"
        );
        assert!(got[1].is_ok());
    }

    #[test]
    fn a_dump_missing_lists_is_refused_naming_them() {
        let text = r#"{"net": {"data": []}, "ix": {"data": []}, "ixlan": {"data": []}, "netixlan": {"data": []}}"#;
        assert_eq!(
            only_error(text),
            "line 1: this PeeringDB dump has no `fac`, `netfac` list"
        );
    }

    #[test]
    fn a_missing_field_in_a_dump_is_refused_with_serdes_line_and_column() {
        let text = DUMP.replace(r#""asn": 65536, "#, "");
        assert_eq!(only_error(&text), "line 6: column 66: missing field `asn`");
    }

    #[test]
    fn a_truncated_dump_is_refused_as_ending_too_early() {
        let text = &DUMP[..DUMP.len() / 2];
        let message = only_error(text);
        assert!(message.contains("the file ends too early"), "{message}");
        assert!(message.starts_with("line 8: "), "{message}");
    }

    #[test]
    fn json_of_another_shape_is_refused() {
        assert_eq!(
            only_error(r#"{"type": "Organization", "organizationId": "LAONET-ORG"}"#),
            "line 1: not a PeeringDB file: it has neither the keys net, ix, ixlan, netixlan, fac and netfac nor a `data` list"
        );
        assert_eq!(
            only_error("\n  [1, 2, 3]"),
            "line 2: not a PeeringDB file: it should be a JSON object, starting with `{`"
        );
        let message = only_error(r#"{"net": [1, 2]}"#);
        assert!(
            message.starts_with("line 1: column 11: invalid type"),
            "{message}"
        );
        let message = only_error(r#"{"net": {"rows": []}}"#);
        assert!(message.contains("missing field `data`"), "{message}");
    }

    #[test]
    fn a_text_file_is_refused_on_its_first_line() {
        assert_eq!(
            only_error("2|examplenic|1|0|19930101|20251231|+0700\n"),
            "line 1: not a PeeringDB file: it should be a JSON object, starting with `{`"
        );
        assert_eq!(
            only_error(" \n"),
            "line 2: the file is empty: not a PeeringDB file"
        );
    }

    #[test]
    fn an_asn_beyond_32_bits_is_refused() {
        let message = only_error(r#"{"data": [{"id": 10, "asn": 4294967296, "name": "Too Big"}]}"#);
        assert!(message.contains("4294967296"), "{message}");
    }
}
