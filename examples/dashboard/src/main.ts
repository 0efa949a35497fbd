// The dashboard: sign in, pick an account, then the sections the viewer's permissions
// on that account allow — nothing else is even queried, so no role meets FORBIDDEN.
//   MANAGE_CONTACTS → contacts, invitations, and their live events
//   VIEW_INVOICES   → invoices
//   VIEW_SERVICES   → services (their price only with VIEW_INVOICES too)
//   MANAGE_ACCOUNT  → webhooks: the account's endpoints and their recent deliveries
//   any member      → API tokens: their own here (with MANAGE_CONTACTS, the other
//                     members' too), made with a picker of what they hold (not staff)
//   anyone          → passkeys: their own (also under the account picker); personal
//                     data: their own as an emailed export, and deleting their login
//                     (with MANAGE_ACCOUNT, the account's export too)
// A member who holds nothing here is told why when the server says (the account
// requires a second factor this sign-in lacks: FORBIDDEN, reason TWO_FACTOR_REQUIRED).
// Every member's page also follows their own membership (membershipChanges): when their
// role, permissions or scope change, it is drawn again for the access they now have.

import './style.css';
import { currentContext, renderAccountPicker } from './accounts';
import { contactsView } from './contacts';
import { formatDateTime, h } from './dom';
import { ApiError, gql, gqlPartial, onlyRestricted, session, type ServerError } from './graphql';
import { invitationsView } from './invitations';
import { invoicesView } from './invoices';
import { passkeysView } from './passkeys';
import { personalDataView } from './personal-data';
import { servicesView } from './services';
import { tokensView } from './tokens';
import { webhooksView } from './webhooks';
import { startLive, type Live, type LiveStatus } from './live';
import { renderLogin } from './login';
import { sameAccess, watchMembership, type MembershipWatch } from './membership';
import { attempt, clearMessages, showError, showInfo } from './messages';
import { scopeSummary } from './scope';
import { VIEWER_FIELDS, type AccountContext, type Membership, type Permission, type Viewer } from './types';

const app = document.getElementById('app')!;
const bar = document.getElementById('session-bar')!;

let live: Live | null = null;
/** Each showDashboard's number: one that an await left behind gives way to the newer. */
let drawn = 0;

const VIEWER = `query Viewer { viewer { ${VIEWER_FIELDS} } }`;
const EVENTS_CURSOR = `query EventsCursor($accountId: ID!) { account(id: $accountId) { eventsCursor } }`;
/** Asked only of a member who holds nothing here: a field any member may read unless
 * their session is restricted in the account, when it answers FORBIDDEN with why. */
const ACCOUNT_USABLE = `query AccountUsable($accountId: ID!) { account(id: $accountId) { requireTwoFactor } }`;

function stopLive(): void {
  live?.stop();
  live = null;
}

// ---------------------------------------------------------------- own membership

let watch: MembershipWatch | null = null;
/** The membership the page is drawn for. */
let shown: Membership | null = null;
/** A redraw for changed access is under way; what the stream sends meanwhile waits for
 * it to end (`waiting`), then is compared with what the redraw read. */
let redrawing = false;
let waiting: Membership | null = null;

function stopWatching(): void {
  watch?.stop();
  watch = null;
  shown = waiting = null;
}

/** Every stream of the page: leaving the account, or the session. */
function stopStreams(): void {
  stopLive();
  stopWatching();
}

/** Follows the viewer's membership in the account the page shows (none for staff). The
 * stream is kept while the page is redrawn for the same account: it is what says when. */
function watchAccess(viewer: Viewer, context: AccountContext): void {
  const own = viewer.memberships.find((m) => m.account.id === context.account.id);
  if (!own || context.role === 'STAFF') return stopWatching();
  if (watch?.accountId !== context.account.id) {
    stopWatching();
    watch = startWatch(context.account.id);
  }
  shown = own;
}

function startWatch(accountId: string): MembershipWatch {
  const mine: MembershipWatch = watchMembership(accountId, {
    // The first item, and the first after each reconnection, is the membership as it
    // is: a change only when it differs from what the page was drawn for.
    membership: (now) => {
      if (redrawing) waiting = now;
      else if (shown && !sameAccess(shown, now)) accessChanged();
    },
    // The same details withheld in each item while the account refuses the session.
    warning: (err) => (onlyRestricted(err.errors) ? undefined : showError(err)),
    ended: (err) => {
      if (watch === mine) watch = null;
      if (err.code === 'UNAUTHENTICATED') sessionEnded(err);
      else if (err.code === 'FORBIDDEN') accessChanged(err);
      else showError(err);
    },
  });
  return mine;
}

/** The viewer's access here changed (told by their membership stream, or by an event
 * stream ending FORBIDDEN): the page is drawn again for what it now allows. */
