// The account's services (VIEW_SERVICES). Their price is a money field: it is asked for
// only when the viewer also holds VIEW_INVOICES (a technical contact never sees it). A
// scoped member is shown only the services in their scope (the server's doing).

import { h } from './dom';
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
    }
  }`;

  const body = h('tbody', {});
  const count = h('span', { class: 'muted', 'data-testid': 'services-count' });
  const empty = h('p', { class: 'muted', hidden: true }, 'No services yet.');
  const columns = ['Product', 'Status', 'Username', ...(withPrice ? ['Recurring'] : [])];

  const element = h(
    'section',
    { class: 'card', 'data-testid': 'services-section' },
    h('div', { class: 'section-head' }, h('h2', {}, 'Services ', count)),
    // The server lists only what a scoped member looks after: say why some are missing.
    context.scope ? h('p', { class: 'muted', 'data-testid': 'services-scoped' }, 'Only the services you look after (scoped access).') : null,
    h('table', {}, h('thead', {}, h('tr', {}, ...columns.map((t) => h('th', {}, t)))), body),
    empty,
  );

  const row = (s: Service) =>
    h(
      'tr',
      { 'data-testid': 'service-row' },
      h('td', { 'data-testid': 'service-name' }, s.productName),
      h('td', {}, h('span', { class: `status ${s.status.toLowerCase()}` }, s.status)),
      h('td', {}, s.username ?? '—'),
      withPrice ? h('td', { class: 'num', 'data-testid': 'service-price' }, s.recurringAmount ?? '—') : null,
    );

  return {
    element,
    async load() {
      const { account } = await gql<{ account: { services: { totalCount: number; nodes: Service[] } } }>(query, {
        accountId: context.account.id,
      });
      count.textContent = `(${account.services.totalCount})`;
      body.replaceChildren(...account.services.nodes.map(row));
      empty.hidden = account.services.nodes.length > 0;
    },
  };
}
