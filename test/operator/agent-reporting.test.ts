// Agent reporting against a real local HTTP control plane: heartbeats and snapshots with the key
// as bearer token, the signing key set written to the run directory, an outage the runtime
// works through (and reports after), a refused key, bad configurations; the key never reaches
// a file or stderr.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { rawPublicKey } from '../../kernel/approval/key-set.ts';
import { queryRuntime } from '../../kernel/rundir/control-client.ts';
import { AgentHeartbeat, AgentSnapshot } from '../../plugins/agent-reporting/agent-api.ts';
import { retryDelay } from '../../plugins/agent-reporting/backoff.ts';
import { CLI, exitWithin, kill, repo, startLive, until } from './live-runtime.ts';

const KEY = 'bk_live_0123456789abcdef';
const publicKey = rawPublicKey(generateKeyPairSync('ed25519').publicKey);

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

class ControlPlane {
  seen: Seen[] = [];
  status = 200;
  private server: Server | null = null;
  port = 0;
  async start(port = 0): Promise<void> {
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        this.seen.push({
          method: req.method!,
          path: req.url!,
          auth: req.headers.authorization,
          body: body ? JSON.parse(body) : null,
        });
        if (this.status !== 200) {
          res.writeHead(this.status).end();
          return;
        }
        if (req.method === 'GET' && req.url === '/cp/v1/agents/agent-7/signing-keys') {
          if (req.headers['if-none-match'] === '"v1"') {
            res.writeHead(304).end();
            return;
          }
          res
            .writeHead(200, { 'content-type': 'application/json', etag: '"v1"' })
            .end(JSON.stringify({ keys: [{ kid: 'cp-1', alg: 'ed25519', public_key: publicKey, status: 'active' }] }));
          return;
        }
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    this.server = server;
    this.port = (server.address() as { port: number }).port;
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s)
      await new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      });
  }
  of(kind: 'heartbeats' | 'snapshots') {
    return this.seen.filter((s) => s.method === 'POST' && s.path === `/cp/v1/agents/agent-7/${kind}`);
  }
}

const env = (port: number, key = KEY) => ({
  BYTEOR_API_BASE_URL: `http://127.0.0.1:${port}/cp/`,
  BYTEOR_AGENT_ID: 'agent-7',
  BYTEOR_AGENT_API_KEY: key,
  BYTEOR_AGENT_HEARTBEAT_INTERVAL_MS: '200',
  BYTEOR_AGENT_SNAPSHOT_INTERVAL_MS: '400',
  BYTEOR_AGENT_KEYS_INTERVAL_MS: '300',
  BYTEOR_AGENT_BACKOFF_MAX_MS: '600',
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const st = statSync(p);
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : [];
  });
}

async function recordsOut(runDir: string): Promise<number> {
  const r = await queryRuntime(runDir, 'snapshot');
  return r.ok && r.op === 'snapshot' ? (r.snapshot as { records: { out: number } }).records.out : -1;
}

test('heartbeats, snapshots and the key set reach the control plane; an outage does not stop the runtime', async () => {
  const cp = new ControlPlane();
  await cp.start();
  const rt = await startLive({ env: env(cp.port) });
  try {
    await until(
      'two heartbeats and a snapshot',
      () => (cp.of('heartbeats').length >= 2 && cp.of('snapshots').length >= 1) || undefined,
      30_000,
    );
    for (const s of cp.seen) assert.is(s.auth, `Bearer ${KEY}`);
    const hb = AgentHeartbeat.parse(cp.of('heartbeats')[0]!.body);
    assert.is(hb.agent_id, 'agent-7');
    assert.is(hb.pid, rt.child.pid);
    assert.is(hb.state, 'running');
    assert.is(hb.run_dir, rt.runDir);
    const snap = AgentSnapshot.parse(cp.of('snapshots')[0]!.body);
    assert.is(snap.document.model, 'single_ring');
    assert.is(snap.document.spec_hash, hb.spec_hash);
    const keys = await until('the key set in the run directory', () => {
      try {
        return JSON.parse(readFileSync(join(rt.runDir, 'signing_keys.json'), 'utf8'));
      } catch {
        return undefined;
      }
    });
    assert.equal(
      keys.keys.map((k: { kid: string }) => k.kid),
      ['cp-1'],
    );
    assert.is(statSync(join(rt.runDir, 'signing_keys.json')).mode & 0o777, 0o600);

    await cp.stop(); // the control plane goes down
    const t0 = Date.now();
    rt.feed(50);
    await until(
      'the runtime works on while the control plane is down',
      async () => (await recordsOut(rt.runDir)) === 50 || undefined,
      20_000,
    );
    assert.ok(Date.now() - t0 < 15_000);
    await until(
      'the outage said on stderr',
      () =>
        /warning\[BYTEOR_E_AGENT_UNREACHABLE\]: heartbeats cannot reach the control plane/.test(rt.stderr()) ||
        undefined,
      20_000,
    );
    const before = cp.seen.length;
    await cp.start(cp.port); // back
    const hb2 = await until(
      'a heartbeat after the outage',
      () =>
        cp
          .of('heartbeats')
          .map((s) => AgentHeartbeat.parse(s.body))
          .find((h) => h.records.out === 50),
      30_000,
    );
    assert.ok(cp.seen.length > before);
    assert.ok(hb2.sequence > hb.sequence);
    await until(
      'recovery said',
      () => /heartbeats reach the control plane again/.test(rt.stderr()) || undefined,
      10_000,
    );

    const n = cp.of('snapshots').length;
    rt.child.stdin!.end();
    assert.is(await exitWithin(rt), 0, rt.stderr());
    const last = cp
      .of('snapshots')
      .slice(n)
      .map((s) => AgentSnapshot.parse(s.body))
      .at(-1);
    assert.is(last?.document.runtime.state, 'stopped', 'a final snapshot at stop');
    assert.not.ok(rt.stderr().includes(KEY), 'the key is not on stderr');
    for (const f of filesUnder(rt.dir)) assert.not.ok(readFileSync(f).includes(KEY), `the key is not in ${f}`);
  } finally {
    kill(rt.child);
    await cp.stop();
  }
});

