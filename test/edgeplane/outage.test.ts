// The egress outage policy end to end (http -> http through the real CLI): a long-running run
// with egress.retry=forever rides out a destination outage (health `reconnecting` in a live
// snapshot, the ring fills and the HTTP ingress waits, nothing lost); egress.max_outage_ms ends
// the run with BYTEOR_E_EGRESS_OUTAGE; a SIGTERM during an outage ends within --drain-timeout
// with the undelivered records counted; the HTTP ingress answers 503 + Retry-After with the
// exact `accepted` count once its --adapter-max-messages is reached.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { AdaptersSectionSchema } from '../../plugins/edgeplane/health.ts';
import { runCli, startCli } from './cli.ts';
import { exitWhenDone, freePort, until } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-outage-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// a small ring, so that an outage fills it and the ingress has to wait (backpressure)
const SPEC = join(dir, 'small.kv');
writeFileSync(
  SPEC,
  [
    'spec.version=1',
    'spec.model=single_ring',
    'spec.name=small',
    'single_ring.capacity=8',
    'single_ring.slot_bytes=256',
    'single_ring.wait=backoff',
    'single_ring.stages.0.key=identity',
    '',
  ].join('\n'),
);

/** the destination: an HTTP server that records each body; can be taken down and brought back on its port */
class Sink {
  readonly got: string[] = [];
  private server: Server | null = null;
  constructor(readonly port: number) {}
  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.got.push(Buffer.concat(chunks).toString());
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', () => r()));
    this.server = server;
  }
  async down(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = null;
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  }
}

function config(name: string, ingressPort: number, sinkPort: number, egress: string[]): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    [
      'ingress.kind=http',
      `ingress.port=${ingressPort}`,
      'ingress.path=/in',
      'ingress.split=lines',
      'egress.kind=http',
      `egress.url=http://127.0.0.1:${sinkPort}/sink`,
      'egress.backoff_ms=20',
      'egress.backoff_max_ms=200',
      'egress.timeout_ms=2000',
      ...egress,
      '',
    ].join('\n'),
  );
  return path;
}

async function post(
  url: string,
  body: string,
): Promise<{ status: number; retryAfter: string | undefined; json: Record<string, unknown> }> {
  const r = await request(url, { method: 'POST', body });
  const text = await r.body.text();
  const ra = r.headers['retry-after'];
  return {
    status: r.statusCode,
    retryAfter: Array.isArray(ra) ? ra[0] : ra,
    json: JSON.parse(text) as Record<string, unknown>,
  };
}

async function waitAccepting(url: string): Promise<void> {
  // another path: 404 from the listening ingress, no record
  await until(
    async () => {
      try {
        return (await post(`${url}-probe`, 'x')).status === 404;
      } catch {
        return false;
      }
    },
    60_000,
    'the runtime listening',
  );
}

async function egressHealth(runDir: string) {
  const snap = await runCli(['snapshot', `--run-dir=${runDir}`, '--json']);
  if (snap.code !== 0) return null;
  const doc = JSON.parse(snap.stdout) as { source: string; sections: { adapters?: unknown } };
  if (doc.source !== 'live' || !doc.sections.adapters) return null;
  return AdaptersSectionSchema.parse(doc.sections.adapters).find((a) => a.role === 'egress') ?? null;
}

test(
  'egress.retry=forever: an HTTP sink down ~2 s under a live run; health says reconnecting, the ingress waits, ' +
    'every record arrives once',
  async () => {
    const inPort = await freePort();
    const sinkPort = await freePort();
    const sink = new Sink(sinkPort);
    await sink.up();
    const runDir = join(dir, 'run-forever');
    const cfg = config('forever.conf', inPort, sinkPort, ['egress.retry=forever']);
    const rt = startCli(['run', '--plugin=edgeplane', `--spec=${SPEC}`, `--config=${cfg}`, `--run-dir=${runDir}`]);
    const url = `http://127.0.0.1:${inPort}/in`;
    const n = 40;
    try {
      await waitAccepting(url);
      for (let i = 0; i < 5; i++) assert.is((await post(url, `r${i}`)).status, 202);
      await until(() => sink.got.length === 5, 30_000, 'the first records at the sink');
      await until(
        async () => (await egressHealth(runDir))?.message_count === 5,
        30_000,
        'egress counting the first records',
      );
      await sink.down();
      // the rest arrive during the outage: more than the ring holds, so some POSTs wait for room
      const answers = (async () => {
        const out: number[] = [];
        for (let i = 5; i < n; i++) out.push((await post(url, `r${i}`)).status);
        return out;
      })();
      let seen: Awaited<ReturnType<typeof egressHealth>> = null;
      await until(
        async () => {
          seen = await egressHealth(runDir);
          return seen?.connection_state === 'reconnecting';
        },
        30_000,
        'egress health reconnecting',
      );
      assert.ok(seen!.recent_failures.length > 0, 'the failed attempts are in recent_failures');
      assert.ok(seen!.message_count < n, 'not everything was delivered while the sink was down');
      await new Promise((r) => setTimeout(r, 2_000));
      assert.is(sink.got.length, 5, 'nothing reached the sink while it was down');
      await sink.up();
      assert.equal(await answers, Array(n - 5).fill(202), 'every POST was accepted once there was room');
      await until(() => sink.got.length >= n, 60_000, 'every record at the sink after recovery');
      await until(
        async () => (await egressHealth(runDir))?.connection_state === 'connected',
        30_000,
        'egress health connected again',
      );
    } finally {
      rt.child.kill('SIGTERM');
    }
    const end = await rt.done;
    assert.is(end.code, 0, end.stderr);
    assert.match(end.stderr, new RegExp(`records in ${n}, out ${n}`));
    const bodies = sink.got;
    assert.equal([...bodies].sort(), Array.from({ length: n }, (_, i) => `r${i}`).sort(), 'each record exactly once');
    assert.equal(
      bodies,
      Array.from({ length: n }, (_, i) => `r${i}`),
      'in order',
    );
    await sink.down();
  },
);

