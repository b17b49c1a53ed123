import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { RabbitmqBroker, hasRabbitmq } from '../../scripts/rabbitmq-server.mjs';
import { runCli, startCli } from './cli.ts';
import { exitWhenDone, freePort, until } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-rmq-restart-'));
let broker: RabbitmqBroker | null = null;
test.after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** messages in a stream, read from its first offset (duplicates kept) */
async function streamBodies(url: string, queue: string, atLeast: number): Promise<string[]> {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  await ch.prefetch(1000);
  const out: string[] = [];
  await ch.consume(
    queue,
    (m) => {
      if (m) {
        out.push(m.content.toString());
        ch.ack(m);
      }
    },
    { arguments: { 'x-stream-offset': 'first' } },
  );
  await until(() => out.length >= atLeast, 20_000, `${atLeast} messages in ${queue}`);
  await new Promise((r) => setTimeout(r, 300));
  await conn.close();
  return out;
}

async function storedOffset(url: string, queue: string): Promise<number> {
  const conn = await amqp.connect(url);
  conn.on('error', () => {
    /* a missing queue closes the channel: reported by the rejected get */
  });
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    const m = await ch.get(queue, { noAck: false });
    if (!m) return -1;
    ch.nack(m, false, true);
    return Number(/next=(\d+)/.exec(m.content.toString())![1]);
  } finally {
    await conn.close().catch(() => {});
  }
}

test(
  'a live run (rabbitmq_streams -> rabbitmq_streams) survives kill -9 of rabbitmq-server: every message reaches ' +
    'the output stream, the stored offset reaches the end',
  async () => {
    assert.ok(hasRabbitmq(), 'rabbitmq-server is installed (apt-get install rabbitmq-server)');
    broker = new RabbitmqBroker(join(dir, 'broker'), {
      amqpPort: await freePort(),
      distPort: await freePort(),
      epmdPort: await freePort(),
      name: `byteor-restart-${process.pid}`,
    });
    await broker.start();
    const URL_ = broker.url;
    const n = 1500;
    {
      const conn = await amqp.connect(URL_);
      const ch = await conn.createConfirmChannel();
      await ch.assertQueue('in', { durable: true, arguments: { 'x-queue-type': 'stream' } });
      for (let i = 0; i < n; i++) ch.sendToQueue('in', Buffer.from(`r${i}`));
      await ch.waitForConfirms();
      await conn.close();
    }
    const spec = join(dir, 'slow.kv');
    // a slow stage keeps the run going long enough to restart the broker under it
    writeFileSync(
      spec,
      [
        'spec.version=1',
        'spec.model=single_ring',
        'spec.name=slow',
        'single_ring.capacity=64',
        'single_ring.slot_bytes=256',
        'single_ring.wait=backoff',
        'single_ring.stages.0.key=sleep_us:10000',
        '',
      ].join('\n'),
    );
    const cfg = join(dir, 'restart.conf');
    writeFileSync(
      cfg,
      [
        'ingress.kind=rabbitmq_streams',
        `ingress.url=${URL_}`,
        'ingress.queue=in',
        'ingress.consumer=c',
        'ingress.batch=16',
        'ingress.backoff_ms=100',
        'ingress.backoff_max_ms=500',
        'ingress.heartbeat_s=2',
        'egress.kind=rabbitmq_streams',
        `egress.url=${URL_}`,
        'egress.queue=out',
        'egress.backoff_ms=100',
        'egress.backoff_max_ms=500',
        'egress.write_timeout_ms=60000',
        'egress.heartbeat_s=2',
        '',
      ].join('\n'),
    );
    const rt = startCli([
      'run',
      '--plugin=edgeplane',
      `--spec=${spec}`,
      `--config=${cfg}`,
      `--run-dir=${join(dir, 'run')}`,
    ]);
    const offsets = 'in.offsets.c';
    try {
      await until(
        async () => (await storedOffset(URL_, offsets).catch(() => -1)) >= 200,
        60_000,
        'offset 200 stored before the restart',
      );
      await broker.kill();
      await new Promise((r) => setTimeout(r, 300));
      await broker.start();
      // a restarted broker may answer before it has recovered its durable queues: read again until it has
      let after = -1;
      await until(
        async () => (after = await storedOffset(URL_, offsets).catch(() => -1)) >= 0,
        60_000,
        'the offsets queue back after the restart',
      );
      assert.ok(after < n, `the run was still going when the broker died (offset ${after})`);
      let last = -1;
      try {
        await until(
          async () => (last = await storedOffset(URL_, offsets).catch(() => -1)) === n,
          90_000,
          `offset ${n} stored: every message acknowledged`,
        );
      } catch (e) {
        // say where it stood: the stored offset and the runtime's own view (records, adapters' health)
        const snap = await runCli(['snapshot', `--run-dir=${join(dir, 'run')}`, '--json'], 20_000);
        throw new Error(`${(e as Error).message}; last stored offset ${last}; snapshot: ${snap.stdout.slice(0, 3000)}`);
      }
    } finally {
      rt.child.kill('SIGTERM');
    }
    const end = await rt.done;
    assert.is(end.code, 0, end.stderr);
    const got = await streamBodies(URL_, 'out', n);
    const seen = new Set(got);
    for (let i = 0; i < n; i++) assert.ok(seen.has(`r${i}`), `r${i} reached the output stream`);
    // at-least-once: duplicates only around the restart, each record's first copy in order
    const firsts = got.filter((b, i) => got.indexOf(b) === i);
    assert.equal(
      firsts,
      Array.from({ length: n }, (_, i) => `r${i}`),
    );
  },
);

exitWhenDone(test);
test.run();
