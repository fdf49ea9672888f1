//! The drawings rendered through their templates and read back as HTML and SVG.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use chrono::{Days, NaiveDate};
use fluent_syntax::ast;
use scraper::{ElementRef, Html, Selector};

use super::*;

#[derive(Template)]
#[template(
    source = r#"{%- import "monitoring/map.html" as m -%}{% call m::link_map(view) %}{% endcall %}"#,
    ext = "html"
)]
struct MapFragment<'a> {
    view: &'a MapView,
}

#[derive(Template)]
#[template(
    source = r#"{%- import "monitoring/trends.html" as t -%}{% for chart in view.charts() %}{% call t::trend_chart(chart) %}{% endcall %}{% endfor %}"#,
    ext = "html"
)]
struct TrendsFragment<'a> {
    view: &'a TrendsView,
}

fn render_map(view: &MapView) -> String {
    MapFragment { view }.render().expect("the map renders")
}

fn render_trends(view: &TrendsView) -> String {
    TrendsFragment { view }.render().expect("the trends render")
}

/// The drawings' messages (`charts-…`) of `locales/<lang>/main.ftl`, by key.
fn messages(lang: &str) -> HashMap<String, String> {
    let path = format!("{}/locales/{lang}/main.ftl", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(path).expect("the messages are readable");
    let resource = fluent_syntax::parser::parse(source.as_str()).expect("the messages parse");
    resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            ast::Entry::Message(message) => {
                let text = message
                    .value
                    .as_ref()?
                    .elements
                    .iter()
                    .map(|element| match element {
                        ast::PatternElement::TextElement { value } => value.to_string(),
                        ast::PatternElement::Placeable { .. } => String::new(),
                    })
                    .collect();
                let key = message.id.name.to_string();
                key.starts_with("charts-").then_some((key, text))
            }
            _ => None,
        })
        .collect()
}

const COUNTRIES: [(&str, &str, &str); 11] = [
    ("TH", "Thailand", "ໄທ"),
    ("VN", "Vietnam", "ຫວຽດນາມ"),
    ("CN", "China", "ຈີນ"),
    ("SG", "Singapore", "ສິງກະໂປ"),
    (
        "HK",
        "Hong Kong (Special Administrative Region of China)",
        "ຮົງກົງ (ເຂດປົກຄອງພິເສດຂອງຈີນ)",
    ),
    ("US", "United States", "ສະຫະລັດອາເມລິກາ"),
    ("JP", "Japan", "ຍີ່ປຸ່ນ"),
    ("KH", "Cambodia", "ກຳປູເຈຍ"),
    ("MY", "Malaysia", "ມາເລເຊຍ"),
    ("DE", "Germany", "ເຢຍລະມັນ"),
    ("GB", "United Kingdom", "ສະຫະລາຊະອານາຈັກອັງກິດ"),
];

fn map_labels(lang: &str) -> MapLabels {
    let m = messages(lang);
    let countries = COUNTRIES
        .iter()
        .map(|(code, en, lo)| {
            let name = if lang == "lo" { lo } else { en };
            (code.to_string(), format!("{name} ({code})"))
        })
        .collect();
    MapLabels::from_messages(|key| m.get(key).cloned().expect(key), countries)
}

fn trend_labels(lang: &str, kinds: Vec<String>) -> TrendLabels {
    let m = messages(lang);
    TrendLabels::from_messages(|key| m.get(key).cloned().expect(key), kinds)
}

/// The finding kinds the trend samples count: the map's states, as labelled there.
fn kind_labels(lang: &str) -> Vec<String> {
    let labels = map_labels(lang);
    LinkState::LEGEND
        .iter()
        .map(|s| labels.state(*s).to_string())
        .collect()
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).expect("a valid selector");
    html.select(&selector).collect()
}

fn within<'a>(element: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).expect("a valid selector");
    element.select(&selector).collect()
}

fn number(element: &ElementRef, attribute: &str) -> i64 {
    element
        .value()
        .attr(attribute)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{attribute} of {:?}", element.value()))
}

/// A text element's own text, without its hover title.
fn own_text(element: &ElementRef) -> String {
    element
        .children()
        .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
        .collect()
}

fn provider(name: &str, asns: &[u32]) -> DomesticProvider {
    DomesticProvider {
        organisation: Some(name.to_string()),
        asns: asns.to_vec(),
    }
}

fn network(asn: u32, name: &str, country: &str) -> ForeignNetwork {
    ForeignNetwork {
        asn,
        name: Some(name.to_string()),
        country: country.to_string(),
    }
}

fn link(domestic: u32, foreign: u32, state: LinkState) -> Link {
    Link {
        domestic,
        foreign,
        state,
    }
}

