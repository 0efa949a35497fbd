// A few lines instead of a UI framework: build elements, format values.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | number | null | undefined | EventListener>;

/** `h('button', { 'data-testid': 'x', onclick: fn }, 'Label')`. Text is always text, never HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) el.append(child);
  }
  return el;
}

/** A labelled form field. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', {}, label), control, hint ? h('small', {}, hint) : null);
}

/** A form's named controls as strings ('' for empty), checkboxes as 'on' or ''. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  for (const el of Array.from(form.elements)) {
    if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement)) continue;
    if (!el.name) continue;
    values[el.name] = el instanceof HTMLInputElement && el.type === 'checkbox' ? (el.checked ? 'on' : '') : el.value.trim();
  }
  return values;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** An RFC 3339 instant in the reader's time zone. */
export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** A `Date` scalar (YYYY-MM-DD), as the calendar day it names. */
export function formatDate(day: string): string {
  return dateOnly.format(new Date(`${day}T00:00:00Z`));
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Money, the one way the dashboard shows it (invoices' totals, services' prices): a
 * `Decimal` (the API sends a string, "249.00", never a JSON number) in its ISO 4217
 * currency, as Intl writes it in the reader's locale, like the dates above: "$249.00"
 * and "€40.00" in en-US, "249,00 $" and "40,00 €" in de-DE. Intl is given the string
 * itself, which it reads as an exact decimal (no float in between, no arithmetic here;
 * the cast is for TypeScript's ES2022 lib types). The element keeps the raw amount and
 * currency (data-amount, data-currency). Without a currency (null: the API names none)
 * it is the bare amount, and says so in its title; an amount or a code Intl cannot
 * read is shown as it came, with the code after it. */
export function money(amount: string, currency: string | null): HTMLSpanElement {
  let text = currency ? `${amount} ${currency}` : amount;
  if (currency && /^-?[0-9]+(\.[0-9]+)?$/.test(amount)) {
    try {
      let format = moneyFormats.get(currency);
      if (!format) {
        format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
        moneyFormats.set(currency, format);
      }
      text = format.format(amount as unknown as number);
    } catch {
      // Not a well-formed currency code (RangeError): the amount and the code as given.
    }
  }
  return h(
    'span',
    { class: 'money', 'data-amount': amount, 'data-currency': currency ?? '', title: currency ? null : 'Currency not known' },
    text,
  );
}

/** An instant as a `<input type="datetime-local">` value, in local time. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (local time) as RFC 3339 UTC; null when empty. */
export function fromLocalInput(value: string): string | null {
  return value ? new Date(value).toISOString() : null;
}