function accessChanged(err?: ApiError): void {
  // What the old page's streams would still say is about the access that was.
  stopLive();
  redrawing = true;
  void loadViewer().then(() => {
    redrawing = false;
    if (!session.token) return; // the session ended instead: the sign-in form says so
    if (err) showError(err);
    showInfo('Your access to this account changed; the page now shows what it allows.');
    // A change told while the page was being drawn, and not in what it read.
    const told = waiting;
    waiting = null;
    if (told && shown && !sameAccess(shown, told)) accessChanged();
  });
}

function showLogin(): void {
  stopStreams();
  session.token = null;
  bar.replaceChildren();
  renderLogin(app, () => void loadViewer());
}

/** The viewer deleted their own login: every session of it has ended, this one too. */
function loginDeleted(): void {
  showLogin();
  // Not the "session ended" error the streams may have brought meanwhile.
  clearMessages();
  showInfo('Your login was deleted and you are signed out.');
}

/** The session ended under us (logout elsewhere, password change, removal, expiry). */
function sessionEnded(err: ApiError): void {
  showLogin();
  showError(err);
  showInfo('Your session has ended: sign in again.');
}

async function loadViewer(): Promise<void> {
  try {
    const { data, errors } = await gqlPartial<{ viewer: Viewer | null }>(VIEWER);
    // An account that will not have this session yet (a second factor it requires)
    // withholds the membership's details (null here); the dashboard then says why.
    if (errors.length && !(onlyRestricted(errors) && errors.every(inMemberships))) throw new ApiError(errors);
    const viewer = data.viewer;
    if (!viewer) return showLogin();
    const context = currentContext(viewer);
    if (context) void showDashboard(viewer, context);
    else showPicker(viewer);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') sessionEnded(err);
    else showError(err);
  }
}

const inMemberships = (e: ServerError) => e.path?.[0] === 'viewer' && e.path[1] === 'memberships';

function showPicker(viewer: Viewer): void {
  stopStreams();
  renderBar(viewer, null);
  void renderAccountPicker(app, viewer, (context) => void showDashboard(viewer, context));
  // The viewer's passkeys and personal data are theirs, not an account's: here too.
  const passkeys = passkeysView();
  app.append(h('div', { class: 'sections picker-sections' }, passkeys.element, personalDataView(null, loginDeleted).element));
  void attempt(passkeys.load);
}

async function signOut(): Promise<void> {
  clearMessages();
  stopStreams();
  // The token is dropped whatever the answer: a session that already ended is signed out too.
  await attempt(() => gql('mutation Logout { logout }'));
  showLogin();
  showInfo('Signed out.');
}

function renderBar(viewer: Viewer, context: AccountContext | null, status?: HTMLElement): void {
  const canSwitch = viewer.isStaff || viewer.memberships.length > 1;
  bar.replaceChildren(
    context
      ? h(
          'span',
          { class: 'account' },
          h('strong', { 'data-testid': 'account-name' }, context.account.name),
          h('span', { class: 'badge', 'data-testid': 'viewer-role' }, context.role),
          context.accessExpiresAt
            ? h('span', { class: 'badge temporary', 'data-testid': 'access-expires' }, `access until ${formatDateTime(context.accessExpiresAt)}`)
            : '',
          context.scope
            ? h('span', { class: 'badge scoped', 'data-testid': 'viewer-scope', title: scopeSummary(context.scope) }, 'scoped')
            : '',
        )
      : '',
    status ?? '',
    h('span', { class: 'muted', 'data-testid': 'viewer-email' }, viewer.user.email),
    context && canSwitch
      ? h('button', { type: 'button', 'data-testid': 'switch-account', onclick: () => showPicker(viewer) }, 'Switch account')
      : '',
    h('button', { type: 'button', 'data-testid': 'sign-out', onclick: () => void signOut() }, 'Sign out'),
  );
}

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
  stopped: 'offline',
};