/// A small country: three providers, five foreign networks in three countries, and a link
/// in every state.
fn small_map() -> MapInput {
    use LinkState::*;
    MapInput {
        providers: vec![
            provider("Mekong Broadband", &[64496, 64497]),
            provider("Vientiane Fibre", &[64498]),
            provider("Champa Data", &[64499]),
        ],
        foreign: vec![
            network(65536, "Siam Backbone", "TH"),
            network(65537, "Chao Phraya Transit", "TH"),
            network(65538, "Red River Telecom", "VN"),
            network(65539, "Lion City IX Peers", "SG"),
            ForeignNetwork {
                asn: 65540,
                name: None,
                country: "TH".into(),
            },
        ],
        links: vec![
            link(64496, 65536, Approved),
            link(64496, 65538, Approved),
            link(64497, 65537, Approved),
            link(64497, 65540, Unapproved),
            link(64498, 65536, Unapproved),
            link(64498, 65539, SeenAfterDisconnection),
            link(64499, 65537, SeenWhileSuspended),
            link(64499, 65538, SeenAfterExpiry),
            link(64496, 65539, Sibling),
            link(64498, 65538, ApprovedNotObserved),
            link(64499, 65536, ApprovedNotObserved),
        ],
    }
}

/// A small pseudo-random sequence, so that the large samples are the same every run.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % sides
    }
}

const PROVIDER_NAMES: [&str; 28] = [
    "Lao National Backbone",
    "Mekong Broadband",
    "Vientiane Fibre Net",
    "Champa Data",
    "Luang Prabang Online",
    "Savan Digital",
    "Pakse Cable",
    "Xieng Khouang Wireless",
    "Nam Ngum Networks",
    "Phonsavan Link",
    "Bolikhamxai Telecom",
    "Khammouane Net",
    "Attapeu Online",
    "Sekong Data Centre",
    "Salavan Broadband",
    "Oudomxay Mobile",
    "Houaphanh Fibre",
    "Bokeo Gateway",
    "Luang Namtha Net",
    "Sayabouly Telecom",
    "Vang Vieng Wireless",
    "Thakhek Internet",
    "Savannakhet Cloud",
    "Lao Academic and Research Network",
    "National Data Centre",
    "Mekong Regional Satellite Communications Public Company Limited",
    "ບໍລິສັດ ອິນເຕີເນັດ ແມ່ນ້ຳຂອງ ຈຳກັດ",
    "Golden Triangle Telecom",
];

const PLACES: [&str; 12] = [
    "Siam",
    "Hanoi",
    "Yunnan",
    "Lion City",
    "Harbour",
    "Pacific",
    "Sakura",
    "Angkor",
    "Penang",
    "Rhein",
    "Thames",
    "Far Away",
];

const NETWORK_WORDS: [&str; 16] = [
    "Backbone",
    "Transit",
    "Telecom",
    "Cloud",
    "IX Peers",
    "Carrier",
    "Online",
    "Global",
    "Data",
    "Networks",
    "Broadband",
    "Gateway",
    "CDN",
    "Fibre",
    "Mobile",
    "Exchange",
];

/// A country of realistic size: 28 providers with 1–3 ASNs, three unregistered ASNs, 80
/// foreign networks in 12 countries (one unknown), and about 130 links, mostly approved.
fn large_map() -> MapInput {
    let mut dice = Dice(2026);
    let mut providers = Vec::new();
    let mut domestic = Vec::new();
    let mut next = 64512;
    for name in PROVIDER_NAMES {
        let asns: Vec<u32> = (0..=dice.roll(4) / 2).map(|i| next + i as u32).collect();
        next += asns.len() as u32;
        domestic.extend(&asns);
        providers.push(provider(name, &asns));
    }
    providers.push(DomesticProvider {
        organisation: None,
        asns: vec![next, next + 1, next + 2],
    });
    domestic.extend([next, next + 1, next + 2]);
    let shares = [20, 12, 10, 9, 8, 6, 5, 3, 3, 2, 1, 1];
    let mut foreign = Vec::new();
    let mut asn = 65000;
    for (i, share) in shares.iter().enumerate() {
        let code = COUNTRIES.get(i).map_or("", |c| c.0);
        for _ in 0..*share {
            let word = |d: &mut Dice| NETWORK_WORDS[d.roll(16) as usize];
            let name = format!("{} {} {}", PLACES[i], word(&mut dice), word(&mut dice));
            foreign.push(ForeignNetwork {
                asn,
                name: (dice.roll(7) != 0).then_some(name),
                country: code.to_string(),
            });
            asn += 1;
        }
    }
    let mut links = Vec::new();
    for d in &domestic {
        for _ in 0..=dice.roll(4) {
            // Most links go to the big neighbours, whose networks come first.
            let f = foreign[(dice.roll(80) * dice.roll(80) / 80) as usize].asn;
            let state = match dice.roll(40) {
                0..=24 => LinkState::Approved,
                25..=30 => LinkState::Unapproved,
                31 => LinkState::SeenAfterDisconnection,
                32 => LinkState::SeenWhileSuspended,
                33 => LinkState::SeenAfterExpiry,
                34..=35 => LinkState::Sibling,
                _ => LinkState::ApprovedNotObserved,
            };
            if !links
                .iter()
                .any(|l: &Link| l.domestic == *d && l.foreign == f)
            {
                links.push(link(*d, f, state));
            }
        }
    }
    MapInput {
        providers,
        foreign,
        links,
    }
}

