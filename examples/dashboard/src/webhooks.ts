// Webhooks (MANAGE_ACCOUNT): the account's endpoints, each with its recent deliveries;
// register one (URL, event types, description), send it a test event, give it a new
// signing secret, enable a disabled one again, delete it, and send a delivery again.
// The event types offered are the server's (`webhookEventTypes`, read with the first
// list, in its order).
//
// A delivery's row shows the last attempt's answer (its status; its body, the first
// KiB, folded) or, when none came, why (`lastError`: refused, connection failed, timed
// out). After a rotation the endpoint says until when the old secret still signs
// (`previousSecretExpiresAt`).
//
// An endpoint's signing secret (`whsec_…`) is in the answer of createWebhookEndpoint
// or rotateWebhookSecret only. It is shown once, as an API token's is: a read-only
// field with a Copy button, kept nowhere else, gone when dismissed or the page is
// drawn again.
//
// Deliveries are sent by the server's worker, a moment after they are queued: after
// "Send test" or "Redeliver" the list is read again every so often while a delivery
// is due (nothing streams their progress), and "Refresh" reads it at any time.

import { field, formatDateTime, formValues, h } from './dom';
import { ApiError, gql } from './graphql';
import { attempt, clearMessages, showError, showInfo } from './messages';
import {
  RECENT_DELIVERIES,
  WEBHOOK_DELIVERY_FIELDS,
  WEBHOOK_ENDPOINT_FIELDS,
  type AccountContext,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './types';

const ENDPOINTS = `query WebhookEndpoints($accountId: ID!) {
  account(id: $accountId) { webhookEndpoints { ${WEBHOOK_ENDPOINT_FIELDS} } }
}`;

/** The first read: the endpoints, and the event types the form offers. */
const ENDPOINTS_AND_TYPES = `query WebhookEndpointsAndEventTypes($accountId: ID!) {
  webhookEventTypes
  account(id: $accountId) { webhookEndpoints { ${WEBHOOK_ENDPOINT_FIELDS} } }
}`;

const EVENT_TYPES = `query WebhookEventTypes { webhookEventTypes }`;

const UPDATE = `mutation UpdateWebhookEndpoint($id: ID!, $input: WebhookEndpointChanges!) {
  updateWebhookEndpoint(id: $id, input: $input) { ${WEBHOOK_ENDPOINT_FIELDS} }
}`;

const CREATE = `mutation CreateWebhookEndpoint($accountId: ID!, $input: WebhookEndpointInput!) {
  createWebhookEndpoint(accountId: $accountId, input: $input) { secret endpoint { ${WEBHOOK_ENDPOINT_FIELDS} } }
}`;

const ROTATE = `mutation RotateWebhookSecret($id: ID!) {
  rotateWebhookSecret(id: $id) { secret endpoint { ${WEBHOOK_ENDPOINT_FIELDS} } }
}`;

const DELETE = `mutation DeleteWebhookEndpoint($id: ID!) { deleteWebhookEndpoint(id: $id) }`;

const SEND_TEST = `mutation SendTestWebhook($endpointId: ID!) {
  sendTestWebhook(endpointId: $endpointId) { ${WEBHOOK_DELIVERY_FIELDS} }
}`;

const REDELIVER = `mutation RedeliverWebhook($deliveryId: ID!) {
  redeliverWebhook(deliveryId: $deliveryId) { ${WEBHOOK_DELIVERY_FIELDS} }
}`;

/** How often the list is read again while a delivery is due, and for how long at most. */
const FOLLOW_EVERY_MS = 1000;
const FOLLOW_ROUNDS = 30;
/** A delivery due within this is waited for; one retried later is left to "Refresh". */
const DUE_SOON_MS = 5000;

interface Keyed {
  secret: string;
  endpoint: WebhookEndpoint;
}

export interface WebhooksView {
  element: HTMLElement;
  load(): Promise<void>;
}

/** The error as a line of a form or dialog: the code, then what the server said. */
function problemText(err: unknown): string {
  return err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
}

/** A delivery the worker will try within a few seconds. */
function dueSoon(d: WebhookDelivery): boolean {
  return d.status === 'PENDING' && (!d.nextAttemptAt || Date.parse(d.nextAttemptAt) <= Date.now() + DUE_SOON_MS);
}

export function webhooksView(context: AccountContext): WebhooksView {
  let endpoints: WebhookEndpoint[] = [];
  /** `Query.webhookEventTypes`, in the server's order; null until read. */
  let eventTypes: string[] | null = null;
  let follow: number | undefined;

  const count = h('span', { class: 'muted', 'data-testid': 'webhooks-count' });
  const formSlot = h('div', {});
  const secretSlot = h('div', {});
  const list = h('div', { class: 'webhook-list', 'data-testid': 'webhook-list' });
  const empty = h('p', { class: 'muted', 'data-testid': 'webhooks-empty', hidden: true }, 'No webhook endpoints on this account.');

  const element = h(
    'section',
    { class: 'card', 'data-testid': 'webhooks-section' },
    h(
      'div',
      { class: 'section-head' },
      h('h2', {}, 'Webhooks ', count),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'webhooks-refresh', onclick: () => void refresh() }, 'Refresh'),
        h('button', { type: 'button', class: 'primary', 'data-testid': 'webhook-create', onclick: () => openForm() }, 'New endpoint'),
      ),
    ),
    h(
      'p',
      { class: 'muted' },
      "The account's events of the types an endpoint takes are POSTed to its URL, signed with its secret " +
        '(Standard Webhooks: the ',
      h('code', {}, 'webhook-id'),
      ', ',
      h('code', {}, 'webhook-timestamp'),
      ' and ',
      h('code', {}, 'webhook-signature'),
      ' headers). A delivery that fails is tried again later.',
    ),
    formSlot,
    secretSlot,
    list,
    empty,
  );

  // ------------------------------------------------------------ the list

  function render(): void {
    count.textContent = `(${endpoints.length})`;
    list.replaceChildren(...endpoints.map(endpointCard));
    empty.hidden = endpoints.length > 0;
  }

  async function load(): Promise<void> {
    // The event types once (they change only with the server), with the first list.
    const { account, webhookEventTypes } = await gql<{
      account: { webhookEndpoints: WebhookEndpoint[] | null };
      webhookEventTypes?: string[];
    }>(eventTypes ? ENDPOINTS : ENDPOINTS_AND_TYPES, { accountId: context.account.id });
    if (webhookEventTypes) eventTypes = webhookEventTypes;
    endpoints = account.webhookEndpoints ?? [];
    render();
  }

  /** The event types, read now if the first list did not bring them. */
  async function loadEventTypes(): Promise<string[]> {
    if (!eventTypes) eventTypes = (await gql<{ webhookEventTypes: string[] }>(EVENT_TYPES)).webhookEventTypes;
    return eventTypes;
  }

  async function refresh(): Promise<void> {
    clearMessages();
    await attempt(load);
  }

  /** Reads the list again every so often while one of its deliveries is due (the worker
   * sends it in a moment); stops when none is, after a while, or once the page is gone. */
  function followDeliveries(rounds = FOLLOW_ROUNDS): void {
    window.clearTimeout(follow);
    follow = window.setTimeout(async () => {
      if (!element.isConnected) return;
      const ok = await attempt(load);
      const due = endpoints.some((e) => e.deliveries.nodes.some(dueSoon));
      if (ok && due && rounds > 1) followDeliveries(rounds - 1);
    }, FOLLOW_EVERY_MS);
  }

  function endpointCard(e: WebhookEndpoint): HTMLElement {
    const button = (testid: string, label: string, action: (b: HTMLButtonElement) => Promise<void>, danger = false) => {
      const b: HTMLButtonElement = h(
        'button',
        { type: 'button', class: danger ? 'link danger' : 'link', 'data-testid': testid, onclick: () => void action(b) },
        label,
      );
      return b;
    };
    return h(
      'div',
      { class: 'webhook-endpoint', 'data-testid': 'webhook-endpoint', 'data-endpoint-id': e.id, 'data-enabled': String(e.enabled) },
      h(
        'div',
        { class: 'webhook-head' },
        h('code', { class: 'webhook-url', 'data-testid': 'webhook-url' }, e.url),
        h(
          'span',
          { class: `badge ${e.enabled ? '' : 'disabled'}`, 'data-testid': 'webhook-state', title: e.disabledReason ?? null },
          e.enabled ? 'enabled' : 'disabled',
        ),
        h(
          'span',
          { class: 'row-actions' },
          e.enabled ? null : button('webhook-enable', 'Enable', (b) => enable(e, b)),
          button('webhook-send-test', 'Send test', (b) => sendTest(e, b)),
          button('webhook-rotate', 'Rotate secret', (b) => rotate(e, b)),
          button('webhook-delete', 'Delete', async () => confirmDelete(e), true),
        ),
      ),
      e.description ? h('p', { class: 'webhook-description', 'data-testid': 'webhook-description' }, e.description) : null,
      e.enabled ? null : h('p', { class: 'dialog-error', 'data-testid': 'webhook-disabled-reason' }, `Disabled: ${e.disabledReason ?? 'no reason given'}.`),
      h(
        'p',
        { class: 'muted webhook-types', 'data-testid': 'webhook-event-types', 'data-event-types': e.eventTypes.join(' ') },
        'Takes ',
        ...e.eventTypes.flatMap((t, i) => [i ? ', ' : '', h('code', {}, t)]),
        `. Registered ${formatDateTime(e.createdAt)}.`,
      ),
      e.previousSecretExpiresAt
        ? h(
            'p',
            { class: 'muted', 'data-testid': 'webhook-previous-secret', 'data-until': e.previousSecretExpiresAt },
            `Secret rotated: the previous secret signs too until ${formatDateTime(e.previousSecretExpiresAt)}.`,
          )
        : null,
      deliveriesTable(e),
    );
  }

  function deliveriesTable(e: WebhookEndpoint): HTMLElement {
    const { nodes, totalCount } = e.deliveries;
    if (!nodes.length) return h('p', { class: 'muted', 'data-testid': 'webhook-deliveries-empty' }, 'No deliveries yet.');
    const head = ['Event', 'Status', 'Attempts', 'Response', 'Next attempt', 'Queued', ''];
    return h(
      'div',
      { class: 'webhook-deliveries' },
      h(
        'h4',
        {},
        'Recent deliveries ',
        h('span', { class: 'muted', 'data-testid': 'webhook-deliveries-count' }, totalCount > nodes.length ? `(the last ${RECENT_DELIVERIES} of ${totalCount})` : `(${totalCount})`),
      ),
      h(
        'table',
        { 'data-testid': 'webhook-deliveries' },
        h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))),
        h('tbody', {}, ...nodes.map(deliveryRow)),
      ),
    );
  }

  function deliveryRow(d: WebhookDelivery): HTMLTableRowElement {
    const redeliver: HTMLButtonElement = h(
      'button',
      {
        type: 'button',
        class: 'link',
        'data-testid': 'webhook-redeliver',
        // Sent again now, with the same webhook-id; one waiting for its attempt needs none.
        disabled: d.status === 'PENDING',
        onclick: () => void redeliverOne(d, redeliver),
      },
      'Redeliver',
    );
    return h(
      'tr',
      { 'data-testid': 'webhook-delivery', 'data-delivery-id': d.id, 'data-message-id': d.messageId, 'data-status': d.status },
      h('td', { 'data-testid': 'webhook-delivery-event' }, h('code', { title: `webhook-id ${d.messageId}` }, d.eventType)),
      h(
        'td',
        {},
        h(
          'span',
          { class: `status ${d.status.toLowerCase()}`, 'data-testid': 'webhook-delivery-status', title: d.deliveredAt ? `delivered ${formatDateTime(d.deliveredAt)}` : null },
          d.status,
        ),
      ),
      h('td', { class: 'num', 'data-testid': 'webhook-delivery-attempts' }, String(d.attempts)),
      responseCell(d),
      h('td', { 'data-testid': 'webhook-delivery-next' }, d.nextAttemptAt ? formatDateTime(d.nextAttemptAt) : '—'),
      h('td', { 'data-testid': 'webhook-delivery-created' }, formatDateTime(d.createdAt)),
      h('td', { class: 'row-actions' }, redeliver),
    );
  }

  /** The last attempt's answer: its status, and its body (the first KiB) folded under
   * it; or "no answer" and why (`lastError`); or a dash before the first attempt. */
  function responseCell(d: WebhookDelivery): HTMLTableCellElement {
    const answered = d.lastResponseStatus !== null;
    const body = d.lastResponseBody
      ? h(
          'details',
          { class: 'delivery-body', 'data-testid': 'webhook-delivery-body' },
          h('summary', {}, 'body'),
          h('pre', {}, d.lastResponseBody),
        )
      : null;
    const error = d.lastError ? h('small', { class: 'delivery-error', 'data-testid': 'webhook-delivery-error' }, d.lastError) : null;
    return h(
      'td',
      { class: 'num', 'data-testid': 'webhook-delivery-response' },
      h(
        'span',
        { 'data-testid': 'webhook-delivery-response-status', title: answered ? d.lastResponseBody || null : d.lastError },
        answered ? String(d.lastResponseStatus) : d.attempts ? 'no answer' : '—',
      ),
      body,
      error,
    );
  }

  // ------------------------------------------------------------ actions

  /** Runs a row's mutation with its button disabled, showing its error; the list is
   * read again after it, whether it worked or not (the endpoint may have gone
   * meanwhile). Answers the mutation's data, null when it failed. */
  async function act<T>(button: HTMLButtonElement, mutation: string, variables: Record<string, unknown>): Promise<T | null> {
    clearMessages();
    button.disabled = true;
    let data: T | null = null;
    try {
      data = await gql<T>(mutation, variables);
    } catch (err) {
      showError(err);
    }
    button.disabled = false;
    await attempt(load);
    return data;
  }

  async function sendTest(e: WebhookEndpoint, button: HTMLButtonElement): Promise<void> {
    if (await act(button, SEND_TEST, { endpointId: e.id })) {
      showInfo(`Queued a webhook.test delivery to ${e.url}.`);
      followDeliveries();
    }
  }

  async function redeliverOne(d: WebhookDelivery, button: HTMLButtonElement): Promise<void> {
    if (await act(button, REDELIVER, { deliveryId: d.id })) {
      showInfo(`Sending the ${d.eventType} delivery again, with the same webhook-id.`);
      followDeliveries();
    }
  }

  async function enable(e: WebhookEndpoint, button: HTMLButtonElement): Promise<void> {
    if (await act(button, UPDATE, { id: e.id, input: { enabled: true } })) {
      showInfo(`Enabled the webhook endpoint ${e.url}.`);
    }
  }

  async function rotate(e: WebhookEndpoint, button: HTMLButtonElement): Promise<void> {
    const data = await act<{ rotateWebhookSecret: Keyed }>(button, ROTATE, { id: e.id });
    if (data) {
      showSecret(data.rotateWebhookSecret, 'rotated');
      showInfo(`A new signing secret for ${e.url}.`);
    }
  }

  function confirmDelete(e: WebhookEndpoint): void {
    clearMessages();
    // The message area is behind the modal's backdrop: say it here too.
    const problem = h('p', { class: 'dialog-error', 'data-testid': 'webhook-delete-error' });
    const dialog = h(
      'dialog',
      { 'data-testid': 'webhook-delete-dialog' },
      h(
        'form',
        { method: 'dialog' },
        h('h3', {}, 'Delete this endpoint?'),
        h('p', {}, h('code', {}, e.url)),
        h('p', {}, 'Its deliveries go with it: those still waiting are not sent. This cannot be undone.'),
        problem,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', class: 'danger', 'data-testid': 'webhook-delete-confirm' }, 'Delete'),
          h('button', { type: 'button', 'data-testid': 'webhook-delete-cancel', onclick: () => dialog.close() }, 'Cancel'),
        ),
      ),
    );
    dialog.addEventListener('close', () => dialog.remove());
    dialog.querySelector('form')!.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearMessages();
      try {
        await gql(DELETE, { id: e.id });
        dialog.close();
        showInfo(`Deleted the webhook endpoint ${e.url}.`);
      } catch (err) {
        showError(err);
        problem.textContent = problemText(err);
      }
      await attempt(load);
    });
    document.body.append(dialog);
    dialog.showModal();
  }

  // ------------------------------------------------------------ the form

  /** The form, with a box for each event type the server offers (read first if the
   * first list did not bring them). */
  function openForm(): void {
    clearMessages();
    if (eventTypes) drawForm(eventTypes);
    else void attempt(async () => drawForm(await loadEventTypes()));
  }

  function drawForm(offered: string[]): void {
    secretSlot.replaceChildren();
    const url = h('input', {
      type: 'url',
      name: 'url',
      required: true,
      maxlength: 2048,
      autocomplete: 'off',
      placeholder: 'https://example.com/webhooks',
      'data-testid': 'webhook-url-input',
    });
    const boxes = offered.map((t) =>
      h('input', { type: 'checkbox', name: `event:${t}`, value: t, 'data-testid': 'webhook-event-type', 'data-event-type': t }),
    );
    const problem = h('p', { class: 'dialog-error', 'data-testid': 'webhook-error' });
    const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'webhook-submit' }, 'Create endpoint');

    const form = h(
      'form',
      { class: 'inline-form', 'data-testid': 'webhook-form' },
      h('h3', {}, 'New webhook endpoint'),
      h(
        'div',
        { class: 'grid' },
        field('URL', url, 'HTTPS, reachable from the internet; no user name or password in it.'),
        field(
          'Description',
          h('input', { name: 'description', maxlength: 200, autocomplete: 'off', 'data-testid': 'webhook-description-input' }),
          'Optional: what receives it, e.g. "CRM sync".',
        ),
      ),
      h(
        'fieldset',
        { class: 'permission-picker', 'data-testid': 'webhook-event-types-picker' },
        h('legend', {}, 'Event types'),
        h('small', {}, 'At least one. "Send test" sends a webhook.test event whatever is ticked.'),
        h('div', { class: 'permission-list' }, ...boxes.map((box) => h('label', { class: 'check' }, box, ' ', h('code', {}, box.value)))),
      ),
      problem,
      h(
        'div',
        { class: 'actions' },
        submit,
        h('button', { type: 'button', 'data-testid': 'webhook-cancel', onclick: () => formSlot.replaceChildren() }, 'Cancel'),
      ),
    );

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearMessages();
      problem.textContent = '';
      const v = formValues(form);
      const eventTypes = boxes.filter((b) => b.checked).map((b) => b.value);
      if (!eventTypes.length) {
        problem.textContent = 'Tick at least one event type.';
        return;
      }
      submit.disabled = true;
      try {
        const { createWebhookEndpoint } = await gql<{ createWebhookEndpoint: Keyed }>(CREATE, {
          accountId: context.account.id,
          input: { url: v.url, eventTypes, description: v.description || null },
        });
        formSlot.replaceChildren();
        showSecret(createWebhookEndpoint, 'created');
        showInfo(`Registered the webhook endpoint ${createWebhookEndpoint.endpoint.url}.`);
        await attempt(load);
      } catch (err) {
        showError(err);
        problem.textContent = problemText(err);
        if (err instanceof ApiError && err.errors.some((e) => e.extensions?.field === 'url')) url.select();
      } finally {
        submit.disabled = false;
      }
    });

    formSlot.replaceChildren(form);
    url.focus();
  }

  // ------------------------------------------------------------ the secret, once

  /** The signing secret, this once: a read-only field and a Copy button, until dismissed. */
  function showSecret({ secret, endpoint }: Keyed, how: 'created' | 'rotated'): void {
    const input = h('input', {
      readonly: true,
      value: secret,
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-label': 'The signing secret',
      'data-testid': 'webhook-secret',
      onfocus: () => input.select(),
    });
    const status = h('small', { class: 'muted', 'data-testid': 'webhook-copy-status', 'aria-live': 'polite' });
    const copy = async () => {
      try {
        // Absent where the page is not a secure context.
        const clipboard = navigator.clipboard as Clipboard | undefined;
        if (!clipboard) throw new Error('no clipboard');
        await clipboard.writeText(input.value);
        status.textContent = 'Copied.';
        status.dataset.copied = 'true';
      } catch {
        input.focus();
        input.select();
        status.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy it.';
        status.dataset.copied = 'selected';
      }
    };
    const panel = h(
      'div',
      { class: 'token-secret', 'data-testid': 'webhook-secret-shown', 'data-endpoint-id': endpoint.id, 'data-how': how },
      h('h3', {}, how === 'created' ? 'The signing secret of your new endpoint' : 'The new signing secret'),
      h('p', { class: 'muted' }, h('code', {}, endpoint.url)),
      h(
        'p',
        {},
        h('strong', {}, 'It is shown only now: copy it into the receiver.'),
        how === 'created'
          ? ' It verifies the webhook-signature header of each delivery; lost, it can only be replaced (Rotate secret).'
          : endpoint.previousSecretExpiresAt
            ? ` Until ${formatDateTime(endpoint.previousSecretExpiresAt)} deliveries are signed with the old secret too, so the receiver can switch without missing one.`
            : ' Deliveries are signed with it alone from now on.',
      ),
      h(
        'div',
        { class: 'secret-row' },
        input,
        h('button', { type: 'button', class: 'primary', 'data-testid': 'webhook-secret-copy', onclick: () => void copy() }, 'Copy'),
      ),
      status,
      h('div', { class: 'actions' }, h('button', { type: 'button', 'data-testid': 'webhook-secret-done', onclick: () => secretSlot.replaceChildren() }, 'Done')),
    );
    secretSlot.replaceChildren(panel);
    input.focus();
  }

  return { element, load };
}
