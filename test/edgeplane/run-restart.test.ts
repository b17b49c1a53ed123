import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { AckPolicy, connect, type NatsConnection } from 'nats';
import { startCli } from './cli.ts';
import { OwnServer, exitWhenDone, freePort, until } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-restart-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function streamBodies(nc: NatsConnection, stream: string): Promise<string[]> {
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add(stream, { durable_name: 'check', ack_policy: AckPolicy.None });
  const c = await nc.jetstream().consumers.get(stream, 'check');
  const total = (await jsm.streams.info(stream)).state.messages;
  const out: string[] = [];
  while (out.length < total) {
    const it = await c.fetch({ max_messages: 1000, expires: 1000 });
    for await (const m of it) out.push(Buffer.from(m.data).toString());
  }
  return out;
}

test(
  'a live run (redis_streams -> nats_jetstream) survives kill -9 of redis-server and then of nats-server: no ' +
    'acknowledged record is lost',
  async () => {
    const rport = await freePort();
    const nport = await freePort();
    const ndir = join(dir, 'nats');
    const redisServer = new OwnServer(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(rport),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--appenddirname',
        'aof',
      ],
      rport,
    );
    const natsServer = new OwnServer(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(nport), '-js', '-sd', ndir],
      nport,
    );
    await redisServer.start();
    await natsServer.start();
    const REDIS = `redis://127.0.0.1:${rport}`;
    const NATS = `nats://127.0.0.1:${nport}`;
    const spec = join(dir, 'slow.kv');
    // a slow stage keeps the run going long enough to restart both servers under it
    writeFileSync(
      spec,
      [
        'spec.version=1',
        'spec.model=single_ring',
        'spec.name=slow',
        'single_ring.capacity=64',
        'single_ring.slot_bytes=256',
        'single_ring.wait=backoff',
        'single_ring.stages.0.key=sleep_us:20000',
        '',
      ].join('\n'),
    );
    const cfg = join(dir, 'restart.conf');
    writeFileSync(
      cfg,
      [
        `ingress.kind=redis_streams`,
        `ingress.url=${REDIS}`,
        'ingress.stream=in',
        'ingress.group=g',
        'ingress.consumer=c',
        'ingress.batch=8',
        'ingress.block_ms=200',
        'ingress.backoff_ms=50',
        'ingress.backoff_max_ms=300',
        'egress.kind=nats_jetstream',
        `egress.url=${NATS}`,
        'egress.subject=out',
        'egress.stream=OUT',
        'egress.create=true',
        'egress.backoff_ms=50',
        'egress.backoff_max_ms=300',
        '',
      ].join('\n'),
    );
    const n = 1200;
    const admin = new Redis(REDIS, { maxRetriesPerRequest: null });
    const p = admin.pipeline();
    for (let i = 0; i < n; i++) p.xadd('in', '*', 'data', `r${i}`);
    await p.exec();
    const nc = await connect({ servers: NATS, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const rt = startCli([
      'run',
      '--plugin=edgeplane',
      `--spec=${spec}`,
      `--config=${cfg}`,
      `--run-dir=${join(dir, 'run')}`,
    ]);
    try {
      const jsm = await nc.jetstreamManager();
      const outCount = async () => {
        try {
          return (await jsm.streams.info('OUT')).state.messages;
        } catch {
          return 0;
        }
      };
      await until(async () => (await outCount()) >= 200, 60_000, '200 records out before the redis restart');
      await redisServer.kill();
      await new Promise((r) => setTimeout(r, 300));
      await redisServer.start();
      const afterRedis = await outCount();
      await until(
        async () => (await outCount()) >= afterRedis + 200,
        30_000,
        '200 more records out after the redis restart',
      );
      await natsServer.kill();
      await new Promise((r) => setTimeout(r, 300));
      await natsServer.start();
      // done when the source group has nothing undelivered or unacknowledged: every entry left through egress
      await until(
        async () => {
          try {
            const groups = (await admin.xinfo('GROUPS', 'in')) as unknown[][];
            const g = groups[0]!;
            const field = (k: string) => Number(g[g.indexOf(k) + 1]);
            return field('pending') === 0 && field('lag') === 0;
          } catch {
            return false;
          }
        },
        60_000,
        'every Redis entry acknowledged',
      );
    } finally {
      rt.child.kill('SIGTERM');
    }
    const end = await rt.done;
    assert.is(end.code, 0, end.stderr);
    const bodies = new Set(await streamBodies(nc, 'OUT'));
    for (let i = 0; i < n; i++) assert.ok(bodies.has(`r${i}`), `r${i} reached JetStream`);
    await nc.close();
    admin.disconnect();
    await redisServer.kill();
    await natsServer.kill();
  },
);

exitWhenDone(test);
test.run();
