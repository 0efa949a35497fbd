//! The demo's cast and records: who is in each account, what they are billed, what
//! they run. Data only; the stories that make them are in the module above.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::PASSWORD;

/// A contact of the demo: with a login (the demo password) or a card only.
pub(super) struct Person {
    first: &'static str,
    last: &'static str,
    email: Option<&'static str>,
    role: &'static str,
    login: bool,
    company: Option<&'static str>,
    relationship: Option<&'static str>,
    /// Temporary access for this many days.
    days: Option<i64>,
}

impl Person {
    const fn member(
        first: &'static str,
        last: &'static str,
        email: &'static str,
        role: &'static str,
    ) -> Self {
        Self {
            first,
            last,
            email: Some(email),
            role,
            login: true,
            company: None,
            relationship: None,
            days: None,
        }
    }

    pub(super) fn input(&self, now: DateTime<Utc>) -> Value {
        let mut input = json!({ "firstName": self.first, "lastName": self.last, "role": self.role,
            "email": self.email, "companyName": self.company, "relationship": self.relationship });
        if self.login {
            input["portalAccess"] = json!(true);
            input["password"] = json!(PASSWORD);
        }
        if let Some(days) = self.days {
            input["accessExpiresAt"] = json!((now + Duration::days(days)).to_rfc3339());
        }
        input
    }
}

/// Northwind Hosting Ltd's people besides its owner: the whole cast of a hosting
/// customer, including an accountant without a login and a freelancer for a week.
pub(super) const NORTHWIND_PEOPLE: &[Person] = &[
    Person::member("Adam", "Admin", "adam@northwind.example", "ADMIN"),
    Person::member("Bella", "Billing", "bella@northwind.example", "BILLING"),
    Person::member("Theo", "Tech", "theo@northwind.example", "TECHNICAL"),
    Person {
        login: false,
        company: Some("Ledger Accounting"),
        relationship: Some("External accountant"),
        ..Person::member(
            "Alan",
            "Ledger",
            "alan@ledger-accounting.example",
            "BILLING",
        )
    },
    Person {
        company: Some("DevShop"),
        days: Some(7),
        ..Person::member("Dana", "Developer", "dana@devshop.example", "TECHNICAL")
    },
];

/// Northwind's invoices: (total, due in days from today). Paid (by the billing
/// contact), due, and overdue once the reminders run.
pub(super) const NORTHWIND_INVOICES: &[(&str, i64)] =
    &[("249.00", -20), ("249.00", 14), ("89.50", -10)];

pub(super) const NORTHWIND_SERVICES: &[&str] = &[
    r#"{ "productName": "Cloud VPS 4 GB", "status": "ACTIVE", "username": "northwind", "password": "vps-Root-Pass-7", "recurringAmount": "40.00" }"#,
    r#"{ "productName": "Shared Hosting Pro", "status": "ACTIVE", "recurringAmount": "12.00" }"#,
    r#"{ "productName": "Legacy Mail Server", "status": "SUSPENDED", "recurringAmount": "9.00" }"#,
];

/// Northwind's domains: (name, expires in days); the first gets a reminder.
pub(super) const NORTHWIND_DOMAINS: &[(&str, i64)] =
    &[("northwind-hosting.com", 12), ("northwind.io", 300)];

/// The Garcia household's people besides Maria.
pub(super) const GARCIA_PEOPLE: &[Person] = &[
    Person::member("Luis", "Garcia", "luis@garcia.example", "ADMIN"),
    Person {
        email: None,
        login: false,
        relationship: Some("Daughter"),
        ..Person::member("Sofia", "Garcia", "", "TECHNICAL")
    },
];