#[test]
fn each_state_draws_its_lines_in_its_colour_and_only_not_observed_ones_dashed() {
    let view = MapView::new(small_map(), map_labels("en"));
    let html = Html::parse_fragment(&render_map(&view));
    let count = |class: &str| select(&html, &format!("g.links path.link.link-{class}")).len();
    assert_eq!(count("approved"), 3);
    assert_eq!(count("unapproved"), 2);
    assert_eq!(count("disconnected"), 1);
    assert_eq!(count("lapsed"), 2, "suspended and expired share one colour");
    assert_eq!(count("sibling"), 1);
    assert_eq!(count("not-observed"), 2);
    assert_eq!(select(&html, "g.links path").len(), 11);
    let dashed: Vec<_> = select(&html, "g.links path[stroke-dasharray]");
    assert_eq!(dashed.len(), 2);
    assert!(
        dashed
            .iter()
            .all(|p| p.value().classes().any(|c| c == "link-not-observed"))
    );
    // The legend names all six colours, the not-observed one dashed as well.
    assert_eq!(select(&html, "g.legend line").len(), 6);
    assert_eq!(select(&html, "g.legend line[stroke-dasharray]").len(), 1);
    // The most serious links are drawn last, on top, and listed first in the table.
    let last = select(&html, "g.links path")
        .last()
        .copied()
        .expect("links");
    assert!(last.value().classes().any(|c| c == "link-unapproved"));
    let states: Vec<String> = select(&html, "tbody tr td:last-child")
        .iter()
        .map(|td| td.text().collect::<String>().trim().to_string())
        .collect();
    assert_eq!(states.len(), 11);
    assert_eq!(states[0], "Unapproved");
    assert_eq!(states[10], "Approved, not seen in routing");
}

#[test]
fn a_line_runs_from_its_domestic_row_to_its_foreign_row() {
    let view = MapView::new(small_map(), map_labels("en"));
    let row_middle = |label: &str| {
        view.boxes
            .iter()
            .flat_map(|b| &b.items)
            .find(|i| i.text == label)
            .map(|i| i.y - BASELINE + ROW / 2)
            .unwrap_or_else(|| panic!("a row {label}"))
    };
    let sibling = view
        .links
        .iter()
        .find(|l| l.class == "sibling")
        .expect("the sibling link");
    assert_eq!(sibling.y1, row_middle("AS64496"));
    assert_eq!(sibling.y2, row_middle("AS65539 Lion City IX Peers"));
    assert!(sibling.x1 < sibling.x2);
    assert_eq!(
        sibling.title,
        "Mekong Broadband AS64496 → AS65539 Lion City IX Peers Singapore (SG): Provider's own group abroad"
    );
}

#[test]
fn country_boxes_hold_their_networks_and_come_by_number_of_links() {
    let view = MapView::new(small_map(), map_labels("en"));
    let html = Html::parse_fragment(&render_map(&view));
    let boxes = select(&html, "g.map-country");
    let codes: Vec<&str> = boxes
        .iter()
        .map(|b| b.value().attr("data-country").unwrap_or_default())
        .collect();
    // Thailand has six links, Vietnam three, Singapore two.
    assert_eq!(codes, ["TH", "VN", "SG"]);
    let mut expected: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    expected.insert(
        "TH",
        vec![
            "AS65536 Siam Backbone",
            "AS65537 Chao Phraya Transit",
            "AS65540",
        ],
    );
    expected.insert("VN", vec!["AS65538 Red River Telecom"]);
    expected.insert("SG", vec!["AS65539 Lion City IX Peers"]);
    let mut previous_bottom = 0;
    for b in boxes {
        let code = b.value().attr("data-country").unwrap_or_default();
        let rect = within(b, "rect")[0];
        let (top, bottom) = (
            number(&rect, "y"),
            number(&rect, "y") + number(&rect, "height"),
        );
        assert!(top > previous_bottom, "boxes do not overlap");
        previous_bottom = bottom;
        let mut items: Vec<String> = Vec::new();
        for text in within(b, "text.box-item") {
            let y = number(&text, "y");
            assert!(
                top < y - BASELINE && y + 6 <= bottom,
                "{code}: row inside its box"
            );
            items.push(own_text(&text));
        }
        items.sort();
        assert_eq!(items, expected[code], "{code}");
        let heading = own_text(&within(b, "text.box-heading")[0]);
        assert!(heading.ends_with(&format!("({code})")), "{heading}");
    }
}

