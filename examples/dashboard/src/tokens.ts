// API tokens (every member, on the account shown): the viewer's own tokens here, and
// with MANAGE_CONTACTS the other members' too; create one (a permission picker that
// offers only what the viewer holds here, their password), revoke one.
//
// A new token's secret is in createApiToken's answer only. It is shown once, in a
// read-only field with a Copy button, and kept nowhere else: not in storage, not in the
// list (which is read again from the server, where only its hash is). Dismissed, or the
// page drawn again, it is gone for good.

import { field, formatDateTime, formValues, h } from './dom';
import { ApiError, gql } from './graphql';
import { attempt, clearMessages, showError, showInfo } from './messages';
import { scopeSummary } from './scope';
import { API_TOKEN_FIELDS, PERMISSIONS, type AccountContext, type ApiToken, type Permission } from './types';

const MINE = `query ApiTokens { viewer { apiTokens { ${API_TOKEN_FIELDS} } } }`;

/** With MANAGE_CONTACTS only: anyone else would meet FORBIDDEN. */
const MINE_AND_MEMBERS = `query ApiTokens($accountId: ID!) {
  viewer { apiTokens { ${API_TOKEN_FIELDS} } }
  account(id: $accountId) { apiTokens { ${API_TOKEN_FIELDS} } }
}`;

const CREATE = `mutation CreateApiToken($accountId: ID!, $input: CreateApiTokenInput!, $currentPassword: String!) {
  createApiToken(accountId: $accountId, input: $input, currentPassword: $currentPassword) {
    token apiToken { ${API_TOKEN_FIELDS} }
  }
}`;

const REVOKE = `mutation RevokeApiToken($id: ID!) { revokeApiToken(id: $id) { id name } }`;

/** The longest a token may last (the server's limit). */
const MAX_DAYS = 365;

export interface TokensView {
  element: HTMLElement;
  load(): Promise<void>;
}

/** VIEW_SERVICE_PASSWORDS → "View service passwords". */
export function permissionLabel(permission: Permission): string {
  const words = permission.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A day as `<input type="date">` holds it, in local time. */
function localDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function addDays(d: Date, days: number): Date {
  const next = new Date(d);
  next.setDate(next.getDate() + days);
  return next;
}

/** "Valid until" a day: the token ends as the next day begins (local time). */
function endOfDay(day: string): string | null {
  if (!day) return null;
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + 1).toISOString();
}

