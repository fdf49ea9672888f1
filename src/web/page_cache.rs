//! What the public registry already rendered, kept for as long as the registry's version
//! it was rendered at is still the current one (see `db::models::connection::
//! registry_version`): a change to public data bumps the version in its own transaction,
//! so every server's next request misses what it kept and renders again. Nothing expires
//! by time; memory is bounded by the bytes kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Rendered pieces of public pages, each under its key (what it depends on besides the
/// data: its address, the language, the day) with the version it was rendered at.
pub struct PageCache {
    entries: Mutex<Entries>,
    max_bytes: usize,
}

#[derive(Default)]
struct Entries {
    by_key: HashMap<String, (i64, Arc<str>)>,
    bytes: usize,
}

impl PageCache {
    /// A cache of at most `max_bytes` of rendered text (keys and bodies).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            entries: Mutex::new(Entries::default()),
            max_bytes,
        }
    }

    /// What was rendered under `key` at `version`, if that is what is kept.
    pub fn get(&self, key: &str, version: i64) -> Option<Arc<str>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.by_key.get(key) {
            Some((kept, body)) if *kept == version => Some(body.clone()),
            _ => None,
        }
    }

    /// Keeps `body`, rendered under `key` at `version`. A piece too large to ever fit is not
    /// kept; when the cache is full, everything rendered at an older version goes first,
    /// then everything.
    pub fn put(&self, key: String, version: i64, body: Arc<str>) {
        let size = key.len() + body.len();
        if size > self.max_bytes {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, old)) = entries.by_key.remove(&key) {
            entries.bytes -= key.len() + old.len();
        }
        if entries.bytes + size > self.max_bytes {
            entries.by_key.retain(|_, (kept, _)| *kept >= version);
            entries.bytes = entries
                .by_key
                .iter()
                .map(|(k, (_, b))| k.len() + b.len())
                .sum();
        }
        if entries.bytes + size > self.max_bytes {
            entries.by_key.clear();
            entries.bytes = 0;
        }
        entries.bytes += size;
        entries.by_key.insert(key, (version, body));
    }

    /// The bytes kept now.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piece_is_served_only_at_the_version_it_was_rendered_at() {
        let cache = PageCache::new(1024);
        cache.put("/registry|en".into(), 3, Arc::from("rows at 3"));
        assert_eq!(cache.get("/registry|en", 3).as_deref(), Some("rows at 3"));
        assert_eq!(cache.get("/registry|en", 4), None);
        assert_eq!(cache.get("/registry|lo", 3), None);
        cache.put("/registry|en".into(), 4, Arc::from("rows at 4"));
        assert_eq!(cache.get("/registry|en", 3), None);
        assert_eq!(cache.get("/registry|en", 4).as_deref(), Some("rows at 4"));
        assert_eq!(cache.bytes(), "/registry|en".len() + "rows at 4".len());
    }

    #[test]
    fn memory_stays_within_its_bound_dropping_older_versions_first() {
        let cache = PageCache::new(100);
        let body = |n: usize| Arc::from("x".repeat(n));
        cache.put("a".into(), 1, body(39));
        cache.put("b".into(), 2, body(39));
        cache.put("c".into(), 2, body(39));
        assert!(cache.bytes() <= 100, "{}", cache.bytes());
        assert_eq!(cache.get("a", 1), None, "the older version went first");
        assert!(cache.get("b", 2).is_some() && cache.get("c", 2).is_some());
        cache.put("d".into(), 2, body(39));
        assert!(cache.bytes() <= 100);
        assert!(cache.get("d", 2).is_some());
        cache.put("huge".into(), 2, body(200));
        assert_eq!(cache.get("huge", 2), None, "too large to keep");
        assert!(cache.get("d", 2).is_some());
    }
}
