// The graphql-ws client itself against `${BASE}/graphql/ws`: a subscription replays
// and goes live, and a logout ends it with an `error` coded UNAUTHENTICATED (not a
// `complete`). Exits non-zero otherwise.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.env.BASE ?? 'http://127.0.0.1:8080';
const gql = async (query, variables, token) => {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
};

const registered = await gql(
  'mutation($i: RegisterInput!) { register(input: $i) { token } }',
  { i: { accountName: 'Audit', firstName: 'A', lastName: 'Udit', email: `audit${Date.now()}@example.test`, password: 'audit password 1' } },
);
const token = registered.data.register.token;
const account = (await gql('{ viewer { currentAccount { id } } }', {}, token)).data.viewer.currentAccount.id;

const client = createClient({
  url: `${base.replace(/^http/, 'ws')}/graphql/ws`,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
});
const seen = [];
const ended = new Promise((resolve) => {
  client.subscribe(
    { query: 'subscription($a: ID) { contactEvents(accountId: $a, after: "0") { cursor kind } }', variables: { a: account } },
    {
      next: (value) => {
        seen.push(value.data.contactEvents.kind);
        // Replayed: the stream is open. End the session under it.
        if (seen.length === 1) gql('mutation { logout }', {}, token);
      },
      error: (errors) => resolve({ errors }),
      complete: () => resolve({ complete: true }),
    },
  );
});
const outcome = await ended;
await client.dispose();
const code = outcome.errors?.[0]?.extensions?.code;
console.log(`graphql-ws client: replayed ${JSON.stringify(seen)}, then ${code ? `error ${code}` : 'complete'}`);
process.exit(seen[0] === 'CREATED' && code === 'UNAUTHENTICATED' ? 0 : 1);
