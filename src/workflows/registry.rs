//! The public registry's reads: what a reader may ask for (filters, order, cursor) and
//! how it is checked, a page of the filtered list, a connection's public record, the
//! batches an export is streamed in, and the statistics. Only public fields are read here;
//! nothing is written. Unknown filter values are refused, never passed to SQL.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use futures_util::{Stream, stream};

use crate::db::models::application as app_db;
use crate::db::models::certificate::{self as certificate_db, Certificate};
use crate::db::models::connection::{
    self as connection_db, ConnectionEvent, Cursor, PublicConnection, RegistryFilter, RegistryHead,
    RegistrySort,
};
use crate::db::{DbConn, DbPool, Position};
use crate::domain::application_form::CONNECTION_TYPES;
use crate::domain::connection::ConnectionStatus;
use crate::domain::country::CountryCode;
use crate::workflows::WorkflowError;
use crate::workflows::paging::{self, Span};

/// Rows on a page of the registry.
pub const PAGE_SIZE: i64 = 50;
/// Rows read at a time while streaming an export.
pub const EXPORT_BATCH: i64 = 1000;

/// What a reader asks of the registry, as typed: the filters, the order and the cursors.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RegistryQuery {
    pub country: String,
    #[serde(rename = "type")]
    pub connection_type: String,
    pub status: String,
    pub provider: String,
    pub q: String,
    pub sort: String,
    pub after: String,
    pub before: String,
}

impl RegistryQuery {
    /// The query string of these filters (without the cursor), for links and exports.
    pub fn filters(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("country", &self.country),
            ("type", &self.connection_type),
            ("status", &self.status),
            ("provider", &self.provider),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        out.finish()
    }
}

/// The registry's head: what the public registry shows changes only with its version.
pub fn head(conn: &mut DbConn) -> Result<RegistryHead, WorkflowError> {
    Ok(connection_db::registry_head(conn)?)
}

/// The registry's head read on the calling thread, when the database allows it without
/// waiting (see `db::registry_head_here`).
pub fn head_here(database_url: &str) -> Option<RegistryHead> {
    crate::db::registry_head_here(database_url)
}

/// The foreign countries the registry's connections reach, by code.
pub fn countries(conn: &mut DbConn) -> Result<Vec<String>, WorkflowError> {
    Ok(connection_db::public_countries(conn)?)
}

/// Validates the filters; unknown values are a malformed query, never passed to SQL.
pub fn filter_of(query: &RegistryQuery) -> Result<(RegistryFilter, RegistrySort), WorkflowError> {
    let bad = || WorkflowError::MalformedQuery;
    let country = match query.country.trim() {
        "" => None,
        raw => Some(
            CountryCode::parse(raw)
                .map_err(|_| bad())?
                .as_str()
                .to_string(),
        ),
    };
    let connection_type = match query.connection_type.trim() {
        "" => None,
        raw if CONNECTION_TYPES.contains(&raw) => Some(raw.to_string()),
        _ => return Err(bad()),
    };
    let status = match query.status.trim() {
        "" => None,
        raw => Some(
            ConnectionStatus::parse(raw)
                .ok_or_else(bad)?
                .as_str()
                .to_string(),
        ),
    };
    // PostgreSQL cannot compare a NUL, and no name holds one.
    if query.provider.contains('\0') || query.q.contains('\0') {
        return Err(bad());
    }
    let provider = Some(query.provider.trim())
        .filter(|p| !p.is_empty())
        .map(|p| p.chars().take(100).collect());
    let text = Some(query.q.trim().to_lowercase())
        .filter(|q| !q.is_empty())
        .map(|q| q.chars().take(100).collect());
    let sort = match query.sort.as_str() {
        "" | "newest" => RegistrySort::Newest,
        "expiry" => RegistrySort::Expiry,
        _ => return Err(bad()),
    };
    Ok((
        RegistryFilter {
            country,
            connection_type,
            status,
            provider,
            text,
        },
        sort,
    ))
}

/// A row's place in the order `sort`, as an opaque URL-safe token.
pub fn encode_cursor(cursor: &Cursor) -> String {
    match cursor {
        Cursor::Newest { approved_at, id } => {
            paging::encode(&["t", &paging::time_value(*approved_at), id])
        }
        Cursor::Expiry { valid_until, id } => paging::encode(&["e", &valid_until.to_string(), id]),
    }
}

