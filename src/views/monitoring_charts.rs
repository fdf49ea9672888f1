//! The monitoring pages' drawings: the country's international links map and the trend
//! charts across routing imports, as SVG that the macros of `templates/monitoring/map.html`
//! and `templates/monitoring/trends.html` write out.
//!
//! Everything a drawing needs is computed here, every coordinate a whole number, so the
//! templates only print values (and escape every text). The module takes plain figures and
//! labels already translated by the caller: it reads no database and translates nothing.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

/// The height of one row of text, in SVG units; text is 13 units high, so rows this far
/// apart never touch.
const ROW: i64 = 20;
/// How far below its row's top a row's text sits.
const BASELINE: i64 = 14;
/// The width of a character of 13-unit text, to judge what fits on a row: a little more
/// than the average of common faces in bold, so that a text judged to fit does.
const CHAR_WIDTH: i64 = 8;
/// The room of a legend key's swatch, before its label.
const SWATCH: i64 = 28;

/// Marks written above or below the letter before them, which take no width of their own:
/// combining diacritics and the Lao vowel and tone marks.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0EB1}' | '\u{0EB4}'..='\u{0EBC}' | '\u{0EC8}'..='\u{0ECE}')
}

/// The width of a text in characters: marks take none.
fn width(text: &str) -> usize {
    text.chars().filter(|c| !is_mark(*c)).count()
}

/// A text fitted to `max` characters: cut before a letter (never between a letter and its
/// marks) and ended with "…" when it is longer, with the whole text to show on hover. A
/// short bracketed end, such as the code after a country's name, is kept after the "…":
/// it is what tells most.
fn fit(text: &str, max: usize) -> (String, Option<String>) {
    if width(text) <= max {
        return (text.to_string(), None);
    }
    let tail = text
        .rfind(" (")
        .map(|at| &text[at..])
        .filter(|tail| tail.ends_with(')') && width(tail) <= 8 && width(tail) + 4 <= max)
        .unwrap_or_default();
    let room = max - width(tail);
    let mut cut = String::new();
    let mut letters = 0;
    for c in text[..text.len() - tail.len()].chars() {
        if !is_mark(c) {
            if letters + 1 >= room {
                break;
            }
            letters += 1;
        }
        cut.push(c);
    }
    (format!("{}…{tail}", cut.trim_end()), Some(text.to_string()))
}

/// A line of text at a place in a drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvgText {
    /// Where the text starts.
    pub x: i64,
    /// The text's baseline.
    pub y: i64,
    /// Which end of the text `x` is: `start`, `middle` or `end`.
    pub anchor: &'static str,
    /// What is written, shortened to fit when it is long.
    pub text: String,
    /// The whole text, when `text` is shortened.
    pub full: Option<String>,
}

impl SvgText {
    fn fitted(x: i64, y: i64, anchor: &'static str, text: &str, max_chars: usize) -> Self {
        let (text, full) = fit(text, max_chars);
        Self {
            x,
            y,
            anchor,
            text,
            full,
        }
    }
}

/// A key of a drawing's legend: a swatch (a line, dashed or not, or a filled square) and
/// its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendKey {
    /// The class that gives the swatch its colour.
    pub class: String,
    /// The swatch is a filled square (a bar or band), not a line.
    pub square: bool,
    /// The line is dashed.
    pub dashed: bool,
    /// The swatch's left edge.
    pub x: i64,
    /// The swatch's right edge, when it is a line.
    pub x2: i64,
    /// The swatch's vertical middle, where a line is drawn.
    pub y: i64,
    /// The top of a square swatch.
    pub square_y: i64,
    /// The label.
    pub label: SvgText,
}

/// A legend key before it is placed.
struct Key {
    class: String,
    square: bool,
    dashed: bool,
    label: String,
}

impl Key {
    /// A key whose swatch is a line, dashed or not.
    fn line(class: impl Into<String>, dashed: bool, label: &str) -> Self {
        Key {
            class: class.into(),
            square: false,
            dashed,
            label: label.to_string(),
        }
    }

    /// A key whose swatch is a filled square.
    fn square(class: impl Into<String>, label: &str) -> Self {
        Key {
            class: class.into(),
            square: true,
            dashed: false,
            label: label.to_string(),
        }
    }
}

/// Keys laid out in `columns` columns of `column_width` from (`left`, `top`), row by row;
/// with the bottom of the last row.
fn legend(
    keys: Vec<Key>,
    left: i64,
    top: i64,
    columns: i64,
    column_width: i64,
) -> (Vec<LegendKey>, i64) {
    let max_chars = ((column_width - SWATCH - 12) / CHAR_WIDTH) as usize;
    let mut bottom = top;
    let keys = keys
        .into_iter()
        .enumerate()
        .map(|(i, key)| {
            let (column, row) = (i as i64 % columns, i as i64 / columns);
            let x = left + column * column_width;
            let row_top = top + row * ROW;
            bottom = row_top + ROW;
            LegendKey {
                class: key.class,
                square: key.square,
                dashed: key.dashed,
                x,
                x2: x + SWATCH - 4,
                y: row_top + ROW / 2,
                square_y: row_top + 3,
                label: SvgText::fitted(
                    x + SWATCH + 4,
                    row_top + BASELINE,
                    "start",
                    &key.label,
                    max_chars,
                ),
            }
        })
        .collect();
    (keys, bottom)
}

/// What routing shows of a link between a domestic and a foreign network, against the
/// registry: how its line is coloured and drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkState {
    /// An approval covers the link.
    Approved,
    /// No approval of the provider covers the link.
    Unapproved,
    /// The link's approval was revoked, and the link was seen after the disconnection
    /// deadline.
    SeenAfterDisconnection,
    /// The link was seen while its approval was suspended.
    SeenWhileSuspended,
    /// The link was seen after its approval expired.
    SeenAfterExpiry,
    /// Unapproved, but the foreign network belongs to the provider's own group.
    Sibling,
    /// An active approval whose link no recent import saw.
    ApprovedNotObserved,
}

