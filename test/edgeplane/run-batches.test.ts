// The batch paths of redis_streams, nats and websocket through the real runtime (SingleRingRun with its producer:
// pushSpans, read buffers, writeFrom), with a small ring so that it fills and pushes wait: every record arrives
// once, in order, and Redis entries are all acknowledged after egress.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { WebSocket, WebSocketServer } from 'ws';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { SingleRingRun } from '../../kernel/exec/single-ring-executor.ts';
import type { EgressAdapter, IngressAdapter } from '../../kernel/index.ts';
import { singleRing, runInfo } from '../exec/harness.ts';
import { exitWhenDone, requireEnv, until } from './helpers.ts';

const NATS = requireEnv('BYTEOR_TEST_NATS_URL', 'nats-server');
const REDIS = requireEnv('BYTEOR_TEST_REDIS_URL', 'redis-server');
const N = 5000;
const tag = `${process.pid}`;

async function edgeKernel(): Promise<Kernel> {
  const k = new Kernel();
  await loadPlugins(k, ['core-stages', 'edgeplane']);
  return k;
}

/** ingress -> ring (capacity 128, slots of 64 bytes) -> identity -> egress until `delivered` holds */
async function through(
  ingress: IngressAdapter,
  egress: EgressAdapter,
  produce: () => Promise<void>,
  delivered: () => boolean | Promise<boolean>,
): Promise<void> {
  const kernel = await edgeKernel();
  const spec = singleRing([{ key: 'identity', depends_on: [] }], { capacity: 128, slot_bytes: 64 });
  await egress.start();
  const run = await SingleRingRun.start({ kernel, spec, run: runInfo(spec), egress, ingress });
  await ingress.start(run.sink);
  await produce();
  await until(delivered, 30_000, 'every record delivered');
  await ingress.close();
  run.stop();
  const summary = await run.done;
  await egress.close();
  assert.ok(summary.ok, summary.error?.message);
}

test(
  'redis_streams -> redis_streams: every entry once, ' + 'in order, over-long ones refused; all acknowledged',
  async () => {
    const redis = new Redis(REDIS);
    const src = `byteor:test:${tag}:batches:in`;
    const dst = `byteor:test:${tag}:batches:out`;
    const value = (i: number) => (i % 777 === 5 ? `long${'z'.repeat(80)}` : `r${i}`);
    for (let i = 0; i < N; i += 1000) {
      const p = redis.pipeline();
      for (let j = i; j < i + 1000; j++) p.xadd(src, '*', 'data', value(j));
      await p.exec();
    }
    const expected = Array.from({ length: N }, (_, i) => value(i)).filter((v) => v.length <= 64);
    const kinds = (await edgeKernel()).adapter('redis_streams')!.adapter;
    await through(
      kinds.ingress!({ url: REDIS, stream: src, group: 'g', consumer: 'c', batch: '300', block_ms: '50' }, {}),
      kinds.egress!({ url: REDIS, stream: dst }, {}),
      async () => {},
      async () => (await redis.xlen(dst)) >= expected.length,
    );
    const got = (await redis.xrange(dst, '-', '+')).map(([, f]) => f[1]!);
    assert.equal(got, expected);
    const pending = (await redis.xpending(src, 'g')) as [number];
    assert.is(Number(pending[0]), 0, 'every entry acknowledged (refused ones too)');
    await redis.del(src, dst);
    redis.disconnect();
  },
);

test('nats -> nats: every message once, in order', async () => {
  const nc = await connect({ servers: NATS });
  const got: string[] = [];
  nc.subscribe(`byteor.test.${tag}.batches.out`, { callback: (_e, m) => got.push(Buffer.from(m.data).toString()) });
  await nc.flush();
  const kinds = (await edgeKernel()).adapter('nats')!.adapter;
  await through(
    kinds.ingress!({ url: NATS, subject: `byteor.test.${tag}.batches.in` }, {}),
    kinds.egress!({ url: NATS, subject: `byteor.test.${tag}.batches.out` }, {}),
    async () => {
      for (let i = 0; i < N; i++) {
        nc.publish(`byteor.test.${tag}.batches.in`, Buffer.from(`n${i}`));
        if (i % 1000 === 999) await nc.flush();
      }
      await nc.flush();
    },
    () => got.length >= N,
  );
  assert.equal(
    got,
    Array.from({ length: N }, (_, i) => `n${i}`),
  );
  await nc.close();
});

test('websocket -> websocket: every message once, in order', async () => {
  const sink = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((ok) => sink.once('listening', () => ok()));
  const got: string[] = [];
  sink.on('connection', (ws) => ws.on('message', (d) => got.push(d.toString())));
  const kinds = (await edgeKernel()).adapter('websocket')!.adapter;
  const ing = kinds.ingress!({ mode: 'server', port: '0' }, {});
  let client: WebSocket | null = null;
  await through(
    ing,
    kinds.egress!({ url: `ws://127.0.0.1:${(sink.address() as AddressInfo).port}/` }, {}),
    async () => {
      client = new WebSocket(`ws://127.0.0.1:${(ing as unknown as { port: number }).port}/`);
      await new Promise((ok) => client!.once('open', ok));
      for (let i = 0; i < N; i++) client.send(Buffer.from(`w${i}`));
    },
    () => got.length >= N,
  );
  assert.equal(
    got,
    Array.from({ length: N }, (_, i) => `w${i}`),
  );
  client!.terminate();
  for (const c of sink.clients) c.terminate();
  await new Promise<void>((ok) => sink.close(() => ok()));
});

exitWhenDone(test);
test.run();
