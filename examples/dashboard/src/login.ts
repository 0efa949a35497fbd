// Sign-in: email and password; a code field appears when the server answers
// UNAUTHENTICATED with reason TOTP_REQUIRED (two-factor sign-in is on). A generated
// password (passwordChangeRequired) must be replaced before anything else works.

import { field, formValues, h } from './dom';
import { ApiError, gql, session } from './graphql';
import { attempt, clearMessages, showError, showInfo } from './messages';

const LOGIN = `mutation Login($email: String!, $password: String!, $totpCode: String) {
  login(email: $email, password: $password, totpCode: $totpCode) {
    token passwordChangeRequired
  }
}`;

const CHANGE_PASSWORD = `mutation ChangePassword($current: String!, $next: String!) {
  changePassword(currentPassword: $current, newPassword: $next)
}`;

interface AuthPayload {
  token: string;
  passwordChangeRequired: boolean;
}

/** Renders the sign-in form; calls `signedIn` once the session's token is stored. */
export function renderLogin(root: HTMLElement, signedIn: () => void): void {
  const totp = h('input', {
    name: 'totpCode',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    'data-testid': 'login-totp',
  });
  const totpField = field('Authentication code', totp, 'From your authenticator app, or a recovery code.');
  totpField.hidden = true;
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, 'Sign in');

  const form = h(
    'form',
    { class: 'card narrow', 'data-testid': 'login-form' },
    h('h1', {}, 'Sign in'),
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'username', 'data-testid': 'login-email' })),
    field(
      'Password',
      h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password', 'data-testid': 'login-password' }),
    ),
    totpField,
    h('div', { class: 'actions' }, submit),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const values = formValues(form);
    submit.disabled = true;
    try {
      const { login } = await gql<{ login: AuthPayload }>(LOGIN, {
        email: values.email,
        password: values.password,
        totpCode: totpField.hidden ? null : values.totpCode || null,
      });
      session.token = login.token;
      if (login.passwordChangeRequired) {
        renderPasswordChange(root, values.password, signedIn);
      } else {
        signedIn();
      }
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'TOTP_REQUIRED' && totpField.hidden) {
        totpField.hidden = false;
        totp.required = true;
        totp.focus();
        showInfo('This account has two-factor sign-in: enter a code from your authenticator app.');
      } else {
        showError(err);
      }
    } finally {
      submit.disabled = false;
    }
  });

  root.replaceChildren(form);
  form.querySelector<HTMLInputElement>('input[name=email]')!.focus();
}

function renderPasswordChange(root: HTMLElement, current: string, signedIn: () => void): void {
  const form = h(
    'form',
    { class: 'card narrow', 'data-testid': 'password-change-form' },
    h('h1', {}, 'Choose your password'),
    h('p', {}, 'You signed in with a password that was generated and emailed to you. Choose your own to continue.'),
    field(
      'New password',
      h('input', { name: 'next', type: 'password', required: true, minlength: 10, autocomplete: 'new-password', 'data-testid': 'new-password' }),
      'At least 10 characters, not a common one.',
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'new-password-submit' }, 'Save password')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const ok = await attempt(() => gql(CHANGE_PASSWORD, { current, next: formValues(form).next }));
    if (ok) {
      showInfo('Password changed.');
      signedIn();
    }
  });
  root.replaceChildren(form);
}
