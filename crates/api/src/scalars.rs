//! Scalars of the contract that async-graphql does not name the same way.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
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