test(
  'egress.max_outage_ms exceeded: exit 1 with ' + 'BYTEOR_E_EGRESS_OUTAGE naming the adapter and the outage length',
  async () => {
    const inPort = await freePort();
    const deadPort = await freePort(); // nothing listens there
    const cfg = config('max-outage.conf', inPort, deadPort, ['egress.max_outage_ms=1500']);
    const rt = startCli([
      'run',
      '--plugin=edgeplane',
      `--spec=${SPEC}`,
      `--config=${cfg}`,
      `--run-dir=${join(dir, 'run-max')}`,
    ]);
    const url = `http://127.0.0.1:${inPort}/in`;
    const kill = setTimeout(() => rt.child.kill('SIGKILL'), 120_000);
    try {
      await until(
        async () => {
          try {
            return (await post(url, 'x')).status === 202;
          } catch {
            return false;
          }
        },
        60_000,
        'a record accepted',
      );
    } catch (e) {
      rt.child.kill('SIGTERM');
      throw e;
    }
    const end = await rt.done;
    clearTimeout(kill);
    assert.is(end.code, 1, end.stderr);
    assert.match(end.stderr, /BYTEOR_E_EGRESS_OUTAGE/);
    const m = /egress http: the destination was unreachable for (\d+) ms, longer than egress\.max_outage_ms=1500/.exec(
      end.stderr,
    );
    assert.ok(m, end.stderr);
    assert.ok(Number(m![1]) > 1500);
    assert.match(end.stderr, /undelivered [1-9]/);
  },
);

test(
  'SIGTERM during an outage (retry=forever): the run ends within --drain-timeout, counting the undelivered ' +
    'records',
  async () => {
    const inPort = await freePort();
    const deadPort = await freePort();
    const runDir = join(dir, 'run-stop');
    const cfg = config('stop.conf', inPort, deadPort, ['egress.retry=forever']);
    const rt = startCli([
      'run',
      '--plugin=edgeplane',
      `--spec=${SPEC}`,
      `--config=${cfg}`,
      `--run-dir=${runDir}`,
      '--drain-timeout=1s',
    ]);
    const url = `http://127.0.0.1:${inPort}/in`;
    const kill = setTimeout(() => rt.child.kill('SIGKILL'), 120_000);
    try {
      await until(
        async () => {
          try {
            return (await post(url, 'a\nb\nc')).status === 202;
          } catch {
            return false;
          }
        },
        60_000,
        'three records accepted',
      );
      await until(
        async () => (await egressHealth(runDir))?.connection_state === 'reconnecting',
        30_000,
        'egress health reconnecting',
      );
    } finally {
      rt.child.kill('SIGTERM');
    }
    const end = await rt.done;
    clearTimeout(kill);
    assert.is(end.code, 1, end.stderr);
    assert.match(end.stderr, /BYTEOR_E_DRAIN_TIMEOUT/);
    assert.match(end.stderr, /records in 3, out 0/);
    assert.match(end.stderr, /undelivered 3/);
  },
);

test(
  'HTTP ingress at --adapter-max-messages: 503 with ' + 'Retry-After and accepted = the records that entered the run',
  async () => {
    const inPort = await freePort();
    const sinkPort = await freePort();
    const sink = new Sink(sinkPort);
    await sink.up();
    const cfg = config('max-messages.conf', inPort, sinkPort, []);
    const rt = startCli([
      'run',
      '--plugin=edgeplane',
      `--spec=${SPEC}`,
      `--config=${cfg}`,
      `--run-dir=${join(dir, 'run-limit')}`,
      '--adapter-max-messages=2',
    ]);
    const url = `http://127.0.0.1:${inPort}/in`;
    let answer: Awaited<ReturnType<typeof post>> | null = null;
    try {
      await until(
        async () => {
          try {
            answer = await post(url, 'a\nb\nc');
            return true;
          } catch {
            return false;
          }
        },
        60_000,
        'the runtime answering',
      );
    } finally {
      if (!answer) rt.child.kill('SIGTERM');
    }
    const end = await rt.done;
    assert.is(answer!.status, 503, JSON.stringify(answer));
    assert.is(answer!.retryAfter, '1');
    assert.is(answer!.json.accepted, 2);
    assert.match(String(answer!.json.error), /2 of the 3 records/);
    assert.is(end.code, 0, end.stderr);
    assert.match(end.stderr, /records in 2, out 2/);
    assert.equal(sink.got, ['a', 'b']);
    await sink.down();
  },
);

test('a one-shot run (--sp) refuses egress.retry=forever (it does not ride out outages)', async () => {
  const cfg = config('sp.conf', 1, 1, ['egress.retry=forever']);
  const r = await runCli(['run', '--sp', '--plugin=edgeplane', `--spec=${SPEC}`, `--config=${cfg}`]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /BYTEOR_E_CONFIG_INVALID[\s\S]*egress\.retry=forever[\s\S]*--sp/);
});

exitWhenDone(test);
test.run();
