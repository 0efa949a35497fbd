// A webhook receiver for the tests: every delivery is verified with the Standard
// Webhooks reference library (npm `standardwebhooks`), once per secret given.
//
//   WEBHOOK_SECRETS=whsec_a,whsec_b node receiver.mjs
//
// Prints `listening <port>` once ready, then one JSON line per request:
// {"id", "type", "verified": [the indexes of the secrets that verified it], "error"}.
// Answers 200 when one secret verified it, 400 otherwise. Only for tests: it listens on
// 127.0.0.1 and keeps nothing.

import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const secrets = (process.env.WEBHOOK_SECRETS ?? '').split(',').filter(Boolean);
const verifiers = secrets.map((secret) => new Webhook(secret));

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const verified = [];
    let error = null;
    let payload = null;
    verifiers.forEach((verifier, index) => {
      try {
        payload = verifier.verify(body, request.headers);
        verified.push(index);
      } catch (err) {
        error = String(err.message ?? err);
      }
    });
    const line = { id: request.headers['webhook-id'] ?? null, type: payload?.type ?? null, verified, error };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    response.writeHead(verified.length > 0 ? 200 : 400, { 'content-type': 'text/plain' });
    response.end(verified.length > 0 ? 'ok' : 'not verified');
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
