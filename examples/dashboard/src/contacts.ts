// The account's contacts (MANAGE_CONTACTS): list, add, edit, remove or erase (see
// personal-data.ts); kept current by contact events.

import { field, formatDateTime, formValues, fromLocalInput, h, toLocalInput } from './dom';
import { ApiError, gql } from './graphql';
import { attempt, clearMessages, showError, showInfo } from './messages';
import { confirmEraseContact } from './personal-data';
import { sameScope, scopePicker, scopeSummary, type ScopePicker } from './scope';
import { CONTACT_FIELDS, GRANTABLE_ROLES, SCOPABLE_ROLES, type AccountContext, type Contact, type ContactEvent, type Role } from './types';

const CONTACTS = `query Contacts($accountId: ID!) {
  account(id: $accountId) { contacts(first: 100) { totalCount nodes { ${CONTACT_FIELDS} } } }
}`;

const ADD_CONTACT = `mutation AddContact($accountId: ID!, $input: AddContactInput!) {
  addContact(accountId: $accountId, input: $input) { ${CONTACT_FIELDS} }
}`;

const UPDATE_CONTACT = `mutation UpdateContact($id: ID!, $input: UpdateContactInput!) {
  updateContact(id: $id, input: $input) { ${CONTACT_FIELDS} }
}`;

const REMOVE_CONTACT = `mutation RemoveContact($id: ID!, $currentPassword: String!) {
  removeContact(id: $id, currentPassword: $currentPassword)
}`;

export interface ContactsView {
  element: HTMLElement;
  load(): Promise<void>;
  apply(event: ContactEvent): void;
}