/// A text's line: its side of the map, its anchor, and its baseline, left and right ends
/// (judged at the average character width).
struct Placed {
    left_side: bool,
    anchor: String,
    y: i64,
    from: i64,
    to: i64,
}

fn placed(html: &Html) -> Vec<Placed> {
    select(html, "text.column-heading, text.box-heading, text.box-item")
        .iter()
        .map(|t| {
            let x = number(t, "x");
            let width = own_text(t).chars().filter(|c| !is_mark(*c)).count() as i64 * CHAR_WIDTH;
            let anchor = t.value().attr("text-anchor").unwrap_or("start").to_string();
            let (from, to) = if anchor == "end" {
                (x - width, x)
            } else {
                (x, x + width)
            };
            Placed {
                left_side: x < MAP_WIDTH / 2,
                anchor,
                y: number(t, "y"),
                from,
                to,
            }
        })
        .collect()
}

#[test]
fn no_two_label_rows_overlap_on_a_country_sized_map() {
    let input = large_map();
    let (providers, networks) = (input.providers.len(), input.foreign.len());
    assert!(providers >= 29 && networks == 80);
    let view = MapView::new(input, map_labels("en"));
    let html = Html::parse_fragment(&render_map(&view));
    let texts = placed(&html);
    for left_side in [true, false] {
        for anchor in ["start", "end"] {
            let mut ys: Vec<i64> = texts
                .iter()
                .filter(|t| t.left_side == left_side && t.anchor == anchor)
                .map(|t| t.y)
                .collect();
            ys.sort();
            for pair in ys.windows(2) {
                assert!(
                    pair[1] - pair[0] >= ROW,
                    "rows at {} and {} overlap",
                    pair[0],
                    pair[1]
                );
            }
        }
    }
    // A provider's name beside its first ASN ends well before it; every text stays inside
    // its column.
    for a in &texts {
        for b in &texts {
            if a.y == b.y && a.left_side == b.left_side && a.anchor == "start" && b.anchor == "end"
            {
                assert!(a.to + CHAR_WIDTH <= b.from, "texts at {} touch", a.y);
            }
        }
        let (left, right) = if a.left_side {
            (LEFT_X, LEFT_X + COLUMN_WIDTH)
        } else {
            (RIGHT_X, RIGHT_X + COLUMN_WIDTH)
        };
        assert!(
            left <= a.from && a.to <= right,
            "a text at {} leaves its column",
            a.y
        );
    }
    assert!(texts.iter().any(|t| t.left_side && t.anchor == "end"));
    // The drawing is tall enough for its last box.
    let height = number(&select(&html, "svg")[0], "height");
    for rect in select(&html, "g.map-box rect") {
        assert!(number(&rect, "y") + number(&rect, "height") <= height);
    }
    // A long name is shortened on the map, whole on hover and in the table.
    let long = "Mekong Regional Satellite Communications Public Company Limited";
    let heading = select(&html, "text.box-heading")
        .into_iter()
        .find(|t| t.text().any(|s| s == long))
        .expect("the long name's heading");
    assert!(own_text(&heading).ends_with('…'));
    assert!(own_text(&heading).chars().count() <= HEADING_CHARS);
    assert!(render_map(&view).contains(&format!("<td data-label=\"Provider\">{long}</td>")));
}

