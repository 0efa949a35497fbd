// Scoped access: a member limited to some services and domains of the account (null:
// the whole account). How a scope reads, and the picker of the contact form.

import { h } from './dom';
import { gql } from './graphql';
import { showError } from './messages';
import type { AccountContext, Scope } from './types';

/** "Whole account", or "1 service, 0 domains". */
export function scopeSummary(scope: Scope | null): string {
  if (!scope) return 'Whole account';
  const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  return `${count(scope.serviceIds.length, 'service')}, ${count(scope.domainIds.length, 'domain')}`;
}

/** The same services and domains, whatever their order. */
export function sameScope(a: Scope | null, b: Scope | null): boolean {
  if (!a || !b) return a === b;
  const same = (x: string[], y: string[]) => x.length === y.length && [...x].sort().join() === [...y].sort().join();
  return same(a.serviceIds, b.serviceIds) && same(a.domainIds, b.domainIds);
}

interface Choice {
  id: string;
  name: string;
}

/** The account's services and domains by name; null for a list the viewer may not read
 * (the picker then shows the ids it already holds). */
interface Choices {
  services: Choice[] | null;
  domains: Choice[] | null;
}

async function loadChoices(context: AccountContext): Promise<Choices> {
  const services = context.permissions.has('VIEW_SERVICES');
  const domains = context.permissions.has('VIEW_DOMAINS');
  if (!services && !domains) return { services: null, domains: null };
  // Only what the viewer may read is asked for: anything else would be FORBIDDEN.
  const query = `query ScopeChoices($accountId: ID!) {
    account(id: $accountId) {
      ${services ? 'services(first: 100) { nodes { id productName } }' : ''}
      ${domains ? 'domains(first: 100) { nodes { id name } }' : ''}
    }
  }`;
  const { account } = await gql<{
    account: {
      services?: { nodes: { id: string; productName: string }[] } | null;
      domains?: { nodes: { id: string; name: string }[] } | null;
    };
  }>(query, { accountId: context.account.id });
  return {
    services: account.services?.nodes.map((s) => ({ id: s.id, name: s.productName })) ?? null,
    domains: account.domains?.nodes.map((d) => ({ id: d.id, name: d.name })) ?? null,
  };
}

export interface ScopePicker {
  element: HTMLElement;
  /** The scope chosen: null for the whole account (or when the picker does not apply). */
  value(): Scope | null;
  /** Shown only for a role a scope can go with; hidden, it means the whole account. */
  setApplicable(applicable: boolean): void;
}

/** "Whole account", or when unticked one box per service and domain of the account. */
export function scopePicker(context: AccountContext, current: Scope | null): ScopePicker {
  const chosen = {
    service: new Set(current?.serviceIds ?? []),
    domain: new Set(current?.domainIds ?? []),
  };
  const whole = h('input', { type: 'checkbox', checked: current === null, 'data-testid': 'scope-whole' });
  const services = h('div', { class: 'scope-list', 'data-testid': 'scope-services' });
  const domains = h('div', { class: 'scope-list', 'data-testid': 'scope-domains' });
  const loading = h('p', { class: 'muted', 'data-testid': 'scope-loading' }, 'Loading the services and domains…');
  const choices = h(
    'div',
    { class: 'scope-choices', hidden: current === null },
    loading,
    h('div', {}, h('h4', {}, 'Services'), services),
    h('div', {}, h('h4', {}, 'Domains'), domains),
  );
  whole.addEventListener('change', () => (choices.hidden = whole.checked));

  const element = h(
    'fieldset',
    { class: 'scope-picker', 'data-testid': 'scope-picker' },
    h('legend', {}, 'Scope'),
    h('label', { class: 'check' }, whole, ' Whole account'),
    h('small', {}, 'A scoped member sees only the services and domains ticked here, and holds no account-wide permission.'),
    choices,
  );

  /** One box per choice, plus any id already in the scope the list does not name. */
  function fill(list: HTMLElement, kind: 'service' | 'domain', known: Choice[] | null): void {
    const label = kind === 'service' ? 'Service' : 'Domain';
    const all = [...(known ?? [])];
    for (const id of chosen[kind]) if (!all.some((c) => c.id === id)) all.push({ id, name: `${label} #${id}` });
    list.replaceChildren(
      ...all.map((c) => {
        const box = h('input', {
          type: 'checkbox',
          checked: chosen[kind].has(c.id),
          'data-testid': `scope-${kind}`,
          [`data-${kind}-id`]: c.id,
          [`data-${kind}-name`]: c.name,
        });
        box.addEventListener('change', () => (box.checked ? chosen[kind].add(c.id) : chosen[kind].delete(c.id)));
        return h('label', { class: 'check' }, box, ` ${c.name}`);
      }),
    );
    if (!all.length) list.append(h('span', { class: 'muted' }, known ? `The account has no ${kind}s.` : 'None in the scope.'));
  }

  fill(services, 'service', null);
  fill(domains, 'domain', null);
  void loadChoices(context)
    .then(
      (loaded) => {
        fill(services, 'service', loaded.services);
        fill(domains, 'domain', loaded.domains);
      },
      // The ids already in the scope stay, and can still be unticked.
      (err: unknown) => showError(err),
    )
    .finally(() => loading.remove());

  let applicable = true;
  return {
    element,
    value() {
      if (!applicable || whole.checked) return null;
      return { serviceIds: [...chosen.service], domainIds: [...chosen.domain] };
    },
    setApplicable(on) {
      applicable = on;
      element.hidden = !on;
    },
  };
}