impl LinkState {
    /// The states as the legend lists them, the most serious first; the two states of a
    /// lapsed approval share one key.
    const LEGEND: [LinkState; 6] = [
        LinkState::Unapproved,
        LinkState::SeenAfterDisconnection,
        LinkState::SeenWhileSuspended,
        LinkState::Sibling,
        LinkState::Approved,
        LinkState::ApprovedNotObserved,
    ];

    /// The class naming the state's colour (`link-<class>`); a link seen while suspended
    /// and one seen after expiry share the "lapsed" colour.
    pub fn class(self) -> &'static str {
        match self {
            LinkState::Approved => "approved",
            LinkState::Unapproved => "unapproved",
            LinkState::SeenAfterDisconnection => "disconnected",
            LinkState::SeenWhileSuspended | LinkState::SeenAfterExpiry => "lapsed",
            LinkState::Sibling => "sibling",
            LinkState::ApprovedNotObserved => "not-observed",
        }
    }

    /// The link is drawn dashed: an approval that routing does not show.
    pub fn is_dashed(self) -> bool {
        self == LinkState::ApprovedNotObserved
    }

    /// The state's place in the legend, which is also its seriousness (0 the most serious).
    fn rank(self) -> usize {
        let same = |s: &LinkState| s.class() == self.class();
        Self::LEGEND
            .iter()
            .position(same)
            .unwrap_or(Self::LEGEND.len())
    }
}

/// A domestic provider: a registered organisation and its ASNs, or (without an
/// organisation) domestic ASNs that no registered organisation holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomesticProvider {
    /// The organisation's name in the reader's language; `None` for unregistered ASNs.
    pub organisation: Option<String>,
    /// Its autonomous system numbers.
    pub asns: Vec<u32>,
}

/// A foreign network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignNetwork {
    /// Its autonomous system number.
    pub asn: u32,
    /// Its name, when the reference data gives one.
    pub name: Option<String>,
    /// Its ISO 3166 country code; empty when unknown.
    pub country: String,
}

/// A link between a domestic and a foreign network, and what routing shows of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// The domestic ASN.
    pub domestic: u32,
    /// The foreign ASN.
    pub foreign: u32,
    /// The link's state.
    pub state: LinkState,
}

/// What the map shows. A link may name an ASN listed nowhere else: a domestic one is shown
/// among the unregistered networks, a foreign one under an unknown country.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapInput {
    /// The domestic providers.
    pub providers: Vec<DomesticProvider>,
    /// The foreign networks.
    pub foreign: Vec<ForeignNetwork>,
    /// The links between them.
    pub links: Vec<Link>,
}

/// The map's words, translated by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapLabels {
    /// The map's title (its caption and its accessible name).
    pub title: String,
    /// What routing data can and cannot show, written under the map.
    pub caveat: String,
    /// Shown instead of the map when there is nothing to draw.
    pub no_data: String,
    /// The heading of the domestic column.
    pub domestic_heading: String,
    /// The heading of the foreign column.
    pub foreign_heading: String,
    /// The name of the group of domestic ASNs that no registered organisation holds.
    pub unregistered: String,
    /// The name of the group of foreign networks whose country is unknown.
    pub unknown_country: String,
    /// Country names by ISO code, e.g. "TH" → "Thailand (TH)"; a missing code is shown
    /// as it is.
    pub country_names: HashMap<String, String>,
    /// The label of [`LinkState::Approved`].
    pub approved: String,
    /// The label of [`LinkState::Unapproved`].
    pub unapproved: String,
    /// The label of [`LinkState::SeenAfterDisconnection`].
    pub seen_after_disconnection: String,
    /// The one label of [`LinkState::SeenWhileSuspended`] and [`LinkState::SeenAfterExpiry`].
    pub lapsed: String,
    /// The label of [`LinkState::Sibling`].
    pub sibling: String,
    /// The label of [`LinkState::ApprovedNotObserved`].
    pub approved_not_observed: String,
    /// The caption of the table of links.
    pub table_caption: String,
    /// The table's provider column.
    pub column_provider: String,
    /// The table's domestic AS column.
    pub column_domestic_as: String,
    /// The table's foreign network column.
    pub column_foreign: String,
    /// The table's country column.
    pub column_country: String,
    /// The table's state column.
    pub column_state: String,
}

impl MapLabels {
    /// The labels from the messages `t` gives for the `charts-…` keys, with the country
    /// names given.
    pub fn from_messages(
        t: impl Fn(&str) -> String,
        country_names: HashMap<String, String>,
    ) -> Self {
        MapLabels {
            title: t("charts-map-title"),
            caveat: t("charts-map-caveat"),
            no_data: t("charts-map-no-data"),
            domestic_heading: t("charts-map-domestic"),
            foreign_heading: t("charts-map-foreign"),
            unregistered: t("charts-map-unregistered"),
            unknown_country: t("charts-map-unknown-country"),
            country_names,
            approved: t("charts-link-approved"),
            unapproved: t("charts-link-unapproved"),
            seen_after_disconnection: t("charts-link-seen-after-disconnection"),
            lapsed: t("charts-link-lapsed"),
            sibling: t("charts-link-sibling"),
            approved_not_observed: t("charts-link-approved-not-observed"),
            table_caption: t("charts-map-table-caption"),
            column_provider: t("charts-map-provider"),
            column_domestic_as: t("charts-map-domestic-as"),
            column_foreign: t("charts-map-foreign-network"),
            column_country: t("charts-map-country"),
            column_state: t("charts-map-state"),
        }
    }

