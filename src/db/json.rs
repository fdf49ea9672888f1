//! JSON kept in a text column, read straight into the type it holds: a row whose text does
//! not parse as that type fails to load, with the parser's reason, instead of reading as
//! an empty value.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::sql_types::Text;
use serde::de::DeserializeOwned;

/// A text column's JSON, parsed as `T`. A row struct names it in
/// `#[diesel(deserialize_as = Json<T>)]` over a field of type `T`.
#[derive(Debug, FromSqlRow)]
pub struct Json<T>(pub T);

impl<T, DB> FromSql<Text, DB> for Json<T>
where
    T: DeserializeOwned,
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        serde_json::from_str(&text).map(Json).map_err(|e| {
            format!(
                "the database holds JSON that is not a {}: {e}",
                std::any::type_name::<T>()
            )
            .into()
        })
    }
}
