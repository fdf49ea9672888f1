//! Reading what the application sends back: an HTML page or e-mail is parsed as a browser
//! would and must hold no element, attribute or URL an attacker put there; JSON must
//! parse; a CSV cell must never start a formula. Where a payload is expected, it must be
//! shown exactly as typed. Every check is counted for the tally.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use scraper::{Html, Node};
use serde_json::Value;

use super::corpus::has_marker;

/// Elements no page or e-mail of the application ever contains: an attacker's.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "math",
    "template",
    "noscript",
    "noembed",
    "noframes",
    "marquee",
    "xmp",
    "img",
    "image",
    "video",
    "audio",
    "details",
    "animate",
    "set",
    "foreignobject",
    "mglyph",
];

/// Attributes whose value is a URL a browser may follow or run.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "xlink:href",
];

/// What a payload sent through a field should look like where it is shown.
#[derive(Debug, Clone)]
pub struct Expect {
    pub payload: usize,
    pub field: &'static str,
    pub text: String,
}

impl Expect {
    pub fn new(payload: usize, field: &'static str, text: impl Into<String>) -> Self {
        Self {
            payload,
            field,
            text: text.into(),
        }
    }

    /// The same payload as a JSON string literal shows it, without the quotes (the
    /// audit log shows changes as JSON).
    pub fn json_escaped(&self) -> Self {
        let quoted = serde_json::to_string(&self.text).expect("a string serialises");
        Self {
            text: quoted[1..quoted.len() - 1].to_string(),
            ..self.clone()
        }
    }
}

/// The counts of the tally: distinct (payload, field, output) combinations verified, and
/// documents inspected by kind.
#[derive(Default)]
struct Counts {
    combinations: BTreeSet<(usize, &'static str, String)>,
    documents: BTreeMap<&'static str, usize>,
}

/// Inspects documents and keeps the tally.
#[derive(Default)]
pub struct Inspector {
    counts: Mutex<Counts>,
}

impl Inspector {
    fn counted(&self, kind: &'static str, output: &str, shown: &[Expect]) {
        let mut counts = self.counts.lock().expect("tally");
        *counts.documents.entry(kind).or_default() += 1;
        for e in shown {
            counts
                .combinations
                .insert((e.payload, e.field, output.to_string()));
        }
    }

    /// An HTML page: nothing injected, and each expectation shown as typed.
    pub fn page(&self, output: &str, html: &str, shown: &[Expect]) {
        let doc = Html::parse_document(html);
        assert_inert(&doc, html, output);
        for e in shown {
            assert!(
                html_shows(&doc, &e.text),
                "{output}: payload {} through {} is not shown as typed: {:?}\n{html}",
                e.payload,
                e.field,
                e.text
            );
        }
        self.counted("HTML page", output, shown);
    }

    /// The pages of one output (a list paged through): each inert, and each expectation
    /// shown on one of them.
    pub fn pages(&self, output: &str, pages: &[String], shown: &[Expect]) {
        let docs: Vec<Html> = pages.iter().map(|p| Html::parse_document(p)).collect();
        for (doc, source) in docs.iter().zip(pages) {
            assert_inert(doc, source, output);
        }
        for e in shown {
            assert!(
                docs.iter().any(|doc| html_shows(doc, &e.text)),
                "{output}: payload {} through {} is on none of its pages: {:?}",
                e.payload,
                e.field,
                e.text
            );
        }
        for i in 0..docs.len() {
            self.counted("HTML page", output, if i == 0 { shown } else { &[] });
        }
    }

    /// An HTML page that must be inert; whatever it shows is not checked.
    pub fn inert(&self, output: &str, html: &str) {
        assert_inert(&Html::parse_document(html), html, output);
        self.counted("HTML page", output, &[]);
    }

    /// An e-mail's HTML and plain-text parts.
    pub fn email(&self, output: &str, html: &str, text: &str, shown: &[Expect]) {
        let doc = Html::parse_document(html);
        assert_inert(&doc, html, output);
        let text = normalise(text);
        for e in shown {
            assert!(
                html_shows(&doc, &e.text),
                "{output}: payload {} through {} is not in the HTML part as typed: {:?}\n{html}",
                e.payload,
                e.field,
                e.text
            );
            assert!(
                text.contains(&normalise(&e.text)),
                "{output}: payload {} through {} is not in the text part as typed: {:?}\n{text}",
                e.payload,
                e.field,
                e.text
            );
        }
        self.counted("e-mail", output, shown);
    }

    /// A JSON document: it parses, and each expectation is one of its strings, exactly.
    pub fn json(&self, output: &str, body: &str, shown: &[Expect]) -> Value {
        let value: Value = serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("{output}: not valid JSON ({e}): {body}"));
        let mut strings = Vec::new();
        collect_strings(&value, &mut strings);
        for e in shown {
            assert!(
                strings.iter().any(|s| *s == e.text),
                "{output}: payload {} through {} is not a JSON string as typed: {:?}\n{body}",
                e.payload,
                e.field,
                e.text
            );
        }
        self.counted("JSON document", output, shown);
        value
    }

