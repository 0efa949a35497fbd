// The browser test, in Debian's Chromium (never a downloaded browser): a real server
// on a fresh SQLite file with the demo data, the dashboard it serves at /dashboard/,
// and GraphiQL at /graphql with everything outside the server's origin blocked.
//
//   1. two sessions of the demo owner: what page A changes (a contact added and
//      re-roled, an invitation sent and revoked) shows in page B through its
//      subscriptions, without a reload or a refetch;
//   2. the server restarts under page B: it shows "reconnecting", resubscribes from the
//      last cursor it saw, and gets what happened meanwhile exactly once; a removal that
//      needs a password shows the server's error first;
//   3. money is shown with its currency: the owner sees services' prices ($40.00: the
//      API gives services no currency, the dashboard shows their invoices') and
//      invoices' totals ($249.00), each exactly as en-US Intl writes the API's Decimal
//      in its currency; an admin lowered to BILLING loses the contacts section as it
//      happens; the billing contact sees invoices (their totals so) and no contacts
//      (nothing about contacts is even asked for: its one stream is its own
//      membership), and nothing FORBIDDEN; the technical contact sees services but not
//      their prices (no amount at all);
//   4. scoped access: the developer limited to Northwind's VPS sees that service alone;
//      the owner edits her scope with the picker (a second service ticked, then the VPS
//      unticked) and her page follows each change live, by membershipChanges, with no
//      reload;
//   5. two-factor sign-in: the code field appears when the server asks for a code;
//   6. a contact added in GraphiQL (its default SignIn and AddContact tabs, signed in
//      by the session cookie) appears live in the owner's dashboard, exactly once, with
//      no request leaving the server's origin;
//   7. API tokens: the technical contact's picker offers exactly what he holds (no
//      VIEW_INVOICES); a token made with VIEW_SERVICES shows its secret once (Copy), and
//      used from the test as a bearer token reads services and is FORBIDDEN invoices;
//      after a reload the secret is nowhere in the page; revoked on the page, the token
//      is UNAUTHENTICATED (API_TOKEN_REVOKED);
//   8. webhooks: the owner registers an endpoint on a receiver the test runs (a URL
//      with credentials first: the server's BAD_USER_INPUT shown with its code), sees
//      its secret once, sends a test that the page follows to SUCCEEDED (204) without a
//      reload; the receiver got a POST whose webhook-signature verifies with that
//      secret; Redeliver sends it again with the same webhook-id; a rotated secret is
//      shown once, and the endpoint says until when the previous one signs (the
//      server's previousSecretExpiresAt, a day on); after a reload neither secret is in
//      the page; the endpoint is deleted. The form's event types are the server's
//      webhookEventTypes, in its order. An endpoint on a closed port shows its test
//      PENDING with the connection error (lastError); disabled (by the API), the page's
//      Enable turns it on again. The billing contact has no webhooks section, never
//      asks for it, and the server refuses her (FORBIDDEN).
//   9. passkeys, on Chromium's virtual authenticator (DevTools' WebAuthn domain): the
//      owner adds one named "Laptop" from the dashboard with no password (a fresh
//      sign-in), and the authenticator holds it as a resident credential for
//      `localhost`; an older sign-in's BAD_USER_INPUT on currentPassword (answered by
//      the test) makes the form ask for the password and begin again with it, and the
//      authenticator then refuses a second passkey of the same login (excludeCredentials:
//      InvalidStateError shown). Signed in with the passkey, that session makes the
//      account require two factors (a password session is refused that:
//      TWO_FACTOR_REQUIRED); signed out, in again with the passkey and an empty password
//      field, the owner sees the account's contacts, while a password sign-in in another
//      context sees the account refused (TWO_FACTOR_REQUIRED shown). The passkey is
//      renamed, the setting restored, the passkey removed (a wrong password first: its
//      BAD_USER_INPUT shown); signed out, "Sign in with a passkey" is then refused
//      (UNAUTHENTICATED, said under the button) though the authenticator still offers it.
//  10. personal data: the owner adds a contact (with a phone) and erases it from its row
//      (the dialog says what erasure takes and that it cannot be undone; a wrong
//      password first: BAD_USER_INPUT shown): it leaves her list and the server's, and
//      its REMOVED event comes live. "Download my data" says a link was emailed; the
//      link, read from the server's .eml files, serves her data as JSON once (the
//      second GET 404 or 410); "Export account" does the same with a zip. "Delete my
//      login" shows the server's CONFLICT naming Northwind (she owns it) and leaves her
//      signed in; a member who owns nothing deletes hers: signed out, her password
//      refused, her card gone live from the owner's list.
//
// The browser opens the server as http://localhost:<port>, its PUBLIC_URL (a passkey's
// relying party id is a host name, never an IP address); the test's own requests go to
// 127.0.0.1.
//
// Expects target/debug/clientele (or CLIENTELE_BIN) and examples/dashboard/dist to be
// built (tests/e2e/run.sh builds both). Screenshots go to target/e2e/. Exits non-zero
// with the failing step named; always stops the server.

import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Server } from './server.mjs';
import { assert, readEmails, sleep, totp, until } from './support.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.env.CLIENTELE_BIN ?? path.join(root, 'target/debug/clientele');
const dist = path.join(root, 'examples/dashboard/dist');
const out = path.join(root, 'target/e2e');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const PASSWORD = 'Demo-Password-2026';
const OWNER = 'olivia@northwind.example';
const ADMIN = 'adam@northwind.example';
const BILLING = 'bella@northwind.example';
const TECHNICAL = 'theo@northwind.example';
const SCOPED = 'dana@devshop.example'; // TECHNICAL, limited to the first service
const VPS = 'Cloud VPS 4 GB';
const HOSTING = 'Shared Hosting Pro';
const TWO_FACTOR_USER = 'maria@garcia.example';
const NORTHWIND = 'Northwind Hosting Ltd';
const TECHNICAL_PERMISSIONS = ['VIEW_SERVICES', 'VIEW_SERVICE_PASSWORDS', 'VIEW_DOMAINS', 'VIEW_TICKETS', 'OPEN_TICKETS'];
const TIMEOUT = 15_000;

fs.mkdirSync(out, { recursive: true });
const server = await Server.create({ binary, dashboard: dist, logPath: path.join(out, 'server.log') });
const base = server.base;
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