    /// The label of a state.
    pub fn state(&self, state: LinkState) -> &str {
        match state {
            LinkState::Approved => &self.approved,
            LinkState::Unapproved => &self.unapproved,
            LinkState::SeenAfterDisconnection => &self.seen_after_disconnection,
            LinkState::SeenWhileSuspended | LinkState::SeenAfterExpiry => &self.lapsed,
            LinkState::Sibling => &self.sibling,
            LinkState::ApprovedNotObserved => &self.approved_not_observed,
        }
    }

    fn country(&self, code: &str) -> String {
        if code.is_empty() {
            return self.unknown_country.clone();
        }
        self.country_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

/// The width of the map's drawing.
const MAP_WIDTH: i64 = 880;
/// The width of each column of boxes.
const COLUMN_WIDTH: i64 = 300;
/// The left edge of the domestic column.
const LEFT_X: i64 = 8;
/// The left edge of the foreign column.
const RIGHT_X: i64 = MAP_WIDTH - 8 - COLUMN_WIDTH;
/// The space inside a box above its first row and below its last.
const BOX_PAD: i64 = 4;
/// The space between two boxes.
const BOX_GAP: i64 = 10;
/// How many characters a box's heading may have.
const HEADING_CHARS: usize = ((COLUMN_WIDTH - 16) / CHAR_WIDTH) as usize;
/// How many characters a box's item may have (items are indented).
const ITEM_CHARS: usize = ((COLUMN_WIDTH - 24) / CHAR_WIDTH) as usize;

/// A box of the map: a provider and its ASNs, or a country and its networks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapBox {
    /// `provider` or `country`.
    pub kind: &'static str,
    /// The country's code for a country box (empty when unknown); empty for a provider.
    pub code: String,
    /// The box's left edge.
    pub x: i64,
    /// The box's top.
    pub y: i64,
    /// The box's width.
    pub width: i64,
    /// The box's height.
    pub height: i64,
    /// The provider's or the country's name.
    pub heading: SvgText,
    /// The ASNs or networks, one row each.
    pub items: Vec<SvgText>,
}

/// A link's line, a curve from a domestic row to a foreign row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapLink {
    /// The state's class (see [`LinkState::class`]).
    pub class: &'static str,
    /// The line is dashed.
    pub dashed: bool,
    /// Where the line leaves the domestic column.
    pub x1: i64,
    /// The domestic row's middle.
    pub y1: i64,
    /// The curve's control points' horizontal position.
    pub cx: i64,
    /// Where the line reaches the foreign column.
    pub x2: i64,
    /// The foreign row's middle.
    pub y2: i64,
    /// Both ends and the state in words, shown on hover.
    pub title: String,
}

/// A link as a row of the table beside the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRow {
    /// The provider's name.
    pub provider: String,
    /// The domestic ASN.
    pub domestic_as: u32,
    /// The foreign network: its ASN and name.
    pub foreign: String,
    /// The foreign network's country.
    pub country: String,
    /// The state's class (see [`LinkState::class`]).
    pub class: &'static str,
    /// The state in words.
    pub state: String,
}

/// The international links map, ready to draw: domestic providers in a column on the
/// left, foreign networks grouped by country on the right, one row per item (so no two
/// labels overlap, and the drawing grows with its content), and the links between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapView {
    /// Nothing to draw: the template shows the "no data" message instead.
    pub empty: bool,
    /// The drawing's width.
    pub width: i64,
    /// The drawing's height.
    pub height: i64,
    /// The legend of the states, above the columns.
    pub legend: Vec<LegendKey>,
    /// The two columns' headings.
    pub headings: Vec<SvgText>,
    /// The domestic boxes, then the country boxes.
    pub boxes: Vec<MapBox>,
    /// The links, the most serious last (drawn on top).
    pub links: Vec<MapLink>,
    /// The links as the table lists them, the most serious first.
    pub rows: Vec<LinkRow>,
    /// The words.
    pub labels: MapLabels,
}

/// A box's content before it is placed.
struct Group {
    kind: &'static str,
    code: String,
    heading: String,
    /// (ASN, text) of each row.
    members: Vec<(u32, String)>,
}

/// Boxes stacked down a column from `top`; with the middle of each ASN's row, and the
/// bottom of the last box.
///
/// A provider's ASNs are written at the box's right edge, where their lines leave; its name
/// shares the first ASN's row when it fits beside it, and has a row of its own otherwise.
/// A country's name heads its box, its networks one per row below.
fn stack(x: i64, top: i64, groups: Vec<Group>) -> (Vec<MapBox>, HashMap<u32, i64>, i64) {
    let mut anchors = HashMap::new();
    let mut boxes = Vec::with_capacity(groups.len());
    let mut y = top;
    for group in groups {
        let row_top = |row: i64| y + BOX_PAD + row * ROW;
        let domestic = group.kind == "provider";
        let widest = group
            .members
            .iter()
            .map(|(_, text)| width(text))
            .max()
            .unwrap_or(0);
        let beside = HEADING_CHARS.saturating_sub(widest + 2);
        let (first, anchor, item_x) = if domestic {
            let shares_row = !group.members.is_empty() && fit(&group.heading, beside).1.is_none();
            (i64::from(!shares_row), "end", x + COLUMN_WIDTH - 8)
        } else {
            (1, "start", x + 16)
        };
        let items = group
            .members
            .iter()
            .enumerate()
            .map(|(i, (asn, text))| {
                let top = row_top(first + i as i64);
                anchors.insert(*asn, top + ROW / 2);
                SvgText::fitted(item_x, top + BASELINE, anchor, text, ITEM_CHARS)
            })
            .collect::<Vec<_>>();
        let rows = (first + items.len() as i64).max(1);
        let height = 2 * BOX_PAD + rows * ROW;
        let heading_chars = if first == 0 { beside } else { HEADING_CHARS };
        let heading = SvgText::fitted(
            x + 8,
            row_top(0) + BASELINE,
            "start",
            &group.heading,
            heading_chars,
        );
        boxes.push(MapBox {
            kind: group.kind,
            code: group.code,
            x,
            y,
            width: COLUMN_WIDTH,
            height,
            heading,
            items,
        });
        y += height + BOX_GAP;
    }
    (boxes, anchors, y - BOX_GAP)
}

