// graphql-http's own server audit (the GraphQL over HTTP spec's MUST, SHOULD and MAY
// rules) against `${BASE}/graphql`. Exits non-zero when a MUST or SHOULD rule fails.
import { serverAudits } from 'graphql-http';

const base = process.env.BASE ?? 'http://127.0.0.1:8080';
const results = [];
for (const audit of serverAudits({ url: `${base}/graphql`, fetchFn: fetch })) {
  const { status, reason } = await audit.fn();
  results.push({ name: audit.name, status, reason });
}
for (const level of ['MUST', 'SHOULD', 'MAY']) {
  const of = results.filter((r) => r.name.startsWith(level));
  const ok = of.filter((r) => r.status === 'ok').length;
  console.log(`${level}: ${ok}/${of.length} ok`);
}
const failed = results.filter((r) => r.status !== 'ok');
for (const r of failed) console.log(`${r.status}: ${r.name} (${r.reason})`);
process.exit(failed.some((r) => !r.name.startsWith('MAY')) ? 1 : 0);