async function showDashboard(viewer: Viewer, context: AccountContext): Promise<void> {
  stopLive();
  clearMessages();
  watchAccess(viewer, context);
  const mine = ++drawn;
  const may = (permission: Permission) => context.permissions.has(permission);
  const sections: HTMLElement[] = [];
  const loads: Promise<void>[] = [];

  let status: HTMLElement | undefined;
  if (may('MANAGE_CONTACTS')) {
    const contacts = contactsView(context);
    const invitations = invitationsView(context);
    sections.push(contacts.element, invitations.element);
    status = h('span', { class: 'live', 'data-testid': 'live-status', 'data-state': 'connecting' }, 'live: connecting…');
    const statusEl = status;

    // The log's position first, then the streams from it and the lists: a change made
    // after that position comes by the streams (replayed or live) even if the lists
    // already show it. Events that arrive before the lists are applied after them: an
    // event is a snapshot of the row it changed, so applying it after the list is safe.
    let loaded = false;
    const early: (() => void)[] = [];
    const whenLoaded = (apply: () => void) => (loaded ? apply() : early.push(apply));
    const loadLists = async () => {
      loaded = false;
      try {
        await Promise.all([contacts.load(), invitations.load()]);
      } finally {
        loaded = true;
        early.splice(0).forEach((apply) => apply());
      }
    };
    // Unreadable (shown), the streams start live from now instead.
    const cursor = await gql<{ account: { eventsCursor: string } }>(EVENTS_CURSOR, {
      accountId: context.account.id,
    }).then(
      ({ account }) => account.eventsCursor,
      (err: unknown) => {
        showError(err);
        return null;
      },
    );
    if (mine !== drawn) return; // drawn again meanwhile
    live = startLive(context.account.id, cursor, {
      contact: (event) => {
        statusEl.dataset.cursor = event.cursor;
        whenLoaded(() => contacts.apply(event));
      },
      invitation: (event) => {
        statusEl.dataset.cursor = event.cursor;
        whenLoaded(() => invitations.apply(event));
      },
      status: (state) => {
        statusEl.dataset.state = state;
        statusEl.textContent = `live: ${STATUS_TEXT[state]}`;
      },
      resync: () => void attempt(loadLists),
      warning: showError,
      ended: (err) => {
        if (err.code !== 'FORBIDDEN') return err.code === 'UNAUTHENTICATED' ? sessionEnded(err) : showError(err);
        // The viewer's role or access in this account changed: show what is left.
        accessChanged(err);
      },
    });
    loads.push(loadLists());
  }

  if (may('VIEW_INVOICES')) {
    const invoices = invoicesView(context);
    sections.push(invoices.element);
    loads.push(invoices.load());
  }

  if (may('VIEW_SERVICES')) {
    const services = servicesView(context);
    sections.push(services.element);
    loads.push(services.load());
  }

  if (may('MANAGE_ACCOUNT')) {
    const webhooks = webhooksView(context);
    sections.push(webhooks.element);
    loads.push(webhooks.load());
  }

  // Nothing held: perhaps the session may not use the account yet (a second factor
  // the account requires; a password to choose). The server says which.
  let restricted: HTMLElement | null = null;
  if (!sections.length && context.role !== 'STAFF') {
    restricted = await gql(ACCOUNT_USABLE, { accountId: context.account.id }).then(
      () => null,
      (err: unknown) => {
        if (!(err instanceof ApiError) || err.code !== 'FORBIDDEN' || !err.reason) throw err;
        showError(err);
        return restrictedCard(context, err);
      },
    ).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') sessionEnded(err);
      else showError(err);
      return null;
    });
    if (mine !== drawn || !session.token) return; // drawn again, or signed out, meanwhile
    if (restricted) sections.push(restricted);
  }

  if (!sections.length) {
    sections.push(
      h(
        'section',
        { class: 'card', 'data-testid': 'nothing-to-show' },
        h('h2', {}, 'Nothing to show here'),
        h('p', {}, `Your role (${context.role}) has none of the permissions this dashboard shows.`),
        h('p', { class: 'muted' }, `Your permissions: ${[...context.permissions].join(', ') || 'none'}.`),
      ),
    );
  }

  // Every member's own API tokens here (staff, members of no account, hold none).
  if (context.role !== 'STAFF') {
    const tokens = tokensView(context);
    sections.push(tokens.element);
    loads.push(tokens.load());
  }

  // Every person's own passkeys (staff too).
  const passkeys = passkeysView();
  sections.push(passkeys.element);
  loads.push(passkeys.load());
  // Their own data, and the account's to a manager of it.
  sections.push(personalDataView(context, loginDeleted).element);

  renderBar(viewer, context, status);
  const dashboard = h('div', { class: 'sections', 'data-testid': 'dashboard', 'data-account-id': context.account.id }, ...sections);
  app.replaceChildren(dashboard);

  const results = await Promise.allSettled(loads);
  for (const result of results) {
    if (result.status === 'rejected') {
      const err = result.reason;
      if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') return sessionEnded(err);
      showError(err);
    }
  }
  dashboard.dataset.loaded = 'true';
}

/** Why the viewer holds nothing in this account for now, as the server said. */
function restrictedCard(context: AccountContext, err: ApiError): HTMLElement {
  const what: Record<string, string> = {
    TWO_FACTOR_REQUIRED:
      `${context.account.name} requires two-factor sign-in. Sign out and sign in with a passkey (add one below first), ` +
      'or turn on two-factor sign-in with an authenticator app.',
    PASSWORD_CHANGE_REQUIRED: 'Choose your own password first: sign out and sign in again to be asked for it.',
  };
  return h(
    'section',
    { class: 'card restricted', 'data-testid': 'account-restricted', 'data-reason': err.reason },
    h('h2', {}, 'This account is not open to this sign-in'),
    h('p', {}, what[err.reason ?? ''] ?? err.message),
    h('p', { class: 'muted' }, h('code', {}, `${err.code} (${err.reason})`), ` ${err.message}`),
  );
}

if (session.token) void loadViewer();
else showLogin();
