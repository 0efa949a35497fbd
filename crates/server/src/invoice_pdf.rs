//! `GET /invoices/{id}/pdf`: an invoice as a one-page PDF, for members with
//! VIEW_INVOICES (bearer token or session cookie), addressed to the billing contact.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::DomainError;
use domain::billing::InvoiceDocument;
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

use gateway::AppState;
use gateway::{RequestContext, plain_error};

pub(crate) async fn download(
    State(state): State<AppState>,
    caller: RequestContext,
    Path(id): Path<String>,
) -> Response {
    let Some(token) = caller.token() else {
        return error_response(&DomainError::Unauthenticated(
            "sign in to download invoices".into(),
        ));
    };
    let actor = match state
        .domain
        .auth()
        .authenticate(token, caller.meta.clone())
        .await
    {
        Ok(actor) => actor,
        Err(err) => return error_response(&err),
    };
    let Ok(id) = id.parse::<i64>() else {
        return error_response(&DomainError::NotFound("invoice"));
    };
    match state.domain.billing().invoice_document(&actor, id).await {
        Ok(document) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "inline; filename=\"{}.pdf\"",
                        file_name(&document.invoice.number)
                    ),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            render(&document),
        )
            .into_response(),
        Err(err) => error_response(&err),
    }
}

fn error_response(err: &DomainError) -> Response {
    plain_error(err, "invoice pdf")
}

/// A stored invoice number as a safe file name: whatever an older row holds (a quote,
/// a line break), the header stays valid.
fn file_name(number: &str) -> String {
    let safe: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    if safe.is_empty() {
        "invoice".to_owned()
    } else {
        safe
    }
}

/// Lays the invoice out on an A4 page with the standard Helvetica font.
pub(crate) fn render(doc: &InvoiceDocument) -> Vec<u8> {
    let (catalog, tree, page, font, contents) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let font_name = Name(b"F1");
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut page_writer = pdf.page(page);
    page_writer
        .media_box(Rect::new(0.0, 0.0, 595.0, 842.0))
        .parent(tree)
        .contents(contents);
    page_writer.resources().fonts().pair(font_name, font);
    drop(page_writer);
    pdf.type1_font(font)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));

    let invoice = &doc.invoice;
    let mut lines: Vec<(f32, String)> = vec![
        (22.0, format!("Invoice {}", invoice.number)),
        (11.0, String::new()),
        (11.0, format!("Account: {}", doc.account.name)),
    ];
    if let Some(to) = &doc.addressee {
        lines.push((11.0, format!("Bill to: {} {}", to.first_name, to.last_name)));
        if let Some(company) = &to.company_name {
            lines.push((11.0, format!("         {company}")));
        }
        for part in domain::Address::of_contact(to)
            .map(|a| a.lines())
            .unwrap_or_default()
        {
            lines.push((11.0, format!("         {part}")));
        }
    }
    lines.extend([
        (11.0, String::new()),
        (11.0, format!("Status: {:?}", invoice.status).to_uppercase()),
        (
            11.0,
            format!("Due date: {}", invoice.due_date.format("%Y-%m-%d")),
        ),
        (
            14.0,
            format!("Total: {} {}", invoice.total, invoice.currency),
        ),
    ]);
    if let Some(paid_at) = invoice.paid_at {
        lines.push((11.0, format!("Paid on {}", paid_at.format("%Y-%m-%d"))));
    }

    let mut content = Content::new();
    let mut y = 780.0;
    for (size, text) in &lines {
        content
            .begin_text()
            .set_font(font_name, *size)
            .next_line(60.0, y)
            .show(Str(&win_ansi(text)))
            .end_text();
        y -= size * 1.6;
    }
    pdf.stream(contents, &content.finish());
    pdf.finish()
}

/// Text in the font's WinAnsi encoding: Latin-1 as is, anything else as `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}
