// One clientele server for the browser test: a fresh SQLite file and mail folder (the
// test reads its .eml files: `mailDir`) in a temporary directory, a free port on
// 127.0.0.1, its log appended to `logPath`. It can be stopped and started again on the
// same port and data (the reconnect step), and never outlives the test process.
//
// The browser knows it as http://localhost:<port> (`base`, its PUBLIC_URL): a passkey's
// relying party id is PUBLIC_URL's host, and WebAuthn refuses an IP address there. The
// test's own requests go to 127.0.0.1 (`direct`), whatever `localhost` resolves to first.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sleep } from './support.mjs';

async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export class Server {
  /** `binary`: the clientele executable; `dashboard`: the built app it serves at /dashboard/. */
  static async create({ binary, dashboard, logPath }) {
    const port = await freePort();
    return new Server(binary, dashboard, logPath, port);
  }

  constructor(binary, dashboard, logPath, port) {
    this.binary = binary;
    this.dashboard = dashboard;
    this.logPath = logPath;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clientele-e2e-'));
    /** What the browser opens: PUBLIC_URL, so also the origin cookies, sockets and passkeys are bound to. */
    this.base = `http://localhost:${port}`;
    /** The same server for the test's own requests (Node's fetch). */
    this.direct = `http://127.0.0.1:${port}`;
    /** Where the server writes each email it sends, as an `.eml` file (no SMTP_URL). */
    this.mailDir = `${this.dir}/mail`;
    this.env = {
      ...process.env,
      DATABASE_URL: `sqlite://${this.dir}/e2e.db?mode=rwc`,
      MAIL_DIR: this.mailDir,
      BIND: `127.0.0.1:${port}`,
      PUBLIC_URL: this.base,
      REMINDER_INTERVAL_SECS: '0',
      // The webhook step's receiver listens on 127.0.0.1, over HTTP.
      WEBHOOKS_ALLOW_PRIVATE: 'true',
      NO_COLOR: '1', // a log file, not a terminal
    };
    // The embedded default whatever the caller's environment says.
    for (const name of ['REDIS_URL', 'SMTP_URL', 'OPERATIONS_DIR', 'DASHBOARD_DIR', 'INTROSPECTION']) delete this.env[name];
    this.child = null;
    fs.writeFileSync(logPath, '');
    // Whatever happens, the server does not outlive the test.
    process.on('exit', () => this.child?.kill('SIGKILL'));
  }

  /** `clientele seed-demo` on the (not yet served) database. */
  seed() {
    const run = spawnSync(this.binary, ['seed-demo'], { env: this.env, encoding: 'utf8', timeout: 120_000 });
    fs.appendFileSync(this.logPath, `--- seed-demo\n${run.stdout ?? ''}${run.stderr ?? ''}`);
    if (run.status !== 0) {
      const said = (run.stderr || run.stdout || String(run.error ?? '')).trim();
      throw new Error(`clientele seed-demo exited ${run.status ?? run.signal}: ${said}`);
    }
  }

  /** Starts serving; resolves once /healthz answers. */
  async start() {
    fs.appendFileSync(this.logPath, '--- serve\n');
    const log = fs.openSync(this.logPath, 'a');
    const child = spawn(this.binary, ['--dashboard', this.dashboard], { env: this.env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    this.child = child;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) at start; see ${this.logPath}`);
      try {
        if ((await fetch(`${this.direct}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`the server did not answer /healthz within 60 s; see ${this.logPath}`);
  }

  /** SIGTERM (a graceful shutdown: sockets close with 1001), SIGKILL after 10 s. */
  async stop() {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([child.exited, sleep(10_000).then(() => 'timeout')]);
    if (stopped === 'timeout') {
      child.kill('SIGKILL');
      await child.exited;
    }
  }

  /** Stops the server and removes its data. */
  async dispose() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