/// The domestic column's boxes: each registered provider, by number of links (the most
/// first) then name, and the unregistered ASNs last (with those only a link names); with
/// the name shown for each ASN. An ASN belongs to the first organisation that lists it.
fn domestic_groups(
    providers: Vec<DomesticProvider>,
    links: &[Link],
    unregistered_name: &str,
) -> (Vec<Group>, HashMap<u32, String>) {
    let mut owner: HashMap<u32, String> = HashMap::new();
    let mut registered: Vec<(String, BTreeSet<u32>, usize)> = Vec::new();
    let mut unregistered = BTreeSet::new();
    for provider in providers {
        match provider.organisation {
            Some(name) => {
                let asns: BTreeSet<u32> = provider
                    .asns
                    .into_iter()
                    .filter(|asn| !owner.contains_key(asn))
                    .collect();
                for asn in &asns {
                    owner.insert(*asn, name.clone());
                }
                let count = links.iter().filter(|l| asns.contains(&l.domestic)).count();
                registered.push((name, asns, count));
            }
            None => unregistered.extend(provider.asns),
        }
    }
    unregistered.extend(links.iter().map(|l| l.domestic));
    unregistered.retain(|asn| !owner.contains_key(asn));
    registered.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let group = |heading: String, asns: BTreeSet<u32>| Group {
        kind: "provider",
        code: String::new(),
        heading,
        members: asns.into_iter().map(|a| (a, format!("AS{a}"))).collect(),
    };
    let mut groups: Vec<Group> = registered
        .into_iter()
        .map(|(name, asns, _)| group(name, asns))
        .collect();
    if !unregistered.is_empty() {
        for asn in &unregistered {
            owner.insert(*asn, unregistered_name.to_string());
        }
        groups.push(group(unregistered_name.to_string(), unregistered));
    }
    (groups, owner)
}

/// A foreign network as the map knows it: its name, if any, and its country code (empty
/// when unknown).
type Network = (Option<String>, String);

/// The foreign networks by ASN: those listed (a network listed twice keeps its first
/// entry), and those only a link names, of unknown name and country.
fn foreign_networks(foreign: Vec<ForeignNetwork>, links: &[Link]) -> BTreeMap<u32, Network> {
    let mut networks = BTreeMap::new();
    for network in foreign {
        networks
            .entry(network.asn)
            .or_insert((network.name, network.country));
    }
    for link in links {
        networks
            .entry(link.foreign)
            .or_insert((None, String::new()));
    }
    networks
}

/// A foreign network's row: its ASN and name.
fn network_text(networks: &BTreeMap<u32, Network>, asn: u32) -> String {
    match networks.get(&asn).and_then(|n| n.0.as_deref()) {
        Some(name) => format!("AS{asn} {name}"),
        None => format!("AS{asn}"),
    }
}

/// The foreign column's boxes: a country per box, by number of links (the most first, an
/// unknown country last); its networks by the mean height of the domestic rows they link
/// to (`domestic_y`), which keeps lines from crossing where it can, those without a link
/// last.
fn country_groups(
    networks: &BTreeMap<u32, Network>,
    links: &[Link],
    domestic_y: &HashMap<u32, i64>,
    labels: &MapLabels,
) -> Vec<Group> {
    let mut reached: HashMap<u32, (i64, i64)> = HashMap::new();
    for link in links {
        let entry = reached.entry(link.foreign).or_default();
        entry.0 += domestic_y.get(&link.domestic).copied().unwrap_or(0);
        entry.1 += 1;
    }
    let mut countries: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (asn, (_, country)) in networks {
        countries.entry(country.as_str()).or_default().push(*asn);
    }
    let mut countries: Vec<(&str, Vec<u32>, i64)> = countries
        .into_iter()
        .map(|(code, asns)| {
            let count = asns
                .iter()
                .filter_map(|a| reached.get(a))
                .map(|r| r.1)
                .sum();
            (code, asns, count)
        })
        .collect();
    countries.sort_by_key(|(code, _, count)| (code.is_empty(), Reverse(*count), *code));
    countries
        .into_iter()
        .map(|(code, mut asns, _)| {
            asns.sort_by_key(|a| match reached.get(a) {
                Some((sum, count)) => (false, sum / count, *a),
                None => (true, 0, *a),
            });
            Group {
                kind: "country",
                code: code.to_string(),
                heading: labels.country(code),
                members: asns
                    .into_iter()
                    .map(|a| (a, network_text(networks, a)))
                    .collect(),
            }
        })
        .collect()
}

