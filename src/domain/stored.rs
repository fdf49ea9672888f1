//! Reading back the enumerations that rows store as text: the error naming a stored text
//! that is none of an enumeration's values, and the conversions from and to that text,
//! which the row structs in `db` use to load and write typed fields.

/// A stored text that names no value of the enumeration it is read as: the database holds
/// something this version of the code does not know, which is a load error, never a default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the database holds {value:?} as {what}, which is none of the values this version knows")]
pub struct UnknownValue {
    /// What the text was read as, e.g. `an application status`.
    pub what: &'static str,
    /// The text found.
    pub value: String,
}

/// `TryFrom<String>` (exactly one of `ALL` by its `as_str()`) and `From<T> for String`
/// for an enumeration stored as text.
macro_rules! stored_as_text {
    ($ty:ty, $what:literal) => {
        impl TryFrom<String> for $ty {
            type Error = $crate::domain::stored::UnknownValue;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                match <$ty>::ALL.into_iter().find(|v| v.as_str() == value) {
                    Some(found) => Ok(found),
                    None => Err($crate::domain::stored::UnknownValue { what: $what, value }),
                }
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.as_str().to_string()
            }
        }
    };
}

pub(crate) use stored_as_text;

#[cfg(test)]
mod tests {
    use super::UnknownValue;
    use crate::domain::application::Status;
    use crate::domain::connection::ConnectionStatus;
    use crate::domain::role::Role;

    #[test]
    fn a_stored_text_reads_back_as_its_value_and_nothing_else() {
        for status in Status::ALL {
            assert_eq!(Status::try_from(status.as_str().to_string()), Ok(status));
            assert_eq!(String::from(status), status.as_str());
        }
        assert_eq!(
            Status::try_from("approved ".to_string()),
            Err(UnknownValue {
                what: "an application status",
                value: "approved ".to_string()
            })
        );
        assert!(ConnectionStatus::try_from("Active".to_string()).is_err());
        assert!(Role::try_from(String::new()).is_err());
    }

    #[test]
    fn the_error_names_the_text_found() {
        let error = Status::try_from("archived".to_string()).unwrap_err();
        assert!(error.to_string().contains("\"archived\""), "{error}");
        assert!(
            error.to_string().contains("an application status"),
            "{error}"
        );
    }
}
