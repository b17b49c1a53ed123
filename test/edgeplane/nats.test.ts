import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'nats';
import { natsAdapter } from '../../plugins/edgeplane/nats.ts';
import type { IngressSink } from '../../kernel/index.ts';
import {
  Pump,
  RecordingSink,
  writeFromTwice,
  freePort,
  producerSink,
  requireEnv,
  until,
  exitWhenDone,
} from './helpers.ts';

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

test('ingress pushes each burst as spans, in order, through a sink that makes it wait', async () => {
  const { sink, events, spanCalls } = producerSink(64);
  const ing = natsAdapter.ingress!({ url: NATS, subject: subject('spans') }, {});
  await ing.start(sink);
  const nc = await connect({ servers: NATS });
  const n = 5000;
  for (let i = 0; i < n; i++) nc.publish(subject('spans'), Buffer.from(i === 10 ? 'x'.repeat(100) : `s${i}`));
  await nc.flush();
  await until(() => events.length === n, 10_000, `${n} messages`);
  assert.equal(
    events,
    Array.from({ length: n }, (_, i) => (i === 10 ? { refused: 100 } : `s${i}`)),
  );
  assert.ok(spanCalls() > 0 && spanCalls() < n / 4, `bursts, not messages, go in (${spanCalls()} pushSpans calls)`);
  await until(() => ing.health().message_count === n, 5_000, 'all counted');
  assert.is(ing.health().lag?.value, 0);
  await nc.close();
  await ing.close();
});

test(
  'a full ring: messages queue up to max_pending_bytes, ' + 'the rest are dropped and counted, none silently',
  async () => {
    const got: string[] = [];
    let release: (() => void) | null = null;
    let blocked = true;
    const sink: IngressSink = {
      push(r) {
        got.push(Buffer.from(r).toString());
      },
      pushSpans(bytes, spans, count) {
        const take = () => {
          for (let i = 0; i < count; i++)
            got.push(Buffer.from(bytes.subarray(spans[2 * i]!, spans[2 * i + 1]!)).toString());
        };
        if (!blocked) return take();
        return new Promise<void>((r) => {
          release = () => {
            take();
            r();
          };
        });
      },
      end() {},
    };
    const ing = natsAdapter.ingress!({ url: NATS, subject: subject('full'), max_pending_bytes: '65536' }, {});
    await ing.start(sink);
    const nc = await connect({ servers: NATS });
    const n = 400;
    const body = (i: number) => `${String(i).padStart(4, '0')}${'.'.repeat(996)}`; // 1000 bytes
    for (let i = 0; i < n; i++) nc.publish(subject('full'), Buffer.from(body(i)));
    await nc.flush();
    await until(() => release !== null, 5_000, 'a push that waits');
    // the client has every message by now (one round trip later): the queue filled and the rest were dropped
    await nc.flush();
    await new Promise((r) => setTimeout(r, 100));
    assert.ok((ing.health().lag?.value ?? 0) > 0, 'messages wait for the ring');
    blocked = false;
    release!();
    await until(() => ing.health().recent_failures.some((f) => /dropped/.test(f.message)), 5_000, 'the drop report');
    const report = ing.health().recent_failures.find((f) => /dropped/.test(f.message))!.message;
    assert.match(report, /max_pending_bytes/);
    const dropped = Number(/(\d+) dropped in all/.exec(report)![1]);
    assert.ok(dropped > 0 && dropped < n, `some dropped (${dropped})`);
    await until(() => got.length + dropped === n, 5_000, 'every message delivered or counted');
    // the first messages are kept, in order; the later ones are the dropped ones
    assert.equal(
      got,
      Array.from({ length: n - dropped }, (_, i) => body(i)),
    );
    assert.is(ing.health().message_count, n - dropped);
    await nc.close();
    await ing.close();
  },
);

test('egress writeFrom publishes every record of the view once, in order; the slots may be reused after', async () => {
  const nc = await connect({ servers: NATS });
  const got: string[] = [];
  nc.subscribe(subject('view'), { callback: (_e, m) => got.push(Buffer.from(m.data).toString()) });
  await nc.flush();
  const eg = natsAdapter.egress!({ url: NATS, subject: subject('view') }, {});
  await eg.start();
  const sent = await writeFromTwice(eg, 300);
  await until(() => got.length === 303, 5_000, '303 messages');
  assert.equal(got, sent);
  assert.is(eg.health().message_count, 303);
  await eg.close();
  await nc.close();
});

exitWhenDone(test);
test.run();
