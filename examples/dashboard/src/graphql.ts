// The GraphQL client over HTTP: POST /graphql on this origin with the session's bearer
// token. Every error the server sends has `extensions.code`; a response with errors
// becomes a thrown ApiError, so no caller can ignore one by accident.

export interface ServerError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; reason?: string; field?: string; retryAfter?: number };
}

/** One or more errors from the server (or the network), with the first one's code. */
export class ApiError extends Error {
  readonly errors: ServerError[];

  constructor(errors: ServerError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'ApiError';
    this.errors = errors;
  }

  get code(): string {
    return this.errors[0]?.extensions?.code ?? 'NETWORK_ERROR';
  }

  get reason(): string | undefined {
    return this.errors[0]?.extensions?.reason;
  }
}

const TOKEN_KEY = 'clientele.token';

/** The session token: kept for this tab only (sessionStorage), sent as a bearer token. */
export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** The server's root: the dashboard is served at `<root>/dashboard/`, so `..` of the
 * page, which also holds behind a proxy that serves the portal under a path (and is `/`
 * under vite's dev server). */
export const portalRoot = new URL('../', location.href);

/** Where the API lives, relative to the portal's root. */
export const endpoints = {
  http: new URL('graphql', portalRoot).href,
  ws: new URL('graphql/ws', portalRoot).href.replace(/^http/, 'ws'),
};

/** Runs one operation; answers its `data`, or throws ApiError. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { data, errors } = await send<T>(query, variables);
  if (errors.length) throw new ApiError(errors);
  return data;
}

/** Runs one operation whose answer may be partial: its `data` with the errors of the
 * fields that could not be read (null in it); throws ApiError only with no data. */
export async function gqlPartial<T>(query: string, variables: Record<string, unknown> = {}): Promise<{ data: T; errors: ServerError[] }> {
  return send<T>(query, variables);
}

/** Whether every error is the account's refusal of this session for now (FORBIDDEN
 * with a reason: TWO_FACTOR_REQUIRED, PASSWORD_CHANGE_REQUIRED), not a fault. */
export function onlyRestricted(errors: ServerError[]): boolean {
  return errors.length > 0 && errors.every((e) => e.extensions?.code === 'FORBIDDEN' && !!e.extensions.reason);
}

async function send<T>(query: string, variables: Record<string, unknown>): Promise<{ data: T; errors: ServerError[] }> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  const token = session.token;
  if (token) headers.authorization = `Bearer ${token}`;

  let response: Response;
  try {
    response = await fetch(endpoints.http, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new ApiError([{ message: `cannot reach the server (${String(err)})`, extensions: { code: 'NETWORK_ERROR' } }]);
  }

  let body: { data?: T | null; errors?: ServerError[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError([
      { message: `the server answered ${response.status} ${response.statusText}`, extensions: { code: 'HTTP_ERROR' } },
    ]);
  }
  if (!body.data) {
    throw new ApiError(body.errors?.length ? body.errors : [{ message: 'the server answered no data', extensions: { code: 'HTTP_ERROR' } }]);
  }
  return { data: body.data, errors: body.errors ?? [] };
}