#[test]
fn hostile_names_come_out_escaped() {
    let script = "<script>alert(1)</script>";
    let image = "\"><img src=x onerror=f()>";
    let mut input = small_map();
    input.providers.push(provider(script, &[64500]));
    input.foreign.push(network(65541, image, "T<H"));
    input.links.push(link(64500, 65541, LinkState::Unapproved));
    let mut labels = map_labels("en");
    labels.title = "Links & <b>bold</b>".into();
    let view = MapView::new(input, labels);
    let rendered = render_map(&view);
    assert!(!rendered.contains("<script"), "{rendered}");
    assert!(!rendered.contains("<img"));
    assert!(!rendered.contains("<b>"));
    assert!(!rendered.contains("T<H"));
    // Read back, the names are what was given: escaped, not mangled.
    let html = Html::parse_fragment(&rendered);
    let headings: Vec<String> = select(&html, "text.box-heading")
        .iter()
        .map(own_text)
        .collect();
    assert!(headings.contains(&script.to_string()));
    assert!(headings.contains(&"T<H".to_string()));
    let items: Vec<String> = select(&html, "text.box-item")
        .iter()
        .map(own_text)
        .collect();
    assert!(items.contains(&format!("AS65541 {image}")));
    let svg = select(&html, "svg")[0];
    assert_eq!(svg.value().attr("aria-label"), Some("Links & <b>bold</b>"));
}

#[test]
fn networks_known_only_from_a_link_are_still_drawn() {
    let input = MapInput {
        providers: vec![provider("Mekong Broadband", &[64496])],
        foreign: vec![network(65536, "Siam Backbone", "TH")],
        links: vec![
            link(64496, 65536, LinkState::Approved),
            link(64511, 65536, LinkState::Unapproved),
            link(64496, 65551, LinkState::Unapproved),
        ],
    };
    let view = MapView::new(input, map_labels("en"));
    let headings: Vec<&str> = view.boxes.iter().map(|b| b.heading.text.as_str()).collect();
    assert_eq!(
        headings,
        [
            "Mekong Broadband",
            "Unregistered domestic networks",
            "Thailand (TH)",
            "Country unknown"
        ]
    );
    assert_eq!(view.boxes[1].items[0].text, "AS64511");
    assert_eq!(view.boxes[3].items[0].text, "AS65551");
    assert_eq!(view.links.len(), 3);
    assert!(
        view.rows
            .iter()
            .any(|r| r.provider == "Unregistered domestic networks")
    );
}

#[test]
fn an_empty_map_says_there_is_no_data_instead_of_drawing() {
    let labels = map_labels("en");
    let no_data = labels.no_data.clone();
    let rendered = render_map(&MapView::new(MapInput::default(), labels));
    assert!(!rendered.contains("<svg"));
    assert!(!rendered.contains("<table"));
    let html = Html::parse_fragment(&rendered);
    assert_eq!(
        select(&html, "p.no-data")[0].text().collect::<String>(),
        no_data
    );
}

#[test]
fn long_text_is_cut_between_letters_never_inside_one() {
    assert_eq!(fit("short", 10), ("short".to_string(), None));
    let (cut, full) = fit("Lao National Backbone", 8);
    assert_eq!(cut, "Lao Nat…");
    assert_eq!(full.as_deref(), Some("Lao National Backbone"));
    // ບໍ່ carries two marks and ມີ one: they stay with their letters and count no width.
    assert_eq!(fit("ບໍ່ມີການອະນຸມັດ", 4).0, "ບໍ່ມີກ…");
    assert_eq!(fit("ບໍ່ມີ", 2).0, "ບໍ່ມີ");
}

#[test]
fn risk_bands_follow_the_frontier_thresholds() {
    let bands: Vec<(u32, RiskBand)> = [0, 1, 2, 3, 9, 10, 40, 41, 500]
        .into_iter()
        .map(|n| (n, risk_band(n)))
        .collect();
    use RiskBand::*;
    assert_eq!(
        bands,
        [
            (0, Severe),
            (1, Severe),
            (2, Severe),
            (3, Significant),
            (9, Significant),
            (10, Low),
            (40, Low),
            (41, Resistant),
            (500, Resistant)
        ]
    );
}

#[test]
fn axis_ticks_are_round_and_cover_the_largest_value() {
    for max in [
        0, 1, 2, 3, 5, 7, 9, 10, 11, 12, 40, 41, 99, 100, 101, 487, 999, 1234, 99_999,
    ] {
        let ticks = axis_ticks(max);
        let step = ticks[1] - ticks[0];
        assert_eq!(ticks[0], 0);
        assert!(ticks.windows(2).all(|w| w[1] - w[0] == step), "{ticks:?}");
        let mut mantissa = step;
        while mantissa % 10 == 0 {
            mantissa /= 10;
        }
        assert!([1, 2, 5].contains(&mantissa), "step {step} for {max}");
        let top = *ticks.last().expect("ticks");
        assert!(top >= max && top - step < max.max(1), "{max}: {ticks:?}");
        assert!(ticks.len() <= 6, "{max}: {ticks:?}");
    }
    assert_eq!(axis_ticks(7), [0, 2, 4, 6, 8]);
    assert_eq!(axis_ticks(101), [0, 50, 100, 150]);
}

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 6).expect("a date") + Days::new(n)
}

