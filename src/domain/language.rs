//! The two languages of the product and how a request's language is chosen.

/// A language a person can read the product in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Lao, the default: the regulator's own language.
    #[default]
    Lo,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Lo, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Lo => "lo",
            Lang::En => "en",
        }
    }

    /// Parses a language code or a tag such as `lo-LA` or `en-GB`.
    pub fn parse(raw: &str) -> Option<Lang> {
        let primary = raw.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "lo" => Some(Lang::Lo),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best supported language in an `Accept-Language` header, by quality value.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag)
                && quality > 0.0
                && best.is_none_or(|(_, q)| quality > q)
            {
                best = Some((lang, quality));
            }
        }
        best.map(|(lang, _)| lang)
    }

    /// Chooses the language: the user's saved preference, then the cookie, then the
    /// browser's `Accept-Language`, then Lao.
    pub fn choose(
        preference: Option<&str>,
        cookie: Option<&str>,
        accept_language: Option<&str>,
    ) -> Lang {
        preference
            .and_then(Lang::parse)
            .or_else(|| cookie.and_then(Lang::parse))
            .or_else(|| accept_language.and_then(Lang::from_accept_language))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_highest_quality_supported_tag() {
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.8, lo;q=0.9"),
            Some(Lang::Lo)
        );
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr, de;q=0.5"), None);
        assert_eq!(
            Lang::from_accept_language("lo;q=0, en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language(";;;,,"), None);
    }

    #[test]
    fn preference_beats_cookie_beats_header() {
        assert_eq!(Lang::choose(Some("en"), Some("lo"), Some("lo")), Lang::En);
        assert_eq!(Lang::choose(None, Some("en"), Some("lo")), Lang::En);
        assert_eq!(Lang::choose(None, Some("xx"), Some("en-US")), Lang::En);
        assert_eq!(Lang::choose(None, None, None), Lang::Lo);
    }
}
