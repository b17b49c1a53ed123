import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { IDENTITY_SPEC, exampleConfig, startCli } from './cli.ts';
import { exitWhenDone, requireEnv, until } from './helpers.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const RABBIT = requireEnv('BYTEOR_TEST_RABBITMQ_URL', 'rabbitmq-server');
const S3 = requireEnv('BYTEOR_TEST_S3_URL', 's3rver (npm ci installs it)');
const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-rmq-s3-'));
const conn = await amqp.connect(RABBIT);
const s3 = new S3Client({
  endpoint: S3,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
test.after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await conn.close();
  s3.destroy();
});

const sfx = `${process.pid}`;
const bucket = `byteor-run-${sfx}`;
const N = 500;
const bodies = Array.from({ length: N }, (_, i) => `order-${i}`);
const urls = { 'amqp://guest:guest@127.0.0.1:5672': RABBIT, 'http://127.0.0.1:9000': S3, '/var/tmp/': `${dir}/` };

async function streamMessages(queue: string, n: number): Promise<string[]> {
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
  await until(() => out.length >= n, 10_000, `${n} messages in ${queue}`);
  await new Promise((r) => setTimeout(r, 300));
  await ch.close();
  return out;
}

async function objects(prefix: string): Promise<{ key: string; text: string }[]> {
  const l = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return Promise.all(
    (l.Contents ?? []).map(async (o) => ({
      key: o.Key!,
      text: await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString(),
    })),
  );
}

test(
  'run rabbitmq_streams -> s3 (example config): every message in the objects, in order; the offset stored in the ' +
    'broker',
  async () => {
    const queue = `orders.${sfx}`;
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'stream' } });
    for (const b of bodies) ch.sendToQueue(queue, Buffer.from(b));
    await ch.waitForConfirms();
    await ch.close();
    const cfg = exampleConfig('rabbitmq-to-s3.conf', dir, urls, '', {
      'ingress.queue': queue,
      'egress.bucket': bucket,
      'egress.max_object_bytes': '2000',
    });
    const r = await startCli([
      'run',
      '--sp',
      '--plugin=edgeplane',
      `--spec=${IDENTITY_SPEC}`,
      `--config=${cfg}`,
      `--adapter-max-messages=${N}`,
      '--json',
    ]).done;
    assert.is(r.code, 0, r.stderr);
    assert.is(JSON.parse(r.stdout).records_out, N);
    assert.not.match(r.stderr, /Warning/, 'no SDK warnings on stderr');
    const objs = await objects('orders/');
    assert.ok(objs.length > 1, `batched into several objects by size (got ${objs.length})`);
    assert.ok(
      objs.every((o, i) => o.key === `orders/${String(i).padStart(20, '0')}.txt`),
      objs.map((o) => o.key).join(' '),
    );
    assert.is(objs.map((o) => o.text).join(''), bodies.map((b) => `${b}\n`).join(''));
    assert.equal(readdirSync(join(dir, 'byteor-s3-spool/orders')), ['next-seq'], 'the spool was uploaded and emptied');
    const peek = await conn.createChannel();
    const m = await peek.get(`${queue}.offsets.to-s3`, { noAck: false });
    assert.ok(m);
    assert.is((m as { content: Buffer }).content.toString(), `next=${N}`);
    peek.nack(m as never, false, true);
    await peek.close();
  },
);

test(
  'run s3 -> rabbitmq_streams (example config): every line of every object in the stream, in order; a second run ' +
    'reads nothing again',
  async () => {
    const out = `orders.copy.${sfx}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => {}); // made by the first test
    const cfg = exampleConfig('s3-to-rabbitmq.conf', dir, urls, '', { 'ingress.bucket': bucket, 'egress.queue': out });
    const r = await startCli([
      'run',
      '--sp',
      '--plugin=edgeplane',
      `--spec=${IDENTITY_SPEC}`,
      `--config=${cfg}`,
      '--json',
    ]).done;
    assert.is(r.code, 0, r.stderr);
    assert.is(JSON.parse(r.stdout).records_out, N);
    assert.equal(await streamMessages(out, N), bodies);
    const ck = JSON.parse(readFileSync(join(dir, 'byteor-s3-orders.checkpoint'), 'utf8')) as {
      key: string;
      offset: number;
    };
    const objs = await objects('orders/');
    assert.equal(ck, { key: objs.at(-1)!.key, offset: Buffer.byteLength(objs.at(-1)!.text) });
    const again = await startCli([
      'run',
      '--sp',
      '--plugin=edgeplane',
      `--spec=${IDENTITY_SPEC}`,
      `--config=${cfg}`,
      '--json',
    ]).done;
    assert.is(again.code, 0, again.stderr);
    assert.is(JSON.parse(again.stdout).records_out, 0);
    assert.is((await streamMessages(out, N)).length, N, 'nothing published twice');
  },
);

exitWhenDone(test);
test.run();