impl MapView {
    /// Lays the map out: the legend; the domestic providers' boxes on the left, by number
    /// of links (the most first) then name, the unregistered ASNs last; the countries'
    /// boxes on the right, by number of links, an unknown country last, each country's
    /// networks by the mean height of the domestic rows they link to (which keeps lines
    /// from crossing where it can); a curve per link; and the links as a table.
    pub fn new(input: MapInput, labels: MapLabels) -> MapView {
        let MapInput {
            providers,
            foreign,
            mut links,
        } = input;
        let (domestic, owner) = domestic_groups(providers, &links, &labels.unregistered);
        let networks = foreign_networks(foreign, &links);

        let (legend, legend_bottom) = legend(
            LinkState::LEGEND
                .iter()
                .map(|s| {
                    Key::line(
                        format!("link-{}", s.class()),
                        s.is_dashed(),
                        labels.state(*s),
                    )
                })
                .collect(),
            LEFT_X,
            8,
            2,
            (MAP_WIDTH - 2 * LEFT_X) / 2,
        );
        let headings_y = legend_bottom + 12 + BASELINE;
        let heading =
            |x: i64, text: &str| SvgText::fitted(x, headings_y, "start", text, HEADING_CHARS);
        let headings = vec![
            heading(LEFT_X, &labels.domestic_heading),
            heading(RIGHT_X, &labels.foreign_heading),
        ];
        let top = legend_bottom + 12 + ROW + 6;
        let empty = domestic.is_empty() && networks.is_empty();
        let (mut boxes, domestic_y, left_bottom) = stack(LEFT_X, top, domestic);
        let countries = country_groups(&networks, &links, &domestic_y, &labels);
        let (foreign_boxes, foreign_y, right_bottom) = stack(RIGHT_X, top, countries);
        boxes.extend(foreign_boxes);

        let provider = |asn: u32| owner.get(&asn).cloned().unwrap_or_default();
        let country = |asn: u32| {
            let code = networks.get(&asn).map(|n| n.1.as_str()).unwrap_or_default();
            labels.country(code)
        };
        links.sort_by_key(|l| (l.state.rank(), provider(l.domestic), l.domestic, l.foreign));
        let rows = links
            .iter()
            .map(|l| LinkRow {
                provider: provider(l.domestic),
                domestic_as: l.domestic,
                foreign: network_text(&networks, l.foreign),
                country: country(l.foreign),
                class: l.state.class(),
                state: labels.state(l.state).to_string(),
            })
            .collect();
        let map_links = links
            .iter()
            .rev()
            .map(|l| MapLink {
                class: l.state.class(),
                dashed: l.state.is_dashed(),
                x1: LEFT_X + COLUMN_WIDTH,
                y1: domestic_y.get(&l.domestic).copied().unwrap_or(top),
                cx: MAP_WIDTH / 2,
                x2: RIGHT_X,
                y2: foreign_y.get(&l.foreign).copied().unwrap_or(top),
                title: format!(
                    "{} AS{} → {} {}: {}",
                    provider(l.domestic),
                    l.domestic,
                    network_text(&networks, l.foreign),
                    country(l.foreign),
                    labels.state(l.state)
                ),
            })
            .collect();

        MapView {
            empty,
            width: MAP_WIDTH,
            height: left_bottom.max(right_bottom) + 8,
            legend,
            headings,
            boxes,
            links: map_links,
            rows,
            labels,
        }
    }
}

/// The risk of a country whose Internet reaches abroad through `n` domestic networks with
/// direct foreign links (Renesys' "frontier"): the fewer, the easier to cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskBand {
    /// One or two networks (or none seen at all).
    Severe,
    /// Three to nine.
    Significant,
    /// Ten to forty.
    Low,
    /// More than forty.
    Resistant,
}

/// The risk band of `n` networks with direct foreign links: 1–2 severe, under 10
/// significant, 10–40 low, over 40 resistant. No network at all is counted severe: a
/// country cut off, or unseen by the collectors, is at least as exposed as one hanging
/// on one or two networks.
pub fn risk_band(n: u32) -> RiskBand {
    match n {
        0..=2 => RiskBand::Severe,
        3..=9 => RiskBand::Significant,
        10..=40 => RiskBand::Low,
        _ => RiskBand::Resistant,
    }
}

impl RiskBand {
    /// Every band, from the lowest counts up.
    pub const ALL: [RiskBand; 4] = [
        RiskBand::Severe,
        RiskBand::Significant,
        RiskBand::Low,
        RiskBand::Resistant,
    ];

    /// The class naming the band's colour (`band-<class>`).
    pub fn class(self) -> &'static str {
        match self {
            RiskBand::Severe => "severe",
            RiskBand::Significant => "significant",
            RiskBand::Low => "low",
            RiskBand::Resistant => "resistant",
        }
    }

    /// The band's highest count, if it has one.
    fn highest(self) -> Option<i64> {
        match self {
            RiskBand::Severe => Some(2),
            RiskBand::Significant => Some(9),
            RiskBand::Low => Some(40),
            RiskBand::Resistant => None,
        }
    }
}

/// The figures of one routing import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPoint {
    /// The import's date (the day its data was collected).
    pub date: NaiveDate,
    /// International adjacencies seen.
    pub adjacencies: u32,
    /// Those of them no approval covers.
    pub unapproved: u32,
    /// Open findings, one count per kind of [`TrendLabels::kinds`] in that order; a
    /// missing count is 0, a count beyond the kinds is not drawn.
    pub open_findings: Vec<u32>,
    /// Domestic networks with direct foreign links.
    pub frontier: u32,
}

/// The charts' words, translated by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrendLabels {
    /// The title of the adjacencies chart.
    pub adjacencies_title: String,
    /// The adjacencies line.
    pub adjacencies: String,
    /// The unapproved adjacencies line.
    pub unapproved: String,
    /// The title of the open findings chart.
    pub findings_title: String,
    /// The finding kinds counted in [`TrendPoint::open_findings`], in that order (up to
    /// ten; more share the palette's colours again).
    pub kinds: Vec<String>,
    /// The title of the frontier chart.
    pub frontier_title: String,
    /// The frontier line.
    pub frontier: String,
    /// The table column of the risk band.
    pub risk: String,
    /// The name of [`RiskBand::Severe`], with its range.
    pub severe: String,
    /// The name of [`RiskBand::Significant`], with its range.
    pub significant: String,
    /// The name of [`RiskBand::Low`], with its range.
    pub low: String,
    /// The name of [`RiskBand::Resistant`], with its range.
    pub resistant: String,
    /// The table column of the import's date.
    pub date: String,
    /// Shown instead of a chart when there is no import.
    pub no_data: String,
}

