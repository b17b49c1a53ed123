import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, createServer, type Socket } from 'node:net';
import amqp from 'amqplib';
import { rabbitmqStreamsAdapter } from '../../plugins/edgeplane/rabbitmq-streams.ts';
import { RecordingSink, exitWhenDone, requireEnv, until } from './helpers.ts';

const URL_ = requireEnv('BYTEOR_TEST_RABBITMQ_URL', 'rabbitmq-server');
const name = (s: string) => `byteor.test.${process.pid}.${s}`;
const conn = await amqp.connect(URL_);
test.after(async () => {
  await conn.close();
});

async function publish(queue: string, bodies: string[]): Promise<void> {
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'stream' } });
  for (const b of bodies) ch.sendToQueue(queue, Buffer.from(b));
  await ch.waitForConfirms();
  await ch.close();
}

/** every message of the stream, read from the first offset by a plain amqplib consumer */
async function readAll(queue: string, n: number): Promise<string[]> {
  const ch = await conn.createChannel();
  await ch.prefetch(500);
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
  await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
  await ch.close();
  return out;
}

async function storedOffset(queue: string): Promise<string | null> {
  const ch = await conn.createChannel();
  const m = await ch.get(queue, { noAck: false });
  if (m) ch.nack(m, false, true);
  await ch.close();
  return m ? m.content.toString() : null;
}

test(
  'ingress: messages in stream order; the offset is stored ' + 'only through ack(), and a new binding resumes after it',
  async () => {
    const q = name('in');
    await publish(
      q,
      Array.from({ length: 300 }, (_, i) => `m${i}`),
    );
    const settings = { url: URL_, queue: q, consumer: 'c1', batch: '50' };
    const ing = rabbitmqStreamsAdapter.ingress!(settings, {});
    const sink = new RecordingSink();
    await ing.start(sink);
    await sink.until(() => sink.records.length === 300, 10_000, '300 messages');
    assert.equal(
      sink.texts(),
      Array.from({ length: 300 }, (_, i) => `m${i}`),
    );
    const offsets = `${q}.offsets.c1`;
    assert.is(await storedOffset(offsets), null, 'nothing stored before egress');
    await until(() => ing.health().lag?.value === 300, 5_000, 'lag = 300 unacknowledged');
    // acknowledged out of order: only the prefix 0..119 counts
    await ing.ack!(sink.tokens.slice(100, 120));
    assert.is(await storedOffset(offsets), null, 'a gap before it: nothing stored');
    await ing.ack!(sink.tokens.slice(0, 100));
    assert.is(await storedOffset(offsets), 'next=120');
    await ing.close();
    assert.is(ing.health().connection_state, 'closed');
    assert.match(ing.health().recent_failures.at(-1)!.message, /180 records were not acknowledged/);

    const again = rabbitmqStreamsAdapter.ingress!(settings, {});
    const sink2 = new RecordingSink();
    await again.start(sink2);
    await sink2.until(() => sink2.records.length === 180, 10_000, '180 messages after the stored offset');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(
      sink2.texts(),
      Array.from({ length: 180 }, (_, i) => `m${i + 120}`),
    );
    await again.ack!(sink2.tokens);
    assert.is(await storedOffset(offsets), 'next=300');
    await again.close();
  },
);

test('ingress start=next reads only new messages; start=<offset> begins there', async () => {
  const q = name('start');
  await publish(q, ['old0', 'old1', 'old2']);
  const ing = rabbitmqStreamsAdapter.ingress!({ url: URL_, queue: q, consumer: 'n', start: 'next' }, {});
  const sink = new RecordingSink();
  await ing.start(sink);
  await new Promise((r) => setTimeout(r, 300));
  await publish(q, ['new0']);
  await sink.until(() => sink.records.length === 1, 5_000, 'the new message');
  assert.equal(sink.texts(), ['new0']);
  await ing.close();
  const at = rabbitmqStreamsAdapter.ingress!({ url: URL_, queue: q, consumer: 'o', start: '2' }, {});
  const sink2 = new RecordingSink();
  await at.start(sink2);
  await sink2.until(() => sink2.records.length === 2, 5_000, 'from offset 2');
  assert.equal(sink2.texts(), ['old2', 'new0']);
  await at.close();
});

test('egress: every record confirmed by the broker, in order, as is', async () => {
  const q = name('out');
  const eg = rabbitmqStreamsAdapter.egress!({ url: URL_, queue: q }, {});
  await eg.start();
  const recs = Array.from({ length: 500 }, (_, i) => new Uint8Array(Buffer.from(`r${i}`)));
  await eg.write(recs.slice(0, 200));
  await eg.write(recs.slice(200));
  assert.is(eg.health().message_count, 500);
  assert.equal(eg.health().lag, { value: 0, unit: 'records' });
  await eg.close();
  assert.equal(
    await readAll(q, 500),
    recs.map((r) => Buffer.from(r).toString()),
  );
});

