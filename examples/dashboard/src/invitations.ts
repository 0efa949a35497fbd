// Pending invitations (MANAGE_CONTACTS): invite, resend, revoke; kept current by
// invitation events (an accepted, revoked or expired one leaves the list).

import { field, formatDateTime, formValues, fromLocalInput, h } from './dom';
import { gql } from './graphql';
import { attempt, clearMessages, showInfo } from './messages';
import { GRANTABLE_ROLES, INVITATION_FIELDS, type AccountContext, type Invitation, type InvitationEvent } from './types';

const PENDING = `query PendingInvitations($accountId: ID!) {
  account(id: $accountId) { invitations(status: PENDING, first: 100) { nodes { ${INVITATION_FIELDS} } } }
}`;

const INVITE = `mutation InviteUser($accountId: ID!, $input: InviteUserInput!) {
  inviteUser(accountId: $accountId, input: $input) { ${INVITATION_FIELDS} }
}`;

const RESEND = `mutation ResendInvitation($id: ID!) { resendInvitation(id: $id) { ${INVITATION_FIELDS} } }`;
const REVOKE = `mutation RevokeInvitation($id: ID!) { revokeInvitation(id: $id) { ${INVITATION_FIELDS} } }`;

export interface InvitationsView {
  element: HTMLElement;
  load(): Promise<void>;
  apply(event: InvitationEvent): void;
}

export function invitationsView(context: AccountContext): InvitationsView {
  const pending = new Map<string, Invitation>();
  const body = h('tbody', {});
  const empty = h('p', { class: 'muted', 'data-testid': 'invitations-empty' }, 'No pending invitations.');

  const form = h(
    'form',
    { class: 'inline-form row', 'data-testid': 'invite-form' },
    field('Email', h('input', { name: 'email', type: 'email', required: true, 'data-testid': 'invite-email' })),
    field(
      'Role',
      h('select', { name: 'role', 'data-testid': 'invite-role' }, ...GRANTABLE_ROLES.map((r) => h('option', { value: r, selected: r === 'TECHNICAL' }, r))),
    ),
    field('Access until', h('input', { name: 'accessExpiresAt', type: 'datetime-local', 'data-testid': 'invite-expires' }), 'Optional.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'invite-submit' }, 'Invite')),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const v = formValues(form);
    await attempt(async () => {
      const { inviteUser } = await gql<{ inviteUser: Invitation }>(INVITE, {
        accountId: context.account.id,
        input: { email: v.email, role: v.role, accessExpiresAt: fromLocalInput(v.accessExpiresAt) },
      });
      put(inviteUser);
      form.reset();
      showInfo(`Invitation sent to ${inviteUser.email}.`);
    });
  });

  const element = h(
    'section',
    { class: 'card', 'data-testid': 'invitations-section' },
    h('div', { class: 'section-head' }, h('h2', {}, 'Invitations')),
    form,
    h(
      'table',
      { 'data-testid': 'invitations-table' },
      h('thead', {}, h('tr', {}, ...['Email', 'Role', 'Link expires', 'Access until', ''].map((t) => h('th', {}, t)))),
      body,
    ),
    empty,
  );

  function render(): void {
    // Newest first, as the server lists them.
    const rows = Array.from(pending.values()).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    body.replaceChildren(...rows.map(row));
    empty.hidden = rows.length > 0;
  }

  function row(inv: Invitation): HTMLTableRowElement {
    const act = (label: string, testid: string, mutation: string, done: string, danger = false) =>
      h(
        'button',
        {
          type: 'button',
          class: danger ? 'link danger' : 'link',
          'data-testid': testid,
          onclick: () => {
            clearMessages();
            void attempt(async () => {
              const result = await gql<Record<string, Invitation>>(mutation, { id: inv.id });
              put(Object.values(result)[0]);
              showInfo(`${done} ${inv.email}.`);
            });
          },
        },
        label,
      );
    return h(
      'tr',
      { 'data-testid': 'invitation-row', 'data-invitation-id': inv.id },
      h('td', { 'data-testid': 'invitation-email' }, inv.email),
      h('td', { 'data-testid': 'invitation-role' }, inv.role),
      h('td', {}, formatDateTime(inv.expiresAt)),
      h('td', {}, inv.accessExpiresAt ? formatDateTime(inv.accessExpiresAt) : '—'),
      h(
        'td',
        { class: 'row-actions' },
        act('Resend', 'invitation-resend', RESEND, 'Invitation sent again to'),
        act('Revoke', 'invitation-revoke', REVOKE, 'Revoked the invitation of', true),
      ),
    );
  }

  /** Keeps an invitation while it is pending; any other status takes it off the list. */
  function put(inv: Invitation): void {
    if (inv.status === 'PENDING') pending.set(inv.id, inv);
    else pending.delete(inv.id);
    render();
  }

  return {
    element,
    async load() {
      const { account } = await gql<{ account: { invitations: { nodes: Invitation[] } } }>(PENDING, { accountId: context.account.id });
      pending.clear();
      for (const inv of account.invitations.nodes) pending.set(inv.id, inv);
      render();
    },
    apply(event) {
      put(event.invitation);
    },
  };
}
