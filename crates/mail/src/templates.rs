//! Email templates: for each email a `.subject`, a `.txt` and an `.html` (which extends
//! `layout.html` and is auto-escaped). Compiled into the binary.

use domain::emails::Template;
use domain::{EmailRenderer, RenderedEmail};
use minijinja::Environment;
use serde_json::Value;

/// Each email's three templates, compiled into the binary.
macro_rules! emails {
    ($($name:literal),* $(,)?) => {
        &[$(
            (concat!($name, ".subject"), include_str!(concat!("../templates/", $name, ".subject"))),
            (concat!($name, ".txt"), include_str!(concat!("../templates/", $name, ".txt"))),
            (concat!($name, ".html"), include_str!(concat!("../templates/", $name, ".html"))),
        )*]
    };
}

/// What every email shares: the HTML layout, and the footer of notification emails
/// (unsubscribe and preferences links; the HTML one is in the layout).
const PARTS: [(&str, &str); 2] = [
    ("layout.html", include_str!("../templates/layout.html")),
    (
        "notification_footer.txt",
        include_str!("../templates/notification_footer.txt"),
    ),
];
const EMAILS: &[(&str, &str)] = emails!(
    "password_reset",
    "generated_password",
    "invitation",
    "notification",
    "invoice_reminder",
    "domain_expiry",
    "invoice_created",
    "payment_received",
    "service_status",
    "ticket_opened",
    "ticket_replied",
    "account_updated",
    "security_notice",
    "data_export",
);

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        for (name, source) in PARTS.iter().chain(EMAILS) {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }
}

