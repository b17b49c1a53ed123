import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, type NatsConnection } from 'nats';
import { jetstreamAdapter } from '../../plugins/edgeplane/jetstream.ts';
import { OwnServer, Pump, RecordingSink, freePort, requireEnv, until, exitWhenDone } from './helpers.ts';

const NATS = requireEnv('BYTEOR_TEST_NATS_URL', 'nats-server');
const tag = `t${process.pid}`;

async function consumerState(nc: NatsConnection, stream: string, durable: string) {
  const jsm = await nc.jetstreamManager();
  const ci = await jsm.consumers.info(stream, durable);
  return { pending: ci.num_pending, ackPending: ci.num_ack_pending };
}

/** every message body currently stored in a stream */
async function streamBodies(nc: NatsConnection, stream: string): Promise<string[]> {
  const jsm = await nc.jetstreamManager();
  const name = `check_${Math.random().toString(36).slice(2)}`;
  await jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.None });
  const c = await nc.jetstream().consumers.get(stream, name);
  const total = (await jsm.streams.info(stream)).state.messages;
  const out: string[] = [];
  while (out.length < total) {
    const it = await c.fetch({ max_messages: 1000, expires: 1000 });
    for await (const m of it) out.push(Buffer.from(m.data).toString());
  }
  await jsm.consumers.delete(stream, name);
  return out;
}

test('durable pull consumer: records arrive in order and are acknowledged only through ack()', async () => {
  const nc = await connect({ servers: NATS });
  const stream = `S_${tag}_a`;
  const subj = `js.${tag}.a`;
  const ing = jetstreamAdapter.ingress!({ url: NATS, stream, durable: 'd1', subject: subj, batch: '50' }, {});
  const sink = new RecordingSink();
  await ing.start(sink);
  const js = nc.jetstream();
  for (let i = 0; i < 300; i++) await js.publish(subj, Buffer.from(`j${i}`));
  await sink.until(() => sink.records.length === 300, 10_000, '300 messages');
  assert.equal(
    sink.texts(),
    Array.from({ length: 300 }, (_, i) => `j${i}`),
  );
  assert.is((await consumerState(nc, stream, 'd1')).ackPending, 300, 'nothing acknowledged before egress');
  await ing.ack!(sink.tokens);
  await until(async () => (await consumerState(nc, stream, 'd1')).ackPending === 0, 5_000, 'acks applied');
  const h = ing.health();
  assert.is(h.message_count, 300);
  assert.equal(h.lag, { value: 0, unit: 'messages' });
  await ing.close();
  await nc.close();
});

test('records not acknowledged before close are delivered again to the next binding', async () => {
  const nc = await connect({ servers: NATS });
  const stream = `S_${tag}_b`;
  const subj = `js.${tag}.b`;
  const first = jetstreamAdapter.ingress!(
    { url: NATS, stream, durable: 'd2', subject: subj, batch: '5', close_grace_ms: '0' },
    {},
  );
  const s1 = new RecordingSink();
  await first.start(s1);
  for (let i = 0; i < 20; i++) await nc.jetstream().publish(subj, Buffer.from(`k${i}`));
  await s1.until(() => s1.records.length >= 10, 5_000, '10 messages');
  await first.ack!(s1.tokens.slice(0, 10)); // these 10 left through egress
  const acked = new Set(s1.texts().slice(0, 10));
  await first.close(); // the rest (pushed, not acknowledged) are nak'ed
  const second = jetstreamAdapter.ingress!({ url: NATS, stream, durable: 'd2', subject: subj, batch: '5' }, {});
  const s2 = new RecordingSink();
  await second.start(s2);
  const rest = Array.from({ length: 20 }, (_, i) => `k${i}`).filter((k) => !acked.has(k));
  await s2.until(
    () => rest.every((k) => s2.texts().includes(k)),
    5_000,
    'the 10 unacknowledged ones, without waiting for ack_wait',
  );
  assert.ok(
    s2.texts().every((k) => !acked.has(k)),
    'an acknowledged record is not delivered again',
  );
  await second.ack!(s2.tokens);
  await second.close();
  await nc.close();
});

test('a missing stream with create=false is a config error naming the key', async () => {
  const ing = jetstreamAdapter.ingress!({ url: NATS, stream: `NOPE_${tag}`, durable: 'x', create: 'false' }, {});
  try {
    await ing.start(new RecordingSink());
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_CONFIG');
    assert.match((e as Error).message, /^ingress\.stream: JetStream stream "NOPE_/);
  }
});

test('nats-server killed and restarted mid-run: no acknowledged record is lost', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-js-'));
  const server = new OwnServer('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], port);
  await server.start();
  const url = `nats://127.0.0.1:${port}`;
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const n = 600;
    const pub = await connect({ servers: url });
    const jsm = await pub.jetstreamManager();
    await jsm.streams.add({ name: 'IN', subjects: ['in'] });
    await jsm.streams.add({ name: 'OUT', subjects: ['out'] });
    await Promise.all(Array.from({ length: n }, (_, i) => pub.jetstream().publish('in', Buffer.from(`r${i}`))));
    await pub.close();

    const common = { url, backoff_ms: '50', backoff_max_ms: '300' };
    const ing = jetstreamAdapter.ingress!(
      { ...common, stream: 'IN', durable: 'relay', batch: '32', expires_ms: '1000', ack_wait_ms: '2000' },
      {},
    );
    const eg = jetstreamAdapter.egress!({ ...common, subject: 'out', write_timeout_ms: '20000' }, {});
    const pump = new Pump(ing, eg, 16, 10);
    const stopPump = () => pump.stop();
    cleanup.push(stopPump);
    await pump.start();
    await until(() => pump.moved >= 150, 10_000, '150 moved before the restart');
    await server.kill();
    await until(() => ing.health().connection_state === 'reconnecting', 5_000, 'ingress sees the loss');
    const movedAtKill = pump.moved;
    await new Promise((r) => setTimeout(r, 300));
    await server.start();
    const check = await connect({ servers: url, maxReconnectAttempts: -1 });
    cleanup.push(() => check.close());
    // done when the source consumer has nothing pending or unacknowledged (every record left through egress)
    await until(
      async () => {
        if (pump.failure) return true;
        const st = await consumerState(check, 'IN', 'relay').catch(() => null);
        return st !== null && st.pending === 0 && st.ackPending === 0;
      },
      25_000,
      `all ${n} acknowledged after the restart`,
    );
    assert.is(pump.failure, null);
    assert.ok(pump.moved >= n, 'every record moved (duplicates allowed)');
    assert.ok(pump.moved > movedAtKill, 'the run went on after the restart');
    assert.is(ing.health().connection_state, 'connected');
    assert.ok(ing.health().recent_failures.length >= 1, 'the outage is in recent_failures');
    await pump.stop();
    cleanup.splice(cleanup.indexOf(stopPump), 1);

    const bodies = await streamBodies(check, 'OUT');
    const distinct = new Set(bodies);
    for (let i = 0; i < n; i++) assert.ok(distinct.has(`r${i}`), `r${i} reached the egress`);
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => {});
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

exitWhenDone(test);
test.run();
