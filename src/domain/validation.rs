//! Field-by-field validation results: each problem names its field and a translation key,
//! so a form can show it beside the field and an API can list it.

use std::collections::BTreeMap;

/// Problems found in submitted input, keyed by field name, with the length limit of each
/// field found too long, so that its message can name it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    problems: BTreeMap<&'static str, &'static str>,
    limits: BTreeMap<&'static str, usize>,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with a field; the first problem found for a field is kept.
    pub fn add(&mut self, field: &'static str, message_key: &'static str) {
        self.problems.entry(field).or_insert(message_key);
    }

    /// Records that a field is longer than `max_chars` (unless it already has a problem).
    pub fn too_long(&mut self, field: &'static str, max_chars: usize) {
        if !self.problems.contains_key(field) {
            self.add(field, "error-too-long");
            self.limits.insert(field, max_chars);
        }
    }

    /// Adds `other`'s problems; where both name a field, the one recorded first is kept.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, key) in other.problems {
            match other.limits.get(field) {
                Some(max) => self.too_long(field, *max),
                None => self.add(field, key),
            }
        }
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.problems.get(field).copied()
    }

    /// The length limit a field was found to pass, if that is its problem.
    pub fn limit(&self, field: &str) -> Option<usize> {
        self.limits.get(field).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.problems.iter().map(|(k, v)| (*k, *v))
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
            self.too_long(field, max_chars);
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
        assert_eq!(errors.limit("c"), Some(10));
        assert_eq!(errors.limit("b"), None);
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

    #[test]
    fn merging_keeps_every_field_and_each_limit() {
        let mut errors = FieldErrors::new();
        errors.add("x", "first");
        let mut more = FieldErrors::new();
        more.add("x", "second");
        more.too_long("y", 200);
        more.add("z", "third");
        errors.merge(more);
        assert_eq!(errors.get("x"), Some("first"));
        assert_eq!(
            (errors.get("y"), errors.limit("y")),
            (Some("error-too-long"), Some(200))
        );
        assert_eq!(errors.get("z"), Some("third"));
    }
}
