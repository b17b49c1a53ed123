import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { request } from 'undici';
import { AdaptersSectionSchema } from '../../plugins/edgeplane/health.ts';
import { IDENTITY_SPEC, exampleConfig, runCli, startCli } from './cli.ts';
import { exitWhenDone, freePort, requireEnv, until } from './helpers.ts';

const NATS = requireEnv('BYTEOR_TEST_NATS_URL', 'nats-server');
const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-snap-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("a live run (http -> nats example): records move, and snapshot shows both bindings' health", async () => {
  const port = await freePort();
  const sfx = `_${process.pid}`;
  const cfg = exampleConfig(
    'http-to-nats.conf',
    dir,
    { 'nats://127.0.0.1:4222': NATS, 'ingress.port=8080': `ingress.port=${port}` },
    sfx,
  );
  const runDir = join(dir, 'run');
  const nc = await connect({ servers: NATS });
  const got: string[] = [];
  const sub = nc.subscribe(`records${sfx}`);
  void (async () => {
    for await (const m of sub) got.push(Buffer.from(m.data).toString());
  })();
  await nc.flush();
  const rt = startCli([
    'run',
    '--plugin=edgeplane',
    `--spec=${IDENTITY_SPEC}`,
    `--config=${cfg}`,
    `--run-dir=${runDir}`,
  ]);
  try {
    const url = `http://127.0.0.1:${port}/records`;
    await until(
      async () => {
        try {
          const r = await request(url, { method: 'POST', body: 'r0\nr1\nr2' });
          await r.body.dump();
          return r.statusCode === 202;
        } catch {
          return false;
        }
      },
      30_000,
      'the runtime accepting POSTs',
    );
    for (let b = 1; b < 5; b++) {
      const r = await request(url, { method: 'POST', body: [0, 1, 2].map((i) => `r${b * 3 + i}`).join('\n') });
      assert.is(r.statusCode, 202);
      await r.body.dump();
    }
    await until(() => got.length === 15, 10_000, '15 records on NATS');
    assert.equal(
      got,
      Array.from({ length: 15 }, (_, i) => `r${i}`),
    );

    const snap = await runCli(['snapshot', `--run-dir=${runDir}`, '--json']);
    assert.is(snap.code, 0, snap.stderr);
    const doc = JSON.parse(snap.stdout);
    assert.is(doc.source, 'live');
    const adapters = AdaptersSectionSchema.parse(doc.sections.adapters);
    assert.equal(
      adapters.map((a) => [a.role, a.kind, a.transport, a.connection_state, a.message_count]),
      [
        ['ingress', 'http', 'http', 'connected', 15],
        ['egress', 'nats', 'nats', 'connected', 15],
      ],
    );
    assert.equal(adapters[0]!.lag, { value: 0, unit: 'requests' });
    assert.is(adapters[0]!.endpoint, url);
  } finally {
    rt.child.kill('SIGTERM');
  }
  const end = await rt.done;
  assert.is(end.code, 0, end.stderr);
  assert.match(end.stderr, /records in 15, out 15/);
  await nc.close();
});

exitWhenDone(test);
test.run();