fn point(n: u64, adjacencies: u32, unapproved: u32, open: &[u32], frontier: u32) -> TrendPoint {
    TrendPoint {
        date: day(n),
        adjacencies,
        unapproved,
        open_findings: open.to_vec(),
        frontier,
    }
}

fn y_labels(chart: ElementRef) -> Vec<i64> {
    within(chart, "text.y-label")
        .iter()
        .map(|t| own_text(t).parse().expect("a number"))
        .collect()
}

#[test]
fn the_charts_axes_reach_the_largest_value_in_round_steps() {
    let points = vec![
        point(0, 38, 4, &[3, 1], 7),
        point(7, 47, 6, &[5, 2], 12),
        point(14, 43, 2, &[4, 0], 11),
    ];
    let view = TrendsView::new(points, trend_labels("en", kind_labels("en")));
    let html = Html::parse_fragment(&render_trends(&view));
    let charts = select(&html, "svg");
    assert_eq!(charts.len(), 3);
    assert_eq!(y_labels(charts[0]), [0, 10, 20, 30, 40, 50]);
    assert_eq!(y_labels(charts[1]), [0, 2, 4, 6, 8]);
    assert_eq!(y_labels(charts[2]), [0, 5, 10, 15]);
    // 47 on an axis up to 50, 220 high: 207 above the axis.
    let top = view.adjacencies.plot_bottom - 207;
    assert!(
        view.adjacencies.lines[0]
            .points
            .contains(&format!(",{top}"))
    );
    for chart in charts {
        assert_eq!(chart.value().attr("role"), Some("img"));
        assert!(
            chart
                .value()
                .attr("aria-label")
                .is_some_and(|l| !l.is_empty())
        );
    }
}

/// The rectangles of a path of stacked bars: (x, top, width, height).
fn rectangles(path: &str) -> Vec<(i64, i64, i64, i64)> {
    path.split('M')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            let numbers: Vec<i64> = part
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().expect("a number"))
                .collect();
            (numbers[0], numbers[1], numbers[2], numbers[3])
        })
        .collect()
}

#[test]
fn stacked_bars_rise_to_each_imports_total_of_open_findings() {
    let kinds: Vec<String> = (0..10).map(|i| format!("Kind {i}")).collect();
    let counts = [2, 1, 0, 3, 1, 0, 0, 1, 1, 1];
    let view = TrendsView::new(
        vec![point(0, 10, 1, &counts, 5), point(30, 10, 1, &[4], 5)],
        trend_labels("en", kinds),
    );
    let chart = &view.findings;
    assert_eq!(chart.legend.len(), 10);
    assert_eq!(chart.stacks.len(), 10);
    let bottom = chart.plot_bottom;
    // The axis ends at 10; each finding is 22 high.
    let mut first_bar_top = bottom;
    for (k, stack) in chart.stacks.iter().enumerate() {
        let bars = rectangles(&stack.path);
        let expected = usize::from(counts[k] > 0) + usize::from(k == 0);
        assert_eq!(bars.len(), expected, "kind {k}");
        if let Some(bar) = bars.first().filter(|_| counts[k] > 0) {
            assert_eq!(
                bar.1 + bar.3,
                first_bar_top,
                "kind {k} sits on the one below"
            );
            assert_eq!(bar.3, 22 * i64::from(counts[k]));
            first_bar_top = bar.1;
        }
    }
    assert_eq!(first_bar_top, bottom - 220, "ten findings reach the top");
    let html = Html::parse_fragment(&render_trends(&view));
    let table = select(&html, "table.figures")[1];
    assert_eq!(within(table, "thead th").len(), 11);
    let second: Vec<String> = within(table, "tbody tr")[1]
        .text()
        .map(str::to_string)
        .collect();
    assert_eq!(second[..3], ["2025-02-05", "4", "0"]);
}

