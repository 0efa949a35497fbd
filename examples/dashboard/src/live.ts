// Live events over /graphql/ws (graphql-transport-ws, the `graphql-ws` client).
//
// Both streams start from a cursor read before the lists they keep up to date
// (`Account.eventsCursor`): what changed in between is replayed, so nothing is missed.
// Each stream remembers the cursor of the last event it delivered. graphql-ws resends a
// subscription's payload object as it is when it reconnects, and we keep `after` in
// that object up to date, so a reconnect resumes from the last cursor seen: the server
// replays what was missed, then goes live, with no gap and no duplicate. A stream the
// server ends with RESUBSCRIBE (fell too far behind) is opened again from the same
// cursor. A stream that had delivered nothing yet has no cursor to resume from: its
// reconnection asks for a `resync` (reload the lists). FORBIDDEN (access lost) and
// UNAUTHENTICATED (session ended) end live updates.

import { createClient, type Client, type ClientOptions, type FormattedExecutionResult } from 'graphql-ws/client';
import { ApiError, endpoints, session, type ServerError } from './graphql';
import { CONTACT_FIELDS, INVITATION_FIELDS, type ContactEvent, type InvitationEvent } from './types';

export type LiveStatus = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface LiveHandlers {
  contact(event: ContactEvent): void;
  invitation(event: InvitationEvent): void;
  status(status: LiveStatus): void;
  /** Reconnected with a stream that has no cursor yet: what happened meanwhile is unknown. */
  resync(): void;
  /** An error inside an event (a field the viewer may not read), the stream goes on. */
  warning(err: ApiError): void;
  /** The server ended live updates for good (FORBIDDEN, UNAUTHENTICATED, a refused socket). */
  ended(err: ApiError): void;
}

export interface Live {
  stop(): void;
  /** The last cursor each stream delivered (null before its first event). */
  cursors(): Record<string, string | null>;
}

const CONTACT_EVENTS = `subscription ContactEvents($accountId: ID, $after: String) {
  contactEvents(accountId: $accountId, after: $after) {
    cursor kind contactId contact { ${CONTACT_FIELDS} }
  }
}`;

const INVITATION_EVENTS = `subscription InvitationEvents($accountId: ID, $after: String) {
  invitationEvents(accountId: $accountId, after: $after) {
    cursor kind invitation { ${INVITATION_FIELDS} }
  }
}`;

/** Session ended or connection_init refused: retrying with the same token cannot help. */
const CLOSE_FORBIDDEN = 4403;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** 1, 2, 4, 8 s, then every 10 s, with some jitter so a restarted server is not stampeded. */
export const backoff = (retries: number) => sleep(Math.min(1000 * 2 ** retries, 10_000) + Math.random() * 500);

/** How every socket of the dashboard connects and retries (see membership.ts too). */
export function socketOptions(): ClientOptions {
  return {
    url: endpoints.ws,
    // Read at every (re)connection, so a retry always carries the current token.
    connectionParams: () => ({ authorization: `Bearer ${session.token ?? ''}` }),
    retryAttempts: Infinity,
    retryWait: backoff,
    shouldRetry: (event) => isCloseEvent(event) && event.code !== CLOSE_FORBIDDEN,
  };
}

function isCloseEvent(value: unknown): value is CloseEvent {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}

/** Whatever a graphql-ws sink's `error` gets, as an ApiError. */
export function asApiError(err: unknown): ApiError {
  if (Array.isArray(err)) return new ApiError(err as ServerError[]);
  if (isCloseEvent(err)) {
    const code = err.code === CLOSE_FORBIDDEN ? 'UNAUTHENTICATED' : 'CONNECTION_CLOSED';
    return new ApiError([{ message: `live connection closed (${err.code} ${err.reason})`.trim(), extensions: { code } }]);
  }
  return new ApiError([{ message: err instanceof Error ? err.message : String(err), extensions: { code: 'CONNECTION_ERROR' } }]);
}

/**
 * Opens both streams of an account from `after` (the account's `eventsCursor`, read before
 * its lists); they run until `stop()` or until the server ends them.
 */
export function startLive(accountId: string, after: string | null, handlers: LiveHandlers): Live {
  let stopped = false;
  let everConnected = false;
  const disposers: (() => void)[] = [];
  const cursors: Record<string, string | null> = {};

  const client: Client = createClient({
    ...socketOptions(),
    on: {
      connecting: (isRetry) => handlers.status(isRetry || everConnected ? 'reconnecting' : 'connecting'),
      connected: (_socket, _payload, wasRetry) => {
        everConnected = true;
        handlers.status('connected');
        if (wasRetry && Object.values(cursors).some((cursor) => cursor === null)) handlers.resync();
      },
      closed: () => {
        if (!stopped) handlers.status('reconnecting');
      },
    },
  });

  function follow<E extends { cursor: string }>(field: string, query: string, deliver: (event: E) => void): void {
    // The object graphql-ws sends again on every reconnection; `after` moves with each event.
    const payload = { query, variables: { accountId, after } };
    cursors[field] = after;
    const open = () => {
      const dispose = client.subscribe<Record<string, E>>(payload, {
        next: (result: FormattedExecutionResult<Record<string, E>>) => {
          if (result.errors?.length) handlers.warning(new ApiError(result.errors as ServerError[]));
          const event = result.data?.[field];
          if (!event) return;
          payload.variables.after = event.cursor;
          cursors[field] = event.cursor;
          deliver(event);
        },
        error: (err) => {
          if (stopped) return;
          const error = asApiError(err);
          if (error.code === 'RESUBSCRIBE') {
            open(); // from payload.variables.after: nothing is lost
            return;
          }
          stop();
          handlers.ended(error);
        },
        complete: () => {},
      });
      disposers.push(dispose);
    };
    open();
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    disposers.forEach((dispose) => dispose());
    void client.dispose();
    handlers.status('stopped');
  }

  handlers.status('connecting');
  follow<ContactEvent>('contactEvents', CONTACT_EVENTS, handlers.contact);
  follow<InvitationEvent>('invitationEvents', INVITATION_EVENTS, handlers.invitation);
  return { stop, cursors: () => ({ ...cursors }) };
}
