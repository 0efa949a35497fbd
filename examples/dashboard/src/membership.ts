// The viewer's own membership, live (`membershipChanges`, any member, whatever their
// permissions): the server sends it as it is when the stream opens, then again each
// time the member's role, permissions, scope or end of access change. Its own small
// socket: it runs for members who open no other stream (billing, technical), and
// outlives the page's re-renders, so no change falls between two of them.
//
// graphql-ws subscribes again after a reconnection, and the stream then starts with the
// membership as it is: the caller compares each item with what the page shows, so a
// repeat changes nothing and a change made while away is not missed. FORBIDDEN (no
// longer a member) and UNAUTHENTICATED (session ended) end it.

import { createClient, type FormattedExecutionResult } from 'graphql-ws/client';
import { ApiError, type ServerError } from './graphql';
import { asApiError, backoff, socketOptions } from './live';
import { sameScope } from './scope';
import { MEMBERSHIP_FIELDS, type Membership } from './types';

const MEMBERSHIP_CHANGES = `subscription MembershipChanges($accountId: ID!) {
  membershipChanges(accountId: $accountId) { ${MEMBERSHIP_FIELDS} }
}`;

export interface MembershipHandlers {
  /** The membership as the server has it now (the first item, a repeat, or a change). */
  membership(membership: Membership): void;
  /** An error inside an item (a field the viewer may not read), the stream goes on. */
  warning(err: ApiError): void;
  /** The server ended the stream for good (FORBIDDEN, UNAUTHENTICATED, a refused socket). */
  ended(err: ApiError): void;
}

export interface MembershipWatch {
  readonly accountId: string;
  stop(): void;
}

/** Whether two memberships give the same access (what the page shows depends on). */
export function sameAccess(a: Membership, b: Membership): boolean {
  const permissions = (m: Membership) => [...m.permissions].sort().join();
  return (
    a.role === b.role &&
    permissions(a) === permissions(b) &&
    a.accessExpiresAt === b.accessExpiresAt &&
    sameScope(a.scope, b.scope)
  );
}

export function watchMembership(accountId: string, handlers: MembershipHandlers): MembershipWatch {
  let stopped = false;
  let dispose: (() => void) | null = null;
  let quietEnds = 0;
  const client = createClient(socketOptions());

  const open = () => {
    dispose = client.subscribe<{ membershipChanges: Membership }>(
      { query: MEMBERSHIP_CHANGES, variables: { accountId } },
      {
        next: (result: FormattedExecutionResult<{ membershipChanges: Membership }>) => {
          quietEnds = 0;
          if (result.errors?.length) handlers.warning(new ApiError(result.errors as ServerError[]));
          const membership = result.data?.membershipChanges;
          if (membership) handlers.membership(membership);
        },
        error: (err) => {
          if (stopped) return;
          stop();
          handlers.ended(asApiError(err));
        },
        // Ended without a reason (the server shutting down): open it again, later each
        // time it keeps ending so.
        complete: () => {
          if (stopped) return;
          void backoff(quietEnds++).then(() => stopped || open());
        },
      },
    );
  };

  function stop(): void {
    if (stopped) return;
    stopped = true;
    dispose?.();
    void client.dispose();
  }

  open();
  return { accountId, stop };
}