impl EmailRenderer for Templates {
    fn render(&self, template: Template, data: &Value) -> Result<RenderedEmail, String> {
        let render = |part: &str| {
            self.env
                .get_template(&format!("{}.{part}", template.name()))
                .and_then(|t| t.render(data))
                .map_err(|e| e.to_string())
        };
        Ok(RenderedEmail {
            subject: render("subject")?.trim().to_owned(),
            text: render("txt")?,
            html: render("html")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_renders_and_html_is_escaped() {
        let templates = Templates::new().unwrap();
        let reset = templates
            .render(
                Template::PasswordReset,
                &json!({"first_name": "<Ann>", "link": "http://x/reset-password/t", "ttl_minutes": 60, "public_url": "http://x"}),
            )
            .unwrap();
        assert_eq!(reset.subject, "Reset your password");
        assert!(reset.text.contains("Hello <Ann>,"));
        assert!(reset.html.contains("Hello &lt;Ann&gt;,"));
        assert!(reset.text.contains("http://x/reset-password/t"));

        let generated = templates
            .render(
                Template::GeneratedPassword,
                &json!({"first_name": "Bo", "account_name": "Acme", "email": "bo@x.io", "password": "s3cret", "public_url": "http://x"}),
            )
            .unwrap();
        assert_eq!(generated.subject, "Your login to Acme");
        assert!(generated.text.contains("s3cret"));

        let invitation = templates
            .render(
                Template::Invitation,
                &json!({"inviter_name": "Ann Lee", "account_name": "Acme", "role": "BILLING", "link": "http://x/invite/t", "ttl_hours": 168, "public_url": "http://x"}),
            )
            .unwrap();
        assert_eq!(invitation.subject, "Ann Lee invited you to Acme");
        assert!(invitation.text.contains("http://x/invite/t"));
    }

    #[test]
    fn notification_emails_carry_their_unsubscribe_and_preferences_links() {
        let templates = Templates::new().unwrap();
        let message = templates
            .render(
                Template::Notification,
                &json!({
                    "subject": "Your car is ready", "body": "Pick it up <today>.",
                    "account_name": "Acme", "recipient": {"first_name": "Bo", "last_name": "Ng"},
                    "preferences_url": "http://x/email-preferences/t",
                    "unsubscribe_url": "http://x/unsubscribe/t", "public_url": "http://x",
                }),
            )
            .unwrap();
        assert_eq!(message.subject, "Your car is ready");
        // HTML escapes the slashes in attributes; undo that to read the links.
        for part in [message.text.clone(), message.html.replace("&#x2f;", "/")] {
            assert!(part.contains("http://x/email-preferences/t"), "{part}");
            assert!(part.contains("http://x/unsubscribe/t"), "{part}");
        }
        assert!(message.html.contains("Pick it up &lt;today&gt;."));
        // Transactional emails have no such footer.
        let reset = templates
            .render(
                Template::PasswordReset,
                &json!({"first_name": "Ann", "link": "http://x/reset-password/t", "ttl_minutes": 60, "public_url": "http://x"}),
            )
            .unwrap();
        assert!(!reset.html.contains("unsubscribe"));
    }

    /// What routing adds to every notification's data.
    fn addressed(mut data: Value) -> Value {
        let extra = json!({
            "account_name": "Acme", "recipient": {"first_name": "Bo", "last_name": "Ng"},
            "preferences_url": "http://x/email-preferences/t",
            "unsubscribe_url": "http://x/unsubscribe/t", "public_url": "http://x",
        });
        if let (Value::Object(map), Value::Object(extra)) = (&mut data, extra) {
            map.extend(extra);
        }
        data
    }

    #[test]
    fn reminders_say_when_and_show_amounts_only_when_given() {
        let templates = Templates::new().unwrap();
        let invoice = |when: &str, amounts: bool| {
            let mut data =
                json!({"number": "INV-000012", "due_date": "8 March 2026", "when": when});
            if amounts {
                data["total"] = json!("120.50");
                data["currency"] = json!("EUR");
            }
            templates
                .render(Template::InvoiceReminder, &addressed(data))
                .unwrap()
        };
        for (when, subject) in [
            ("in_7_days", "Invoice INV-000012 is due in 7 days"),
            ("today", "Invoice INV-000012 is due today"),
            ("overdue", "Invoice INV-000012 is overdue"),
        ] {
            let message = invoice(when, true);
            assert_eq!(message.subject, subject);
            assert!(message.html.contains(&format!("<title>{subject}</title>")));
            for part in [&message.text, &message.html] {
                assert!(
                    part.contains("INV-000012") && part.contains("Acme"),
                    "{part}"
                );
                assert!(part.contains("120.50 EUR"), "{part}");
                assert!(part.contains("8 March 2026"), "{part}");
            }
            assert!(message.text.contains("http://x/unsubscribe/t"));
            assert!(
                message
                    .html
                    .replace("&#x2f;", "/")
                    .contains("http://x/unsubscribe/t")
            );
        }
        let without = invoice("in_7_days", false);
        assert!(!without.text.contains("Amount") && !without.html.contains("Amount"));

        let domain = |days: i64| {
            templates
                .render(
                    Template::DomainExpiry,
                    &addressed(
                        json!({"name": "example.com", "expires_on": "31 March 2026", "days": days}),
                    ),
                )
                .unwrap()
        };
        assert_eq!(domain(30).subject, "example.com expires in 30 days");
        assert_eq!(domain(7).subject, "example.com expires in 7 days");
        let tomorrow = domain(1);
        assert_eq!(tomorrow.subject, "example.com expires tomorrow");
        assert!(tomorrow.text.contains("31 March 2026") && tomorrow.text.contains("Acme"));
        assert!(tomorrow.text.contains("http://x/email-preferences/t"));
    }

    /// What routing adds to every notification's data (and the outbox, `public_url`).
    fn notification_data(event: serde_json::Value) -> serde_json::Value {
        let mut data = json!({
            "account_name": "Acme <Hosting>", "recipient": {"first_name": "Bo", "last_name": "Ng"},
            "preferences_url": "http://x/email-preferences/t",
            "unsubscribe_url": "http://x/unsubscribe/t", "public_url": "http://x",
        });
        data.as_object_mut()
            .unwrap()
            .extend(event.as_object().unwrap().clone());
        data
    }

    /// Each event email with its data, the amounts only some recipients get, and the
    /// subject a person recognises in their inbox.
    fn event_emails() -> Vec<(Template, serde_json::Value, serde_json::Value, &'static str)> {
        let invoice = json!({"invoice": {"number": "INV-000012", "due_date": "2031-01-31"}});
        let invoice_amounts = json!({"total": "120.50", "currency": "EUR"});
        let service =
            |status: &str| json!({"service": {"product_name": "Web <Hosting>", "status": status}});
        let price = json!({"recurring_amount": "19.99"});
        let ticket = json!({
            "ticket": {"id": 12, "subject": "Site <down>"},
            "message": {"author_name": "Ann Lee", "body": "It says <b>502</b>."},
        });
        let account = |change: &str, contact: serde_json::Value| json!({"change": change, "contact": contact});
        vec![
            (
                Template::InvoiceCreated,
                invoice.clone(),
                invoice_amounts.clone(),
                "Invoice INV-000012 for Acme <Hosting>",
            ),
            (
                Template::PaymentReceived,
                invoice,
                invoice_amounts,
                "Payment received for invoice INV-000012",
            ),
            (
                Template::ServiceStatus,
                service("ACTIVE"),
                price.clone(),
                "Your service Web <Hosting> is now active",
            ),
            (
                Template::ServiceStatus,
                service("SUSPENDED"),
                price.clone(),
                "Your service Web <Hosting> has been suspended",
            ),
            (
                Template::ServiceStatus,
                service("TERMINATED"),
                price,
                "Your service Web <Hosting> has been terminated",
            ),
            (
                Template::TicketOpened,
                ticket.clone(),
                json!({}),
                "[Ticket #12] Site <down>",
            ),
            (
                Template::TicketReplied,
                ticket,
                json!({}),
                "Re: [Ticket #12] Site <down>",
            ),
            (
                Template::AccountUpdated,
                account("owner", json!({"name": "Ann Lee"})),
                json!({}),
                "Acme <Hosting> has a new owner",
            ),
            (
                Template::AccountUpdated,
                account("billing_contact", json!({"name": "Ann Lee"})),
                json!({}),
                "Billing contact changed for Acme <Hosting>",
            ),
            (
                Template::AccountUpdated,
                account("billing_contact", json!(null)),
                json!({}),
                "Billing contact changed for Acme <Hosting>",
            ),
        ]
    }

    #[test]
    fn every_event_email_renders_with_and_without_amounts() {
        let templates = Templates::new().unwrap();
        for (template, event, amounts, subject) in event_emails() {
            let without = notification_data(event.clone());
            let mut with = without.clone();
            with.as_object_mut()
                .unwrap()
                .extend(amounts.as_object().unwrap().clone());
            for (data, shows_amounts) in [(&without, false), (&with, true)] {
                let message = templates
                    .render(template, data)
                    .unwrap_or_else(|e| panic!("{template} ({data}): {e}"));
                assert_eq!(message.subject, subject, "{template}");
                assert!(!message.subject.contains('\n'), "{template}");
                // The account and, for a recipient who may see it, the amount.
                assert!(
                    message.text.contains("Acme <Hosting>"),
                    "{template}: {}",
                    message.text
                );
                assert!(
                    message.html.contains("Acme &lt;Hosting&gt;"),
                    "{template}: {}",
                    message.html
                );
                assert!(
                    !message.html.contains("<Hosting>"),
                    "{template}: {}",
                    message.html
                );
                for amount in amounts.as_object().unwrap().values() {
                    let amount = amount.as_str().unwrap();
                    for part in [&message.text, &message.html] {
                        assert_eq!(
                            part.contains(amount),
                            shows_amounts,
                            "{template} {amount}: {part}"
                        );
                    }
                }
                // Every notification carries its preferences and unsubscribe links.
                for part in [message.text.clone(), message.html.replace("&#x2f;", "/")] {
                    assert!(
                        part.contains("http://x/email-preferences/t"),
                        "{template}: {part}"
                    );
                    assert!(
                        part.contains("http://x/unsubscribe/t"),
                        "{template}: {part}"
                    );
                }
            }
        }
    }

    #[test]
    fn ticket_emails_quote_the_message_escaped_in_html() {
        let templates = Templates::new().unwrap();
        for (template, event, _, _) in event_emails()
            .into_iter()
            .filter(|(t, ..)| t.name().starts_with("ticket_"))
        {
            let message = templates
                .render(template, &notification_data(event))
                .unwrap();
            assert!(
                message.text.contains("It says <b>502</b>."),
                "{}",
                message.text
            );
            assert!(
                message
                    .html
                    .contains("It says &lt;b&gt;502&lt;&#x2f;b&gt;."),
                "{}",
                message.html
            );
            assert!(message.text.contains("Ann Lee"));
        }
    }

    #[test]
    fn missing_data_is_an_error_not_an_empty_string() {
        let templates = Templates::new().unwrap();
        assert!(
            templates
                .render(Template::PasswordReset, &json!({}))
                .is_err()
        );
    }

    #[test]
    fn every_email_the_domain_sends_has_its_three_templates() {
        let templates = Templates::new().unwrap();
        for template in Template::ALL {
            for part in ["subject", "txt", "html"] {
                let name = format!("{}.{part}", template.name());
                assert!(templates.env.get_template(&name).is_ok(), "{name}");
            }
        }
        assert_eq!(
            EMAILS.len(),
            Template::ALL.len() * 3,
            "a template no email uses"
        );
    }
}
