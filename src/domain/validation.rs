//! Field-by-field validation results: each problem names its field and a translation key,
//! so a form can show it beside the field and an API can list it.

use std::collections::BTreeMap;

/// Problems found in submitted input, keyed by field name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<&'static str, &'static str>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with a field; the first problem found for a field is kept.
    pub fn add(&mut self, field: &'static str, message_key: &'static str) {
        self.0.entry(field).or_insert(message_key);
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.get(field).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.0.iter().map(|(k, v)| (*k, *v))
    }

    /// `Ok(value)` when nothing was recorded, the errors otherwise.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }

    /// Trims a text field and checks it is present (if required) and not too long.
    pub fn text(
        &mut self,
        field: &'static str,
        raw: &str,
        required: bool,
        max_chars: usize,
    ) -> String {
        let value = raw.trim();
        if required && value.is_empty() {
            self.add(field, "error-required");
        } else if value.chars().count() > max_chars {
            self.add(field, "error-too-long");
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.add(field, "error-control-characters");
        }
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_checks_presence_length_and_control_characters() {
        let mut errors = FieldErrors::new();
        assert_eq!(errors.text("a", "  kept  ", true, 10), "kept");
        errors.text("b", "   ", true, 10);
        errors.text("c", "eleven chars", true, 10);
        errors.text("d", "bell\u{7}", false, 10);
        errors.text("e", "", false, 10);
        assert_eq!(errors.get("a"), None);
        assert_eq!(errors.get("b"), Some("error-required"));
        assert_eq!(errors.get("c"), Some("error-too-long"));
        assert_eq!(errors.get("d"), Some("error-control-characters"));
        assert_eq!(errors.get("e"), None);
    }

    #[test]
    fn the_first_problem_for_a_field_is_kept() {
        let mut errors = FieldErrors::new();
        errors.add("x", "first");
        errors.add("x", "second");
        assert_eq!(errors.get("x"), Some("first"));
        assert!(errors.into_result(|| ()).is_err());
    }
}
