//! The postal address: one value type for what a contact card holds, what clients send,
//! what the API shows and what an invoice prints.

use sea_orm::Set;

use crate::entities::contact;
use crate::{Result, validate};

/// A postal address; every part optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

impl Address {
    /// The contact's address; `None` when no part of it is on file.
    pub fn of_contact(c: &contact::Model) -> Option<Self> {
        let address = Self {
            line1: c.address_line1.clone(),
            line2: c.address_line2.clone(),
            city: c.city.clone(),
            region: c.region.clone(),
            postal_code: c.postal_code.clone(),
            country: c.country.clone(),
        };
        (address != Self::default()).then_some(address)
    }

    /// Every part trimmed (blank: none), bounded and single-line.
    pub fn checked(self) -> Result<Self> {
        let part = |field, value: Option<String>| {
            validate::optional_line(field, value.as_deref(), validate::MAX_ADDRESS_LEN)
        };
        Ok(Self {
            line1: part("address.line1", self.line1)?,
            line2: part("address.line2", self.line2)?,
            city: part("address.city", self.city)?,
            region: part("address.region", self.region)?,
            postal_code: part("address.postalCode", self.postal_code)?,
            country: part("address.country", self.country)?,
        })
    }

    /// The lines an envelope shows: street lines, "postal code city region", country.
    pub fn lines(&self) -> Vec<String> {
        let locality = [&self.postal_code, &self.city, &self.region]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        [
            self.line1.clone(),
            self.line2.clone(),
            Some(locality),
            self.country.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|line| !line.is_empty())
        .collect()
    }

    pub(crate) fn apply(self, model: &mut contact::ActiveModel) {
        model.address_line1 = Set(self.line1);
        model.address_line2 = Set(self.line2);
        model.city = Set(self.city);
        model.region = Set(self.region);
        model.postal_code = Set(self.postal_code);
        model.country = Set(self.country);
    }
}
