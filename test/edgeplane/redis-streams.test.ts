import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisStreamsAdapter } from '../../plugins/edgeplane/redis-streams.ts';
import {
  OwnServer,
  Pump,
  RecordingSink,
  writeFromTwice,
  freePort,
  producerSink,
  requireEnv,
  until,
  exitWhenDone,
} from './helpers.ts';

const REDIS = requireEnv('BYTEOR_TEST_REDIS_URL', 'redis-server');
const key = (s: string) => `byteor:test:${process.pid}:${s}`;
const redis = new Redis(REDIS);
test.after(() => {
  redis.disconnect();
});

async function pendingCount(stream: string, group: string): Promise<number> {
  const p = (await redis.xpending(stream, group)) as [number, ...unknown[]];
  return Number(p[0]);
}

async function streamValues(r: Redis, stream: string): Promise<string[]> {
  const entries = await r.xrange(stream, '-', '+');
  return entries.map(([, fields]) => fields[1]!);
}

test('consumer group: entries arrive in order; XACK only through ack(); lag counts undelivered + pending', async () => {
  const s = key('a');
  for (let i = 0; i < 300; i++) await redis.xadd(s, '*', 'data', `e${i}`);
  const ing = redisStreamsAdapter.ingress!(
    { url: REDIS, stream: s, group: 'g', consumer: 'c1', batch: '64', block_ms: '100' },
    {},
  );
  const sink = new RecordingSink();
  await ing.start(sink);
  await sink.until(() => sink.records.length === 300, 10_000, '300 entries');
  assert.equal(
    sink.texts(),
    Array.from({ length: 300 }, (_, i) => `e${i}`),
  );
  assert.is(await pendingCount(s, 'g'), 300, 'nothing acknowledged before egress');
  await until(() => ing.health().lag?.value === 300, 5_000, 'lag = 300 pending');
  await ing.ack!(sink.tokens);
  assert.is(await pendingCount(s, 'g'), 0);
  await until(() => ing.health().lag?.value === 0, 5_000, 'lag = 0');
  assert.equal(ing.health().lag?.unit, 'entries');
  await ing.close();
});

test('an entry without the field is acknowledged, skipped and reported', async () => {
  const s = key('b');
  await redis.xadd(s, '*', 'other', 'x');
  await redis.xadd(s, '*', 'data', 'y');
  const ing = redisStreamsAdapter.ingress!({ url: REDIS, stream: s, group: 'g', block_ms: '100' }, {});
  const sink = new RecordingSink();
  await ing.start(sink);
  await sink.until(() => sink.records.length === 1, 5_000, 'one entry');
  assert.equal(sink.texts(), ['y']);
  assert.match(ing.health().recent_failures[0]!.message, /has no field "data"/);
  await ing.ack!(sink.tokens);
  assert.is(await pendingCount(s, 'g'), 0);
  await ing.close();
});

test(
  'after a crash, the same consumer re-reads its pending ' + 'entries; another consumer claims idle ones (XAUTOCLAIM)',
  async () => {
    const s = key('c');
    for (let i = 0; i < 20; i++) await redis.xadd(s, '*', 'data', `p${i}`);
    const crashed = redisStreamsAdapter.ingress!(
      { url: REDIS, stream: s, group: 'g', consumer: 'dead', block_ms: '100', close_grace_ms: '0' },
      {},
    );
    const s1 = new RecordingSink();
    await crashed.start(s1);
    await s1.until(() => s1.records.length === 20, 5_000, '20 entries');
    await crashed.ack!(s1.tokens.slice(0, 5));
    await crashed.close(); // 15 delivered, never acknowledged (no grace: as if it crashed)
    assert.is(await pendingCount(s, 'g'), 15);

    const same = redisStreamsAdapter.ingress!(
      { url: REDIS, stream: s, group: 'g', consumer: 'dead', block_ms: '100' },
      {},
    );
    const s2 = new RecordingSink();
    await same.start(s2);
    await s2.until(() => s2.records.length === 15, 5_000, 'own pending entries');
    assert.equal(
      s2.texts(),
      Array.from({ length: 15 }, (_, i) => `p${i + 5}`),
    );
    await same.close();

    const other = redisStreamsAdapter.ingress!(
      {
        url: REDIS,
        stream: s,
        group: 'g',
        consumer: 'heir',
        block_ms: '100',
        claim_idle_ms: '50',
        claim_interval_ms: '50',
      },
      {},
    );
    const s3 = new RecordingSink();
    await new Promise((r) => setTimeout(r, 60));
    await other.start(s3);
    await s3.until(() => s3.records.length === 15, 5_000, 'claimed entries');
    await other.ack!(s3.tokens);
    assert.is(await pendingCount(s, 'g'), 0);
    await other.close();
  },
);

