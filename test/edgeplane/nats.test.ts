import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'nats';
import { natsAdapter } from '../../plugins/edgeplane/nats.ts';
import { Pump, RecordingSink, freePort, requireEnv, until, exitWhenDone } from './helpers.ts';

const NATS = requireEnv('BYTEOR_TEST_NATS_URL', 'nats-server');
const subject = (s: string) => `byteor.test.${process.pid}.${s}`;

test('ingress receives what is published on its subject, in order', async () => {
  const ing = natsAdapter.ingress!({ url: NATS, subject: subject('in') }, {});
  const sink = new RecordingSink();
  await ing.start(sink);
  assert.is(ing.health().connection_state, 'connected');
  const nc = await connect({ servers: NATS });
  for (let i = 0; i < 500; i++) nc.publish(subject('in'), Buffer.from(`n${i}`));
  await nc.flush();
  await sink.until(() => sink.records.length === 500, 10_000, '500 messages');
  assert.equal(
    sink.texts(),
    Array.from({ length: 500 }, (_, i) => `n${i}`),
  );
  assert.is(ing.health().message_count, 500);
  assert.equal(ing.health().lag?.unit, 'messages');
  await nc.close();
  await ing.close();
  assert.is(ing.health().connection_state, 'closed');
});

test('queue groups share a subject between two bindings', async () => {
  const a = natsAdapter.ingress!({ url: NATS, subject: subject('q'), queue: 'workers' }, {});
  const b = natsAdapter.ingress!({ url: NATS, subject: subject('q'), queue: 'workers' }, {});
  const sa = new RecordingSink();
  const sb = new RecordingSink();
  await a.start(sa);
  await b.start(sb);
  const nc = await connect({ servers: NATS });
  for (let i = 0; i < 200; i++) nc.publish(subject('q'), Buffer.from(String(i)));
  await nc.flush();
  await until(() => sa.records.length + sb.records.length === 200, 10_000, '200 messages across the group');
  const all = [...sa.texts(), ...sb.texts()].map(Number).sort((x, y) => x - y);
  assert.equal(
    all,
    Array.from({ length: 200 }, (_, i) => i),
  );
  await nc.close();
  await a.close();
  await b.close();
});

test('egress publishes each record and confirms with a flush; pump nats -> nats', async () => {
  const nc = await connect({ servers: NATS });
  const got: string[] = [];
  const sub = nc.subscribe(subject('out'));
  void (async () => {
    for await (const m of sub) got.push(Buffer.from(m.data).toString());
  })();
  await nc.flush();
  const pump = new Pump(
    natsAdapter.ingress!({ url: NATS, subject: subject('mid') }, {}),
    natsAdapter.egress!({ url: NATS, subject: subject('out') }, {}),
  );
  await pump.start();
  for (let i = 0; i < 300; i++) nc.publish(subject('mid'), Buffer.from(`p${i}`));
  await nc.flush();
  await until(() => got.length === 300, 10_000, '300 relayed');
  assert.equal(
    got,
    Array.from({ length: 300 }, (_, i) => `p${i}`),
  );
  assert.is(pump.egress.health().message_count, 300);
  await pump.stop();
  await nc.close();
});

test('no server: start fails after connect_timeout_ms, naming the url', async () => {
  const port = await freePort();
  const ing = natsAdapter.ingress!(
    { url: `nats://127.0.0.1:${port}`, subject: 'x', connect_timeout_ms: '300', backoff_ms: '50' },
    {},
  );
  try {
    await ing.start(new RecordingSink());
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
    assert.match((e as Error).message, new RegExp(`127\\.0\\.0\\.1:${port}.*within 300 ms`));
  }
  assert.is(ing.health().connection_state, 'failed');
  assert.ok(ing.health().recent_failures.length >= 1);
});

exitWhenDone(test);
test.run();