impl TrendLabels {
    /// The labels from the messages `t` gives for the `charts-…` keys, with the names of
    /// the finding kinds counted.
    pub fn from_messages(t: impl Fn(&str) -> String, kinds: Vec<String>) -> Self {
        TrendLabels {
            adjacencies_title: t("charts-trend-adjacencies-title"),
            adjacencies: t("charts-trend-adjacencies"),
            unapproved: t("charts-trend-unapproved"),
            findings_title: t("charts-trend-findings-title"),
            kinds,
            frontier_title: t("charts-trend-frontier-title"),
            frontier: t("charts-trend-frontier"),
            risk: t("charts-trend-risk"),
            severe: t("charts-risk-severe"),
            significant: t("charts-risk-significant"),
            low: t("charts-risk-low"),
            resistant: t("charts-risk-resistant"),
            date: t("charts-trend-date"),
            no_data: t("charts-trend-no-data"),
        }
    }
}

impl TrendLabels {
    /// The name of a risk band.
    pub fn band(&self, band: RiskBand) -> &str {
        match band {
            RiskBand::Severe => &self.severe,
            RiskBand::Significant => &self.significant,
            RiskBand::Low => &self.low,
            RiskBand::Resistant => &self.resistant,
        }
    }
}

/// The width of a trend chart.
const CHART_WIDTH: i64 = 720;
/// The left edge of the plot, right of the count axis' labels.
const PLOT_LEFT: i64 = 56;
/// The right edge of the plot.
const PLOT_RIGHT: i64 = CHART_WIDTH - 16;
/// The height of the plot.
const PLOT_HEIGHT: i64 = 220;
/// The space between the plot's sides and the first and last dates, so that their bars
/// and labels stay inside.
const PLOT_EDGE: i64 = 20;
/// The least distance between two date labels: a date (10 characters) and a gap.
const DATE_SPACING: i64 = 10 * CHAR_WIDTH + 14;
/// Up to this many imports, each one is marked on the lines.
const MARKER_LIMIT: usize = 60;
/// The widest bar.
const BAR_WIDTH: i64 = 24;

/// The round step of a count axis: 1, 2 or 5 times a power of ten, so that at most five
/// steps reach `max`.
fn axis_step(max: i64) -> i64 {
    let mut power = 1;
    loop {
        for multiple in [1, 2, 5] {
            if multiple * power * 5 >= max {
                return multiple * power;
            }
        }
        power *= 10;
    }
}

/// The values of a count axis: from 0 by a round step to the first step at or above
/// `max` (at least one step).
pub fn axis_ticks(max: i64) -> Vec<i64> {
    let step = axis_step(max);
    let top = ((max + step - 1) / step).max(1) * step;
    (0..=top / step).map(|i| i * step).collect()
}

/// A labelled value of the count axis, with its grid line's height.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YTick {
    /// The value.
    pub value: i64,
    /// Where its grid line is drawn.
    pub y: i64,
    /// Where its label's baseline is.
    pub label_y: i64,
}

/// A labelled date of the time axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XLabel {
    /// The date's position, where its tick is drawn and its label centred.
    pub x: i64,
    /// The date, `YYYY-MM-DD`.
    pub text: String,
}

/// A background band of the frontier chart: the counts of one risk band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandRect {
    /// The band's class (see [`RiskBand::class`]).
    pub class: &'static str,
    /// The band's top.
    pub y: i64,
    /// The band's height.
    pub height: i64,
    /// The band's name, written inside it at its right when there is room.
    pub label: Option<SvgText>,
}

/// One kind's part of every stacked bar, as one path of rectangles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stack {
    /// The class of the kind's colour.
    pub class: String,
    /// The rectangles, as SVG path data.
    pub path: String,
}

/// A mark on a line at one import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    /// Its horizontal position.
    pub x: i64,
    /// Its vertical position.
    pub y: i64,
}

/// A line through the imports' values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The class of the line's colour.
    pub class: String,
    /// The polyline's points (`x,y x,y …`); empty with a single import.
    pub points: String,
    /// Marks at each import, when there are few enough to tell apart.
    pub markers: Vec<Marker>,
}

/// A row of a chart's table of figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureRow {
    /// The import's date.
    pub date: String,
    /// The chart's figures for it, in the order of [`TrendChart::columns`].
    pub values: Vec<String>,
}

/// A chart across imports, ready to draw: a count axis with round values, dates that do
/// not overlap, and lines, stacked bars or background bands; and its figures as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendChart {
    /// The title (the caption and the accessible name).
    pub title: String,
    /// No import yet: the template shows `no_data` instead.
    pub empty: bool,
    /// The message shown when there is no import.
    pub no_data: String,
    /// The drawing's width.
    pub width: i64,
    /// The drawing's height.
    pub height: i64,
    /// The plot's left edge.
    pub plot_left: i64,
    /// The plot's right edge.
    pub plot_right: i64,
    /// The plot's width.
    pub plot_width: i64,
    /// Where the count axis' labels end, left of the plot.
    pub y_label_x: i64,
    /// The plot's top.
    pub plot_top: i64,
    /// The plot's bottom (the time axis).
    pub plot_bottom: i64,
    /// The legend, above the plot.
    pub legend: Vec<LegendKey>,
    /// The count axis.
    pub y_ticks: Vec<YTick>,
    /// The dates labelled on the time axis.
    pub x_labels: Vec<XLabel>,
    /// The lower end of the dates' ticks.
    pub x_tick_end: i64,
    /// Where the dates' labels' baseline is.
    pub x_label_y: i64,
    /// The risk bands behind the frontier line.
    pub bands: Vec<BandRect>,
    /// The stacked bars, one path per kind.
    pub stacks: Vec<Stack>,
    /// The lines.
    pub lines: Vec<Series>,
    /// The table's column headings after the date's.
    pub columns: Vec<String>,
    /// The table's rows, one per import.
    pub rows: Vec<FigureRow>,
    /// The heading of the table's date column.
    pub date_column: String,
}