export function tokensView(context: AccountContext): TokensView {
  const managesMembers = context.permissions.has('MANAGE_CONTACTS');
  // What the picker offers: what the viewer holds on this account, and nothing else.
  const held = PERMISSIONS.filter((p) => context.permissions.has(p));

  const count = h('span', { class: 'muted', 'data-testid': 'tokens-count' });
  const formSlot = h('div', {});
  const secretSlot = h('div', {});
  const mineBody = h('tbody', {});
  const mineEmpty = h('p', { class: 'muted', 'data-testid': 'tokens-empty', hidden: true }, 'You have no API tokens on this account.');
  const membersBody = h('tbody', {});
  const membersEmpty = h('p', { class: 'muted', 'data-testid': 'member-tokens-empty', hidden: true }, 'No other member has an API token here.');
  const createButton = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      'data-testid': 'token-create',
      disabled: held.length === 0,
      title: held.length ? null : 'You hold no permission on this account to give a token.',
      onclick: () => openForm(),
    },
    'New token',
  );

  const head = ['Name', 'Permissions', 'Scope', 'Expires', 'Last used', ''];
  const table = (testid: string, body: HTMLElement) =>
    h('table', { 'data-testid': testid }, h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))), body);

  const element = h(
    'section',
    { class: 'card', 'data-testid': 'tokens-section' },
    h('div', { class: 'section-head' }, h('h2', {}, 'API tokens ', count), createButton),
    h(
      'p',
      { class: 'muted' },
      'A token lets a script act as you on this account, with the permissions you give it (never more than you hold, ' +
        'and only while you hold them). Send it as ',
      h('code', {}, 'Authorization: Bearer <token>'),
      '.',
    ),
    formSlot,
    secretSlot,
    table('tokens-table', mineBody),
    mineEmpty,
    managesMembers
      ? h(
          'div',
          { class: 'member-tokens', 'data-testid': 'member-tokens' },
          h('h3', {}, "Other members' tokens"),
          table('member-tokens-table', membersBody),
          membersEmpty,
        )
      : null,
  );

  function row(t: ApiToken, testid: string, ownScope: string): HTMLTableRowElement {
    const revoke = h(
      'button',
      { type: 'button', class: 'link danger', 'data-testid': 'token-revoke', onclick: () => void revokeToken(t, revoke) },
      'Revoke',
    );
    return h(
      'tr',
      { 'data-testid': testid, 'data-token-id': t.id },
      h('td', { 'data-testid': 'token-row-name' }, t.name),
      h(
        'td',
        { 'data-testid': 'token-row-permissions', 'data-permissions': t.permissions.join(' ') },
        t.permissions.map(permissionLabel).join(', '),
      ),
      h('td', { 'data-testid': 'token-row-scope', class: t.scope ? 'scoped' : null }, t.scope ? scopeSummary(t.scope) : ownScope),
      h('td', { 'data-testid': 'token-row-expires', 'data-expires-at': t.expiresAt }, formatDateTime(t.expiresAt)),
      h(
        'td',
        { 'data-testid': 'token-row-last-used' },
        t.lastUsedAt ? formatDateTime(t.lastUsedAt) : 'never',
        // Until its first use, the address it was created from.
        t.lastUsedIp ? h('small', { class: 'muted ip', 'data-testid': 'token-row-ip' }, `${t.lastUsedAt ? 'from' : 'created from'} ${t.lastUsedIp}`) : null,
      ),
      h('td', { class: 'row-actions' }, revoke),
    );
  }

  function render(mine: ApiToken[], members: ApiToken[]): void {
    count.textContent = `(${mine.length})`;
    // null: the member's own scope, which for the viewer is theirs.
    const yours = context.scope ? `Your scope (${scopeSummary(context.scope)})` : 'Whole account';
    mineBody.replaceChildren(...mine.map((t) => row(t, 'token-row', yours)));
    mineEmpty.hidden = mine.length > 0;
    membersBody.replaceChildren(...members.map((t) => row(t, 'member-token-row', "The member's scope")));
    membersEmpty.hidden = members.length > 0;
  }

  async function load(): Promise<void> {
    const accountId = context.account.id;
    const data = await gql<{ viewer: { apiTokens: ApiToken[] }; account?: { apiTokens: ApiToken[] | null } | null }>(
      managesMembers ? MINE_AND_MEMBERS : MINE,
      managesMembers ? { accountId } : {},
    );
    // The viewer's tokens on every account: this one's here.
    const ownIds = new Set(data.viewer.apiTokens.map((t) => t.id));
    const mine = data.viewer.apiTokens.filter((t) => t.accountId === accountId);
    const members = (data.account?.apiTokens ?? []).filter((t) => !ownIds.has(t.id));
    render(mine, members);
  }

  async function revokeToken(t: ApiToken, button: HTMLButtonElement): Promise<void> {
    clearMessages();
    button.disabled = true;
    const ok = await attempt(() => gql(REVOKE, { id: t.id }));
    if (ok) showInfo(`Revoked the API token "${t.name}": it no longer works.`);
    else button.disabled = false;
    // Gone, or refused (perhaps revoked elsewhere meanwhile): the list as it now is.
    await attempt(load);
  }

  function openForm(): void {
    clearMessages();
    secretSlot.replaceChildren();
    const today = new Date();
    const boxes = held.map((p) =>
      h('input', { type: 'checkbox', name: `permission:${p}`, value: p, 'data-testid': 'token-permission', 'data-permission': p }),
    );
    const password = h('input', {
      type: 'password',
      name: 'currentPassword',
      required: true,
      autocomplete: 'current-password',
      'data-testid': 'token-password',
    });
    const problem = h('p', { class: 'dialog-error', 'data-testid': 'token-error' });
    const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'token-submit' }, 'Create token');

    const form = h(
      'form',
      { class: 'inline-form', 'data-testid': 'token-form' },
      h('h3', {}, 'New API token'),
      h(
        'div',
        { class: 'grid' },
        field('Name', h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off', 'data-testid': 'token-name' }), 'What uses it, e.g. "Monitoring".'),
        field(
          'Valid until',
          h('input', {
            type: 'date',
            name: 'validUntil',
            min: localDay(today),
            // The token ends as the next day begins: within a year of now.
            max: localDay(addDays(today, MAX_DAYS - 1)),
            'data-testid': 'token-expires',
          }),
          'The end of that day. Empty: 90 days; a year at the most.',
        ),
      ),
      h(
        'fieldset',
        { class: 'permission-picker', 'data-testid': 'token-permissions' },
        h('legend', {}, 'Permissions'),
        h('small', {}, 'Only what you hold on this account; the token loses any you lose.'),
        h(
          'div',
          { class: 'permission-list' },
          ...boxes.map((box) => h('label', { class: 'check', title: box.value }, box, ` ${permissionLabel(box.value as Permission)}`)),
        ),
      ),
      h('div', { class: 'grid' }, field('Your password', password, 'Making a token needs your current password.')),
      problem,
      h(
        'div',
        { class: 'actions' },
        submit,
        h('button', { type: 'button', 'data-testid': 'token-cancel', onclick: () => formSlot.replaceChildren() }, 'Cancel'),
      ),
    );

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearMessages();
      problem.textContent = '';
      const v = formValues(form);
      const permissions = boxes.filter((b) => b.checked).map((b) => b.value as Permission);
      if (!permissions.length) {
        problem.textContent = 'Tick at least one permission.';
        return;
      }
      submit.disabled = true;
      try {
        const { createApiToken } = await gql<{ createApiToken: { token: string; apiToken: ApiToken } }>(CREATE, {
          accountId: context.account.id,
          input: { name: v.name, permissions, expiresAt: endOfDay(v.validUntil) },
          currentPassword: password.value,
        });
        formSlot.replaceChildren();
        showSecret(createApiToken.apiToken, createApiToken.token);
        showInfo(`Created the API token "${createApiToken.apiToken.name}".`);
        await attempt(load);
      } catch (err) {
        showError(err);
        problem.textContent = err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
        if (err instanceof ApiError && err.errors.some((e) => e.extensions?.field === 'currentPassword')) password.select();
      } finally {
        submit.disabled = false;
      }
    });

    formSlot.replaceChildren(form);
    form.querySelector<HTMLInputElement>('input[name=name]')!.focus();
  }

  /** The secret, this once: a read-only field and a Copy button, until dismissed. */
  function showSecret(token: ApiToken, secret: string): void {
    const input = h('input', {
      readonly: true,
      value: secret,
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-label': 'The new token',
      'data-testid': 'token-secret',
      onfocus: () => input.select(),
    });
    const status = h('small', { class: 'muted', 'data-testid': 'token-copy-status', 'aria-live': 'polite' });
    const copy = async () => {
      try {
        // Absent where the page is not a secure context.
        const clipboard = navigator.clipboard as Clipboard | undefined;
        if (!clipboard) throw new Error('no clipboard');
        await clipboard.writeText(input.value);
        status.textContent = 'Copied.';
        status.dataset.copied = 'true';
      } catch {
        // Refused (no permission, an older browser): selected for the reader to copy.
        input.focus();
        input.select();
        status.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy it.';
        status.dataset.copied = 'selected';
      }
    };
    const panel = h(
      'div',
      { class: 'token-secret', 'data-testid': 'token-created', 'data-token-id': token.id },
      h('h3', {}, `Your new token "${token.name}"`),
      h('p', {}, h('strong', {}, 'Copy it now: it will not be shown again.'), ' Only a fingerprint of it is kept; lost, it can only be revoked and replaced.'),
      h(
        'div',
        { class: 'secret-row' },
        input,
        h('button', { type: 'button', class: 'primary', 'data-testid': 'token-copy', onclick: () => void copy() }, 'Copy'),
      ),
      status,
      h('div', { class: 'actions' }, h('button', { type: 'button', 'data-testid': 'token-secret-done', onclick: () => secretSlot.replaceChildren() }, 'Done')),
    );
    secretSlot.replaceChildren(panel);
    input.focus();
  }

  return { element, load };
}
