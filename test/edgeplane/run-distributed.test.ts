import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { IDENTITY_SPEC, exampleConfig, startCli } from './cli.ts';
import { exitWhenDone, requireEnv } from './helpers.ts';

const NATS = requireEnv('BYTEOR_TEST_NATS_URL', 'nats-server');
const REDIS = requireEnv('BYTEOR_TEST_REDIS_URL', 'redis-server');
const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-dist-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test(
  'two runtimes in two processes joined through JetStream (the example configs): Redis -> A -> JetStream -> B -> ' +
    'Redis',
  async () => {
    const sfx = `_${process.pid}`;
    const urls = { 'redis://127.0.0.1:6379': REDIS, 'nats://127.0.0.1:4222': NATS };
    const n = 400;
    const a = exampleConfig('redis-to-jetstream.conf', dir, urls, sfx);
    const b = exampleConfig('jetstream-to-redis.conf', dir, urls, sfx);
    const redis = new Redis(REDIS);
    try {
      // runtime B first: its durable consumer waits for what A will publish (the stream is A's to create)
      const nc = await connect({ servers: NATS });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: `ORDERS_OUT${sfx}`, subjects: [`orders.out${sfx}`] });
      const runB = startCli([
        'run',
        '--sp',
        '--plugin=edgeplane',
        `--spec=${IDENTITY_SPEC}`,
        `--config=${b}`,
        `--adapter-max-messages=${n}`,
        '--json',
      ]);
      const runA = startCli([
        'run',
        '--sp',
        '--plugin=edgeplane',
        `--spec=${IDENTITY_SPEC}`,
        `--config=${a}`,
        `--adapter-max-messages=${n}`,
        '--json',
      ]);
      const p = redis.pipeline();
      for (let i = 0; i < n; i++) p.xadd(`orders${sfx}`, '*', 'data', `order-${i}`);
      await p.exec();
      const [ra, rb] = await Promise.all([runA.done, runB.done]);
      assert.is(ra.code, 0, `runtime A: ${ra.stderr}`);
      assert.is(rb.code, 0, `runtime B: ${rb.stderr}`);
      assert.is(JSON.parse(ra.stdout).records_out, n);
      assert.is(JSON.parse(rb.stdout).records_out, n);

      const out = await redis.xrange(`orders.copy${sfx}`, '-', '+');
      assert.equal(
        out.map(([, f]) => f[1]),
        Array.from({ length: n }, (_, i) => `order-${i}`),
        'every record, in order, exactly once',
      );
      const pendingA = (await redis.xpending(`orders${sfx}`, `byteor${sfx}`)) as [number];
      assert.is(Number(pendingA[0]), 0, 'A acknowledged every Redis entry');
      const ci = await jsm.consumers.info(`ORDERS_OUT${sfx}`, `to-redis${sfx}`);
      assert.equal([ci.num_pending, ci.num_ack_pending], [0, 0], 'B acknowledged every JetStream message');
      await nc.close();
    } finally {
      redis.disconnect();
    }
  },
);

exitWhenDone(test);
test.run();