/// The place a cursor token names (`None` for no token); anything that is not a token
/// made by [`encode_cursor`] for this sort is a malformed query.
pub fn parse_cursor(sort: RegistrySort, token: &str) -> Result<Option<Cursor>, WorkflowError> {
    let Some(values) = paging::decode(token, 3)? else {
        return Ok(None);
    };
    let bad = || WorkflowError::MalformedQuery;
    let [kind, value, id] = <[String; 3]>::try_from(values).map_err(|_| bad())?;
    match (sort, kind.as_str()) {
        (RegistrySort::Newest, "t") => Ok(Some(Cursor::Newest {
            approved_at: paging::parse_time(&value)?,
            id,
        })),
        (RegistrySort::Expiry, "e") => {
            let valid_until = NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| bad())?;
            Ok(Some(Cursor::Expiry { valid_until, id }))
        }
        _ => Err(bad()),
    }
}

/// A page of the registry as asked for, checked before any connection is taken from the
/// pool: the filters, the order, where the page is and how many rows it holds.
#[derive(Debug)]
pub struct PageAsked {
    filter: RegistryFilter,
    sort: RegistrySort,
    position: Position<Cursor>,
    size: i64,
}

impl PageAsked {
    /// `size` rows of the filtered registry, after or before the query's cursor.
    pub fn of(query: &RegistryQuery, size: i64) -> Result<PageAsked, WorkflowError> {
        let (filter, sort) = filter_of(query)?;
        let position = paging::position(
            parse_cursor(sort, &query.after)?,
            parse_cursor(sort, &query.before)?,
        )?;
        Ok(PageAsked {
            filter,
            sort,
            position,
            size,
        })
    }
}

/// The page asked for, with where it stands in the whole filtered list. The web pages,
/// the committee's registry and the API share it.
pub fn page(
    conn: &mut DbConn,
    asked: PageAsked,
) -> Result<(Vec<PublicConnection>, Span), WorkflowError> {
    counted_page(conn, asked, None)
}

/// [`page`], for a reader who has just read the registry's head: the unfiltered list's
/// total is the head's count, not counted again.
pub fn page_at(
    conn: &mut DbConn,
    asked: PageAsked,
    head: RegistryHead,
) -> Result<(Vec<PublicConnection>, Span), WorkflowError> {
    counted_page(conn, asked, Some(head.connections))
}

fn counted_page(
    conn: &mut DbConn,
    asked: PageAsked,
    all: Option<i64>,
) -> Result<(Vec<PublicConnection>, Span), WorkflowError> {
    let PageAsked {
        filter,
        sort,
        position,
        size,
    } = asked;
    let mut rows = connection_db::list_public(conn, &filter, sort, position.as_ref(), size + 1)?;
    let total = match all {
        Some(all) if filter.is_empty() => all,
        _ => connection_db::count_public(conn, &filter, None)?,
    };
    let ahead = match paging::first_row(&rows, &position, size) {
        Some(row) => connection_db::count_public(conn, &filter, Some(&Cursor::of(sort, row)))?,
        None => 0,
    };
    let span = paging::span(&mut rows, &position, size, total, ahead, |r| {
        encode_cursor(&Cursor::of(sort, r))
    });
    Ok((rows, span))
}

/// A connection's public record: its row, its history, and its newest certificate.
#[derive(Debug)]
pub struct PublicRecord {
    pub row: PublicConnection,
    pub events: Vec<ConnectionEvent>,
    pub certificate: Option<Certificate>,
}

/// The public record of the approval numbered `number`.
pub fn record(conn: &mut DbConn, number: &str) -> Result<PublicRecord, WorkflowError> {
    let row = connection_db::find_public(conn, number)?.ok_or(WorkflowError::NotFound)?;
    let events = connection_db::list_events(conn, &row.id)?;
    let certificate = certificate_db::latest_for(conn, &row.id)?;
    Ok(PublicRecord {
        row,
        events,
        certificate,
    })
}

/// The whole filtered registry, newest first, a batch of [`EXPORT_BATCH`] rows at a time,
/// each read on the blocking pool with a connection of its own, so an export of any size
/// holds neither a connection nor more than one batch between reads. The stream ends after
/// the last batch (which may be empty), or after the first error.
pub fn export(
    pool: DbPool,
    filter: RegistryFilter,
) -> impl Stream<Item = Result<Vec<PublicConnection>, WorkflowError>> {
    stream::unfold(Some(None::<Cursor>), move |position| {
        let (pool, filter) = (pool.clone(), filter.clone());
        async move {
            let cursor = position?;
            let batch = tokio::task::spawn_blocking(move || {
                let mut conn = pool.get()?;
                export_batch(&mut conn, &filter, cursor.as_ref())
            })
            .await
            .map_err(WorkflowError::from)
            .and_then(|read| read);
            match batch {
                Ok((rows, next)) => Some((Ok(rows), next.map(Some))),
                Err(e) => Some((Err(e), None)),
            }
        }
    })
}

