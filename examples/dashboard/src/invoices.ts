// The account's invoices (VIEW_INVOICES): number, amount, status, due date, PDF.

import { formatDate, h, money } from './dom';
import { gql, portalRoot } from './graphql';
import type { AccountContext, Invoice } from './types';

const INVOICES = `query Invoices($accountId: ID!) {
  account(id: $accountId) {
    invoices(first: 50) { totalCount nodes { id number status total currency dueDate pdfUrl } }
  }
}`;

export interface InvoicesView {
  element: HTMLElement;
  load(): Promise<void>;
}

export function invoicesView(context: AccountContext): InvoicesView {
  const body = h('tbody', {});
  const count = h('span', { class: 'muted', 'data-testid': 'invoices-count' });
  const empty = h('p', { class: 'muted', hidden: true }, 'No invoices yet.');

  const element = h(
    'section',
    { class: 'card', 'data-testid': 'invoices-section' },
    h('div', { class: 'section-head' }, h('h2', {}, 'Invoices ', count)),
    h(
      'table',
      { 'data-testid': 'invoices-table' },
      h('thead', {}, h('tr', {}, ...['Number', 'Amount', 'Status', 'Due', ''].map((t) => h('th', {}, t)))),
      body,
    ),
    empty,
  );

  const row = (inv: Invoice) =>
    h(
      'tr',
      { 'data-testid': 'invoice-row', 'data-invoice-id': inv.id },
      h('td', { 'data-testid': 'invoice-number' }, inv.number),
      h('td', { 'data-testid': 'invoice-amount', class: 'num' }, money(inv.total, inv.currency)),
      h('td', {}, h('span', { 'data-testid': 'invoice-status', class: `status ${inv.status.toLowerCase()}` }, inv.status)),
      h('td', { 'data-testid': 'invoice-due' }, formatDate(inv.dueDate)),
      h('td', {}, inv.pdfUrl ? h('a', { href: sameOrigin(inv.pdfUrl), target: '_blank', rel: 'noopener' }, 'PDF') : null),
    );

  return {
    element,
    async load() {
      const { account } = await gql<{ account: { invoices: { totalCount: number; nodes: Invoice[] } } }>(INVOICES, {
        accountId: context.account.id,
      });
      count.textContent = `(${account.invoices.totalCount})`;
      body.replaceChildren(...account.invoices.nodes.map(row));
      empty.hidden = account.invoices.nodes.length > 0;
    },
  };
}

/** The PDF on the server that serves this page: `pdfUrl` is built from PUBLIC_URL, which
 * may name another host (a dev server, a test port). It is an authenticated GET: the
 * browser sends the session cookie that sign-in set. */
function sameOrigin(pdfUrl: string): string {
  const path = new URL(pdfUrl).pathname;
  return new URL(path.slice(path.lastIndexOf('/invoices/') + 1), portalRoot).href;
}
