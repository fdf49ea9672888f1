//! Keyset paging shared by every long list: the opaque cursor tokens in `after` and
//! `before`, and the [`Span`] a page shows from the rows read and the counts. A token that
//! is not one of ours is a [`WorkflowError::MalformedQuery`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use chrono::NaiveDateTime;

use crate::db::Position;
use crate::workflows::WorkflowError;

/// A row's place in a list's order, from the values it is ordered by (its id last), as an
/// opaque URL-safe token. Only the last value may hold a `|`.
pub fn encode(values: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(values.join("|"))
}

/// The `n` values of a token made by [`encode`], or `None` for no token; anything else is
/// refused as a malformed query.
pub fn decode(token: &str, n: usize) -> Result<Option<Vec<String>>, WorkflowError> {
    if token.is_empty() {
        return Ok(None);
    }
    let bad = || WorkflowError::MalformedQuery;
    let raw =
        String::from_utf8(URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?).map_err(|_| bad())?;
    // No stored value holds a control character (and PostgreSQL cannot compare NUL).
    if raw.chars().any(char::is_control) {
        return Err(bad());
    }
    let values: Vec<String> = raw.splitn(n, '|').map(str::to_string).collect();
    if values.len() != n {
        return Err(bad());
    }
    Ok(Some(values))
}

/// A time as a cursor holds it: nanoseconds since 1970, as exact as SQLite stores it, so
/// the row at a cursor is never taken for one beside it.
pub fn time_value(at: NaiveDateTime) -> String {
    // Every stored time lies well within the years 1677 to 2262 that this can name.
    at.and_utc()
        .timestamp_nanos_opt()
        .unwrap_or_default()
        .to_string()
}

/// The time a cursor's [`time_value`] names; anything else is a malformed query.
pub fn parse_time(value: &str) -> Result<NaiveDateTime, WorkflowError> {
    let nanos: i64 = value.parse().map_err(|_| WorkflowError::MalformedQuery)?;
    Ok(chrono::DateTime::from_timestamp_nanos(nanos).naive_utc())
}

/// Where a page is asked for: after one cursor, before another, or (neither) at the start;
/// both at once is refused.
pub fn position<C>(after: Option<C>, before: Option<C>) -> Result<Position<C>, WorkflowError> {
    match (after, before) {
        (Some(_), Some(_)) => Err(WorkflowError::MalformedQuery),
        (Some(cursor), None) => Ok(Position::After(cursor)),
        (None, Some(cursor)) => Ok(Position::Before(cursor)),
        (None, None) => Ok(Position::Start),
    }
}

/// The first row of the page among `rows`, read (one more than `size`) at `position`:
/// see [`Position::first_row`].
pub fn first_row<'a, T, C>(rows: &'a [T], position: &Position<C>, size: i64) -> Option<&'a T> {
    position.first_row(rows, size)
}

/// Where one page of a long list stands: its first row's place (from 1), how many rows it
/// shows, how many the filters match, and the cursors of the pages on either side.
#[derive(Debug, Clone, Default)]
pub struct Span {
    pub first: i64,
    pub shown: usize,
    pub total: i64,
    /// Pass as `before` for the page before, if there is one.
    pub before: Option<String>,
    /// Pass as `after` for the page after, if there is one.
    pub after: Option<String>,
}

/// Cuts `rows` (read at `position`, one more than `size` to see if more follow) to the
/// page, and says where it stands: `ahead` rows before it, `total` in all; `cursor` names
/// a row's place.
pub fn span<T, C>(
    rows: &mut Vec<T>,
    position: &Position<C>,
    size: i64,
    total: i64,
    ahead: i64,
    cursor: impl Fn(&T) -> String,
) -> Span {
    let more = rows.len() as i64 > size;
    let backwards = matches!(position, Position::Before(_));
    if backwards && more {
        rows.remove(0);
    }
    rows.truncate(size as usize);
    Span {
        first: ahead + 1,
        shown: rows.len(),
        total,
        before: rows.first().filter(|_| ahead > 0).map(&cursor),
        after: rows.last().filter(|_| backwards || more).map(&cursor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_give_back_their_values_and_refuse_anything_else() {
        let token = encode(&["2026-12-06", "a|b"]);
        assert_eq!(
            decode(&token, 2).unwrap(),
            Some(vec!["2026-12-06".to_string(), "a|b".to_string()])
        );
        assert_eq!(decode("", 2).unwrap(), None);
        assert!(decode(&encode(&["one value"]), 2).is_err());
        assert!(decode("%%%", 2).is_err());
        assert!(decode(&encode(&["x", "a\0b"]), 2).is_err());
    }

    #[test]
    fn a_page_read_backwards_drops_the_row_ahead_of_it() {
        let cursor = |n: &i32| n.to_string();
        let mut rows = vec![1, 2, 3, 4];
        let span = span(&mut rows, &Position::Before(()), 3, 10, 1, cursor);
        assert_eq!(rows, [2, 3, 4]);
        assert_eq!((span.first, span.shown, span.total), (2, 3, 10));
        assert_eq!(span.before.as_deref(), Some("2"));
        assert_eq!(span.after.as_deref(), Some("4"));
        let mut rows = vec![1, 2];
        let first = super::span(&mut rows, &Position::<()>::Start, 3, 2, 0, cursor);
        assert_eq!((first.before, first.after), (None, None));
    }
}