/// Where the imports and the counts fall on a chart.
struct Scale {
    xs: Vec<i64>,
    top_value: i64,
    plot_top: i64,
}

impl Scale {
    fn plot_bottom(&self) -> i64 {
        self.plot_top + PLOT_HEIGHT
    }

    /// The height of `halves` half-units of count: whole counts and the borders half-way
    /// between them.
    fn y_halves(&self, halves: i64) -> i64 {
        let span = 2 * self.top_value;
        self.plot_bottom() - (halves.min(span) * PLOT_HEIGHT + span / 2) / span
    }

    fn y(&self, value: i64) -> i64 {
        self.y_halves(2 * value)
    }
}

/// The dates to label: the last, then from the first on every date far enough from the
/// one labelled before it and from the last.
fn date_labels(xs: &[i64], dates: &[NaiveDate]) -> Vec<XLabel> {
    let Some(last) = xs.len().checked_sub(1) else {
        return Vec::new();
    };
    let mut chosen = Vec::new();
    let mut previous: Option<i64> = None;
    for (i, x) in xs.iter().enumerate().take(last) {
        let clear_of_previous = previous.is_none_or(|p| x - p >= DATE_SPACING);
        if clear_of_previous && xs[last] - x >= DATE_SPACING {
            chosen.push(i);
            previous = Some(*x);
        }
    }
    chosen.push(last);
    chosen
        .into_iter()
        .map(|i| XLabel {
            x: xs[i],
            text: dates[i].format("%Y-%m-%d").to_string(),
        })
        .collect()
}

impl TrendChart {
    /// A chart's frame: the legend, then the plot with its axes for counts up to `max`
    /// over the imports' dates (in order).
    fn frame(
        title: String,
        no_data: String,
        keys: Vec<Key>,
        dates: &[NaiveDate],
        max: i64,
    ) -> (TrendChart, Scale) {
        let (legend, legend_bottom) = legend(keys, 8, 6, 2, (PLOT_RIGHT - 8) / 2);
        let ticks = axis_ticks(max);
        let scale = Scale {
            xs: match (dates.first(), dates.last()) {
                (Some(first), Some(last)) if first < last => {
                    let span = (*last - *first).num_days();
                    let inner = PLOT_RIGHT - PLOT_LEFT - 2 * PLOT_EDGE;
                    dates
                        .iter()
                        .map(|d| PLOT_LEFT + PLOT_EDGE + ((*d - *first).num_days() * inner) / span)
                        .collect()
                }
                _ => vec![(PLOT_LEFT + PLOT_RIGHT) / 2; dates.len()],
            },
            top_value: ticks.last().copied().unwrap_or(1),
            plot_top: legend_bottom + 14,
        };
        let plot_bottom = scale.plot_bottom();
        let chart = TrendChart {
            title,
            empty: dates.is_empty(),
            no_data,
            width: CHART_WIDTH,
            height: plot_bottom + 28,
            plot_left: PLOT_LEFT,
            plot_right: PLOT_RIGHT,
            plot_width: PLOT_RIGHT - PLOT_LEFT,
            y_label_x: PLOT_LEFT - 6,
            plot_top: scale.plot_top,
            plot_bottom,
            legend,
            y_ticks: ticks
                .iter()
                .map(|v| YTick {
                    value: *v,
                    y: scale.y(*v),
                    label_y: scale.y(*v) + 4,
                })
                .collect(),
            x_labels: date_labels(&scale.xs, dates),
            x_tick_end: plot_bottom + 4,
            x_label_y: plot_bottom + 18,
            bands: Vec::new(),
            stacks: Vec::new(),
            lines: Vec::new(),
            columns: Vec::new(),
            rows: dates
                .iter()
                .map(|d| FigureRow {
                    date: d.format("%Y-%m-%d").to_string(),
                    values: Vec::new(),
                })
                .collect(),
            date_column: String::new(),
        };
        (chart, scale)
    }

    /// Adds a line through `values` (one per import) and its column of figures.
    fn add_line(&mut self, scale: &Scale, class: &str, column: &str, values: &[i64]) {
        let points: Vec<Marker> = scale
            .xs
            .iter()
            .zip(values)
            .map(|(x, v)| Marker {
                x: *x,
                y: scale.y(*v),
            })
            .collect();
        self.lines.push(Series {
            class: class.to_string(),
            points: if points.len() < 2 {
                String::new()
            } else {
                points
                    .iter()
                    .map(|p| format!("{},{}", p.x, p.y))
                    .collect::<Vec<_>>()
                    .join(" ")
            },
            markers: if points.len() <= MARKER_LIMIT {
                points
            } else {
                Vec::new()
            },
        });
        self.add_column(column, values.iter().map(i64::to_string));
    }

    fn add_column(&mut self, heading: &str, values: impl Iterator<Item = String>) {
        self.columns.push(heading.to_string());
        for (row, value) in self.rows.iter_mut().zip(values) {
            row.values.push(value);
        }
    }
}

/// The width of the bars: narrower than the closest two imports are apart, at least one
/// unit.
fn bar_width(xs: &[i64]) -> i64 {
    let closest = xs
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|gap| *gap > 0)
        .min()
        .unwrap_or(BAR_WIDTH + 2);
    (closest - 2).clamp(1, BAR_WIDTH)
}

