// The message area under the top bar: every error the server sends ends up here with
// its code, plus the odd confirmation. Nothing is swallowed.

import { h } from './dom';
import { ApiError } from './graphql';

const area = () => document.getElementById('messages')!;

function show(kind: 'error' | 'info', text: string, code?: string): void {
  const item = h(
    'div',
    { class: `message ${kind}`, 'data-testid': 'message', 'data-kind': kind, 'data-code': code },
    code ? h('code', {}, code) : null,
    h('span', {}, text),
    h('button', { class: 'link', type: 'button', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '×'),
  );
  area().append(item);
  // Confirmations fade; errors stay until dismissed or the next action.
  if (kind === 'info') setTimeout(() => item.remove(), 4000);
}

/** Shows an error: each of a server's errors with its `extensions.code`. */
export function showError(err: unknown): void {
  if (err instanceof ApiError) {
    for (const e of err.errors) {
      const ext = e.extensions ?? {};
      const details = [
        ext.reason && `reason ${ext.reason}`,
        ext.field && `field ${ext.field}`,
        ext.retryAfter !== undefined && `retry in ${ext.retryAfter} s`,
        e.path && `at ${e.path.join('.')}`,
      ].filter(Boolean);
      show('error', details.length ? `${e.message} (${details.join(', ')})` : e.message, ext.code ?? 'ERROR');
    }
  } else {
    show('error', err instanceof Error ? err.message : String(err), 'CLIENT_ERROR');
  }
  console.error(err);
}

export function showInfo(text: string): void {
  show('info', text);
}

/** Clears earlier errors when the user starts something new. */
export function clearMessages(): void {
  area().replaceChildren();
}

/** Runs an action, showing whatever error it throws; answers whether it succeeded. */
export async function attempt(action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (err) {
    showError(err);
    return false;
  }
}
