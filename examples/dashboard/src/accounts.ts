// Choosing the account to look at: a user with several memberships (an agency) picks
// one, which `switchAccount` places the session in. Staff pick from every account.

import { h } from './dom';
import { gql } from './graphql';
import { attempt, clearMessages } from './messages';
import type { AccountContext, AccountRef, Permission, Scope, Viewer } from './types';

const SWITCH_ACCOUNT = `mutation SwitchAccount($accountId: ID!) {
  switchAccount(accountId: $accountId) { currentAccount { id name } permissions }
}`;

const STAFF_ACCOUNTS = `query StaffAccounts { accounts(first: 100) { nodes { id name } } }`;

/** The account the session is already placed in, if the viewer is a member of it. */
export function currentContext(viewer: Viewer): AccountContext | null {
  const current = viewer.currentAccount;
  if (!current) return null;
  const membership = viewer.memberships.find((m) => m.account.id === current.id);
  if (!membership && !viewer.isStaff) return null;
  return {
    account: current,
    role: membership?.role ?? 'STAFF',
    // The viewer's permissions in the current account (all of them for staff).
    permissions: new Set(viewer.permissions),
    accessExpiresAt: membership?.accessExpiresAt ?? null,
    scope: membership?.scope ?? null,
  };
}

export async function renderAccountPicker(
  root: HTMLElement,
  viewer: Viewer,
  chosen: (context: AccountContext) => void,
): Promise<void> {
  const list = h('ul', { class: 'account-list' });
  const card = h(
    'section',
    { class: 'card narrow', 'data-testid': 'account-picker' },
    h('h1', {}, 'Choose an account'),
    h('p', {}, `Signed in as ${viewer.user.email}.`),
    list,
  );
  root.replaceChildren(card);

  const choose = async (account: AccountRef, role: AccountContext['role'], accessExpiresAt: string | null, scope: Scope | null) => {
    clearMessages();
    await attempt(async () => {
      const { switchAccount } = await gql<{ switchAccount: { currentAccount: AccountRef | null; permissions: Permission[] } }>(
        SWITCH_ACCOUNT,
        { accountId: account.id },
      );
      chosen({ account: switchAccount.currentAccount ?? account, role, permissions: new Set(switchAccount.permissions), accessExpiresAt, scope });
    });
  };

  const option = (account: AccountRef, detail: string, onclick: () => void) =>
    h(
      'li',
      {},
      h(
        'button',
        { type: 'button', class: 'account-option', 'data-testid': 'account-option', 'data-account-id': account.id, onclick },
        h('strong', {}, account.name),
        h('span', { class: 'muted' }, detail),
      ),
    );

  for (const m of viewer.memberships) {
    list.append(option(m.account, m.role.toLowerCase(), () => void choose(m.account, m.role, m.accessExpiresAt, m.scope)));
  }

  if (viewer.isStaff) {
    // Staff are members of no account and may look at any: no switch, every permission.
    await attempt(async () => {
      const { accounts } = await gql<{ accounts: { nodes: AccountRef[] } }>(STAFF_ACCOUNTS);
      for (const account of accounts.nodes) {
        list.append(
          option(account, 'staff', () =>
            chosen({ account, role: 'STAFF', permissions: new Set(viewer.permissions), accessExpiresAt: null, scope: null }),
          ),
        );
      }
    });
  }

  if (!list.childElementCount) {
    list.replaceWith(h('p', { 'data-testid': 'no-accounts' }, 'This login belongs to no account.'));
  }
}