export function contactsView(context: AccountContext): ContactsView {
  // Oldest first, as the server lists them; a Map keeps insertion order.
  const contacts = new Map<string, Contact>();
  let total = 0;

  const body = h('tbody', {});
  const count = h('span', { class: 'muted', 'data-testid': 'contacts-count' });
  const formSlot = h('div', {});
  const addButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'contact-add', onclick: () => openForm(null) }, 'Add contact');

  const element = h(
    'section',
    { class: 'card', 'data-testid': 'contacts-section' },
    h('div', { class: 'section-head' }, h('h2', {}, 'Contacts ', count), addButton),
    formSlot,
    h(
      'table',
      { 'data-testid': 'contacts-table' },
      h(
        'thead',
        {},
        h('tr', {}, ...['Name', 'Email', 'Role', 'Scope', 'Portal access', 'Access until', ''].map((t) => h('th', {}, t))),
      ),
      body,
    ),
  );

  function render(flashId?: string): void {
    count.textContent = `(${Math.max(total, contacts.size)})`;
    body.replaceChildren(...Array.from(contacts.values(), (c) => row(c, c.id === flashId)));
  }

  function row(c: Contact, flash: boolean): HTMLTableRowElement {
    return h(
      'tr',
      { 'data-testid': 'contact-row', 'data-contact-id': c.id, class: flash ? 'flash' : null },
      h(
        'td',
        { 'data-testid': 'contact-name' },
        `${c.firstName} ${c.lastName}`,
        c.isPrimary ? h('span', { class: 'badge' }, 'primary') : null,
      ),
      h('td', { 'data-testid': 'contact-email' }, c.email ?? '—'),
      h('td', { 'data-testid': 'contact-role' }, c.role),
      h('td', { 'data-testid': 'contact-scope', class: c.scope ? 'scoped' : null }, scopeSummary(c.scope)),
      h('td', { 'data-testid': 'contact-portal' }, c.portalAccess ? 'yes' : 'no'),
      h(
        'td',
        { 'data-testid': 'contact-expires', class: c.accessExpiresAt ? 'temporary' : null },
        c.accessExpiresAt ? formatDateTime(c.accessExpiresAt) : '—',
      ),
      h(
        'td',
        { class: 'row-actions' },
        h('button', { type: 'button', class: 'link', 'data-testid': 'contact-edit', onclick: () => openForm(c) }, 'Edit'),
        // The primary contact cannot be removed, nor erased (ownership moves by transfer first).
        c.isPrimary
          ? null
          : h('button', { type: 'button', class: 'link danger', 'data-testid': 'contact-remove', onclick: () => confirmRemove(c) }, 'Remove'),
        c.isPrimary
          ? null
          : h('button', { type: 'button', class: 'link danger', 'data-testid': 'contact-erase', onclick: () => confirmEraseContact(c, () => remove(c.id)) }, 'Erase'),
      ),
    );
  }

  function roleSelect(current: Role | null): HTMLSelectElement {
    const roles = current && !GRANTABLE_ROLES.includes(current) ? [current, ...GRANTABLE_ROLES] : GRANTABLE_ROLES;
    return h(
      'select',
      { name: 'role', 'data-testid': 'contact-role-input' },
      ...roles.map((r) => h('option', { value: r, selected: r === (current ?? 'TECHNICAL'), disabled: r === 'OWNER' && current !== 'OWNER' }, r)),
    );
  }

  /** The add form (contact null) or the edit form of one contact. */
  function openForm(contact: Contact | null): void {
    clearMessages();
    const editing = contact !== null;
    const portal = h('input', { type: 'checkbox', name: 'portalAccess', 'data-testid': 'contact-portal-input' });
    const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', 'data-testid': 'contact-password-input' });
    const passwordField = field('Password', password, 'Leave empty to email a generated one.');
    passwordField.hidden = true;
    portal.addEventListener('change', () => (passwordField.hidden = !portal.checked));
    const role = roleSelect(contact?.role ?? null);
    const scope = scopePicker(context, contact?.scope ?? null);
    // Only for a role a scope can go with: any other role means the whole account.
    const scopeApplies = () => scope.setApplicable(SCOPABLE_ROLES.includes(role.value as Role));
    role.addEventListener('change', scopeApplies);
    scopeApplies();

    const form = h(
      'form',
      { class: 'inline-form', 'data-testid': 'contact-form', 'data-mode': editing ? 'edit' : 'add' },
      h('h3', {}, editing ? `Edit ${contact.firstName} ${contact.lastName}` : 'New contact'),
      h(
        'div',
        { class: 'grid' },
        field('First name', h('input', { name: 'firstName', required: true, value: contact?.firstName ?? '', 'data-testid': 'contact-first-name-input' })),
        field('Last name', h('input', { name: 'lastName', required: true, value: contact?.lastName ?? '', 'data-testid': 'contact-last-name-input' })),
        field('Email', h('input', { name: 'email', type: 'email', value: contact?.email ?? '', 'data-testid': 'contact-email-input' })),
        field('Phone', h('input', { name: 'phone', type: 'tel', value: contact?.phone ?? '', 'data-testid': 'contact-phone-input' })),
        field('Role', role),
        field(
          'Access until',
          h('input', { type: 'datetime-local', name: 'accessExpiresAt', value: toLocalInput(contact?.accessExpiresAt ?? null), 'data-testid': 'contact-expires-input' }),
          'Temporary access; empty for permanent.',
        ),
        editing ? null : h('label', { class: 'check' }, portal, ' Portal access (a login)'),
        editing ? null : passwordField,
      ),
      scope.element,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'contact-submit' }, editing ? 'Save' : 'Add contact'),
        h('button', { type: 'button', 'data-testid': 'contact-cancel', onclick: () => formSlot.replaceChildren() }, 'Cancel'),
      ),
    );

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearMessages();
      const v = formValues(form);
      const ok = await attempt(async () => {
        if (contact) {
          const input = changedFields(contact, v, scope);
          if (Object.keys(input).length === 0) return;
          const { updateContact } = await gql<{ updateContact: Contact }>(UPDATE_CONTACT, { id: contact.id, input });
          upsert(updateContact);
          showInfo(`Saved ${updateContact.firstName} ${updateContact.lastName}.`);
        } else {
          const { addContact } = await gql<{ addContact: Contact }>(ADD_CONTACT, {
            accountId: context.account.id,
            input: {
              firstName: v.firstName,
              lastName: v.lastName,
              email: v.email || null,
              phone: v.phone || null,
              role: v.role,
              portalAccess: v.portalAccess === 'on',
              password: v.portalAccess === 'on' && v.password ? v.password : null,
              accessExpiresAt: fromLocalInput(v.accessExpiresAt),
              scope: scope.value(),
            },
          });
          upsert(addContact);
          showInfo(`Added ${addContact.firstName} ${addContact.lastName}.`);
        }
      });
      if (ok) formSlot.replaceChildren();
    });

    formSlot.replaceChildren(form);
    form.querySelector<HTMLInputElement>('input')!.focus();
  }

  function confirmRemove(contact: Contact): void {
    clearMessages();
    const password = h('input', { type: 'password', name: 'currentPassword', required: true, autocomplete: 'current-password', 'data-testid': 'remove-password' });
    // The message area is behind the modal's backdrop: say it here too.
    const problem = h('p', { class: 'dialog-error', 'data-testid': 'remove-error' });
    const dialog = h(
      'dialog',
      { 'data-testid': 'remove-dialog' },
      h(
        'form',
        { method: 'dialog' },
        h('h3', {}, `Remove ${contact.firstName} ${contact.lastName}?`),
        h('p', {}, 'This is permanent: the contact card goes, and so does their access to this account. Confirm with your password.'),
        field('Your password', password),
        problem,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', class: 'danger', value: 'remove', 'data-testid': 'remove-confirm' }, 'Remove'),
          h('button', { type: 'button', 'data-testid': 'remove-cancel', onclick: () => dialog.close() }, 'Cancel'),
        ),
      ),
    );
    dialog.addEventListener('close', () => dialog.remove());
    dialog.querySelector('form')!.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearMessages();
      try {
        await gql(REMOVE_CONTACT, { id: contact.id, currentPassword: password.value });
        remove(contact.id);
        dialog.close();
        showInfo(`Removed ${contact.firstName} ${contact.lastName}.`);
      } catch (err) {
        showError(err);
        problem.textContent = err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
        password.select();
      }
    });
    document.body.append(dialog);
    dialog.showModal();
  }

  /** Adds or replaces a contact, unless what we hold is newer (a late or replayed event). */
  function upsert(contact: Contact): void {
    const held = contacts.get(contact.id);
    if (held && Date.parse(held.updatedAt) > Date.parse(contact.updatedAt)) return;
    if (!held) total += 1;
    contacts.set(contact.id, contact);
    render(held ? undefined : contact.id);
  }

  function remove(id: string): void {
    if (contacts.delete(id)) {
      total -= 1;
      render();
    }
  }

  return {
    element,
    async load() {
      const { account } = await gql<{ account: { contacts: { totalCount: number; nodes: Contact[] } } }>(CONTACTS, {
        accountId: context.account.id,
      });
      contacts.clear();
      for (const c of account.contacts.nodes) contacts.set(c.id, c);
      total = account.contacts.totalCount;
      render();
    },
    apply(event) {
      // A removed contact's earlier events are scrubbed (contact: null): it is gone too.
      if (event.kind === 'REMOVED' || !event.contact) remove(event.contactId);
      else upsert(event.contact);
    },
  };
}

/** The edit form's changes as an UpdateContactInput: only what differs is sent. */
function changedFields(contact: Contact, v: Record<string, string>, scope: ScopePicker): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (v.firstName !== contact.firstName) input.firstName = v.firstName;
  if (v.lastName !== contact.lastName) input.lastName = v.lastName;
  if (v.email !== (contact.email ?? '')) input.email = v.email || null;
  if (v.phone !== (contact.phone ?? '')) input.phone = v.phone || null;
  // A role is sent only when changed: nobody may re-role themselves, even to the same.
  if (v.role !== contact.role) input.role = v.role;
  if (v.accessExpiresAt !== toLocalInput(contact.accessExpiresAt)) input.accessExpiresAt = fromLocalInput(v.accessExpiresAt);
  // An explicit null gives the whole account again (also what a role without scope means).
  const chosen = scope.value();
  if (!sameScope(chosen, contact.scope)) input.scope = chosen;
  return input;
}
