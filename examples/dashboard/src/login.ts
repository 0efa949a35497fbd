// Sign-in: email and password; a code field appears when the server answers
// UNAUTHENTICATED with reason TOTP_REQUIRED (two-factor sign-in is on). Or with a
// passkey, and no password: beginPasskeyLogin (with the email when one is typed, else
// whichever passkey the browser holds for this site), the browser's prompt, then
// finishPasskeyLogin, which answers a session as `login` does (a two-factor one). A
// generated password (passwordChangeRequired) must be replaced before anything else works.

import { field, formValues, h } from './dom';
import { ApiError, gql, session } from './graphql';
import { attempt, clearMessages, showError, showInfo } from './messages';
import type { PasskeyCeremony } from './types';
import { getPasskey, passkeysSupported } from './webauthn';

const LOGIN = `mutation Login($email: String!, $password: String!, $totpCode: String) {
  login(email: $email, password: $password, totpCode: $totpCode) {
    token passwordChangeRequired
  }
}`;

const BEGIN_PASSKEY_LOGIN = `mutation BeginPasskeyLogin($email: String) {
  beginPasskeyLogin(email: $email) { challengeId options }
}`;

const FINISH_PASSKEY_LOGIN = `mutation FinishPasskeyLogin($challengeId: ID!, $credential: JSON!) {
  finishPasskeyLogin(challengeId: $challengeId, credential: $credential) {
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
  const supported = passkeysSupported();
  const passkey = h(
    'button',
    {
      type: 'button',
      'data-testid': 'login-passkey',
      disabled: !supported,
      title: supported ? null : 'This browser cannot use passkeys on this page.',
      onclick: () => void signInWithPasskey(),
    },
    'Sign in with a passkey',
  );
  // What a refused passkey means, under the button (the message area has the error).
  const passkeyProblem = h('p', { class: 'dialog-error', 'data-testid': 'login-passkey-problem' });

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
    h(
      'div',
      { class: 'passkey-sign-in' },
      h('p', { class: 'muted' }, 'Or without your password: with the email above for its passkeys, or empty for any this browser holds.'),
      h('div', { class: 'actions' }, passkey),
      passkeyProblem,
    ),
  );

  /** A session from `login` or `finishPasskeyLogin`: kept, then on to the app (or to
   * choosing a password first). `password`: the one typed, if any. */
  const started = (payload: AuthPayload, password: string | null) => {
    session.token = payload.token;
    if (payload.passwordChangeRequired) {
      renderPasswordChange(root, password, signedIn);
    } else {
      signedIn();
    }
  };

  async function signInWithPasskey(): Promise<void> {
    clearMessages();
    passkeyProblem.textContent = '';
    const email = formValues(form).email || null;
    passkey.disabled = submit.disabled = true;
    try {
      const { beginPasskeyLogin: ceremony } = await gql<{ beginPasskeyLogin: PasskeyCeremony }>(BEGIN_PASSKEY_LOGIN, { email });
      // The browser's prompt: a passkey for this site (of that login, with an email).
      const credential = await getPasskey(ceremony.options);
      const { finishPasskeyLogin } = await gql<{ finishPasskeyLogin: AuthPayload }>(FINISH_PASSKEY_LOGIN, {
        challengeId: ceremony.challengeId,
        credential,
      });
      started(finishPasskeyLogin, null);
    } catch (err) {
      showError(err);
      if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') {
        passkeyProblem.textContent =
          'That passkey was not accepted: it is not (or no longer) one of your login\'s passkeys. ' +
          'Sign in with your password, then add a passkey again.';
      } else if (err instanceof ApiError && err.errors.some((e) => e.extensions?.field === 'challengeId')) {
        passkeyProblem.textContent = 'The sign-in took too long: try again.';
      }
    } finally {
      passkey.disabled = !supported;
      submit.disabled = false;
    }
  }

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
      started(login, values.password);
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

/** `current`: the generated password just typed; null after a passkey sign-in, when
 * the form asks for it (changePassword needs it). */
function renderPasswordChange(root: HTMLElement, current: string | null, signedIn: () => void): void {
  const form = h(
    'form',
    { class: 'card narrow', 'data-testid': 'password-change-form' },
    h('h1', {}, 'Choose your password'),
    h('p', {}, 'Your password was generated and emailed to you. Choose your own to continue.'),
    current === null
      ? field(
          'Emailed password',
          h('input', { name: 'current', type: 'password', required: true, autocomplete: 'current-password', 'data-testid': 'current-password' }),
        )
      : null,
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
    const values = formValues(form);
    const ok = await attempt(() => gql(CHANGE_PASSWORD, { current: current ?? values.current, next: values.next }));
    if (ok) {
      showInfo('Password changed.');
      signedIn();
    }
  });
  root.replaceChildren(form);
}