/// The three trend charts across imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendsView {
    /// International adjacencies and the unapproved ones, two lines.
    pub adjacencies: TrendChart,
    /// Open findings by kind, stacked bars.
    pub findings: TrendChart,
    /// Domestic networks with direct foreign links, over the risk bands.
    pub frontier: TrendChart,
}

impl TrendsView {
    /// The charts of `points` (in any order; drawn by date, the dates' distances kept).
    pub fn new(mut points: Vec<TrendPoint>, labels: TrendLabels) -> TrendsView {
        points.sort_by_key(|p| p.date);
        let dates: Vec<NaiveDate> = points.iter().map(|p| p.date).collect();
        TrendsView {
            adjacencies: adjacencies_chart(&points, &dates, &labels),
            findings: findings_chart(&points, &dates, &labels),
            frontier: frontier_chart(&points, &dates, &labels),
        }
    }

    /// The three charts, in the order they are shown.
    pub fn charts(&self) -> [&TrendChart; 3] {
        [&self.adjacencies, &self.findings, &self.frontier]
    }
}

fn adjacencies_chart(
    points: &[TrendPoint],
    dates: &[NaiveDate],
    labels: &TrendLabels,
) -> TrendChart {
    let all: Vec<i64> = points.iter().map(|p| i64::from(p.adjacencies)).collect();
    let unapproved: Vec<i64> = points.iter().map(|p| i64::from(p.unapproved)).collect();
    let max = all.iter().chain(&unapproved).copied().max().unwrap_or(0);
    let (mut chart, scale) = TrendChart::frame(
        labels.adjacencies_title.clone(),
        labels.no_data.clone(),
        vec![
            Key::line("series-adjacencies", false, &labels.adjacencies),
            Key::line("series-unapproved", false, &labels.unapproved),
        ],
        dates,
        max,
    );
    chart.date_column = labels.date.clone();
    chart.add_line(&scale, "series-adjacencies", &labels.adjacencies, &all);
    chart.add_line(&scale, "series-unapproved", &labels.unapproved, &unapproved);
    chart
}

/// The colour class of the `i`th finding kind; ten colours, then the same again.
fn kind_class(i: usize) -> String {
    format!("series-kind-{}", i % 10)
}

fn findings_chart(points: &[TrendPoint], dates: &[NaiveDate], labels: &TrendLabels) -> TrendChart {
    let kinds = labels.kinds.len();
    let count = |p: &TrendPoint, k: usize| i64::from(p.open_findings.get(k).copied().unwrap_or(0));
    let max = points
        .iter()
        .map(|p| (0..kinds).map(|k| count(p, k)).sum::<i64>())
        .max()
        .unwrap_or(0);
    let (mut chart, scale) = TrendChart::frame(
        labels.findings_title.clone(),
        labels.no_data.clone(),
        labels
            .kinds
            .iter()
            .enumerate()
            .map(|(i, label)| Key::square(kind_class(i), label))
            .collect(),
        dates,
        max,
    );
    chart.date_column = labels.date.clone();
    let width = bar_width(&scale.xs);
    let mut below = vec![0; points.len()];
    for (k, label) in labels.kinds.iter().enumerate() {
        let mut path = String::new();
        for (i, point) in points.iter().enumerate() {
            let n = count(point, k);
            if n == 0 {
                continue;
            }
            let (bottom, top) = (scale.y(below[i]), scale.y(below[i] + n));
            below[i] += n;
            if !path.is_empty() {
                path.push(' ');
            }
            path.push_str(&format!(
                "M{} {}h{}v{}h-{}z",
                scale.xs[i] - width / 2,
                top,
                width,
                bottom - top,
                width
            ));
        }
        chart.stacks.push(Stack {
            class: kind_class(k),
            path,
        });
        chart.add_column(label, points.iter().map(|p| count(p, k).to_string()));
    }
    chart
}

fn frontier_chart(points: &[TrendPoint], dates: &[NaiveDate], labels: &TrendLabels) -> TrendChart {
    let values: Vec<i64> = points.iter().map(|p| i64::from(p.frontier)).collect();
    // At least ten on the axis, so that the severe and significant bands always show.
    let max = values.iter().copied().max().unwrap_or(0).max(10);
    let mut keys = vec![Key::line("series-frontier", false, &labels.frontier)];
    keys.extend(
        RiskBand::ALL
            .iter()
            .map(|b| Key::square(format!("band-{}", b.class()), labels.band(*b))),
    );
    let (mut chart, scale) = TrendChart::frame(
        labels.frontier_title.clone(),
        labels.no_data.clone(),
        keys,
        dates,
        max,
    );
    chart.date_column = labels.date.clone();
    let mut lower = 0;
    for band in RiskBand::ALL {
        if lower >= 2 * scale.top_value {
            break;
        }
        // Bands meet half-way between counts: severe reaches 2.5, significant 9.5, …
        let upper = band.highest().map_or(2 * scale.top_value, |h| 2 * h + 1);
        let (top, bottom) = (scale.y_halves(upper), scale.y_halves(lower));
        let height = bottom - top;
        let name = labels.band(band);
        let max_chars = ((PLOT_RIGHT - PLOT_LEFT) / 2 / CHAR_WIDTH) as usize;
        chart.bands.push(BandRect {
            class: band.class(),
            y: top,
            height,
            label: (height >= ROW).then(|| {
                SvgText::fitted(PLOT_RIGHT - 6, top + height / 2 + 5, "end", name, max_chars)
            }),
        });
        lower = upper;
    }
    chart.add_line(&scale, "series-frontier", &labels.frontier, &values);
    chart.add_column(
        &labels.risk,
        points
            .iter()
            .map(|p| labels.band(risk_band(p.frontier)).to_string()),
    );
    chart
}

#[cfg(test)]
mod tests;
