// Passkeys (every signed-in person, whatever the account): the viewer's own, with when
// each was made and last signed them in; add one (named), rename one, remove one (with
// the current password).
//
// Adding one is two calls around the browser's prompt: beginPasskeyRegistration (its
// options to navigator.credentials.create), then finishPasskeyRegistration with what
// the authenticator made. Begin needs no password within ten minutes of signing in;
// later the server answers BAD_USER_INPUT on `currentPassword`, and the form then asks
// for it and begins again with it.

import { field, formatDateTime, formValues, h } from './dom';
import { ApiError, gql } from './graphql';
import { attempt, clearMessages, showError, showInfo } from './messages';
import { PASSKEY_FIELDS, type Passkey, type PasskeyCeremony } from './types';
import { createPasskey, passkeysSupported } from './webauthn';

const LIST = `query Passkeys { viewer { passkeys { ${PASSKEY_FIELDS} } } }`;

const BEGIN = `mutation BeginPasskeyRegistration($currentPassword: String) {
  beginPasskeyRegistration(currentPassword: $currentPassword) { challengeId options }
}`;

const FINISH = `mutation FinishPasskeyRegistration($name: String!, $credential: JSON!) {
  finishPasskeyRegistration(name: $name, credential: $credential) { ${PASSKEY_FIELDS} }
}`;

const RENAME = `mutation RenamePasskey($id: ID!, $name: String!) { renamePasskey(id: $id, name: $name) { ${PASSKEY_FIELDS} } }`;

const REMOVE = `mutation RemovePasskey($id: ID!, $currentPassword: String!) { removePasskey(id: $id, currentPassword: $currentPassword) }`;

export interface PasskeysView {
  element: HTMLElement;
  load(): Promise<void>;
}

/** The error says the password is what is missing (or wrong). */
const aboutPassword = (err: unknown) =>
  err instanceof ApiError && err.code === 'BAD_USER_INPUT' && err.errors.some((e) => e.extensions?.field === 'currentPassword');

const describe = (err: unknown) => (err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));

