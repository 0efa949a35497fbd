// The dashboard: sign in, pick an account, then the sections the viewer's permissions
// on that account allow — nothing else is even queried, so no role meets FORBIDDEN.
//   MANAGE_CONTACTS → contacts, invitations, and their live events
//   VIEW_INVOICES   → invoices
//   VIEW_SERVICES   → services (their price only with VIEW_INVOICES too)

import './style.css';
import { currentContext, renderAccountPicker } from './accounts';
import { contactsView } from './contacts';
import { formatDateTime, h } from './dom';
import { ApiError, gql, session } from './graphql';
import { invitationsView } from './invitations';
import { invoicesView } from './invoices';
import { servicesView } from './services';
import { startLive, type Live, type LiveStatus } from './live';
import { renderLogin } from './login';
import { attempt, clearMessages, showError, showInfo } from './messages';
import { VIEWER_FIELDS, type AccountContext, type Permission, type Viewer } from './types';

const app = document.getElementById('app')!;
const bar = document.getElementById('session-bar')!;

let live: Live | null = null;

const VIEWER = `query Viewer { viewer { ${VIEWER_FIELDS} } }`;
const EVENTS_CURSOR = `query EventsCursor($accountId: ID!) { account(id: $accountId) { eventsCursor } }`;

function stopLive(): void {
  live?.stop();
  live = null;
}

function showLogin(): void {
  stopLive();
  session.token = null;
  bar.replaceChildren();
  renderLogin(app, () => void loadViewer());
}

/** The session ended under us (logout elsewhere, password change, removal, expiry). */
function sessionEnded(err: ApiError): void {
  showLogin();
  showError(err);
  showInfo('Your session has ended: sign in again.');
}

async function loadViewer(): Promise<void> {
  try {
    const { viewer } = await gql<{ viewer: Viewer | null }>(VIEWER);
    if (!viewer) return showLogin();
    const context = currentContext(viewer);
    if (context) void showDashboard(viewer, context);
    else showPicker(viewer);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') sessionEnded(err);
    else showError(err);
  }
}

function showPicker(viewer: Viewer): void {
  stopLive();
  renderBar(viewer, null);
  void renderAccountPicker(app, viewer, (context) => void showDashboard(viewer, context));
}

async function signOut(): Promise<void> {
  clearMessages();
  stopLive();
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
        void loadViewer().then(() => {
          showError(err);
          showInfo('Your access to this account changed; the page now shows what it allows.');
        });
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

if (session.token) void loadViewer();
else showLogin();
