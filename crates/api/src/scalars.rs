//! Scalars of the contract that async-graphql does not name the same way.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// What the schema says of `DateTime`, async-graphql's scalar for `chrono::DateTime<Utc>`
/// (which also gives its `@specifiedBy`: RFC 3339). Input is read by chrono, which
/// also takes a space for the `T`; output is chrono's `to_rfc3339`.
pub(crate) const DATE_TIME: &str = "\
A point in time: a JSON string in RFC 3339 `date-time` form, `YYYY-MM-DDTHH:MM:SS`,
an optional fraction of a second, then `Z` or an offset, e.g. `\"2026-01-31T09:30:00Z\"`.
Any offset is taken and converted to UTC. Answers are always UTC, written with `+00:00`
and with a fraction only when there is one (3, 6 or 9 digits), e.g.
`\"2026-01-31T09:30:00+00:00\"`.";

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// A calendar date with no time and no time zone: a JSON string `YYYY-MM-DD` (RFC 3339
/// `full-date`, ISO 8601's extended format, always a four-digit year), e.g.
/// `"2026-01-31"`. Anything else, a number included, is refused (BAD_USER_INPUT).
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            // Four-digit years only: chrono would take `+20000-06-01`, which SQLite,
            // comparing dates as text, would order before today.
            Value::String(s) if s.len() == 10 && s.starts_with(|c: char| c.is_ascii_digit()) => {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(Date)
                    .map_err(|_| {
                        InputValueError::custom(format!("{s:?} is not a date like 2026-01-31"))
                    })
            }
            Value::String(s) => Err(InputValueError::custom(format!(
                "{s:?} is not a date like 2026-01-31"
            ))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An exact decimal amount, as a string ("120.50"). A JSON number is refused: it has
/// passed through a binary float on its way, so "18446744073709551615" could arrive
/// as …616.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal(pub rust_decimal::Decimal);

/// An exact decimal number, always a JSON string and never a JSON number (a number is
/// refused: it may have lost digits as a binary float on its way). Written as an
/// optional `-`, digits, then optionally `.` and up to 28 decimals, e.g. `"249.00"` or
/// `"9.99"`. The decimals come back as given (`"120.50"` reads back `"120.50"`,
/// `"120.5"` as `"120.5"`). Money amounts are never negative and have at most 4
/// decimal places; their currency is a separate field.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => s.trim().parse().map(Decimal).map_err(|_| {
                InputValueError::custom(format!("{s:?} is not a decimal like \"120.50\""))
            }),
            Value::Number(n) => Err(InputValueError::custom(format!(
                "give decimals as strings (\"{n}\"), not numbers: numbers lose precision"
            ))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_have_four_digit_years() {
        assert!(Date::parse(Value::String("2026-01-31".into())).is_ok());
        for bad in [
            "+20000-06-01",
            "20000-06-01",
            "2026-1-31",
            " 2026-01-31",
            "2026-02-30",
        ] {
            assert!(Date::parse(Value::String(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn decimals_come_only_as_strings() {
        let big = Decimal::parse(Value::String("18446744073709551615".into())).unwrap();
        assert_eq!(big.0.to_string(), "18446744073709551615");
        assert!(Decimal::parse(Value::Number(120.into())).is_err());
        assert!(Decimal::parse(Value::String("12x".into())).is_err());
        assert_eq!(
            Decimal::parse(Value::String("120.50".into()))
                .unwrap()
                .to_value(),
            Value::String("120.50".into())
        );
    }
}