test(
  'create=false: a missing stream is BYTEOR_E_EDGEPLANE_CONFIG ' + 'naming the key; credentials are not shown',
  async () => {
    const q = name('missing');
    for (const dir of ['ingress', 'egress'] as const) {
      const b = rabbitmqStreamsAdapter[dir]!({ url: URL_, queue: q, create: 'false' }, {});
      const err = await (dir === 'ingress'
        ? (b as { start(s: RecordingSink): Promise<void> }).start(new RecordingSink())
        : (b as { start(): Promise<void> }).start()
      ).then(
        () => null,
        (e: Error & { code?: string }) => e,
      );
      assert.is(err?.code, 'BYTEOR_E_EDGEPLANE_CONFIG');
      assert.match(
        err!.message,
        new RegExp(`^${dir}\\.queue: stream queue "${q.replace(/\./g, '\\.')}" does not exist`),
      );
      assert.is(b.health().connection_state, 'failed');
      assert.not.match((b as unknown as { endpoint(): string }).endpoint(), /guest:guest/);
    }
  },
);

test(
  'a broker that is not there: BYTEOR_E_EDGEPLANE_TRANSPORT ' + 'within connect_timeout_ms, password removed',
  async () => {
    const ing = rabbitmqStreamsAdapter.ingress!(
      { url: 'amqp://u:s3cret@127.0.0.1:1', queue: 'x', connect_timeout_ms: '300', backoff_ms: '50' },
      {},
    );
    const t0 = Date.now();
    const err = await ing.start(new RecordingSink()).then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    assert.is(err?.code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
    assert.ok(Date.now() - t0 < 5_000);
    assert.match(err!.message, /is rabbitmq-server running/);
    assert.not.match(err!.message, /s3cret/);
  },
);

/**
 * A TCP proxy to the broker that, while `dropAcks` is set, drops the broker's basic.ack frames
 * (publisher confirms; class 60, method 80): a broker that takes publishes and never confirms
 * them, as a restarted one recovering its streams can.
 */
async function confirmDroppingProxy(): Promise<{
  url: string;
  state: { dropAcks: boolean; dropped: number };
  close(): void;
}> {
  const target = new URL(URL_);
  const state = { dropAcks: true, dropped: 0 };
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const up = connect(Number(target.port || 5672), target.hostname);
    sockets.push(client, up);
    client.pipe(up);
    let buf = Buffer.alloc(0);
    up.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      // frames: type u8, channel u16, size u32, payload, 0xCE
      while (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(3)) {
        const end = 8 + buf.readUInt32BE(3);
        const ack = buf[0] === 1 && buf.readUInt16BE(7) === 60 && buf.readUInt16BE(9) === 80;
        if (ack && state.dropAcks) state.dropped++;
        else client.write(buf.subarray(0, end));
        buf = buf.subarray(end);
      }
    });
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const url = `${target.protocol}//${target.username}:${target.password}@127.0.0.1:${port}${target.pathname}`;
  return {
    url,
    state,
    close() {
      for (const k of sockets) k.destroy();
      server.close();
    },
  };
}

test('egress: publishes the broker takes but never confirms are published again after confirm_timeout_ms', async () => {
  const q = name('unconfirmed');
  await publish(q, []);
  const proxy = await confirmDroppingProxy();
  const eg = rabbitmqStreamsAdapter.egress!(
    { url: proxy.url, queue: q, confirm_timeout_ms: '300', write_timeout_ms: '4000', backoff_ms: '50' },
    {},
  ) as { start(): Promise<void>; write(r: Uint8Array[]): Promise<void>; close(): Promise<void> };
  try {
    await eg.start();
    const recs = Array.from({ length: 20 }, (_, i) => new TextEncoder().encode(`u${i}`));
    // the confirms of the first attempts are lost; after a second the broker's confirms pass again
    const t0 = Date.now();
    setTimeout(() => {
      proxy.state.dropAcks = false;
    }, 1_000);
    await eg.write(recs);
    assert.ok(proxy.state.dropped > 0, 'confirms were dropped');
    assert.ok(Date.now() - t0 < 3_500, 'written well before write_timeout_ms');
    // at-least-once: every record stored, the first copies in order
    const got = await readAll(q, 20);
    const firsts = got.filter((b, i) => got.indexOf(b) === i);
    assert.equal(
      firsts,
      recs.map((r) => new TextDecoder().decode(r)),
    );
  } finally {
    await eg.close().catch(() => {});
    proxy.close();
  }
});

exitWhenDone(test);
test.run();
