// The egress fast path (EgressAdapter.writeFrom): records read in place from the ring slots in
// ingress order across shards, dropped ones not shown, the slots held until the write resolved,
// acks only after it; an adapter without writeFrom still gets copies through write.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coreKernel, singleRing, start, CheckingEgress, RecordStream } from './harness.ts';
import type { AdapterHealth, EgressAdapter, EgressView, IngressAdapter } from '../../kernel/index.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Collects the records of each view; optionally waits before resolving and re-reads the bytes then. */
class ViewEgress implements EgressAdapter {
  records: string[] = [];
  views = 0;
  changedWhileHeld = 0;
  badBytes = 0;
  constructor(private readonly holdMs = 0) {}
  async start() {}
  async close() {}
  async write(): Promise<void> {
    throw new Error('write must not be called when writeFrom exists');
  }
  async writeFrom(view: EgressView): Promise<void> {
    this.views++;
    const got: string[] = [];
    let bytes = 0;
    for (let i = 0; i < view.count; i++) {
      got.push(dec.decode(view.memory.subarray(view.offset(i), view.offset(i) + view.length(i))));
      bytes += view.length(i);
    }
    if (bytes !== view.bytes) this.badBytes++;
    if (this.holdMs) {
      await new Promise((r) => setTimeout(r, this.holdMs));
      for (let i = 0; i < view.count; i++) {
        if (dec.decode(view.memory.subarray(view.offset(i), view.offset(i) + view.length(i))) !== got[i])
          this.changedWhileHeld++;
      }
    }
    this.records.push(...got);
  }
  health(): AdapterHealth {
    return {
      transport: 'test',
      connection_state: 'connected',
      message_count: this.records.length,
      lag: null,
      recent_failures: [],
    };
  }
}

test(
  'writeFrom gets every record in ingress order across shards, dropped ones left out; the bytes stay put until it ' +
    'resolves',
  async () => {
    const kernel = await coreKernel();
    const spec = singleRing(
      [
        { key: 'drop_if:k1,skip', depends_on: [] },
        { key: 'upper', depends_on: [0] },
      ],
      { shards: 2, ordering: 'per_key', shard_key: 'delimited:,:0', capacity: 16 },
    );
    const egress = new ViewEgress(2);
    const run = await start(kernel, spec, egress);
    const texts = Array.from({ length: 3000 }, (_, i) => (i % 9 === 4 ? 'k1,skip' : `k${i % 4},${i},abc`));
    for (const t of texts) {
      const p = run.sink.push(enc.encode(t));
      if (p) await p;
    }
    run.sink.end();
    const s = await run.done;
    assert.ok(s.ok, JSON.stringify(s.error));
    assert.equal(
      egress.records,
      texts.filter((t) => t !== 'k1,skip').map((t) => t.toUpperCase()),
    );
    assert.is(s.dropped, texts.filter((t) => t === 'k1,skip').length);
    assert.is(egress.badBytes, 0, 'view.bytes is the sum of the lengths');
    assert.is(egress.changedWhileHeld, 0, 'no slot was reused before writeFrom resolved');
    assert.ok(egress.views > 1);
  },
);

test('acks follow the write: a token is acknowledged only after writeFrom resolved for its record', async () => {
  const kernel = await coreKernel();
  const spec = singleRing([{ key: 'identity', depends_on: [] }], { capacity: 32 });
  const egress = new ViewEgress(1);
  const acked: number[] = [];
  let early = 0;
  const ingress: IngressAdapter = {
    async start() {},
    async close() {},
    ack(tokens) {
      for (const t of tokens as number[]) {
        if (egress.records.length <= t) early++;
        acked.push(t);
      }
    },
    health: () => ({
      transport: 'test',
      connection_state: 'connected',
      message_count: 0,
      lag: null,
      recent_failures: [],
    }),
  };
  const run = await start(kernel, spec, egress, { ingress });
  for (let i = 0; i < 500; i++) {
    const p = run.sink.push(enc.encode(`r${i}`), i);
    if (p) await p;
  }
  run.sink.end();
  const s = await run.done;
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.equal(
    acked,
    Array.from({ length: 500 }, (_, i) => i),
    'every token, in order',
  );
  assert.is(early, 0, 'no token before its record was written');
});

test('an adapter without writeFrom still gets copies it may keep', async () => {
  const kernel = await coreKernel();
  const spec = singleRing([{ key: 'identity', depends_on: [] }], { capacity: 8 });
  const kept: Uint8Array[] = [];
  const run = await start(kernel, spec, new CheckingEgress((r) => kept.push(r)));
  const stream = new RecordStream(9);
  const want: string[] = [];
  for (let i = 0; i < 400; i++) {
    const n = stream.fill(i);
    want.push(dec.decode(stream.buf.subarray(0, n)));
    const p = run.sink.push(stream.buf.subarray(0, n));
    if (p) await p;
  }
  run.sink.end();
  const s = await run.done;
  assert.ok(s.ok, JSON.stringify(s.error));
  assert.equal(
    kept.map((r) => dec.decode(r)),
    want,
    'the kept arrays were not overwritten when their slots were reused',
  );
});

test.run();