test('a refused key is said once per report kind; the runtime runs on and the key is never printed', async () => {
  const cp = new ControlPlane();
  cp.status = 401;
  await cp.start();
  const rt = await startLive({ env: env(cp.port, 'wrong-key-0000000') });
  try {
    rt.feed(20);
    await until('records through', async () => (await recordsOut(rt.runDir)) === 20 || undefined, 20_000);
    await until('several refused tries', () => cp.of('heartbeats').length >= 3 || undefined, 20_000);
    const said =
      rt
        .stderr()
        .match(
          /warning\[BYTEOR_E_AGENT_UNAUTHORIZED\]: the control plane refused agent agent-7's key \(HTTP 401\) for \S+; check BYTEOR_AGENT_API_KEY/g,
        ) ?? [];
    assert.ok(said.length >= 1 && said.length <= 3, rt.stderr());
    rt.child.stdin!.end();
    assert.is(await exitWithin(rt), 0, rt.stderr());
    assert.not.ok(rt.stderr().includes('wrong-key-0000000'));
  } finally {
    kill(rt.child);
    await cp.stop();
  }
});

test('a partial or wrong configuration refuses the run before it starts (exit 2, no key printed)', () => {
  const run = (e: Record<string, string>) =>
    spawnSync(CLI[0]!, [...CLI.slice(1), 'run', '--spec=examples/chain.kv', '--input=examples/records.txt', '--sp'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, ...e },
    });
  const partial = run({ BYTEOR_API_BASE_URL: 'http://127.0.0.1:9/', BYTEOR_AGENT_ID: 'a' });
  assert.is(partial.status, 2, partial.stderr);
  assert.match(partial.stderr, /BYTEOR_E_AGENT_CONFIG.*BYTEOR_AGENT_API_KEY not set/);
  const creds = run({
    BYTEOR_API_BASE_URL: 'https://u:pw@cp.example/',
    BYTEOR_AGENT_ID: 'a',
    BYTEOR_AGENT_API_KEY: KEY,
  });
  assert.is(creds.status, 2);
  assert.match(
    creds.stderr,
    /BYTEOR_E_AGENT_CONFIG\]: BYTEOR_API_BASE_URL must be an http:\/\/ or https:\/\/ URL without credentials/,
  );
  assert.not.ok(creds.stderr.includes(KEY));
  const sp = run({ BYTEOR_API_BASE_URL: 'http://127.0.0.1:9/', BYTEOR_AGENT_ID: 'a', BYTEOR_AGENT_API_KEY: KEY });
  assert.is(sp.status, 0, sp.stderr);
  assert.match(sp.stderr, /agent reporting: off for this one-shot run/);
});

test('backoff: the interval without failures, then exponential with equal jitter up to the maximum', () => {
  assert.is(retryDelay(1000, 0, 60_000), 1000);
  assert.is(
    retryDelay(1000, 1, 60_000, () => 0),
    1000,
  );
  assert.is(
    retryDelay(1000, 1, 60_000, () => 1),
    2000,
  );
  assert.is(
    retryDelay(1000, 3, 60_000, () => 0.5),
    6000,
  );
  assert.is(
    retryDelay(1000, 20, 60_000, () => 1),
    60_000,
  );
  assert.is(
    retryDelay(1000, 20, 60_000, () => 0),
    30_000,
  );
});

test.run();
