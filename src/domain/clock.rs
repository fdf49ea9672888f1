//! Time as the application sees it. Production reads the system clock; tests set and
//! advance a manual clock, so deadlines can pass without anyone sleeping.

use std::sync::Mutex;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta, TimeZone};

/// A source of the current time (UTC).
pub trait Clock: Send + Sync {
    fn now(&self) -> NaiveDateTime;

    /// Today's date in Vientiane, where the regulator's days begin and end.
    fn today_in_vientiane(&self) -> NaiveDate {
        self.local_now().date()
    }

    /// The wall-clock time in Vientiane.
    fn local_now(&self) -> NaiveDateTime {
        to_vientiane(&self.now())
    }
}

/// A UTC time as Vientiane's wall clock shows it, in `format`.
pub fn in_vientiane(at: &NaiveDateTime, format: &str) -> String {
    to_vientiane(at).format(format).to_string()
}

/// A UTC time as Vientiane's wall clock shows it.
pub fn to_vientiane(at: &NaiveDateTime) -> NaiveDateTime {
    chrono_tz::Asia::Vientiane
        .from_utc_datetime(at)
        .naive_local()
}

/// The date in Vientiane at a UTC time.
pub fn date_in_vientiane(at: &NaiveDateTime) -> NaiveDate {
    chrono_tz::Asia::Vientiane
        .from_utc_datetime(at)
        .naive_local()
        .date()
}

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<NaiveDateTime>);

impl ManualClock {
    pub fn starting_at(at: NaiveDateTime) -> Self {
        Self(Mutex::new(at))
    }

    pub fn advance(&self, by: TimeDelta) {
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> NaiveDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