#[test]
fn the_frontier_is_drawn_over_its_named_risk_bands() {
    let view = TrendsView::new(
        vec![point(0, 40, 1, &[], 2), point(60, 50, 1, &[], 45)],
        trend_labels("en", Vec::new()),
    );
    let chart = &view.frontier;
    let classes: Vec<&str> = chart.bands.iter().map(|b| b.class).collect();
    assert_eq!(classes, ["severe", "significant", "low", "resistant"]);
    // The bands fill the plot from the axis up, each one meeting the next.
    assert_eq!(chart.bands[0].y + chart.bands[0].height, chart.plot_bottom);
    for pair in chart.bands.windows(2) {
        assert_eq!(pair[1].y + pair[1].height, pair[0].y);
    }
    assert_eq!(chart.bands[3].y, chart.plot_top);
    // The axis ends at 50: 2.5 is 11 high, 9.5 is 42, 40.5 is 178.
    let heights: Vec<i64> = chart.bands.iter().map(|b| b.height).collect();
    assert_eq!(heights, [11, 31, 136, 42]);
    let named: Vec<&str> = chart
        .bands
        .iter()
        .filter_map(|b| b.label.as_ref().map(|l| l.text.as_str()))
        .collect();
    assert_eq!(
        named,
        [
            "Significant risk: under 10",
            "Low risk: 10–40",
            "Resistant: over 40"
        ]
    );
    assert_eq!(chart.legend.len(), 5, "the line and the four bands");
    let rows: Vec<&str> = chart.rows.iter().map(|r| r.values[1].as_str()).collect();
    assert_eq!(rows, ["Severe risk: 1–2", "Resistant: over 40"]);
    let html = Html::parse_fragment(&render_trends(&view));
    let svg = select(&html, "svg")[2];
    assert_eq!(within(svg, "rect.band").len(), 4);
    assert_eq!(within(svg, "polyline.series-frontier").len(), 1);
}

#[test]
fn one_import_is_drawn_as_marks_in_the_middle() {
    let view = TrendsView::new(
        vec![point(0, 12, 3, &[1, 2], 4)],
        trend_labels("en", kind_labels("en")),
    );
    let html = Html::parse_fragment(&render_trends(&view));
    assert_eq!(select(&html, "svg").len(), 3);
    assert!(
        select(&html, "polyline").is_empty(),
        "no line through a single point"
    );
    let marks = select(&html, "circle.marker");
    assert_eq!(marks.len(), 3);
    let middle = (PLOT_LEFT + PLOT_RIGHT) / 2;
    assert!(marks.iter().all(|m| number(m, "cx") == middle));
    let bar = rectangles(&view.findings.stacks[0].path)[0];
    assert_eq!((bar.0, bar.2), (middle - BAR_WIDTH / 2, BAR_WIDTH));
    let dates: Vec<String> = select(&html, "text.x-label").iter().map(own_text).collect();
    assert_eq!(dates, ["2025-01-06"; 3]);
}

#[test]
fn five_hundred_imports_keep_their_date_labels_apart() {
    let points: Vec<TrendPoint> = (0..500)
        .map(|i| {
            point(
                i,
                40 + (i % 17) as u32,
                (i % 5) as u32,
                &[1, 2, 3],
                8 + (i % 7) as u32,
            )
        })
        .collect();
    let view = TrendsView::new(points, trend_labels("en", kind_labels("en")));
    let html = Html::parse_fragment(&render_trends(&view));
    for svg in select(&html, "svg") {
        let labels = within(svg, "text.x-label");
        let xs: Vec<i64> = labels.iter().map(|t| number(t, "x")).collect();
        assert!(xs.len() >= 4 && xs.len() <= 9, "{xs:?}");
        for pair in xs.windows(2) {
            // A date is ten characters: about 70 units of 13-unit text.
            assert!(pair[1] - pair[0] >= 80, "{xs:?}");
        }
        assert!(xs[0] - 35 >= 0 && xs[xs.len() - 1] + 35 <= CHART_WIDTH);
        assert_eq!(own_text(&labels[0]), "2025-01-06");
        assert_eq!(own_text(labels.last().expect("a label")), "2026-05-20");
        assert!(
            within(svg, "circle").is_empty(),
            "too many imports to mark each"
        );
    }
    let line = &view.adjacencies.lines[0];
    assert_eq!(line.points.split(' ').count(), 500);
    assert_eq!(view.findings.rows.len(), 500);
}

#[test]
fn no_import_shows_a_message_instead_of_each_chart() {
    let labels = trend_labels("en", kind_labels("en"));
    let no_data = labels.no_data.clone();
    let rendered = render_trends(&TrendsView::new(Vec::new(), labels));
    assert!(!rendered.contains("<svg"));
    let html = Html::parse_fragment(&rendered);
    let messages: Vec<String> = select(&html, "p.no-data")
        .iter()
        .map(|p| p.text().collect())
        .collect();
    assert_eq!(messages, vec![no_data; 3]);
    assert_eq!(select(&html, "figcaption").len(), 3);
}

/// The SVG drawings of a rendered fragment, each made a file of its own: with the
/// namespace it already declares and the stylesheet it is drawn with.
fn standalone(rendered: &str, style: &str) -> Vec<String> {
    rendered
        .split("<svg ")
        .skip(1)
        .map(|rest| {
            let body = &rest[..rest.find("</svg>").expect("a closed svg") + 6];
            let open = body.find('>').expect("an open tag") + 1;
            format!(
                "<svg {}<style>{style}</style>{}",
                &body[..open],
                &body[open..]
            )
        })
        .collect()
}