    /// A CSV export: it starts with a UTF-8 byte-order mark; no cell, nor any piece of one after a separator a spreadsheet may
    /// split on, starts a formula, and each expectation is a cell (with the apostrophes
    /// that neutralise its formulas).
    pub fn csv(&self, output: &str, body: &str, shown: &[Expect]) -> Vec<Vec<String>> {
        let body = body
            .strip_prefix('\u{feff}')
            .unwrap_or_else(|| panic!("{output}: no UTF-8 byte-order mark first"));
        let rows = parse_csv(body).unwrap_or_else(|e| panic!("{output}: {e}\n{body}"));
        let width = rows.first().map_or(0, Vec::len);
        for row in &rows {
            assert_eq!(
                row.len(),
                width,
                "{output}: a row of another width: {row:?}"
            );
            for cell in row {
                assert!(
                    !cell
                        .split_inclusive(CSV_SEPARATORS)
                        .any(|piece| piece.trim_start_matches(' ').starts_with(FORMULA_STARTS)),
                    "{output}: a cell starts a formula: {cell:?}"
                );
            }
        }
        for e in shown {
            let neutralised = neutralised(&e.text);
            assert!(
                rows.iter().flatten().any(|cell| *cell == neutralised),
                "{output}: payload {} through {} is not a cell: {neutralised:?}\n{body}",
                e.payload,
                e.field
            );
        }
        self.counted("CSV export", output, shown);
        rows
    }

    /// Counts a response that was checked by its status and content only.
    pub fn response(&self, kind: &'static str, output: &str) {
        self.counted(kind, output, &[]);
    }

    /// The tally as lines of text.
    pub fn report(&self, title: &str) -> String {
        let counts = self.counts.lock().expect("tally");
        let payloads: BTreeSet<usize> = counts.combinations.iter().map(|c| c.0).collect();
        let fields: BTreeSet<&str> = counts.combinations.iter().map(|c| c.1).collect();
        let outputs: BTreeSet<&str> = counts.combinations.iter().map(|c| c.2.as_str()).collect();
        let mut out = format!("{title}\n");
        if !counts.combinations.is_empty() {
            out.push_str(&format!(
                "  {} payloads × {} fields × {} outputs: {} combinations verified\n",
                payloads.len(),
                fields.len(),
                outputs.len(),
                counts.combinations.len()
            ));
        }
        for (kind, n) in &counts.documents {
            out.push_str(&format!("  {kind}: {n} inspected\n"));
        }
        out
    }
}

/// Whether a page says `message` (its text, entities decoded, in one text node).
pub fn says(html: &str, message: &str) -> bool {
    html_shows(&Html::parse_document(html), message)
}

/// The text as an HTML parser reads it: line breaks become LF, NUL characters are
/// dropped or replaced.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace(['\0', '\u{FFFD}'], "")
}

/// Whether the payload is one text node's content (or part of it), or an input's value.
fn html_shows(doc: &Html, expected: &str) -> bool {
    let expected = normalise(expected);
    doc.tree.nodes().any(|node| match node.value() {
        Node::Text(text) => normalise(text).contains(&expected),
        Node::Element(el) => TEXT_ATTRIBUTES.iter().any(|attr| {
            el.attr(attr)
                .is_some_and(|v| normalise(v).contains(&expected))
        }),
        _ => false,
    })
}

/// Attributes a browser shows as plain text, never reads as markup or a URL: an escaped
/// value may be shown there as typed.
const TEXT_ATTRIBUTES: [&str; 2] = ["value", "title"];

/// Panics if the document holds anything an attacker could have put there: a forbidden
/// element, an event handler, a script URL, or a marker anywhere but in text, values and
/// titles.
fn assert_inert(doc: &Html, source: &str, output: &str) {
    for node in doc.tree.nodes() {
        let Node::Element(el) = node.value() else {
            continue;
        };
        let name = el.name();
        let fail = |what: String| -> ! {
            panic!("{output}: injected {what}\n{source}");
        };
        if FORBIDDEN_ELEMENTS.contains(&name) || has_marker(name) {
            fail(format!("element <{name}>"));
        }
        for (attr, value) in el.attrs() {
            let lower = attr.to_ascii_lowercase();
            if lower.starts_with("on") || lower == "srcdoc" || has_marker(&lower) {
                fail(format!("attribute {attr}={value:?} on <{name}>"));
            }
            if name == "meta" && lower == "http-equiv" {
                fail(format!("<meta http-equiv={value:?}>"));
            }
            if URL_ATTRIBUTES.contains(&lower.as_str()) {
                let squeezed: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                let scheme = ["javascript:", "vbscript:", "data:"]
                    .iter()
                    .any(|s| squeezed.starts_with(s));
                let elsewhere = squeezed.starts_with("//") || squeezed.starts_with("/\\");
                if scheme || elsewhere {
                    fail(format!("URL {attr}={value:?} on <{name}>"));
                }
                if has_marker(value) && !(value.starts_with('/') || value.starts_with('?')) {
                    fail(format!("URL {attr}={value:?} on <{name}>"));
                }
                if name == "link" && !value.starts_with("/static/") {
                    fail(format!("stylesheet {value:?}"));
                }
            } else if !TEXT_ATTRIBUTES.contains(&lower.as_str()) && has_marker(value) {
                fail(format!("attribute {attr}={value:?} on <{name}>"));
            }
        }
    }
}