/// One batch of an export, after `cursor` (from the start for none), and the cursor of
/// the next batch if this one was full.
fn export_batch(
    conn: &mut DbConn,
    filter: &RegistryFilter,
    cursor: Option<&Cursor>,
) -> Result<(Vec<PublicConnection>, Option<Cursor>), WorkflowError> {
    let rows = connection_db::list_public(
        conn,
        filter,
        RegistrySort::Newest,
        cursor.map_or(Position::Start, Position::After),
        EXPORT_BATCH,
    )?;
    let next = (rows.len() as i64 == EXPORT_BATCH).then(|| {
        let last = rows.last().expect("a full batch has a last row");
        Cursor::of(RegistrySort::Newest, last)
    });
    Ok((rows, next))
}

/// The registry in figures: connections by status, country and type, approvals,
/// suspensions and revocations in each of the last twelve months, and how long the
/// decided applications took.
#[derive(Debug)]
pub struct Statistics {
    pub by_status: Vec<(String, i64)>,
    pub by_country: Vec<(String, i64)>,
    pub by_type: Vec<(String, i64)>,
    /// (`YYYY-MM`, approved, suspended, revoked), oldest month first.
    pub months: Vec<(String, i64, i64, i64)>,
    /// The median days from a complete application to its decision.
    pub median_days: Option<i64>,
    /// How many applications have been decided.
    pub decided: usize,
}

/// (year, month) of the last twelve months, oldest first.
fn last_twelve_months(today: NaiveDate) -> Vec<(i32, u32)> {
    (0..12)
        .rev()
        .map(|back| {
            let total = today.year() * 12 + today.month0() as i32 - back;
            (total.div_euclid(12), total.rem_euclid(12) as u32 + 1)
        })
        .collect()
}

/// The registry's statistics as of `today` (in Vientiane).
pub fn statistics(conn: &mut DbConn, today: NaiveDate) -> Result<Statistics, WorkflowError> {
    let from: NaiveDateTime = (today - TimeDelta::days(400))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let by_status = connection_db::count_by_status(conn)?;
    let by_country = connection_db::count_by_country(conn)?;
    let by_type = connection_db::count_by_type(conn)?;
    let events =
        connection_db::list_event_times(conn, &["approved", "suspended", "revoked"], from)?;
    let durations = app_db::list_decision_durations(conn)?;
    // Each event counted once into its month: (year, month) → approved, suspended, revoked.
    let mut counts: std::collections::HashMap<(i32, u32), [i64; 3]> =
        std::collections::HashMap::new();
    for (kind, at) in &events {
        let slot = match kind.as_str() {
            "approved" => 0,
            "suspended" => 1,
            "revoked" => 2,
            _ => continue,
        };
        counts.entry((at.year(), at.month())).or_default()[slot] += 1;
    }
    let months = last_twelve_months(today)
        .into_iter()
        .map(|(year, month)| {
            let [approved, suspended, revoked] =
                counts.get(&(year, month)).copied().unwrap_or_default();
            (
                format!("{year:04}-{month:02}"),
                approved,
                suspended,
                revoked,
            )
        })
        .collect();
    let mut days: Vec<i64> = durations
        .iter()
        .map(|(done, decided)| (*decided - *done).num_days())
        .collect();
    days.sort_unstable();
    Ok(Statistics {
        by_status,
        by_country,
        by_type,
        months,
        median_days: (!days.is_empty()).then(|| days[days.len() / 2]),
        decided: days.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let row = PublicConnection {
            approval_number: "IC-2026-00001".into(),
            provider_en: String::new(),
            provider_lo: String::new(),
            provider_slug: String::new(),
            connection_type: String::new(),
            counterparty_name: String::new(),
            counterparty_country: String::new(),
            status: ConnectionStatus::Active,
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            revoked_at: None,
            approved_at: chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456)
                .unwrap()
                .naive_utc(),
            id: "abc".into(),
        };
        for sort in [RegistrySort::Newest, RegistrySort::Expiry] {
            let cursor = Cursor::of(sort, &row);
            let token = encode_cursor(&cursor);
            assert_eq!(parse_cursor(sort, &token).unwrap(), Some(cursor));
        }
        assert!(parse_cursor(RegistrySort::Newest, "!!!").is_err());
        assert!(
            parse_cursor(
                RegistrySort::Expiry,
                &encode_cursor(&Cursor::of(RegistrySort::Newest, &row))
            )
            .is_err()
        );
    }

    #[test]
    fn twelve_months_back_cross_the_year() {
        let months = last_twelve_months(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
        assert_eq!(months.first(), Some(&(2025, 4)));
        assert_eq!(months.last(), Some(&(2026, 3)));
        assert_eq!(months.len(), 12);
    }
}
