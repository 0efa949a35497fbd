// The account's services (VIEW_SERVICES). Their price is a money field: it is asked for
// only when the viewer also holds VIEW_INVOICES (a technical contact never sees it). A
// scoped member is shown only the services in their scope (the server's doing).
//
// The API gives a service's `recurringAmount` no currency, and an account none either:
// the one currency the dashboard can read is its invoices' (VIEW_INVOICES too, so the
// same viewers). Prices are shown in that currency when the account's latest invoices
// all name the same one; with no invoices, or invoices in several currencies, the bare
// amount (and a note), never a guessed currency.

import { h, money } from './dom';
import { gql } from './graphql';
import type { AccountContext } from './types';

interface Service {
  id: string;
  productName: string;
  status: string;
  username: string | null;
  recurringAmount?: string | null;
}

export interface ServicesView {
  element: HTMLElement;
  load(): Promise<void>;
}

export function servicesView(context: AccountContext): ServicesView {
  const withPrice = context.permissions.has('VIEW_INVOICES');
  const query = `query Services($accountId: ID!) {
    account(id: $accountId) {
      services(first: 50) { totalCount nodes { id productName status username ${withPrice ? 'recurringAmount' : ''} } }
      ${withPrice ? 'invoices(first: 50) { nodes { currency } }' : ''}
    }
  }`;

  const body = h('tbody', {});
  const count = h('span', { class: 'muted', 'data-testid': 'services-count' });
  const empty = h('p', { class: 'muted', hidden: true }, 'No services yet.');
  const noCurrency = h(
    'p',
    { class: 'muted', hidden: true, 'data-testid': 'services-no-currency' },
    'Prices are shown without a currency: the API gives services none, and this account\'s invoices do not name a single one.',
  );
  const columns = ['Product', 'Status', 'Username', ...(withPrice ? ['Recurring'] : [])];

  const element = h(
    'section',
    { class: 'card', 'data-testid': 'services-section' },
    h('div', { class: 'section-head' }, h('h2', {}, 'Services ', count)),
    // The server lists only what a scoped member looks after: say why some are missing.
    context.scope ? h('p', { class: 'muted', 'data-testid': 'services-scoped' }, 'Only the services you look after (scoped access).') : null,
    h('table', {}, h('thead', {}, h('tr', {}, ...columns.map((t) => h('th', {}, t)))), body),
    empty,
    noCurrency,
  );

  const row = (s: Service, currency: string | null) =>
    h(
      'tr',
      { 'data-testid': 'service-row' },
      h('td', { 'data-testid': 'service-name' }, s.productName),
      h('td', {}, h('span', { class: `status ${s.status.toLowerCase()}` }, s.status)),
      h('td', {}, s.username ?? '—'),
      withPrice ? h('td', { class: 'num', 'data-testid': 'service-price' }, s.recurringAmount ? money(s.recurringAmount, currency) : '—') : null,
    );

  return {
    element,
    async load() {
      const { account } = await gql<{
        account: { services: { totalCount: number; nodes: Service[] }; invoices?: { nodes: { currency: string }[] } | null };
      }>(query, { accountId: context.account.id });
      const currencies = new Set(account.invoices?.nodes.map((i) => i.currency));
      const currency = currencies.size === 1 ? [...currencies][0] : null;
      count.textContent = `(${account.services.totalCount})`;
      body.replaceChildren(...account.services.nodes.map((s) => row(s, currency)));
      empty.hidden = account.services.nodes.length > 0;
      noCurrency.hidden = currency !== null || !account.services.nodes.some((s) => s.recurringAmount);
    },
  };
}