test('egress XADDs one entry per record with MAXLEN ~; pump redis -> redis', async () => {
  const src = key('src');
  const dst = key('dst');
  for (let i = 0; i < 500; i++) await redis.xadd(src, '*', 'data', `m${i}`);
  const pump = new Pump(
    redisStreamsAdapter.ingress!({ url: REDIS, stream: src, group: 'relay', block_ms: '100' }, {}),
    redisStreamsAdapter.egress!({ url: REDIS, stream: dst, field: 'data', maxlen: '100000' }, {}),
  );
  await pump.start();
  await until(() => pump.moved === 500, 10_000, '500 moved');
  await until(async () => (await pendingCount(src, 'relay')) === 0, 5_000, 'all acknowledged');
  assert.equal(
    await streamValues(redis, dst),
    Array.from({ length: 500 }, (_, i) => `m${i}`),
  );
  assert.is(pump.egress.health().message_count, 500);
  await pump.stop();
});

test(
  'a reply goes in as spans with one ack token on its last record; refused entries are acknowledged at once; a ' +
    'restart re-delivers the rest',
  async () => {
    const s = key('spans');
    const value = (i: number) => (i === 10 || i === 63 ? 'x'.repeat(100) : `e${i}`);
    const p = redis.pipeline();
    for (let i = 0; i < 300; i++) p.xadd(s, '*', 'data', value(i));
    await p.exec();
    const settings = { url: REDIS, stream: s, group: 'g', consumer: 'c', batch: '64', block_ms: '100' };
    const first = producerSink(64);
    const ing = redisStreamsAdapter.ingress!({ ...settings, close_grace_ms: '0' }, {});
    await ing.start(first.sink);
    const expected = Array.from({ length: 300 }, (_, i) => (i === 10 || i === 63 ? { refused: 100 } : value(i)));
    await until(() => first.events.length === 300, 10_000, '300 entries');
    assert.equal(first.events, expected);
    // one token per reply of 64 entries, carried by its last record that fits a slot (e62 in the first reply)
    await until(() => first.tokens.length === 5, 5_000, 'five tokens');
    // the two refused entries are acknowledged (they were counted); nothing else before egress
    await until(async () => (await pendingCount(s, 'g')) === 298, 5_000, 'refused entries acknowledged');
    await ing.ack!(first.tokens.slice(0, 1));
    assert.is(await pendingCount(s, 'g'), 298 - 62, 'the first token acknowledges the 62 entries of its reply');
    await ing.close(); // the rest stay pending
    assert.is(await pendingCount(s, 'g'), 236);

    const second = producerSink(64);
    const again = redisStreamsAdapter.ingress!(settings, {});
    await again.start(second.sink);
    await until(() => second.events.length === 236, 10_000, 'the unacknowledged entries again');
    assert.equal(second.events, expected.slice(64));
    await until(() => second.tokens.length > 0 && second.events.length === 236, 5_000, 'tokens');
    await again.ack!(second.tokens);
    assert.is(await pendingCount(s, 'g'), 0);
    await again.close();
    assert.not.ok(again.health().recent_failures.some((f) => /not acknowledged/.test(f.message)));
  },
);

test('egress writeFrom XADDs every record of the view once, in order; the slots may be reused after', async () => {
  const dst = key('view');
  const eg = redisStreamsAdapter.egress!({ url: REDIS, stream: dst }, {});
  await eg.start();
  const sent = await writeFromTwice(eg, 300);
  assert.equal(await streamValues(redis, dst), sent);
  assert.is(eg.health().message_count, 303);
  await eg.close();
});