/// The trend charts one under the other in one drawing, each under its title.
fn stacked(charts: &[String], titles: &[&str], style: &str) -> String {
    let mut y = 0;
    let mut body = String::new();
    for (chart, title) in charts.iter().zip(titles) {
        body.push_str(&format!(
            "<text x=\"8\" y=\"{}\" class=\"sample-title\">{}</text>",
            y + 20,
            title.replace('&', "&amp;").replace('<', "&lt;")
        ));
        y += 28;
        let height: i64 = chart
            .split("height=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("a height");
        body.push_str(&chart.replacen("<svg ", &format!("<svg y=\"{y}\" "), 1));
        y += height + 16;
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"{y}\" viewBox=\"0 0 720 {y}\"><style>{style}</style><rect width=\"720\" height=\"{y}\" fill=\"#fff\"></rect>{body}</svg>"
    )
}

/// Two years of weekly imports, with a gap, as a country's figures might move.
fn sample_points() -> Vec<TrendPoint> {
    let mut dice = Dice(7);
    let mut points = Vec::new();
    let mut adjacencies = 34;
    let mut frontier = 6;
    for week in 0..104u64 {
        if (40..46).contains(&week) {
            continue;
        }
        adjacencies = (adjacencies + dice.roll(5) as u32)
            .saturating_sub(1)
            .min(75);
        if dice.roll(6) == 0 {
            frontier = (frontier + 1).min(14);
        }
        let unapproved = 2 + dice.roll(6) as u32 + u32::from(week > 60) * 3;
        let open: Vec<u32> = (0..6).map(|k| dice.roll(5 - k.min(3)) as u32).collect();
        points.push(point(week * 7, adjacencies, unapproved, &open, frontier));
    }
    points
}

/// Writes `target/samples/{map,trends}{,-lo}.svg` to look at (convert them to PNG with
/// ImageMagick: `convert -density 96 map.svg map.png`), and the HTML fragments they come
/// from, `{map,trends}{,-lo}.html`.
#[test]
#[ignore = "writes sample drawings to look at"]
fn write_samples() {
    let dir = format!("{}/target/samples", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(&dir).expect("the samples folder");
    let css = std::fs::read_to_string(format!(
        "{}/static/monitoring.css",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the stylesheet");
    let style = format!(
        "{css}\nsvg.mon-chart text, .sample-title {{ font-family: \"DejaVu Sans\", \"Phetsarath OT\", sans-serif; }}"
    );
    for lang in ["en", "lo"] {
        let suffix = if lang == "en" { "" } else { "-lo" };
        let map = MapView::new(large_map(), map_labels(lang));
        let fragment = render_map(&map);
        std::fs::write(format!("{dir}/map{suffix}.html"), &fragment).expect("map written");
        let drawing = standalone(&fragment, &style).remove(0);
        std::fs::write(format!("{dir}/map{suffix}.svg"), drawing).expect("map written");
        let labels = trend_labels(lang, kind_labels(lang));
        let titles = [
            labels.adjacencies_title.clone(),
            labels.findings_title.clone(),
            labels.frontier_title.clone(),
        ];
        let trends = TrendsView::new(sample_points(), labels);
        let fragment = render_trends(&trends);
        std::fs::write(format!("{dir}/trends{suffix}.html"), &fragment).expect("trends written");
        let charts = standalone(&fragment, &style);
        let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
        std::fs::write(
            format!("{dir}/trends{suffix}.svg"),
            stacked(&charts, &titles, &style),
        )
        .expect("trends written");
    }
}

#[test]
fn a_long_country_name_is_cut_before_its_code() {
    let mut input = small_map();
    input.foreign.push(network(65545, "Harbour Transit", "HK"));
    input.links.push(link(64496, 65545, LinkState::Approved));
    let view = MapView::new(input, map_labels("en"));
    let hong_kong = view
        .boxes
        .iter()
        .find(|b| b.code == "HK")
        .expect("a box for Hong Kong");
    assert!(
        hong_kong.heading.text.ends_with("… (HK)"),
        "{}",
        hong_kong.heading.text
    );
    assert!(hong_kong.heading.text.starts_with("Hong Kong (Special"));
    assert!(hong_kong.heading.text.chars().count() <= HEADING_CHARS);
    assert_eq!(
        hong_kong.heading.full.as_deref(),
        Some("Hong Kong (Special Administrative Region of China) (HK)")
    );
}