/** GraphQL over HTTP from the test itself (setting things up, never checking the UI). */
async function api(query, variables = {}, token) {
  const response = await fetch(`${server.direct}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${query.split('{')[0].trim()}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** GraphQL over HTTP with an API token, as a script would send it: the whole answer
 * (data and errors), for the test to check. */
async function withApiToken(token, query, variables = {}) {
  const response = await fetch(`${server.direct}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

/** A webhook receiver on 127.0.0.1 (a free port): records each request, answers 204. */
async function startReceiver() {
  const received = [];
  const receiver = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const { method, url, headers } = request;
      received.push({ method, url, headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve, reject) => {
    receiver.once('error', reject);
    receiver.listen(0, '127.0.0.1', resolve);
  });
  return {
    received,
    url: (pathname) => `http://127.0.0.1:${receiver.address().port}${pathname}`,
    close: () => {
      receiver.closeAllConnections();
      return new Promise((resolve) => receiver.close(resolve));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on: bound, read, closed again. */
async function closedPort() {
  const probe = net.createServer();
  await new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Whether one of a request's `webhook-signature` values (space-separated) is the
 * Standard Webhooks signature, with `secret` (whsec_ + base64 key), of its id,
 * timestamp and body. */
function signedWith(secret, { headers, body }) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const content = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
  return (headers['webhook-signature'] ?? '').split(' ').includes(expected);
}

// ---------------------------------------------------------------- pages

let browser;
const pages = {};
const results = [];

async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL - ${name}: ${err.message}`);
    for (const [label, page] of Object.entries(pages)) {
      await page.screenshot({ path: path.join(out, `failure-${label}.png`), fullPage: true }).catch(() => {});
    }
    throw err;
  }
}

/** A new browser context (its own cookies and storage: its own session) and page. */
async function openPage(label) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
  const page = await context.newPage();
  const log = { posts: [], subscribes: [], received: [], sockets: 0, errors: [] };
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url() === `${base}/graphql`) log.posts.push(request.postDataJSON());
  });
  page.on('websocket', (socket) => {
    log.sockets += 1;
    socket.on('framesent', ({ payload }) => {
      const message = JSON.parse(payload);
      if (message.type === 'subscribe') log.subscribes.push({ at: Date.now(), ...message });
    });
    socket.on('framereceived', ({ payload }) => {
      const message = JSON.parse(payload);
      if (message.type === 'next') log.received.push(message);
    });
  });
  page.on('pageerror', (err) => log.errors.push(String(err)));
  pages[label] = page;
  return { context, page, log };
}

async function signIn(page, email, { totpCode, password = PASSWORD } = {}) {
  await page.goto(`${base}/dashboard/`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  if (totpCode) await page.getByTestId('login-totp').fill(totpCode);
  await page.getByTestId('login-submit').click();
}

const dashboardLoaded = (page) => page.locator('[data-testid=dashboard][data-loaded=true]').waitFor({ timeout: TIMEOUT });
const liveState = (page) => page.getByTestId('live-status').getAttribute('data-state');
const contactRow = (page, email) => page.getByTestId('contact-row').filter({ has: page.getByTestId('contact-email').getByText(email, { exact: true }) });
const invitationRow = (page, email) => page.getByTestId('invitation-row').filter({ hasText: email });
const errorMessages = (page) => page.locator('[data-testid=message][data-kind=error]').allInnerTexts();
const accessChangedMessage = (page) => page.locator('[data-testid=message][data-kind=info]', { hasText: 'Your access to this account changed' });

/** The money in each `testid` cell of the page: its text, and the API's Decimal and
 * currency it was made from (the dashboard's one money helper keeps them as
 * data-amount and data-currency). Each must have a currency and read exactly as en-US
 * Intl writes that amount in it (the pages' locale is en-US): "$249.00", never "249.00". */
async function moneyShown(page, testid) {
  const cells = await page.getByTestId(testid).evaluateAll((tds) =>
    tds.map((td) => {
      const money = td.querySelector('.money');
      return { text: td.innerText.trim(), amount: money?.dataset.amount ?? null, currency: money?.dataset.currency ?? null };
    }),
  );
  for (const { text, amount, currency } of cells) {
    assert(amount !== null, `a ${testid} reads "${text}", not shown as money`);
    assert(/^[A-Z]{3}$/.test(currency), `the ${testid} "${text}" (${amount}) is shown without a currency`);
    const expected = new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount);
    assert(text === expected, `the ${testid} reads "${text}", not "${expected}" (${amount} ${currency})`);
  }
  return cells;
}

/** The link in the next email to `to` (one not in `seen`, a set of file names it joins)
 * that starts with `prefix`. */
async function emailedLink(to, prefix, seen) {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`${escaped}[^\\s"'<>]+`);
  const mail = await until(`an email to ${to} with a link ${prefix}…`, () =>
    readEmails(server.mailDir).find((m) => !seen.has(m.file) && m.to.toLowerCase().includes(to.toLowerCase()) && pattern.test(m.text)),
  );
  seen.add(mail.file);
  return pattern.exec(mail.text)[0];
}

// ---------------------------------------------------------------- the test

try {
  await step('the binary, the dashboard build and Chromium are there', async () => {
    assert(fs.existsSync(binary), `${binary} is missing: cargo build -p clientele (or tests/e2e/run.sh)`);
    assert(fs.existsSync(path.join(dist, 'index.html')), `${dist}/index.html is missing: npm ci && npm run build in examples/dashboard`);
    assert(fs.existsSync(chromiumPath), `${chromiumPath} is missing: apt-get install -y chromium`);
  });

  await step('seed-demo fills a fresh database', async () => {
    server.seed();
  });

  await step(`the server serves the dashboard at ${base}/dashboard/`, async () => {
    await server.start();
    const page = await fetch(`${server.direct}/dashboard/`);
    assert(page.ok, `GET /dashboard/ answered ${page.status}`);
  });

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });

  const a = await openPage('owner-a');
  const b = await openPage('owner-b');
  const added = { first: 'Erin', last: 'Example', email: 'erin.e2e@northwind.example' };
  const invited = 'ivan.e2e@northwind.example';
  const resumed = { first: 'Rita', last: 'Resume', email: 'rita.e2e@northwind.example' };

  await step('the owner signs in twice (pages A and B) and both go live', async () => {
    for (const { page } of [a, b]) {
      await signIn(page, OWNER);
      await dashboardLoaded(page);
      await until('live-status "connected"', async () => (await liveState(page)) === 'connected');
    }
    const rows = await b.page.getByTestId('contact-row').count();
    assert(rows >= 5, `the owner sees ${rows} contacts; the demo account has at least 5`);
    // The streams start from the log's position read before the lists (eventsCursor),
    // so a change made between the two is replayed, not lost.
    for (const field of ['contactEvents', 'invitationEvents']) {
      const first = b.log.subscribes.find((s) => s.payload.query.includes(field));
      assert(first, `page B never subscribed to ${field}`);
      assert(
        /^[0-9]+$/.test(first.payload.variables.after ?? ''),
        `page B's first ${field} subscription starts after ${JSON.stringify(first.payload.variables.after)}, not the account's eventsCursor`,
      );
    }
    assert(await contactRow(b.page, BILLING).count(), `${BILLING} is not in the owner's contact list`);
    // A marker a reload would wipe, and the count of list queries so far.
    await b.page.evaluate(() => (window.__e2eNoReload = true));
    b.listQueries = b.log.posts.filter((p) => /query Contacts/.test(p.query)).length;
  });

  await step('a contact added in page A appears in page B through the subscription', async () => {
    await a.page.getByTestId('contact-add').click();
    await a.page.getByTestId('contact-first-name-input').fill(added.first);
    await a.page.getByTestId('contact-last-name-input').fill(added.last);
    await a.page.getByTestId('contact-email-input').fill(added.email);
    await a.page.getByTestId('contact-role-input').selectOption('TECHNICAL');
    await a.page.getByTestId('contact-submit').click();
    await contactRow(a.page, added.email).waitFor({ timeout: TIMEOUT });

    const row = contactRow(b.page, added.email);
    await row.waitFor({ timeout: TIMEOUT });
    assert((await row.getByTestId('contact-name').innerText()).includes(`${added.first} ${added.last}`), 'page B shows the wrong name');
    assert((await row.getByTestId('contact-role').innerText()) === 'TECHNICAL', 'page B shows the wrong role');
    assert((await row.getByTestId('contact-portal').innerText()) === 'no', 'page B shows portal access for a card without a login');
    assert(await b.page.evaluate(() => window.__e2eNoReload === true), 'page B was reloaded');
    const listQueries = b.log.posts.filter((p) => /query Contacts/.test(p.query)).length;
    assert(listQueries === b.listQueries, 'page B fetched the contact list again instead of applying the event');
    assert(b.log.received.some((m) => m.payload?.data?.contactEvents?.contact?.email === added.email), 'no contactEvents frame reached page B');
  });

  await step('an edit in page A (the role) shows in page B', async () => {
    await contactRow(a.page, added.email).getByTestId('contact-edit').click();
    await a.page.getByTestId('contact-role-input').selectOption('BILLING');
    await a.page.getByTestId('contact-submit').click();
    await until('page B to show the new role', async () => (await contactRow(b.page, added.email).getByTestId('contact-role').innerText()) === 'BILLING');
  });

  await step('an invitation sent and revoked in page A comes and goes in page B', async () => {
    await a.page.getByTestId('invite-email').fill(invited);
    await a.page.getByTestId('invite-role').selectOption('TECHNICAL');
    await a.page.getByTestId('invite-submit').click();
    await invitationRow(b.page, invited).waitFor({ timeout: TIMEOUT });
    await invitationRow(a.page, invited).getByTestId('invitation-resend').click();
    await until('a RESENT event in page B', async () => b.log.received.some((m) => m.payload?.data?.invitationEvents?.kind === 'RESENT'));
    await invitationRow(a.page, invited).getByTestId('invitation-revoke').click();
    await invitationRow(b.page, invited).waitFor({ state: 'detached', timeout: TIMEOUT });
  });

  await step('after a server restart page B resumes from its last cursor and misses nothing', async () => {
    const lastCursor = (field) => {
      const seen = b.log.received.map((m) => m.payload?.data?.[field]?.cursor).filter(Boolean);
      return seen[seen.length - 1];
    };
    const before = { contactEvents: lastCursor('contactEvents'), invitationEvents: lastCursor('invitationEvents') };
    assert(before.contactEvents && before.invitationEvents, 'page B saw no events before the restart');

    await server.stop();
    await until('page B to show "reconnecting"', async () => (await liveState(b.page)) === 'reconnecting');
    const restartedAt = Date.now();
    await server.start();

    // Committed while page B may still be away: it must come by replay or live, once.
    await a.page.getByTestId('contact-add').click();
    await a.page.getByTestId('contact-first-name-input').fill(resumed.first);
    await a.page.getByTestId('contact-last-name-input').fill(resumed.last);
    await a.page.getByTestId('contact-email-input').fill(resumed.email);
    await a.page.getByTestId('contact-submit').click();
    await contactRow(a.page, resumed.email).waitFor({ timeout: TIMEOUT });

    await until('page B to reconnect', async () => (await liveState(b.page)) === 'connected', 30_000);
    await contactRow(b.page, resumed.email).waitFor({ timeout: TIMEOUT });
    const resubscribes = b.log.subscribes.filter((s) => s.at >= restartedAt);
    for (const field of ['contactEvents', 'invitationEvents']) {
      const again = resubscribes.find((s) => s.payload.query.includes(field));
      assert(again, `page B did not subscribe to ${field} again after the restart`);
      assert(
        again.payload.variables.after === before[field],
        `page B resubscribed to ${field} after ${JSON.stringify(again.payload.variables.after)}, not its last cursor ${before[field]}`,
      );
    }
    assert((await contactRow(b.page, resumed.email).count()) === 1, 'page B shows the contact added during the restart twice');
    assert(await b.page.evaluate(() => window.__e2eNoReload === true), 'page B was reloaded');
  });

  await step('removing a contact asks for a password: a wrong one shows the server error, the right one removes it in both pages', async () => {
    await contactRow(a.page, resumed.email).getByTestId('contact-remove').click();
    await a.page.getByTestId('remove-password').fill('not the password');
    await a.page.getByTestId('remove-confirm').click();
    const wrong = a.page.locator('[data-testid=message][data-kind=error][data-code=BAD_USER_INPUT]');
    await wrong.first().waitFor({ timeout: TIMEOUT });
    assert((await wrong.first().innerText()).includes('currentPassword'), 'the error does not name the field');
    assert((await a.page.getByTestId('remove-error').innerText()).includes('BAD_USER_INPUT'), 'the dialog does not say what went wrong');
    await a.page.getByTestId('remove-password').fill(PASSWORD);
    await a.page.getByTestId('remove-confirm').click();
    await contactRow(b.page, resumed.email).waitFor({ state: 'detached', timeout: TIMEOUT });
    await contactRow(a.page, resumed.email).waitFor({ state: 'detached', timeout: TIMEOUT });
    assert((await errorMessages(b.page)).length === 0, `page B shows errors: ${await errorMessages(b.page)}`);
    await b.page.screenshot({ path: path.join(out, 'dashboard-owner.png'), fullPage: true });
  });

  await step('the owner sees services\' prices and invoices\' totals with their currency ($40.00, $249.00)', async () => {
    const prices = await moneyShown(a.page, 'service-price');
    assert(prices.length === (await a.page.getByTestId('service-row').count()), 'a service row has no price');
    const names = await a.page.getByTestId('service-name').allInnerTexts();
    const priceOf = (name) => prices[names.findIndex((n) => n.trim() === name)]?.text;
    // The API gives services no currency: the dashboard shows their invoices' (USD).
    assert(priceOf(VPS) === '$40.00', `"${VPS}" costs "${priceOf(VPS)}", not "$40.00"`);
    assert(priceOf(HOSTING) === '$12.00', `"${HOSTING}" costs "${priceOf(HOSTING)}", not "$12.00"`);
    assert((await a.page.getByTestId('services-no-currency').isHidden()), 'the owner is told the prices have no currency');
    const totals = await moneyShown(a.page, 'invoice-amount');
    assert(totals.some((t) => t.text === '$249.00'), `no invoice reads $249.00: ${totals.map((t) => t.text).join(', ')}`);
    console.log(`   services: ${names.map((n, i) => `${n.trim()} ${prices[i].text}`).join(', ')}; invoices: ${totals.map((t) => t.text).join(', ')}`);
  });

  await step('an admin whose role is lowered to BILLING loses the contacts section at once', async () => {
    const d = await openPage('admin');
    await signIn(d.page, ADMIN);
    await dashboardLoaded(d.page);
    await until('the admin to go live', async () => (await liveState(d.page)) === 'connected');
    assert(await d.page.getByTestId('contacts-section').count(), 'the admin sees no contacts section');

    await contactRow(a.page, ADMIN).getByTestId('contact-edit').click();
    await a.page.getByTestId('contact-role-input').selectOption('BILLING');
    await a.page.getByTestId('contact-submit').click();

    // Told by whichever the server sends first: the admin's own membershipChanges, or
    // the contacts stream ending FORBIDDEN. Either way the page is drawn again and says so.
    await accessChangedMessage(d.page).first().waitFor({ timeout: TIMEOUT });
    await d.page.getByTestId('contacts-section').waitFor({ state: 'detached', timeout: TIMEOUT });
    await dashboardLoaded(d.page);
    assert((await d.page.getByTestId('viewer-role').innerText()) === 'BILLING', 'the lowered admin is not shown as BILLING');
    assert(await d.page.getByTestId('invoices-section').count(), 'the lowered admin sees no invoices');
    await d.context.close();
    delete pages.admin;
  });

  await step('the billing contact sees invoices and no contacts, and never asks for them', async () => {
    const c = await openPage('billing');
    await signIn(c.page, BILLING);
    await dashboardLoaded(c.page);
    assert((await c.page.getByTestId('viewer-role').innerText()) === 'BILLING', 'the billing contact is not shown as BILLING');
    assert((await c.page.getByTestId('contacts-section').count()) === 0, 'the billing contact sees a contacts section');
    assert((await c.page.getByTestId('invitations-section').count()) === 0, 'the billing contact sees an invitations section');
    assert((await c.page.getByTestId('live-status').count()) === 0, 'the billing contact has a live indicator');
    const invoices = c.page.getByTestId('invoice-row');
    assert((await invoices.count()) >= 1, 'the billing contact sees no invoices');
    for (const cell of ['invoice-number', 'invoice-amount', 'invoice-status', 'invoice-due']) {
      const text = (await invoices.first().getByTestId(cell).innerText()).trim();
      assert(text.length > 0, `the first invoice has an empty ${cell}`);
    }
    // Totals with their currency: the demo bills Northwind in USD (249.00 twice, 89.50).
    const totals = await moneyShown(c.page, 'invoice-amount');
    assert(totals.length === (await invoices.count()), 'an invoice row has no amount');
    assert(totals.every((t) => t.currency === 'USD'), `the invoices are in ${totals.map((t) => t.currency).join(', ')}, not USD`);
    for (const text of ['$249.00', '$89.50']) {
      assert(totals.some((t) => t.text === text), `no invoice reads ${text}: ${totals.map((t) => t.text).join(', ')}`);
    }
    const statuses = await c.page.getByTestId('invoice-status').allInnerTexts();
    const asked = c.log.posts.map((p) => p.query).join('\n');
    assert(!/contacts\s*\(|invitations\s*\(/.test(asked), 'the dashboard asked for contacts or invitations as the billing contact');
    // Its one stream is its own membership (so a change of role shows at once).
    const streams = c.log.subscribes.map((s) => s.payload.query.match(/subscription\s+(\w+)/)?.[1]);
    assert(
      streams.every((name) => name === 'MembershipChanges'),
      `the dashboard subscribed to ${streams.join(', ')} as the billing contact, not only to its own membership`,
    );
    assert((await errorMessages(c.page)).length === 0, `the billing dashboard shows errors: ${await errorMessages(c.page)}`);
    await c.page.screenshot({ path: path.join(out, 'dashboard-billing.png'), fullPage: true });
    console.log(`   invoices: ${statuses.map((status, i) => `${totals[i].text} ${status}`).join(', ')}`);
    await c.context.close();
    delete pages.billing;
  });

  await step('the technical contact sees services without their prices, and no contacts or invoices', async () => {
    const t = await openPage('technical');
    await signIn(t.page, TECHNICAL);
    await dashboardLoaded(t.page);
    assert((await t.page.getByTestId('service-row').count()) >= 1, 'the technical contact sees no services');
    assert((await t.page.getByTestId('service-price').count()) === 0, 'the technical contact sees service prices');
    const servicesText = await t.page.getByTestId('services-section').innerText();
    assert(!/\$|USD|[0-9]+\.[0-9]{2}/.test(servicesText), `the technical contact's services show an amount: ${servicesText}`);
    for (const section of ['contacts-section', 'invitations-section', 'invoices-section']) {
      assert((await t.page.getByTestId(section).count()) === 0, `the technical contact sees ${section}`);
    }
    assert(!t.log.posts.some((p) => /recurringAmount|invoices\s*\(/.test(p.query)), 'the dashboard asked for prices or invoices as the technical contact');
    assert((await errorMessages(t.page)).length === 0, `the technical dashboard shows errors: ${await errorMessages(t.page)}`);
    await t.context.close();
    delete pages.technical;
  });

  await step('a scope edited with the picker reaches the scoped member\'s page live: a service comes, then the first one goes', async () => {
    const s = await openPage('scoped');
    await signIn(s.page, SCOPED);
    await dashboardLoaded(s.page);
    const shownServices = async () => (await s.page.getByTestId('service-name').allInnerTexts()).map((t) => t.trim()).sort();
    const servicesCount = () => s.page.getByTestId('services-count').innerText();
    const servicesAre = async (names) => JSON.stringify(await shownServices()) === JSON.stringify([...names].sort()) && (await servicesCount()) === `(${names.length})`;
    assert(await servicesAre([VPS]), `the scoped member sees ${JSON.stringify(await shownServices())} ${await servicesCount()}, not only "${VPS}" (1)`);
    assert(await s.page.getByTestId('viewer-scope').count(), 'the scoped member\'s bar does not say the access is scoped');
    assert((await s.page.getByTestId('contacts-section').count()) === 0, 'the scoped member sees a contacts section');
    // Her page follows her membership: the stream's first item (her access as it is) came.
    await until('the scoped member\'s first membershipChanges item', async () => s.log.received.some((m) => m.payload?.data?.membershipChanges));
    await s.page.evaluate(() => (window.__e2eNoReload = true));
    const servicesQueries = () => s.log.posts.filter((p) => /query Services/.test(p.query)).length;
    const queriedBefore = servicesQueries();

    // The owner (page A) edits her scope with the picker, by product name; page B, the
    // owner live, sees her contact's scope change through contactEvents.
    const owner = a.page;
    const scopeCell = (page) => contactRow(page, SCOPED).getByTestId('contact-scope').innerText();
    assert((await scopeCell(owner)) === '1 service, 0 domains', `the owner sees Dana's scope as "${await scopeCell(owner)}"`);
    const serviceBox = (name) => owner.locator(`[data-testid=scope-service][data-service-name="${name}"]`);
    const editScope = async (change) => {
      await contactRow(owner, SCOPED).getByTestId('contact-edit').click();
      await owner.getByTestId('scope-picker').waitFor({ state: 'visible', timeout: TIMEOUT });
      // The boxes are named once the account's services are read.
      await serviceBox(VPS).waitFor({ timeout: TIMEOUT });
      assert(!(await owner.getByTestId('scope-whole').isChecked()), 'the picker shows Dana with the whole account');
      await change();
      await owner.getByTestId('contact-submit').click();
      await owner.getByTestId('contact-form').waitFor({ state: 'detached', timeout: TIMEOUT });
    };

    await editScope(async () => {
      assert(await serviceBox(VPS).isChecked(), `"${VPS}" is not ticked in Dana's scope`);
      assert(!(await serviceBox(HOSTING).isChecked()), `"${HOSTING}" is already ticked in Dana's scope`);
      await serviceBox(HOSTING).check();
      await owner.getByTestId('scope-picker').screenshot({ path: path.join(out, 'contact-scope-picker.png') });
    });
    await until('the owner\'s table to show 2 services in Dana\'s scope', async () => (await scopeCell(owner)) === '2 services, 0 domains');
    await until(`the scoped member's page to add "${HOSTING}"`, () => servicesAre([VPS, HOSTING]));
    await until('the scoped member\'s page to say her access changed', async () => (await accessChangedMessage(s.page).count()) > 0);
    await until('page B to show 2 services in Dana\'s scope', async () => (await scopeCell(b.page)) === '2 services, 0 domains');

    await editScope(() => serviceBox(VPS).uncheck());
    await until(`the scoped member's page to lose "${VPS}"`, () => servicesAre([HOSTING]));
    await until('page B to show 1 service in Dana\'s scope', async () => (await scopeCell(b.page)) === '1 service, 0 domains');

    assert(await s.page.evaluate(() => window.__e2eNoReload === true), 'the scoped member\'s page was reloaded');
    assert(servicesQueries() >= queriedBefore + 2, 'the scoped member\'s page did not ask for its services again after each change');
    const changes = s.log.received.filter((m) => m.payload?.data?.membershipChanges).length;
    assert(changes >= 3, `the scoped member's page received ${changes} membershipChanges items, not her access and its 2 changes`);
    assert((await errorMessages(s.page)).length === 0, `the scoped member's page shows errors: ${await errorMessages(s.page)}`);
    assert((await errorMessages(owner)).length === 0, `page A shows errors: ${await errorMessages(owner)}`);
    assert(s.log.errors.length === 0, `the scoped member's page threw: ${s.log.errors.join(' | ')}`);
    await s.page.screenshot({ path: path.join(out, 'dashboard-scoped.png'), fullPage: true });
    console.log(`   Dana's services: ${VPS} → ${VPS}, ${HOSTING} → ${HOSTING}, live`);
    await s.context.close();
    delete pages.scoped;
  });

  await step('two-factor sign-in shows a code field when the server asks for one', async () => {
    const { login } = await api(`mutation { login(email: "${TWO_FACTOR_USER}", password: "${PASSWORD}") { token } }`);
    const { enrollTotp } = await api('mutation($p: String!) { enrollTotp(currentPassword: $p) { secret } }', { p: PASSWORD }, login.token);
    // The previous step's code: the sign-in below then uses a later one (a code works once).
    await api('mutation($code: String!) { confirmTotp(code: $code) }', { code: totp(enrollTotp.secret, Date.now() - 30_000) }, login.token);

    const t = await openPage('two-factor');
    await t.page.goto(`${base}/dashboard/`);
    await t.page.getByTestId('login-form').waitFor({ timeout: TIMEOUT });
    assert(!(await t.page.getByTestId('login-totp').isVisible()), 'the code field shows before the server asked for a code');
    await signIn(t.page, TWO_FACTOR_USER);
    await t.page.getByTestId('login-totp').waitFor({ state: 'visible', timeout: TIMEOUT });
    assert((await errorMessages(t.page)).length === 0, 'asking for a code was shown as an error');
    await t.page.getByTestId('login-totp').fill(totp(enrollTotp.secret));
    await t.page.getByTestId('login-submit').click();
    await dashboardLoaded(t.page);
    assert((await t.page.getByTestId('viewer-email').innerText()) === TWO_FACTOR_USER, 'signed in as someone else');
    await t.page.getByTestId('sign-out').click();
    await t.page.getByTestId('login-form').waitFor({ timeout: TIMEOUT });
    await t.context.close();
    delete pages['two-factor'];
  });

  await step('a contact added in GraphiQL (its SignIn and AddContact tabs) appears live in the dashboard, with nothing loaded from outside the server', async () => {
    // The dashboard that watches: page B (the owner, live since the first step, never
    // reloaded) if it is still open, else a new owner page.
    let owner = b;
    if (b.page.isClosed()) {
      owner = await openPage('owner-live');
      await signIn(owner.page, OWNER);
      await owner.page.evaluate(() => (window.__e2eNoReload = true));
    }
    const dashboard = owner.page;
    await dashboardLoaded(dashboard);
    assert((await dashboard.getByTestId('viewer-email').innerText()) === OWNER, `the dashboard is not signed in as ${OWNER}`);
    await until('the dashboard to show "live: connected"', async () => (await liveState(dashboard)) === 'connected');
    const liveText = (await dashboard.getByTestId('live-status').innerText()).trim();
    assert(liveText === 'live: connected', `the dashboard's live indicator says "${liveText}", not "live: connected"`);
    const accountId = await dashboard.getByTestId('dashboard').getAttribute('data-account-id');
    assert(accountId, 'the dashboard does not say which account it shows (data-account-id)');
    const listQueries = owner.log.posts.filter((p) => /query Contacts/.test(p.query)).length;
    const framesBefore = owner.log.received.length;

    // Cookie-authenticated sockets are accepted only from PUBLIC_URL's origin: the one
    // the browser uses here.
    assert(new URL(server.env.PUBLIC_URL).origin === new URL(base).origin, `PUBLIC_URL ${server.env.PUBLIC_URL} is not the origin the browser uses (${base})`);

    // A fresh context: GraphiQL keeps its tabs in localStorage.
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const outside = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === base) return route.continue();
      outside.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    pages.graphiql = page;
    // The page's CSP stops some loads before they reach the network (and the route
    // above): count those attempts too.
    await page.addInitScript(() => {
      window.__cspBlocked = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspBlocked.push(`${e.blockedURI} (${e.violatedDirective})`));
    });
    const consoleErrors = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    const sent = []; // what GraphiQL POSTs: operation, variables, and whether it added a bearer token
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === `${base}/graphql`) {
        sent.push({ ...request.postDataJSON(), authorization: request.headers().authorization });
      }
    });

    await page.goto(`${base}/graphql`);
    await page.locator('.graphiql-container .graphiql-tab').first().waitFor({ timeout: 30_000 });
    const execute = page.locator(process.env.GRAPHIQL_EXECUTE ?? '.graphiql-execute-button');

    // CodeMirror 5 (GraphiQL 3's editor) keeps its instance on its element.
    const editorValue = (selector) => page.evaluate((s) => document.querySelector(s)?.CodeMirror?.getValue() ?? null, selector);
    const QUERY = '.graphiql-query-editor .CodeMirror';
    const VARIABLES = '.graphiql-editor-tool .CodeMirror';
    const RESPONSE = '.graphiql-response .CodeMirror';

    /** Selects the default tab `name`, puts `variables` in its variables editor, runs it, answers its result. */
    async function runTab(name, variables, expectVariable) {
      await page.locator('.graphiql-tab', { hasText: name }).locator('.graphiql-tab-button').click();
      // GraphiQL takes the operation's name from the editor a moment later; before, it
      // would send the previous tab's.
      await until(`GraphiQL to select the ${name} tab`, () => page.evaluate((s) => document.querySelector(s).CodeMirror.operationName, QUERY).then((n) => n === name));
      const defaults = await editorValue(VARIABLES);
      assert(defaults?.includes(expectVariable), `the ${name} tab's variables editor does not hold its default variables: ${defaults}`);
      await until(`the ${name} tab to show no result yet`, async () => (await editorValue(RESPONSE)) === '');
      await page.evaluate(([s, json]) => document.querySelector(s).CodeMirror.setValue(json), [VARIABLES, JSON.stringify(variables, null, 2)]);
      await execute.click();
      const text = await until(`GraphiQL to show the result of ${name}`, async () => {
        const shown = await editorValue(RESPONSE);
        return shown && shown.trim().startsWith('{') ? shown : null;
      });
      let result;
      try {
        result = JSON.parse(text);
      } catch {
        throw new Error(`the result of ${name} is not JSON: ${text.slice(0, 300)}`);
      }
      if (result.errors) throw new Error(`${name} answered errors: ${JSON.stringify(result.errors).slice(0, 300)}`);
      assert(result.data, `the result of ${name} shows no data: ${text.slice(0, 300)}`);
      return result.data;
    }

    const signedIn = await runTab('SignIn', { email: OWNER, password: PASSWORD }, '"email"');
    assert(signedIn.login?.viewer?.user?.email === OWNER, `SignIn signed in as ${JSON.stringify(signedIn.login?.viewer?.user)}, not ${OWNER}`);

    const stamp = Date.now().toString(36);
    const fromGraphiql = { firstName: 'Gia', lastName: `Graphiql-${stamp}`, email: `gia.${stamp}@northwind.example`, role: 'TECHNICAL', portalAccess: false };
    // Tried against the wrong name, this step must fail saying the contact did not appear.
    const expectedName = `${fromGraphiql.firstName} ${fromGraphiql.lastName}`;
    const addedData = await runTab('AddContact', { accountId, input: fromGraphiql }, '"accountId"');
    const contactId = addedData.addContact?.id;
    assert(contactId, `AddContact answered no data.addContact.id: ${JSON.stringify(addedData)}`);
    assert(addedData.addContact.email === fromGraphiql.email, `AddContact added ${addedData.addContact.email}, not ${fromGraphiql.email}`);
    const request = sent.find((r) => r.operationName === 'AddContact');
    assert(request, `GraphiQL sent no operation named AddContact (sent: ${sent.map((r) => r.operationName).join(', ')})`);
    assert(request.variables?.accountId === accountId, `GraphiQL sent AddContact for account ${request.variables?.accountId}, not ${accountId}`);
    assert(!request.authorization, 'GraphiQL sent AddContact with an Authorization header: the session cookie was not what signed it in');
    await page.screenshot({ path: path.join(out, 'graphiql.png'), fullPage: true });

    // The dashboard gets it through its subscription: no reload, no refetch, one row.
    const rows = dashboard.getByTestId('contact-row').filter({ has: dashboard.getByTestId('contact-name').getByText(expectedName, { exact: true }) });
    try {
      await rows.first().waitFor({ timeout: TIMEOUT });
    } catch {
      const frames = owner.log.received.slice(framesBefore).map((m) => m.payload?.data?.contactEvents).filter(Boolean);
      const seen = frames.map((e) => `${e.kind} ${e.contact ? `${e.contact.firstName} ${e.contact.lastName}` : `#${e.contactId}`}`);
      throw new Error(
        `the contact added in GraphiQL ("${expectedName}", id ${contactId}) did not appear in the dashboard within ${TIMEOUT} ms ` +
          `(live: ${await liveState(dashboard)}; contactEvents since: ${seen.length ? seen.join(', ') : 'none'})`,
      );
    }
    await sleep(500); // a second copy (the same event twice) would come right after
    const shown = await rows.count();
    assert(shown === 1, `the dashboard shows the contact added in GraphiQL ${shown} times`);
    assert((await rows.first().getAttribute('data-contact-id')) === contactId, `the dashboard's row is not contact ${contactId}`);
    assert((await contactRow(dashboard, fromGraphiql.email).count()) === 1, `the dashboard shows ${fromGraphiql.email} more than once`);
    assert(await dashboard.evaluate(() => window.__e2eNoReload === true), 'the dashboard was reloaded');
    const refetched = owner.log.posts.filter((p) => /query Contacts/.test(p.query)).length;
    assert(refetched === listQueries, 'the dashboard fetched the contact list again instead of applying the event');
    const events = owner.log.received.slice(framesBefore).filter((m) => m.payload?.data?.contactEvents?.contactId === contactId);
    assert(events.length === 1, `the dashboard received ${events.length} contactEvents frames for contact ${contactId}, not 1`);
    await rows.first().scrollIntoViewIfNeeded();
    await dashboard.screenshot({ path: path.join(out, 'dashboard-live-from-graphiql.png'), fullPage: true });

    assert(outside.length === 0, `GraphiQL tried to load from outside the server: ${[...new Set(outside)].join(', ')}`);
    const refused = (await page.evaluate(() => window.__cspBlocked)).filter((entry) => /^(https?|wss?):/.test(entry) && !entry.startsWith(base));
    assert(refused.length === 0, `GraphiQL tried to load from outside the server (refused by its CSP): ${refused.join(', ')}`);
    if (consoleErrors.length) console.log(`   GraphiQL console errors (not failing): ${consoleErrors.join(' | ')}`);
    console.log(`   contact ${contactId} "${expectedName}" added in GraphiQL, shown live in the dashboard`);
    await context.close();
    delete pages.graphiql;
  });

  await step('API tokens: the technical contact makes one with only what he holds, copies its secret once, uses it, and revokes it', async () => {
    const t = await openPage('tokens');
    // So that Copy can write, and the test read, the clipboard (headless Chromium
    // refuses it otherwise; the page then selects the text instead).
    await t.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await signIn(t.page, TECHNICAL);
    await dashboardLoaded(t.page);
    assert((await t.page.getByTestId('account-name').innerText()) === NORTHWIND, `the technical contact is not on ${NORTHWIND}`);
    assert((await t.page.getByTestId('viewer-role').innerText()) === 'TECHNICAL', 'the technical contact is not shown as TECHNICAL');
    await t.page.getByTestId('tokens-section').waitFor({ timeout: TIMEOUT });
    // Without MANAGE_CONTACTS: his own tokens only, and the account's are not even asked for.
    assert((await t.page.getByTestId('member-tokens').count()) === 0, "the technical contact sees the other members' tokens");
    assert(
      !t.log.posts.some((p) => /apiTokens/.test(p.query) && /account\s*\(/.test(p.query)),
      "the dashboard asked for the account's tokens as the technical contact",
    );
    const accountId = await t.page.getByTestId('dashboard').getAttribute('data-account-id');

    await t.page.getByTestId('token-create').click();
    const offered = await t.page.getByTestId('token-permission').evaluateAll((boxes) => boxes.map((b) => b.dataset.permission));
    assert(
      JSON.stringify([...offered].sort()) === JSON.stringify([...TECHNICAL_PERMISSIONS].sort()),
      `the picker offers ${offered.join(', ')}, not exactly ${TECHNICAL_PERMISSIONS.join(', ')}`,
    );
    assert(!offered.includes('VIEW_INVOICES'), 'the picker offers VIEW_INVOICES to the technical contact');

    const name = `e2e monitoring ${Date.now().toString(36)}`;
    await t.page.getByTestId('token-name').fill(name);
    await t.page.locator('[data-testid=token-permission][data-permission=VIEW_SERVICES]').check();
    // A wrong password first: the server's error, and no token.
    await t.page.getByTestId('token-password').fill('not the password');
    await t.page.getByTestId('token-submit').click();
    const wrong = t.page.locator('[data-testid=message][data-kind=error][data-code=BAD_USER_INPUT]');
    await wrong.first().waitFor({ timeout: TIMEOUT });
    assert((await wrong.first().innerText()).includes('currentPassword'), 'the wrong-password error does not name the field');
    assert((await t.page.getByTestId('token-secret').count()) === 0, 'a secret is shown after a wrong password');
    await t.page.getByTestId('token-password').fill(PASSWORD);
    await t.page.getByTestId('token-form').screenshot({ path: path.join(out, 'token-form.png') });
    await t.page.getByTestId('token-submit').click();

    const secretField = t.page.getByTestId('token-secret');
    await secretField.waitFor({ timeout: TIMEOUT });
    const secret = await secretField.inputValue();
    assert(/^clt_[A-Za-z0-9]{46}$/.test(secret), `the page shows "${secret.slice(0, 8)}…" (${secret.length} characters), not a clt_ token of 50`);
    assert(await secretField.evaluate((el) => el.readOnly), 'the secret field is not read-only');
    assert(
      /not be shown again/.test(await t.page.getByTestId('token-created').innerText()),
      'the page does not say the secret will not be shown again',
    );
    await t.page.getByTestId('token-copy').click();
    const copied = await until('Copy to answer', () => t.page.getByTestId('token-copy-status').getAttribute('data-copied'));
    const taken =
      copied === 'true'
        ? await t.page.evaluate(() => navigator.clipboard.readText())
        : await secretField.evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));
    assert(taken === secret, `Copy ${copied === 'true' ? 'put something else on the clipboard' : 'did not select the secret'}`);

    const row = t.page.getByTestId('token-row').filter({ has: t.page.getByTestId('token-row-name').getByText(name, { exact: true }) });
    await row.waitFor({ timeout: TIMEOUT });
    assert((await row.getByTestId('token-row-permissions').getAttribute('data-permissions')) === 'VIEW_SERVICES', 'the list shows other permissions than VIEW_SERVICES');
    const days = (Date.parse(await row.getByTestId('token-row-expires').getAttribute('data-expires-at')) - Date.now()) / 86_400_000;
    assert(days > 89 && days <= 90, `the token ends in ${days.toFixed(1)} days, not the default 90`);
    assert((await row.getByTestId('token-row-last-used').innerText()).startsWith('never'), 'a token not yet used shows a last use');
    // The secret is in the one field, and nowhere else.
    assert(!(await t.page.getByTestId('tokens-table').innerHTML()).includes(secret), "the token list holds the secret");
    const stored = await t.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert(!stored.includes(secret), "the secret is kept in the page's storage");

    // The owner (MANAGE_CONTACTS) sees it among the other members' tokens.
    const o = await openPage('owner-tokens');
    await signIn(o.page, OWNER);
    await dashboardLoaded(o.page);
    const memberRow = o.page.getByTestId('member-token-row').filter({ has: o.page.getByTestId('token-row-name').getByText(name, { exact: true }) });
    await memberRow.waitFor({ timeout: TIMEOUT });
    assert(await memberRow.getByTestId('token-revoke').count(), "the owner has no Revoke button on the technical contact's token");
    assert((await o.page.getByTestId('token-row').filter({ hasText: name }).count()) === 0, "the technical contact's token is listed as the owner's own");
    assert((await errorMessages(o.page)).length === 0, `the owner's page shows errors: ${await errorMessages(o.page)}`);
    await o.context.close();
    delete pages['owner-tokens'];

    // Used from here, as a script would: services answered, invoices FORBIDDEN.
    const READ = 'query($id: ID!) { account(id: $id) { services { totalCount } invoices { totalCount } } }';
    const used = await withApiToken(secret, READ, { id: accountId });
    assert(typeof used.data?.account?.services?.totalCount === 'number', `the token could not read services: ${JSON.stringify(used)}`);
    assert(used.data.account.services.totalCount >= 1, 'the token reads no services');
    assert(used.data.account.invoices === null, `the token read invoices: ${JSON.stringify(used.data.account.invoices)}`);
    const refused = (used.errors ?? []).find((e) => e.path?.join('.') === 'account.invoices');
    assert(refused?.extensions?.code === 'FORBIDDEN', `invoices with the token answered ${JSON.stringify(used.errors)}, not FORBIDDEN`);

    // After a reload (the same tab's session): the list, and the secret nowhere.
    await t.page.reload();
    await dashboardLoaded(t.page);
    await row.waitFor({ timeout: TIMEOUT });
    assert((await t.page.getByTestId('token-secret').count()) === 0, 'the secret field is back after a reload');
    assert(!(await t.page.content()).includes(secret), 'the secret is in the page after a reload');
    const storedAfter = await t.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    assert(!storedAfter.includes(secret), "the secret is kept in the page's storage after a reload");
    const lastUsed = await row.getByTestId('token-row-last-used').innerText();
    assert(!lastUsed.startsWith('never') && /from \S+/.test(lastUsed), `the list shows the token's last use as "${lastUsed}"`);
    await t.page.getByTestId('tokens-section').screenshot({ path: path.join(out, 'dashboard-tokens.png') });

    // Revoked on the page: the next request with it is refused.
    await row.getByTestId('token-revoke').click();
    await row.waitFor({ state: 'detached', timeout: TIMEOUT });
    const after = await withApiToken(secret, READ, { id: accountId });
    const ended = after.errors?.[0]?.extensions;
    assert(
      ended?.code === 'UNAUTHENTICATED' && ended?.reason === 'API_TOKEN_REVOKED',
      `the revoked token answered ${JSON.stringify(after.errors ?? after.data)}, not UNAUTHENTICATED (API_TOKEN_REVOKED)`,
    );
    assert((await errorMessages(t.page)).length === 0, `the tokens page shows errors: ${await errorMessages(t.page)}`);
    assert(t.log.errors.length === 0, `the tokens page threw: ${t.log.errors.join(' | ')}`);
    console.log(`   token "${name}": VIEW_SERVICES read services (${used.data.account.services.totalCount}), invoices FORBIDDEN, then API_TOKEN_REVOKED`);
    await t.context.close();
    delete pages.tokens;
  });

  await step('webhooks: the owner registers an endpoint (the server\'s event types offered, its secret shown once), tests it to SUCCEEDED 204, redelivers, rotates (the previous secret\'s expiry shown) and deletes it; one on a closed port shows its connection error and is enabled again; the billing contact gets none', async () => {
    const receiver = await startReceiver();
    try {
      const w = await openPage('webhooks');
      await w.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
      await signIn(w.page, OWNER);
      await dashboardLoaded(w.page);
      const section = w.page.getByTestId('webhooks-section');
      await section.waitFor({ timeout: TIMEOUT });
      const accountId = await w.page.getByTestId('dashboard').getAttribute('data-account-id');
      const hookUrl = receiver.url('/hooks/e2e');
      const description = `e2e receiver ${Date.now().toString(36)}`;
      const eventBox = (type) => w.page.locator(`[data-testid=webhook-event-type][data-event-type="${type}"]`);
      // The owner over the API, to compare what the page shows with what the server says.
      const { login: ownerLogin } = await api('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: OWNER, p: PASSWORD });
      const asOwner = (query, variables) => api(query, variables, ownerLogin.token);
      const { webhookEventTypes } = await asOwner('{ webhookEventTypes }');
      assert(webhookEventTypes.length === 11, `the server offers ${webhookEventTypes.length} event types, not 11: ${webhookEventTypes.join(', ')}`);
      assert(w.log.posts.some((p) => /\bwebhookEventTypes\b/.test(p.query)), 'the dashboard did not ask for webhookEventTypes');

      await w.page.getByTestId('webhook-create').click();
      await w.page.getByTestId('webhook-form').waitFor({ timeout: TIMEOUT });
      const offered = await w.page.getByTestId('webhook-event-type').evaluateAll((boxes) => boxes.map((b) => b.dataset.eventType));
      assert(
        offered.join(' ') === webhookEventTypes.join(' '),
        `the form offers the event types ${offered.join(', ')}, not the server's ${webhookEventTypes.join(', ')} (in its order)`,
      );
      // A URL the server refuses first (credentials in it): its error, with its code, and no secret.
      await w.page.getByTestId('webhook-url-input').fill(hookUrl.replace('http://', 'http://user:pw@'));
      await w.page.getByTestId('webhook-description-input').fill(description);
      await eventBox('contact.created').check();
      await w.page.getByTestId('webhook-submit').click();
      const refused = w.page.locator('[data-testid=message][data-kind=error][data-code=BAD_USER_INPUT]');
      await refused.first().waitFor({ timeout: TIMEOUT });
      assert((await refused.first().innerText()).includes('field url'), `the refused URL's error does not name the field: ${await refused.first().innerText()}`);
      const formError = await w.page.getByTestId('webhook-error').innerText();
      assert(formError.startsWith('BAD_USER_INPUT: '), `the form says "${formError}", not the server's code and message`);
      assert((await w.page.getByTestId('webhook-secret').count()) === 0, 'a secret is shown for a refused URL');

      await w.page.getByTestId('webhook-url-input').fill(hookUrl);
      await eventBox('invoice.paid').check();
      await w.page.getByTestId('webhook-form').screenshot({ path: path.join(out, 'webhook-form.png') });
      await w.page.getByTestId('webhook-submit').click();

      // The secret, once.
      const secretField = w.page.getByTestId('webhook-secret');
      await secretField.waitFor({ timeout: TIMEOUT });
      const secret = await secretField.inputValue();
      assert(/^whsec_[A-Za-z0-9+/]{43}=$/.test(secret), `the page shows "${secret.slice(0, 10)}…" (${secret.length} characters), not a whsec_ secret of 32 bytes`);
      assert(await secretField.evaluate((el) => el.readOnly), 'the secret field is not read-only');
      const shownOnce = await w.page.getByTestId('webhook-secret-shown').innerText();
      assert(/shown only now/.test(shownOnce), `the page does not say the secret is shown only now: ${shownOnce}`);
      await w.page.getByTestId('webhook-secret-copy').click();
      const copied = await until('Copy to answer', () => w.page.getByTestId('webhook-copy-status').getAttribute('data-copied'));
      if (copied === 'true') assert((await w.page.evaluate(() => navigator.clipboard.readText())) === secret, 'Copy put something else on the clipboard');

      const endpoint = w.page.getByTestId('webhook-endpoint').filter({ has: w.page.getByTestId('webhook-url').getByText(hookUrl, { exact: true }) });
      await endpoint.waitFor({ timeout: TIMEOUT });
      const types = await endpoint.getByTestId('webhook-event-types').getAttribute('data-event-types');
      assert(types === 'contact.created invoice.paid', `the endpoint takes "${types}", not contact.created and invoice.paid`);
      assert((await endpoint.getByTestId('webhook-description').innerText()) === description, 'the endpoint shows another description');
      assert((await endpoint.getByTestId('webhook-state').innerText()) === 'enabled', 'the new endpoint is not shown enabled');
      assert(await endpoint.getByTestId('webhook-deliveries-empty').count(), 'the new endpoint shows deliveries');
      assert(!(await w.page.getByTestId('webhook-list').innerHTML()).includes(secret), 'the endpoint list holds the secret');
      await w.page.getByTestId('webhook-secret-done').click();
      assert((await secretField.count()) === 0, 'the secret is still shown after Done');

      // A test: the page follows it (reading the list again while it is due) to
      // SUCCEEDED, without a reload or a click.
      await w.page.evaluate(() => (window.__e2eNoReload = true));
      await endpoint.getByTestId('webhook-send-test').click();
      const delivery = endpoint.getByTestId('webhook-delivery').filter({ has: w.page.getByTestId('webhook-delivery-event').getByText('webhook.test', { exact: true }) });
      await delivery.waitFor({ timeout: TIMEOUT });
      const statusOf = () => delivery.getAttribute('data-status');
      await until('the test delivery to show SUCCEEDED', async () => (await statusOf()) === 'SUCCEEDED', 30_000).catch(async (err) => {
        throw new Error(`${err.message}; it shows ${await statusOf()}, response ${await delivery.getByTestId('webhook-delivery-response').innerText()}`);
      });
      assert(await w.page.evaluate(() => window.__e2eNoReload === true), 'the page was reloaded');
      const cell = (testid) => delivery.getByTestId(testid).innerText();
      assert((await cell('webhook-delivery-status')) === 'SUCCEEDED', 'the status cell does not say SUCCEEDED');
      assert((await cell('webhook-delivery-response')) === '204', `the delivery shows response ${await cell('webhook-delivery-response')}, not 204`);
      assert((await cell('webhook-delivery-attempts')) === '1', `the delivery shows ${await cell('webhook-delivery-attempts')} attempts, not 1`);
      assert((await cell('webhook-delivery-next')) === '—', 'a delivered test shows a next attempt');

      // What the receiver got: a POST, signed with the secret shown.
      const messageId = await delivery.getAttribute('data-message-id');
      const posts = () => receiver.received.filter((r) => r.headers['webhook-id'] === messageId);
      const got = posts()[0];
      assert(got, `the receiver got no request with webhook-id ${messageId} (it got ${receiver.received.length})`);
      assert(got.method === 'POST' && got.url === '/hooks/e2e', `the receiver got ${got.method} ${got.url}, not POST /hooks/e2e`);
      for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        assert(got.headers[header], `the delivery came without ${header}`);
      }
      assert(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000) < 300, `webhook-timestamp ${got.headers['webhook-timestamp']} is not now`);
      assert(signedWith(secret, got), `webhook-signature "${got.headers['webhook-signature']}" does not verify with the secret shown`);
      assert(JSON.parse(got.body).type === 'webhook.test', `the delivery's body is ${got.body.slice(0, 200)}`);

      // Redeliver: the same webhook-id, sent again.
      await delivery.getByTestId('webhook-redeliver').click();
      await until('the receiver to get the delivery again', () => posts().length === 2, 30_000);
      await until('the row to show a second attempt, SUCCEEDED', async () => (await statusOf()) === 'SUCCEEDED' && (await cell('webhook-delivery-attempts')) === '2', 30_000);
      assert(signedWith(secret, posts()[1]), 'the redelivery is not signed with the secret');

      // A new secret, once; the old one signs beside it for a day.
      const endpointId = await endpoint.getAttribute('data-endpoint-id');
      assert((await endpoint.getByTestId('webhook-previous-secret').count()) === 0, 'a never-rotated endpoint shows a previous secret');
      await endpoint.getByTestId('webhook-rotate').click();
      const rotatedPanel = w.page.locator('[data-testid=webhook-secret-shown][data-how=rotated]');
      await rotatedPanel.waitFor({ timeout: TIMEOUT });
      const rotated = await secretField.inputValue();
      assert(/^whsec_[A-Za-z0-9+/]{43}=$/.test(rotated) && rotated !== secret, 'rotating shows no new whsec_ secret');
      const rotatedText = await rotatedPanel.innerText();
      assert(/shown only now/.test(rotatedText), 'the rotated secret is not said to be shown only now');
      // The previous secret's expiry, as the server has it (not "24 hours" from the docs).
      const previous = endpoint.getByTestId('webhook-previous-secret');
      await previous.waitFor({ timeout: TIMEOUT });
      const previousUntil = await previous.getAttribute('data-until');
      const { account: afterRotation } = await asOwner('query($id: ID!) { account(id: $id) { webhookEndpoints { id previousSecretExpiresAt } } }', { id: accountId });
      const serverUntil = afterRotation.webhookEndpoints.find((e) => e.id === endpointId)?.previousSecretExpiresAt;
      assert(serverUntil && Date.parse(previousUntil) === Date.parse(serverUntil), `the endpoint shows the previous secret until ${previousUntil}, the server says ${serverUntil}`);
      const hoursLeft = (Date.parse(previousUntil) - Date.now()) / 3_600_000;
      assert(hoursLeft > 23.5 && hoursLeft <= 24.1, `the previous secret signs for ${hoursLeft.toFixed(2)} more hours, not 24`);
      const previousText = await previous.innerText();
      assert(/previous secret signs too until \S/.test(previousText), `the endpoint says "${previousText}", not until when the previous secret signs`);
      assert(!/24 hours/.test(rotatedText) && /Until .* deliveries are signed with the old secret too/.test(rotatedText), `the rotated panel says "${rotatedText}", not the old secret's expiry`);
      await section.screenshot({ path: path.join(out, 'dashboard-webhooks.png') });

      // After a reload: the endpoint and its delivery, neither secret anywhere.
      await w.page.reload();
      await dashboardLoaded(w.page);
      await delivery.waitFor({ timeout: TIMEOUT });
      const content = await w.page.content();
      assert(!content.includes(secret) && !content.includes(rotated), 'a secret is in the page after a reload');
      const stored = await w.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
      assert(!stored.includes(secret) && !stored.includes(rotated), "a secret is kept in the page's storage");
      assert((await previous.getAttribute('data-until')) === previousUntil, 'after a reload the endpoint shows another previous-secret expiry');

      await endpoint.getByTestId('webhook-delete').click();
      await w.page.getByTestId('webhook-delete-confirm').click();
      await endpoint.waitFor({ state: 'detached', timeout: TIMEOUT });
      await w.page.getByTestId('webhooks-empty').waitFor({ state: 'visible', timeout: TIMEOUT });

      // An endpoint nobody answers at (a closed port): its test stays PENDING, the row
      // says why (lastError, a connection error) under "no answer".
      const deadUrl = `http://127.0.0.1:${await closedPort()}/hooks/closed`;
      await w.page.getByTestId('webhook-create').click();
      await w.page.getByTestId('webhook-url-input').fill(deadUrl);
      await eventBox('ticket.opened').check();
      await w.page.getByTestId('webhook-submit').click();
      await w.page.getByTestId('webhook-secret-done').click();
      const dead = w.page.getByTestId('webhook-endpoint').filter({ has: w.page.getByTestId('webhook-url').getByText(deadUrl, { exact: true }) });
      await dead.waitFor({ timeout: TIMEOUT });
      const deadId = await dead.getAttribute('data-endpoint-id');
      await dead.getByTestId('webhook-send-test').click();
      const deadDelivery = dead.getByTestId('webhook-delivery');
      const deadError = deadDelivery.getByTestId('webhook-delivery-error');
      await until('the closed port\'s test to show PENDING with its error', async () => (await deadDelivery.getAttribute('data-status')) === 'PENDING' && (await deadError.count()) > 0, 30_000).catch(async (err) => {
        throw new Error(`${err.message}; the row shows ${(await deadDelivery.count()) ? await deadDelivery.innerText() : 'nothing'}`);
      });
      const errorText = await deadError.innerText();
      assert(/connect|refused/i.test(errorText), `the delivery's error is "${errorText}", not a connection error`);
      const noAnswer = deadDelivery.getByTestId('webhook-delivery-response-status');
      assert((await noAnswer.innerText()) === 'no answer', `the response cell says "${await noAnswer.innerText()}", not "no answer"`);
      assert((await noAnswer.getAttribute('title')) === errorText, 'the "no answer" tooltip is not the error');
      assert(Number(await deadDelivery.getByTestId('webhook-delivery-attempts').innerText()) >= 1, 'the failed attempt is not counted');
      assert((await deadDelivery.getByTestId('webhook-delivery-next').innerText()) !== '—', 'the PENDING delivery shows no next attempt');
      const { account: deadAccount } = await asOwner(
        'query($id: ID!) { account(id: $id) { webhookEndpoints { id deliveries(first: 1) { nodes { lastError } } } } }',
        { id: accountId },
      );
      const serverError = deadAccount.webhookEndpoints.find((e) => e.id === deadId)?.deliveries.nodes[0]?.lastError;
      assert(serverError === errorText, `the page shows "${errorText}", the server's lastError is "${serverError}"`);
      await section.screenshot({ path: path.join(out, 'dashboard-webhooks-error.png') });

      // Disabled (by a member, over the API), it is enabled again with the page's Enable.
      await asOwner('mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false }) { id } }', { id: deadId });
      await w.page.getByTestId('webhooks-refresh').click();
      await until('the endpoint to show disabled, with Enable', async () => (await dead.getAttribute('data-enabled')) === 'false' && (await dead.getByTestId('webhook-enable').count()) === 1);
      assert((await dead.getByTestId('webhook-state').innerText()) === 'disabled', 'the disabled endpoint is not shown disabled');
      assert(/disabled by a member/.test(await dead.getByTestId('webhook-disabled-reason').innerText()), 'the disabled endpoint does not say why');
      await dead.getByTestId('webhook-enable').click();
      await until('the endpoint to show enabled, without Enable', async () => (await dead.getAttribute('data-enabled')) === 'true' && (await dead.getByTestId('webhook-enable').count()) === 0);
      assert((await dead.getByTestId('webhook-state').innerText()) === 'enabled', 'the enabled endpoint is not shown enabled');
      assert((await dead.getByTestId('webhook-disabled-reason').count()) === 0, 'the enabled endpoint still says why it was disabled');
      const { account: enabledAccount } = await asOwner('query($id: ID!) { account(id: $id) { webhookEndpoints { id enabled disabledReason } } }', { id: accountId });
      const enabledNow = enabledAccount.webhookEndpoints.find((e) => e.id === deadId);
      assert(enabledNow?.enabled === true && enabledNow.disabledReason === null, `the server has the endpoint ${JSON.stringify(enabledNow)}, not enabled`);

      await dead.getByTestId('webhook-delete').click();
      await w.page.getByTestId('webhook-delete-confirm').click();
      await dead.waitFor({ state: 'detached', timeout: TIMEOUT });
      await w.page.getByTestId('webhooks-empty').waitFor({ state: 'visible', timeout: TIMEOUT });
      assert((await errorMessages(w.page)).length === 0, `the webhooks page shows errors: ${await errorMessages(w.page)}`);
      assert(w.log.errors.length === 0, `the webhooks page threw: ${w.log.errors.join(' | ')}`);
      await w.context.close();
      delete pages.webhooks;

      // Without MANAGE_ACCOUNT: no section, nothing asked; the server refuses it anyway.
      const c = await openPage('billing-webhooks');
      await signIn(c.page, BILLING);
      await dashboardLoaded(c.page);
      assert((await c.page.getByTestId('viewer-role').innerText()) === 'BILLING', 'the billing contact is not shown as BILLING');
      assert((await c.page.getByTestId('webhooks-section').count()) === 0, 'the billing contact sees a webhooks section');
      assert(!c.log.posts.some((p) => /webhook/i.test(p.query)), 'the dashboard asked for webhooks as the billing contact');
      assert((await errorMessages(c.page)).length === 0, `the billing dashboard shows errors: ${await errorMessages(c.page)}`);
      await c.context.close();
      delete pages['billing-webhooks'];
      const { login } = await api('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: BILLING, p: PASSWORD });
      const asked = await withApiToken(login.token, 'query($id: ID!) { account(id: $id) { webhookEndpoints { id } } }', { id: accountId });
      const code = asked.errors?.[0]?.extensions?.code;
      assert(code === 'FORBIDDEN' && asked.data?.account?.webhookEndpoints === null, `the billing contact's webhookEndpoints answered ${JSON.stringify(asked)}, not FORBIDDEN`);
      console.log(`   endpoint ${hookUrl}: ${offered.length} event types offered, webhook.test ${messageId} SUCCEEDED 204, signature verified, redelivered, secret rotated (previous until ${previousUntil}), deleted`);
      console.log(`   endpoint ${deadUrl}: webhook.test PENDING, "${errorText}"; disabled, enabled again, deleted; BILLING: ${code}`);
    } finally {
      await receiver.close();
    }
  });

  await step('passkeys: the owner adds one on a virtual authenticator (no password: a fresh sign-in; a resident key), signs in with it and no password where the account requires two factors while a password sign-in is refused there (TWO_FACTOR_REQUIRED), renames and removes it; then it signs nobody in', async () => {
    const p = await openPage('passkeys');
    // Chromium's virtual authenticator, for this page: a platform one (internal) that
    // keeps resident keys and verifies its user (a fingerprint, say) without a prompt.
    const cdp = await p.page.context().newCDPSession(p.page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    const held = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    const page = p.page;
    const section = page.getByTestId('passkeys-section');
    const passkeyRow = (name) => page.getByTestId('passkey-row').filter({ has: page.getByTestId('passkey-row-name').getByText(name, { exact: true }) });
    const sent = (operation) => p.log.posts.filter((post) => new RegExp(`^\\s*mutation ${operation}\\b`).test(post.query));
    const SECURITY = 'mutation($id: ID!, $on: Boolean!) { setAccountSecurity(accountId: $id, requireTwoFactor: $on) { requireTwoFactor } }';
    const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
    const PASSKEYS = '{ viewer { passkeys { id name createdAt lastUsedAt } } }';
    // The owner with a password, over the API: what the server has, and what it refuses.
    const { login: byPassword } = await api(LOGIN, { e: OWNER, p: PASSWORD });
    const serverPasskeys = async () => (await api(PASSKEYS, {}, byPassword.token)).viewer.passkeys;
    const signedOut = async () => {
      await page.getByTestId('sign-out').click();
      await page.getByTestId('login-form').waitFor({ timeout: TIMEOUT });
    };
    let accountId;
    let twoFactorToken = null; // a passkey session's, while the account requires two factors
    try {
      await signIn(page, OWNER);
      await dashboardLoaded(page);
      accountId = await page.getByTestId('dashboard').getAttribute('data-account-id');
      await section.waitFor({ timeout: TIMEOUT });
      await page.getByTestId('passkeys-empty').waitFor({ state: 'visible', timeout: TIMEOUT });
      assert((await held()).length === 0, 'the virtual authenticator holds a credential already');

      // Added with no password: the session is seconds old.
      await page.getByTestId('passkey-add').click();
      await page.getByTestId('passkey-name').fill('Laptop');
      await page.getByTestId('passkey-submit').click();
      const laptop = passkeyRow('Laptop');
      await laptop.waitFor({ timeout: TIMEOUT }).catch(async (err) => {
        throw new Error(`${err.message}; the page says ${JSON.stringify(await errorMessages(page))}`);
      });
      const begun = sent('BeginPasskeyRegistration');
      assert(begun.length === 1 && begun[0].variables.currentPassword === null, `the page began the registration with ${JSON.stringify(begun.map((b) => b.variables))}, not once without a password`);
      assert((await page.getByTestId('passkey-form').count()) === 0, 'the form is still open after the passkey was added');
      assert((await laptop.getByTestId('passkey-row-last-used').innerText()) === 'never', 'a passkey never used shows a last use');
      const createdAt = Date.parse(await laptop.getByTestId('passkey-row-created').getAttribute('data-created-at'));
      assert(Math.abs(createdAt - Date.now()) < 120_000, `the passkey shows as added at ${new Date(createdAt).toISOString()}, not now`);
      assert((await page.getByTestId('passkeys-count').innerText()) === '(1)', `the section counts ${await page.getByTestId('passkeys-count').innerText()}`);
      // Made by the authenticator as a discoverable (resident) key, for this host.
      const credentials = await held();
      assert(credentials.length === 1, `the authenticator holds ${credentials.length} credentials, not 1`);
      const [credential] = credentials;
      assert(credential.isResidentCredential === true, `the credential is not resident: ${JSON.stringify({ ...credential, privateKey: '…' })}`);
      assert(credential.rpId === new URL(base).hostname, `the credential is for "${credential.rpId}", not ${new URL(base).hostname}`);
      const [stored, ...more] = await serverPasskeys();
      assert(stored?.name === 'Laptop' && more.length === 0, `the server has the passkeys ${JSON.stringify([stored, ...more])}, not "Laptop" alone`);
      assert((await laptop.getAttribute('data-passkey-id')) === stored.id, 'the row is not the server\'s passkey');
      await section.screenshot({ path: path.join(out, 'dashboard-passkeys.png') });

      // A sign-in older than ten minutes needs the password: the server's answer then
      // (BAD_USER_INPUT on currentPassword) is given here by the test, once. The form asks
      // for the password and begins again with it; the authenticator, already holding a
      // passkey of this login (excludeCredentials), makes no second one.
      let answered = false;
      await page.route(`${base}/graphql`, (route) => {
        const body = route.request().postDataJSON();
        if (!answered && /mutation BeginPasskeyRegistration\b/.test(body?.query ?? '') && body.variables?.currentPassword == null) {
          answered = true;
          return route.fulfill({
            status: 200,
            contentType: 'application/json',
            body: JSON.stringify({
              data: null,
              errors: [{ message: 'give your current password, or sign in again, to add a passkey', path: ['beginPasskeyRegistration'], extensions: { code: 'BAD_USER_INPUT', field: 'currentPassword' } }],
            }),
          });
        }
        return route.fallback();
      });
      try {
        await page.getByTestId('passkey-add').click();
        await page.getByTestId('passkey-name').fill('Laptop again');
        await page.getByTestId('passkey-submit').click();
        await page.getByTestId('passkey-password-field').waitFor({ state: 'visible', timeout: TIMEOUT });
        assert(answered, 'the page did not begin without a password first');
        assert((await errorMessages(page)).length === 0, `asking for the password was shown as an error: ${await errorMessages(page)}`);
        await page.getByTestId('passkey-password').fill(PASSWORD);
        await page.getByTestId('passkey-submit').click();
        const excluded = page.locator('[data-testid=message][data-kind=error][data-code=InvalidStateError]');
        await excluded.first().waitFor({ timeout: TIMEOUT }).catch(async (err) => {
          throw new Error(`${err.message}; the page says ${JSON.stringify(await errorMessages(page))}`);
        });
        assert(/already holds a passkey/.test(await excluded.first().innerText()), `the refusal says "${await excluded.first().innerText()}"`);
        assert((await page.getByTestId('passkey-error').innerText()).startsWith('InvalidStateError: '), 'the form does not say what went wrong');
        const again = sent('BeginPasskeyRegistration').slice(1).map((b) => b.variables.currentPassword);
        assert(JSON.stringify(again) === JSON.stringify([null, PASSWORD]), `the page began again with ${JSON.stringify(again)}, not without a password and then with it`);
        assert(sent('FinishPasskeyRegistration').length === 1, 'the page finished a registration the authenticator refused');
        assert((await held()).length === 1 && (await page.getByTestId('passkey-row').count()) === 1, 'a second passkey was made');
        await page.getByTestId('passkey-cancel').click();
      } finally {
        await page.unroute(`${base}/graphql`);
      }

      // Signed in with the passkey (no email: a discoverable one), the session may make
      // the account require two factors; a password session may not.
      await signedOut();
      await page.getByTestId('login-passkey').click();
      await dashboardLoaded(page);
      assert((await page.getByTestId('viewer-email').innerText()) === OWNER, `the passkey signed in ${await page.getByTestId('viewer-email').innerText()}`);
      assert(sent('BeginPasskeyLogin').at(-1).variables.email === null, 'the sign-in with an empty email field sent an email');
      const refused = await withApiToken(byPassword.token, SECURITY, { id: accountId, on: true });
      assert(refused.errors?.[0]?.extensions?.reason === 'TWO_FACTOR_REQUIRED', `a password session turned on requireTwoFactor: ${JSON.stringify(refused)}`);
      twoFactorToken = await page.evaluate(() => sessionStorage.getItem('clientele.token'));
      const { setAccountSecurity } = await api(SECURITY, { id: accountId, on: true }, twoFactorToken);
      assert(setAccountSecurity.requireTwoFactor === true, 'the account does not require two factors');

      // Out, and in again with the passkey and no password: the email typed (its
      // passkeys offered), the password field left empty.
      await signedOut();
      twoFactorToken = null; // that session ended
      const passwordLogins = sent('Login').length;
      await page.getByTestId('login-email').fill(OWNER);
      assert((await page.getByTestId('login-password').inputValue()) === '', 'the password field is not empty');
      await page.getByTestId('login-passkey').click();
      await dashboardLoaded(page);
      twoFactorToken = await page.evaluate(() => sessionStorage.getItem('clientele.token'));
      assert(sent('Login').length === passwordLogins, 'the passkey sign-in sent a password login');
      assert(sent('BeginPasskeyLogin').at(-1).variables.email === OWNER, 'the sign-in did not send the email typed');
      await contactRow(page, BILLING).waitFor({ timeout: TIMEOUT });
      const contacts = await page.getByTestId('contact-row').count();
      assert(contacts >= 5, `the owner signed in with a passkey sees ${contacts} contacts`);
      assert((await page.getByTestId('account-restricted').count()) === 0, 'the passkey session is told the account is not open to it');
      assert((await errorMessages(page)).length === 0, `the passkey session's page shows errors: ${await errorMessages(page)}`);
      const lastUsed = await laptop.getByTestId('passkey-row-last-used').getAttribute('data-last-used-at');
      assert(lastUsed && Date.now() - Date.parse(lastUsed) < 120_000, `the passkey's last use shows as ${lastUsed}, not now`);
      await page.screenshot({ path: path.join(out, 'passkey-sign-in.png'), fullPage: true });

      // The same owner with her password, in another context: the account refuses her.
      const q = await openPage('password-only');
      await signIn(q.page, OWNER);
      await dashboardLoaded(q.page);
      const restricted = q.page.getByTestId('account-restricted');
      await restricted.waitFor({ timeout: TIMEOUT });
      assert((await restricted.getAttribute('data-reason')) === 'TWO_FACTOR_REQUIRED', `the page says the account is closed for ${await restricted.getAttribute('data-reason')}`);
      const told = q.page.locator('[data-testid=message][data-kind=error][data-code=FORBIDDEN]');
      await told.first().waitFor({ timeout: TIMEOUT });
      assert((await told.first().innerText()).includes('reason TWO_FACTOR_REQUIRED'), `the error says "${await told.first().innerText()}"`);
      assert((await q.page.getByTestId('contacts-section').count()) === 0, 'the password session sees the contacts');
      assert((await q.page.getByTestId('contact-row').count()) === 0, 'the password session sees contacts');
      assert(q.log.errors.length === 0, `the password-only page threw: ${q.log.errors.join(' | ')}`);
      await q.context.close();
      delete pages['password-only'];

      // Renamed in place.
      await laptop.getByTestId('passkey-rename').click();
      await page.getByTestId('passkey-rename-input').fill('Work laptop');
      await page.getByTestId('passkey-rename-save').click();
      await passkeyRow('Work laptop').waitFor({ timeout: TIMEOUT });
      assert((await serverPasskeys())[0]?.name === 'Work laptop', 'the server did not rename the passkey');

      // The setting as it was (the steps before never knew it), by the passkey session.
      await api(SECURITY, { id: accountId, on: false }, twoFactorToken);
      twoFactorToken = null;

      // Removed: the password asked (a wrong one first), then gone here and on the server.
      await passkeyRow('Work laptop').getByTestId('passkey-remove').click();
      await page.getByTestId('passkey-remove-password').fill('not the password');
      await page.getByTestId('passkey-remove-confirm').click();
      await until('the dialog to say the password was wrong', async () => (await page.getByTestId('passkey-remove-error').innerText()).startsWith('BAD_USER_INPUT: '));
      await page.getByTestId('passkey-remove-password').fill(PASSWORD);
      await page.getByTestId('passkey-remove-confirm').click();
      await page.getByTestId('passkey-remove-dialog').waitFor({ state: 'detached', timeout: TIMEOUT });
      await page.getByTestId('passkeys-empty').waitFor({ state: 'visible', timeout: TIMEOUT });
      assert((await serverPasskeys()).length === 0, 'the server still has the passkey');

      // Signed out, the passkey the authenticator still holds signs nobody in.
      await signedOut();
      await page.getByTestId('login-passkey').click();
      const rejected = page.locator('[data-testid=message][data-kind=error][data-code=UNAUTHENTICATED]');
      await rejected.first().waitFor({ timeout: TIMEOUT }).catch(async (err) => {
        throw new Error(`${err.message}; the page says ${JSON.stringify(await errorMessages(page))}`);
      });
      const why = await page.getByTestId('login-passkey-problem').innerText();
      assert(/not accepted.*no longer/.test(why), `under the button the page says "${why}"`);
      assert((await page.getByTestId('dashboard').count()) === 0 && (await page.getByTestId('login-form').count()) === 1, 'the refused passkey left the sign-in form');
      assert(!(await page.evaluate(() => sessionStorage.getItem('clientele.token'))), 'a session token is kept after the refused sign-in');
      assert((await held()).length === 1, 'the authenticator no longer offers the passkey: the refusal proves nothing');
      assert(p.log.errors.length === 0, `the passkeys page threw: ${p.log.errors.join(' | ')}`);
      console.log(`   passkey "Laptop" (resident, rpId ${credential.rpId}): signed in without a password where two factors are required; password-only: TWO_FACTOR_REQUIRED; renamed, removed, then UNAUTHENTICATED`);
    } finally {
      // Whatever failed, the account does not stay requiring two factors.
      if (twoFactorToken) await api(SECURITY, { id: accountId, on: false }, twoFactorToken).catch(() => {});
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId }).catch(() => {});
      await p.context.close();
      delete pages.passkeys;
    }
  });

  // ---------------------------------------------------------------- personal data

  const erasable = { first: 'Erin', last: 'Erasable', email: 'erin.erasable@northwind.example', phone: '+44 20 7946 0321' };
  const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
  const CONTACTS = 'query($a: ID!) { account(id: $a) { contacts(first: 100) { nodes { id email } } } }';
  const EMAILED = 'A download link was emailed to you; it works once, for 24 hours.';
  /** The owner's page of the personal data steps: signed in by the first, closed by the last. */
  let mine;
  let northwindId;
  const emailsSeen = new Set();

  await step('personal data: the owner erases a contact from its row (the dialog says what erasure takes and that it cannot be undone; a wrong password first: BAD_USER_INPUT); it leaves her list and the server\'s, and its REMOVED event comes live', async () => {
    mine = await openPage('personal-data');
    const page = mine.page;
    await signIn(page, OWNER);
    await dashboardLoaded(page);
    northwindId = await page.getByTestId('dashboard').getAttribute('data-account-id');

    await page.getByTestId('contact-add').click();
    await page.getByTestId('contact-first-name-input').fill(erasable.first);
    await page.getByTestId('contact-last-name-input').fill(erasable.last);
    await page.getByTestId('contact-email-input').fill(erasable.email);
    await page.getByTestId('contact-phone-input').fill(erasable.phone);
    await page.getByTestId('contact-submit').click();
    const row = contactRow(page, erasable.email);
    await row.waitFor({ timeout: TIMEOUT });
    const id = await row.getAttribute('data-contact-id');
    // Offered where Remove is, and so not on the owner's own (primary) card.
    assert((await row.getByTestId('contact-remove').count()) === 1 && (await row.getByTestId('contact-erase').count()) === 1, 'the new contact\'s row lacks Remove or Erase');
    const own = contactRow(page, OWNER);
    assert((await own.getByTestId('contact-remove').count()) === 0 && (await own.getByTestId('contact-erase').count()) === 0, 'the owner\'s own row offers Remove or Erase');

    await row.getByTestId('contact-erase').click();
    const dialog = page.getByTestId('erase-dialog');
    await dialog.waitFor({ timeout: TIMEOUT });
    const said = await dialog.innerText();
    for (const words of [`${erasable.first} ${erasable.last}`, 'name, email and phone', 'email history', 'audit log', 'ticket replies', 'cannot be undone']) {
      assert(said.includes(words), `the erase dialog does not say "${words}": ${said}`);
    }
    await page.getByTestId('erase-understood').check();
    await page.getByTestId('erase-password').fill('not the password');
    await page.getByTestId('erase-confirm').click();
    await until('the dialog to say the password was wrong', async () => (await page.getByTestId('erase-error').innerText()).startsWith('BAD_USER_INPUT: '));
    const wrong = page.locator('[data-testid=message][data-kind=error][data-code=BAD_USER_INPUT]');
    assert((await wrong.first().innerText()).includes('currentPassword'), `the error does not name the field: ${await wrong.first().innerText()}`);
    assert((await row.count()) === 1, 'a wrong password erased the contact');
    await dialog.screenshot({ path: path.join(out, 'erase-dialog.png') });

    await page.getByTestId('erase-password').fill(PASSWORD);
    await page.getByTestId('erase-confirm').click();
    await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
    await row.waitFor({ state: 'detached', timeout: TIMEOUT });
    const asked = mine.log.posts.filter((post) => /^\s*mutation EraseContact\b/.test(post.query));
    assert(asked.length === 2 && asked.every((post) => post.variables.id === id), `the page sent EraseContact ${JSON.stringify(asked.map((post) => post.variables.id))}, not twice for ${id}`);
    assert(!mine.log.posts.some((post) => /^\s*mutation RemoveContact\b/.test(post.query)), 'Erase sent a removal');
    await until(`the REMOVED event of contact ${id}`, () =>
      mine.log.received.some((m) => m.payload?.data?.contactEvents?.kind === 'REMOVED' && m.payload.data.contactEvents.contactId === id),
    );
    const { login } = await api(LOGIN, { e: OWNER, p: PASSWORD });
    const { account } = await api(CONTACTS, { a: northwindId }, login.token);
    assert(!account.contacts.nodes.some((c) => c.id === id || c.email === erasable.email), 'the server still lists the erased contact');
    assert((await errorMessages(page)).length === 0, `the page shows errors after the erasure: ${await errorMessages(page)}`);
    console.log(`   contact ${id} (${erasable.email}) erased after a BAD_USER_INPUT; REMOVED delivered live`);
  });

  await step('personal data: "Download my data" says the link was emailed; the link serves the owner\'s data as JSON once', async () => {
    const page = mine.page;
    for (const m of readEmails(server.mailDir)) emailsSeen.add(m.file);
    const answered = page.waitForResponse((r) => r.url() === `${base}/graphql` && /mutation RequestDataExport\b/.test(r.request().postData() ?? ''));
    await page.getByTestId('data-export-mine').click();
    await answered;
    const status = page.locator('[data-testid=data-export-status][data-state=sent]');
    await status.waitFor({ timeout: TIMEOUT }).catch(async (err) => {
      throw new Error(`${err.message}; the page says ${JSON.stringify(await errorMessages(page))}`);
    });
    assert((await status.innerText()) === EMAILED, `the card says "${await status.innerText()}"`);
    await page.getByTestId('personal-data-section').screenshot({ path: path.join(out, 'dashboard-personal-data.png') });

    const link = await emailedLink(OWNER, `${base}/exports/`, emailsSeen);
    // The test's own request goes to 127.0.0.1: the same server as the link's localhost.
    const url = link.replace(base, server.direct);
    const first = await fetch(url);
    const body = Buffer.from(await first.arrayBuffer());
    assert(first.status === 200, `GET ${link} answered ${first.status}: ${body.toString('utf8').slice(0, 300)}`);
    assert((first.headers.get('content-type') ?? '').startsWith('application/json'), `GET ${link} answered ${first.headers.get('content-type')}`);
    const data = JSON.parse(body.toString('utf8'));
    assert(data.profile?.email === OWNER, `the export's profile is ${JSON.stringify(data.profile)}, not ${OWNER}'s`);
    const again = await fetch(url);
    assert([404, 410].includes(again.status), `the link served a second time: ${again.status}`);
    console.log(`   ${link.replace(/[^/]+$/, '…')}: application/json for ${data.profile.email} (keys ${Object.keys(data).join(', ')}), then ${again.status}`);
  });

  await step('personal data: "Export account" (the owner manages Northwind) says the link was emailed; the link serves a zip once', async () => {
    const page = mine.page;
    const answered = page.waitForResponse((r) => r.url() === `${base}/graphql` && /mutation ExportAccount\b/.test(r.request().postData() ?? ''));
    await page.getByTestId('data-export-account').click();
    const sent = (await answered).request().postDataJSON();
    assert(sent.variables.accountId === northwindId, `the page exported account ${sent.variables.accountId}, not ${northwindId}`);
    const status = page.locator('[data-testid=data-export-status][data-state=sent]');
    await status.waitFor({ timeout: TIMEOUT }).catch(async (err) => {
      throw new Error(`${err.message}; the page says ${JSON.stringify(await errorMessages(page))}`);
    });
    assert((await status.innerText()) === EMAILED, `the card says "${await status.innerText()}"`);

    const link = await emailedLink(OWNER, `${base}/exports/`, emailsSeen);
    const url = link.replace(base, server.direct);
    const first = await fetch(url);
    const body = Buffer.from(await first.arrayBuffer());
    assert(first.status === 200, `GET ${link} answered ${first.status}: ${body.toString('utf8').slice(0, 300)}`);
    assert((first.headers.get('content-type') ?? '').startsWith('application/zip'), `GET ${link} answered ${first.headers.get('content-type')}`);
    assert(body.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])), `the export is not a zip file (it starts ${body.subarray(0, 4).toString('hex')})`);
    const again = await fetch(url);
    assert([404, 410].includes(again.status), `the link served a second time: ${again.status}`);
    console.log(`   account export: application/zip, ${body.length} bytes, then ${again.status}`);
  });

  await step('personal data: "Delete my login" asks for the password and, while the owner owns Northwind, shows the server\'s CONFLICT naming it; she stays signed in', async () => {
    const page = mine.page;
    await page.getByTestId('login-delete').click();
    const dialog = page.getByTestId('login-delete-dialog');
    await dialog.waitFor({ timeout: TIMEOUT });
    assert((await dialog.innerText()).includes('cannot be undone'), 'the dialog does not say it cannot be undone');
    await page.getByTestId('login-delete-understood').check();
    await page.getByTestId('login-delete-password').fill(PASSWORD);
    await page.getByTestId('login-delete-confirm').click();
    await until('the dialog to show the CONFLICT', async () => (await page.getByTestId('login-delete-error').innerText()).startsWith('CONFLICT: '));
    const why = await page.getByTestId('login-delete-error').innerText();
    assert(why.includes(NORTHWIND), `the CONFLICT does not name ${NORTHWIND}: ${why}`);
    const shown = page.locator('[data-testid=message][data-kind=error][data-code=CONFLICT]');
    assert((await shown.first().innerText()).includes(NORTHWIND), 'the message area does not show the CONFLICT');
    await dialog.screenshot({ path: path.join(out, 'delete-login-conflict.png') });
    await page.getByTestId('login-delete-cancel').click();
    await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });

    // Still signed in: the same page, the same session, which the server still knows.
    assert((await page.getByTestId('login-form').count()) === 0, 'the page went to the sign-in form');
    assert((await page.getByTestId('viewer-email').innerText()) === OWNER, 'the top bar no longer shows the owner');
    const token = await page.evaluate(() => sessionStorage.getItem('clientele.token'));
    assert(token, 'the session token was dropped');
    const { viewer } = await api('{ viewer { user { email } } }', {}, token);
    assert(viewer?.user?.email === OWNER, `the page's session reads viewer ${JSON.stringify(viewer)}`);
    await contactRow(page, BILLING).waitFor({ timeout: TIMEOUT });
    console.log(`   "${why}"`);
  });

  await step('personal data: a member who owns no account deletes her login from the dashboard: she is signed out to the sign-in form, her password signs nobody in, and her card leaves the owner\'s list live', async () => {
    const leaving = { first: 'Lena', last: 'Leaving', email: 'lena.leaving@northwind.example', password: 'Leaving-Password-2026!' };
    const { login } = await api(LOGIN, { e: OWNER, p: PASSWORD });
    await api(
      'mutation($a: ID!, $input: AddContactInput!) { addContact(accountId: $a, input: $input) { id } }',
      { a: northwindId, input: { firstName: leaving.first, lastName: leaving.last, email: leaving.email, role: 'TECHNICAL', portalAccess: true, password: leaving.password } },
      login.token,
    );
    const card = contactRow(mine.page, leaving.email);
    await card.waitFor({ timeout: TIMEOUT });

    const q = await openPage('leaving');
    try {
      await signIn(q.page, leaving.email, { password: leaving.password });
      await dashboardLoaded(q.page);
      await q.page.getByTestId('login-delete').click();
      await q.page.getByTestId('login-delete-understood').check();
      await q.page.getByTestId('login-delete-password').fill(leaving.password);
      await q.page.getByTestId('login-delete-confirm').click();
      await q.page.getByTestId('login-form').waitFor({ timeout: TIMEOUT }).catch(async (err) => {
        throw new Error(`${err.message}; the page says ${JSON.stringify(await errorMessages(q.page))}`);
      });
      await q.page.locator('[data-testid=message][data-kind=info]', { hasText: 'Your login was deleted' }).waitFor({ timeout: TIMEOUT });
      assert((await errorMessages(q.page)).length === 0, `the signed-out page shows errors: ${await errorMessages(q.page)}`);
      assert((await q.page.getByTestId('login-delete-dialog').count()) === 0, 'the dialog stayed open');
      assert(!(await q.page.evaluate(() => sessionStorage.getItem('clientele.token'))), 'a session token is kept');
      const again = await fetch(`${server.direct}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: LOGIN, variables: { e: leaving.email, p: leaving.password } }),
      }).then((r) => r.json());
      assert(again.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED', `her password still signs in: ${JSON.stringify(again)}`);
      await card.waitFor({ state: 'detached', timeout: TIMEOUT });
      assert(q.log.errors.length === 0, `the leaving member's page threw: ${q.log.errors.join(' | ')}`);
      assert(mine.log.errors.length === 0, `the owner's page threw: ${mine.log.errors.join(' | ')}`);
      console.log(`   ${leaving.email}: login deleted, signed out; sign-in then ${again.errors[0].extensions.code}`);
    } finally {
      await q.context.close();
      delete pages.leaving;
      await mine.context.close();
      delete pages['personal-data'];
    }
  });

  await step('no page threw an uncaught error', async () => {
    const thrown = [a, b].flatMap((p) => p.log.errors);
    assert(thrown.length === 0, thrown.join(' | '));
  });
} catch {
  process.exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  await server.dispose();
  const failed = results.filter((r) => !r.ok).length;
  console.log(`e2e: ${results.length - failed} passed, ${failed} failed`);
  if (failed) {
    console.log(`screenshots of the pages at the failure and the server's log: ${out}/`);
    process.exitCode = 1;
  } else {
    console.log(`screenshots: ${['dashboard-owner', 'dashboard-billing', 'dashboard-scoped', 'contact-scope-picker', 'graphiql', 'dashboard-live-from-graphiql', 'token-form', 'dashboard-tokens', 'webhook-form', 'dashboard-webhooks', 'dashboard-webhooks-error', 'dashboard-passkeys', 'passkey-sign-in', 'erase-dialog', 'dashboard-personal-data', 'delete-login-conflict'].map((n) => `${out}/${n}.png`).join(', ')}`);
  }
}
