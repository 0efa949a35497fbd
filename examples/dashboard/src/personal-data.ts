// Personal data: what a person can do about what the portal keeps of them.
//   anyone signed in → Download my data (requestDataExport) and Delete my login
//                      (deleteMyLogin, with the current password; CONFLICT, naming the
//                      accounts, while they own one)
//   MANAGE_ACCOUNT   → Export <account> (exportAccount)
//   MANAGE_CONTACTS  → Erase, on a contact row that offers Remove (eraseContact, with
//                      the current password): confirmEraseContact, called by contacts.ts
// An export is not downloaded here: the server emails a link that works once, for 24
// hours, so the file only reaches whoever reads that mailbox.

import { field, h } from './dom';
import { ApiError, gql } from './graphql';
import { clearMessages, showError, showInfo } from './messages';
import type { AccountContext, Contact } from './types';

const REQUEST_DATA_EXPORT = `mutation RequestDataExport { requestDataExport }`;

const EXPORT_ACCOUNT = `mutation ExportAccount($accountId: ID!) { exportAccount(accountId: $accountId) }`;

const DELETE_MY_LOGIN = `mutation DeleteMyLogin($currentPassword: String!) { deleteMyLogin(currentPassword: $currentPassword) }`;

const ERASE_CONTACT = `mutation EraseContact($id: ID!, $currentPassword: String!) {
  eraseContact(id: $id, currentPassword: $currentPassword)
}`;

const EMAILED = 'A download link was emailed to you; it works once, for 24 hours.';

const describe = (err: unknown) => (err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));

export interface PersonalDataView {
  element: HTMLElement;
}

/** The card: the viewer's own data, and the account's when they may manage it (`context`
 * null: no account chosen yet). `loginDeleted` runs once the server has ended the login. */
export function personalDataView(context: AccountContext | null, loginDeleted: () => void): PersonalDataView {
  const status = h('p', { class: 'export-status', 'data-testid': 'data-export-status', hidden: true });

  /** One export request: the button waits for the answer, which the card then says. */
  function exportButton(testid: string, label: string, request: () => Promise<unknown>): HTMLButtonElement {
    const button: HTMLButtonElement = h(
      'button',
      {
        type: 'button',
        'data-testid': testid,
        onclick: async () => {
          clearMessages();
          button.disabled = true;
          status.hidden = true;
          try {
            await request();
            say('sent', EMAILED);
            showInfo(EMAILED);
          } catch (err) {
            showError(err);
            say('error', describe(err));
          } finally {
            button.disabled = false;
          }
        },
      },
      label,
    );
    return button;
  }

  function say(state: 'sent' | 'error', text: string): void {
    status.dataset.state = state;
    status.textContent = text;
    status.hidden = false;
  }

  // The account's export: to whoever may manage it.
  const managed = context?.permissions.has('MANAGE_ACCOUNT') ? context.account : null;
  const element = h(
    'section',
    { class: 'card', 'data-testid': 'personal-data-section' },
    h('div', { class: 'section-head' }, h('h2', {}, 'Personal data')),
    h(
      'p',
      { class: 'muted' },
      'Download my data: everything the portal holds about you (your profile, memberships, sessions, passkeys, ' +
        'tickets, the emails sent to you…) as one JSON file. The link is emailed rather than downloaded here, so the ' +
        'file only reaches your mailbox.',
    ),
    managed
      ? h(
          'p',
          { class: 'muted' },
          `Export account: ${managed.name}'s contacts, invoices, services, domains, tickets and audit log (what your ` +
            'permissions show), as JSON and CSV files in a zip, by the same kind of link.',
        )
      : null,
    h(
      'div',
      { class: 'actions' },
      exportButton('data-export-mine', 'Download my data', () => gql(REQUEST_DATA_EXPORT)),
      managed ? exportButton('data-export-account', 'Export account', () => gql(EXPORT_ACCOUNT, { accountId: managed.id })) : null,
      h('button', { type: 'button', class: 'danger', 'data-testid': 'login-delete', onclick: () => confirmDeleteLogin(loginDeleted) }, 'Delete my login'),
    ),
    status,
  );

  return { element };
}

/** Erase, beside Remove on a contact row: the same rules, and the person's name, email
 * and phone taken out of the account's histories too. `erased` runs on success. */
export function confirmEraseContact(contact: Contact, erased: () => void): void {
  const name = `${contact.firstName} ${contact.lastName}`;
  passwordDialog({
    testid: 'erase',
    title: `Erase ${name}?`,
    explanation: [
      `Erasing removes the contact as Remove does, and also takes ${name}'s name, email and phone out of this account's ` +
        'histories: the email history, the audit log and ticket replies (where they appear as "erased").',
      'This cannot be undone.',
    ],
    confirmLabel: 'Erase',
    async run(password) {
      await gql(ERASE_CONTACT, { id: contact.id, currentPassword: password });
      erased();
      showInfo(`Erased ${name}.`);
    },
  });
}

function confirmDeleteLogin(loginDeleted: () => void): void {
  passwordDialog({
    testid: 'login-delete',
    title: 'Delete your login?',
    explanation: [
      'Your login ends with every membership, session, API token and passkey, and your name, email and phone are taken ' +
        'out of the accounts you belonged to. If you own an account, transfer its ownership first.',
      'This cannot be undone.',
    ],
    confirmLabel: 'Delete my login',
    async run(password) {
      await gql(DELETE_MY_LOGIN, { currentPassword: password });
      loginDeleted();
    },
  });
}

interface PasswordDialog {
  /** The prefix of the dialog's test ids: `<testid>-dialog`, `-password`, `-understood`, `-confirm`, `-cancel`, `-error`. */
  testid: string;
  title: string;
  explanation: string[];
  confirmLabel: string;
  /** Runs with the password typed; what it throws keeps the dialog open and is shown. */
  run(password: string): Promise<void>;
}

/** A modal asking for the current password and a tick that the user understands. */
function passwordDialog(spec: PasswordDialog): void {
  clearMessages();
  const id = (part: string) => `${spec.testid}-${part}`;
  const password = h('input', { type: 'password', name: 'currentPassword', required: true, autocomplete: 'current-password', 'data-testid': id('password') });
  const understood = h('input', { type: 'checkbox', name: 'understood', required: true, 'data-testid': id('understood') });
  // The message area is behind the modal's backdrop: say it here too.
  const problem = h('p', { class: 'dialog-error', 'data-testid': id('error') });
  const confirm = h('button', { type: 'submit', class: 'danger', 'data-testid': id('confirm') }, spec.confirmLabel);
  const dialog = h(
    'dialog',
    { 'data-testid': id('dialog') },
    h(
      'form',
      { method: 'dialog' },
      h('h3', {}, spec.title),
      ...spec.explanation.map((text) => h('p', {}, text)),
      h('label', { class: 'check' }, understood, ' I understand that this cannot be undone'),
      field('Your password', password),
      problem,
      h(
        'div',
        { class: 'actions' },
        confirm,
        h('button', { type: 'button', 'data-testid': id('cancel'), onclick: () => dialog.close() }, 'Cancel'),
      ),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  dialog.querySelector('form')!.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    problem.textContent = '';
    confirm.disabled = true;
    try {
      await spec.run(password.value);
      dialog.close();
    } catch (err) {
      showError(err);
      problem.textContent = describe(err);
      password.select();
    } finally {
      confirm.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
}