fn collect_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// Where a spreadsheet may split a line into cells.
const CSV_SEPARATORS: [char; 6] = [',', ';', '\t', '|', '\n', '\r'];

/// What makes a spreadsheet take a cell for a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as a CSV export must show it: an apostrophe before each piece (the text's start,
/// and what follows each separator) that would start a formula.
fn neutralised(text: &str) -> String {
    text.split_inclusive(CSV_SEPARATORS)
        .map(|piece| {
            if piece.trim_start_matches(' ').starts_with(FORMULA_STARTS) {
                format!("'{piece}")
            } else {
                piece.to_string()
            }
        })
        .collect()
}

/// Splits RFC 4180 CSV into rows of cells.
pub fn parse_csv(body: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let (mut row, mut cell) = (Vec::new(), String::new());
    let mut chars = body.chars().peekable();
    let mut quoted = false;
    let mut started = false;
    while let Some(c) = chars.next() {
        started = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() => quoted = true,
            '"' => return Err(format!("a quote inside an unquoted cell: {cell:?}")),
            ',' => row.push(std::mem::take(&mut cell)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
                started = false;
            }
            _ => cell.push(c),
        }
    }
    if quoted {
        return Err("an unterminated quoted cell".to_string());
    }
    if started {
        row.push(cell);
        rows.push(row);
    }
    Ok(rows)
}

/// The inspection itself: it must find what an unescaped payload injects, and pass what
/// is escaped as a template would escape it.
mod checks {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::{Expect, Inspector};
    use crate::hostile::corpus::payloads;

    fn escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    }

    fn page(body: &str) -> String {
        format!("<!doctype html><html><head><title>t</title></head><body>{body}</body></html>")
    }

    fn passes(html: &str, expect: &Expect) -> bool {
        let inspector = Inspector::default();
        catch_unwind(AssertUnwindSafe(|| {
            inspector.page("check", html, std::slice::from_ref(expect))
        }))
        .is_ok()
    }

    #[test]
    fn an_escaped_payload_passes_and_an_unescaped_one_is_caught() {
        for p in payloads() {
            let text = p.text(1);
            let expect = Expect::new(p.index, "field", text.clone());
            let contexts = [
                |v: &str| format!("<p>{v}</p>"),
                |v: &str| format!("<input name=\"f\" value=\"{v}\">"),
                |v: &str| format!("<textarea name=\"f\">{v}</textarea>"),
            ];
            for context in contexts {
                let escaped = page(&context(&escape(&text)));
                assert!(passes(&escaped, &expect), "{}: {escaped}", p.name);
            }
            // Markup opens with `<` and a letter, `/` or `!`; an attribute closes at `"`.
            let markup = text.contains('"')
                || text.match_indices('<').any(|(at, _)| {
                    text[at + 1..]
                        .starts_with(|c: char| c.is_ascii_alphabetic() || "/!".contains(c))
                });
            if markup {
                let caught = contexts
                    .iter()
                    .any(|context| !passes(&page(&context(&text)), &expect));
                assert!(caught, "{}: the unescaped payload went unnoticed", p.name);
            }
        }
    }

    #[test]
    fn a_formula_cell_is_caught_and_a_neutralised_one_passes() {
        let inspector = Inspector::default();
        let expect = Expect::new(0, "name", "=1+1");
        inspector.csv(
            "check",
            "\u{feff}a,b\n'=1+1,\"x,\"\"y\"\"\"\n",
            std::slice::from_ref(&expect),
        );
        let caught = catch_unwind(AssertUnwindSafe(|| {
            inspector.csv(
                "check",
                "\u{feff}a,b\n=1+1,x\n",
                std::slice::from_ref(&expect),
            )
        }));
        assert!(caught.is_err());
        let split = Expect::new(0, "name", "x;=1+1");
        inspector.csv(
            "check",
            "\u{feff}a\nx;'=1+1\n",
            std::slice::from_ref(&split),
        );
        let caught = catch_unwind(AssertUnwindSafe(|| {
            inspector.csv("check", "\u{feff}a\nx;=1+1\n", std::slice::from_ref(&split))
        }));
        assert!(caught.is_err(), "a formula after a semicolon is caught");
        let rows = super::parse_csv("a,\"b\nc\",\"d\"\"e\"\r\nf,g,h\n").unwrap();
        assert_eq!(rows, [vec!["a", "b\nc", "d\"e"], vec!["f", "g", "h"]]);
    }
}