export function passkeysView(): PasskeysView {
  const supported = passkeysSupported();
  const count = h('span', { class: 'muted', 'data-testid': 'passkeys-count' });
  const formSlot = h('div', {});
  const body = h('tbody', {});
  const empty = h('p', { class: 'muted', 'data-testid': 'passkeys-empty', hidden: true }, 'You have no passkeys yet.');
  const addButton = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      'data-testid': 'passkey-add',
      disabled: !supported,
      title: supported ? null : 'This browser cannot use passkeys on this page.',
      onclick: () => openForm(),
    },
    'Add a passkey',
  );
  let passkeys: Passkey[] = [];

  const element = h(
    'section',
    { class: 'card', 'data-testid': 'passkeys-section' },
    h('div', { class: 'section-head' }, h('h2', {}, 'Passkeys ', count), addButton),
    h(
      'p',
      { class: 'muted' },
      'A passkey signs you in without your password: your device or password manager keeps it, unlocked with your ' +
        'fingerprint, face or PIN. A passkey sign-in counts as a two-factor sign-in.',
    ),
    formSlot,
    h(
      'table',
      { 'data-testid': 'passkeys-table' },
      h('thead', {}, h('tr', {}, ...['Name', 'Added', 'Last used', ''].map((t) => h('th', {}, t)))),
      body,
    ),
    empty,
  );

  function row(p: Passkey): HTMLTableRowElement {
    const nameCell = h('td', { 'data-testid': 'passkey-row-name' }, p.name);
    const rename = h('button', { type: 'button', class: 'link', 'data-testid': 'passkey-rename', onclick: () => startRename() }, 'Rename');
    const remove = h(
      'button',
      { type: 'button', class: 'link danger', 'data-testid': 'passkey-remove', onclick: () => confirmRemove(p) },
      'Remove',
    );
    const tr = h(
      'tr',
      { 'data-testid': 'passkey-row', 'data-passkey-id': p.id },
      nameCell,
      h('td', { 'data-testid': 'passkey-row-created', 'data-created-at': p.createdAt }, formatDateTime(p.createdAt)),
      h('td', { 'data-testid': 'passkey-row-last-used', 'data-last-used-at': p.lastUsedAt }, p.lastUsedAt ? formatDateTime(p.lastUsedAt) : 'never'),
      h('td', { class: 'row-actions' }, rename, remove),
    );

    // In place: the name becomes a field with Save and Cancel.
    function startRename(): void {
      clearMessages();
      const input = h('input', { name: 'name', required: true, maxlength: 100, value: p.name, autocomplete: 'off', 'data-testid': 'passkey-rename-input' });
      const form = h(
        'form',
        { class: 'actions', 'data-testid': 'passkey-rename-form' },
        input,
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'passkey-rename-save' }, 'Save'),
        h('button', { type: 'button', 'data-testid': 'passkey-rename-cancel', onclick: () => nameCell.replaceChildren(p.name) }, 'Cancel'),
      );
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        clearMessages();
        const name = input.value.trim();
        const ok = await attempt(() => gql(RENAME, { id: p.id, name }));
        if (ok) {
          showInfo(`Renamed the passkey "${p.name}" to "${name}".`);
          await attempt(load);
        } else {
          input.select();
        }
      });
      nameCell.replaceChildren(form);
      input.select();
    }

    return tr;
  }

  function render(): void {
    count.textContent = `(${passkeys.length})`;
    body.replaceChildren(...passkeys.map(row));
    empty.hidden = passkeys.length > 0;
  }

  async function load(): Promise<void> {
    const { viewer } = await gql<{ viewer: { passkeys: Passkey[] } | null }>(LIST);
    passkeys = viewer?.passkeys ?? [];
    render();
  }

  function openForm(): void {
    clearMessages();
    const password = h('input', { type: 'password', name: 'currentPassword', autocomplete: 'current-password', 'data-testid': 'passkey-password' });
    const passwordField = field('Your password', password, 'You signed in more than ten minutes ago: adding a passkey then needs your password.');
    passwordField.hidden = true;
    passwordField.dataset.testid = 'passkey-password-field';
    const problem = h('p', { class: 'dialog-error', 'data-testid': 'passkey-error' });
    const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'passkey-submit' }, 'Add passkey');
    const form = h(
      'form',
      { class: 'inline-form', 'data-testid': 'passkey-form' },
      h('h3', {}, 'Add a passkey'),
      h(
        'div',
        { class: 'grid' },
        field(
          'Name',
          h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off', 'data-testid': 'passkey-name' }),
          'Which device or password manager holds it, e.g. "Laptop".',
        ),
        passwordField,
      ),
      problem,
      h(
        'div',
        { class: 'actions' },
        submit,
        h('button', { type: 'button', 'data-testid': 'passkey-cancel', onclick: () => formSlot.replaceChildren() }, 'Cancel'),
      ),
    );

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearMessages();
      problem.textContent = '';
      const { name } = formValues(form);
      submit.disabled = true;
      try {
        let ceremony: PasskeyCeremony;
        try {
          ({ beginPasskeyRegistration: ceremony } = await gql<{ beginPasskeyRegistration: PasskeyCeremony }>(BEGIN, {
            currentPassword: passwordField.hidden ? null : password.value,
          }));
        } catch (err) {
          if (aboutPassword(err) && passwordField.hidden) {
            // Not a mistake: the sign-in is too old to add one without the password.
            passwordField.hidden = false;
            password.required = true;
            password.focus();
            problem.textContent = 'Enter your password to add a passkey, then Add passkey again.';
            showInfo('Adding a passkey needs your password: you signed in more than ten minutes ago.');
            return;
          }
          throw err;
        }
        // The browser's prompt: the authenticator makes the key, after the user's
        // fingerprint, face or PIN.
        const credential = await createPasskey(ceremony.options);
        const { finishPasskeyRegistration: added } = await gql<{ finishPasskeyRegistration: Passkey }>(FINISH, { name, credential });
        formSlot.replaceChildren();
        showInfo(`Added the passkey "${added.name}": you can now sign in with it, without your password.`);
        await attempt(load);
      } catch (err) {
        showError(err);
        problem.textContent = describe(err);
        if (aboutPassword(err)) password.select();
      } finally {
        submit.disabled = false;
      }
    });

    formSlot.replaceChildren(form);
    form.querySelector<HTMLInputElement>('input[name=name]')!.focus();
  }

  function confirmRemove(p: Passkey): void {
    clearMessages();
    const password = h('input', { type: 'password', name: 'currentPassword', required: true, autocomplete: 'current-password', 'data-testid': 'passkey-remove-password' });
    // The message area is behind the modal's backdrop: say it here too.
    const problem = h('p', { class: 'dialog-error', 'data-testid': 'passkey-remove-error' });
    const dialog = h(
      'dialog',
      { 'data-testid': 'passkey-remove-dialog' },
      h(
        'form',
        { method: 'dialog' },
        h('h3', {}, `Remove the passkey "${p.name}"?`),
        h('p', {}, 'It will not sign you in again (your device may still offer it: delete it there too). Confirm with your password.'),
        field('Your password', password),
        problem,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', class: 'danger', 'data-testid': 'passkey-remove-confirm' }, 'Remove'),
          h('button', { type: 'button', 'data-testid': 'passkey-remove-cancel', onclick: () => dialog.close() }, 'Cancel'),
        ),
      ),
    );
    dialog.addEventListener('close', () => dialog.remove());
    dialog.querySelector('form')!.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearMessages();
      try {
        await gql(REMOVE, { id: p.id, currentPassword: password.value });
        dialog.close();
        showInfo(`Removed the passkey "${p.name}".`);
      } catch (err) {
        showError(err);
        problem.textContent = describe(err);
        password.select();
        return;
      }
      await attempt(load);
    });
    document.body.append(dialog);
    dialog.showModal();
  }

  return { element, load };
}