test('group missing with create=false is a config error; no server fails after connect_timeout_ms', async () => {
  const ing = redisStreamsAdapter.ingress!({ url: REDIS, stream: key('none'), group: 'nope', create: 'false' }, {});
  try {
    await ing.start(new RecordingSink());
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_CONFIG');
    assert.match((e as Error).message, /^ingress\.group: consumer group "nope" does not exist/);
  }
  const port = await freePort();
  const eg = redisStreamsAdapter.egress!(
    { url: `redis://127.0.0.1:${port}`, stream: 'x', connect_timeout_ms: '300', backoff_ms: '50' },
    {},
  );
  try {
    await eg.start();
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
    assert.match((e as Error).message, /within 300 ms/);
  }
  assert.is(eg.health().connection_state, 'failed');
});

test('a group deleted under a running binding fails the source for good (sink.fail, state failed)', async () => {
  const s = key('gone');
  await redis.xadd(s, '*', 'data', 'x');
  const ing = redisStreamsAdapter.ingress!({ url: REDIS, stream: s, group: 'g', block_ms: '50' }, {});
  const sink = new RecordingSink();
  await ing.start(sink);
  await sink.until(() => sink.records.length === 1, 5_000, 'one entry');
  await redis.xgroup('DESTROY', s, 'g');
  await sink.until(() => sink.failure !== null, 5_000, 'the failure');
  assert.is((sink.failure as unknown as { code: string }).code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
  assert.match(sink.failure!.message, /group "g" on ".*" disappeared/);
  assert.is(ing.health().connection_state, 'failed');
  await ing.close();
  assert.is(ing.health().connection_state, 'failed', 'closing keeps the failure visible');
});

test('redis-server killed and restarted mid-run: no acknowledged record is lost', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-redis-'));
  const server = new OwnServer(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
    ],
    port,
  );
  await server.start();
  const url = `redis://127.0.0.1:${port}`;
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const n = 600;
    const admin = new Redis(url);
    const p = admin.pipeline();
    for (let i = 0; i < n; i++) p.xadd('in', '*', 'data', `r${i}`);
    await p.exec();
    admin.disconnect();

    const common = { url, backoff_ms: '50', backoff_max_ms: '300' };
    const ing = redisStreamsAdapter.ingress!(
      { ...common, stream: 'in', group: 'relay', consumer: 'c', batch: '32', block_ms: '200' },
      {},
    );
    const eg = redisStreamsAdapter.egress!({ ...common, stream: 'out', write_timeout_ms: '20000' }, {});
    const pump = new Pump(ing, eg, 16, 10);
    cleanup.push(() => pump.stop());
    await pump.start();
    await until(() => pump.moved >= 150, 10_000, '150 moved before the restart');
    await server.kill();
    await until(() => ing.health().connection_state === 'reconnecting', 5_000, 'ingress sees the loss');
    const movedAtKill = pump.moved;
    await new Promise((r) => setTimeout(r, 300));
    await server.start();
    const check = new Redis(url);
    cleanup.push(async () => {
      check.disconnect();
    });
    await until(
      async () =>
        pump.moved >= n &&
        Number(((await check.xpending('in', 'relay')) as [number])[0]) === 0 &&
        (await check.xlen('out')) >= n,
      25_000,
      `all ${n} moved after the restart`,
    );
    assert.ok(pump.moved > movedAtKill, 'the run went on after the restart');
    assert.is(pump.failure, null);
    assert.is(ing.health().connection_state, 'connected');
    assert.ok(ing.health().recent_failures.length >= 1, 'the outage is in recent_failures');
    const out = new Set(await streamValues(check, 'out'));
    for (let i = 0; i < n; i++) assert.ok(out.has(`r${i}`), `r${i} reached the egress`);
  } finally {
    for (const c of cleanup.reverse()) await c().catch(() => {});
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

exitWhenDone(test);
test.run();
