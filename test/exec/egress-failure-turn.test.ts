// When the egress fails while the producer waits for room (the ring is full and the reader's
// `run` is parked in an async wait), the producer's wait must let the event loop turn: the
// executor hears of the failure only there (run's wake is a task). Found in CI: `run --sp` to
// /dev/full spun the main thread in microtasks forever (a hung test, SIGTERM unheard). Here the
// stage is played on this thread (cell 0), the reader and the producer are the real ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCore, createSharedMemory, instantiateCore } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { HALT_ABORTED, RingHandle } from '../../kernel/core/ring.ts';
import { RingProducer } from '../../kernel/exec/producer.ts';
import { RouteLog } from '../../kernel/exec/route-log.ts';
import { ShardRouter } from '../../kernel/exec/shard-router.ts';
import { IngressStaging } from '../../kernel/exec/ingress-staging.ts';
import { IngressReadBuffers } from '../../kernel/exec/ingress-read-buffers.ts';
import { EgressReader } from '../../kernel/exec/egress-reader.ts';
import type { EgressAdapter } from '../../kernel/index.ts';

const CAPACITY = 8;

function setup(writeFrom: EgressAdapter['writeFrom']) {
  const layout = new LayoutAllocator();
  const base = layout.carve('ring.0', LayoutAllocator.ringBytes(CAPACITY, 64));
  const sbase = layout.carve('staging', IngressStaging.bytes);
  const rbase = layout.carve('read_buffers', IngressReadBuffers.bytes);
  const memory = createSharedMemory(layout.totalBytes);
  const core = instantiateCore(compileCore(), memory);
  const ring = RingHandle.create(core, memory, base, {
    capacity: CAPACITY,
    slotBytes: 64,
    deps: [[]],
    egress: true,
    wait: 'backoff',
  });
  const log = new RouteLog(CAPACITY);
  const events = { batch() {}, refused() {}, ended() {}, failed() {} };
  const producer = new RingProducer(
    [ring],
    new ShardRouter(1, { kind: 'prefix', bytes: 2 }),
    log,
    events,
    null,
    1,
    new IngressStaging(memory, sbase),
    new IngressReadBuffers(memory, rbase),
  );
  const adapter: EgressAdapter = {
    start: async () => {},
    write: async () => {},
    writeFrom,
    close: async () => {},
    health: () => ({ connection_state: 'connected', message_count: 0 }) as ReturnType<EgressAdapter['health']>,
  };
  const reader = new EgressReader([ring], log, producer, adapter, null);
  producer.attachEgress(reader);
  // a wait that never lets the event loop turn is a livelock: count progress() calls per turn
  let callsThisTurn = 0;
  let turnScheduled = false;
  const progress = reader.progress.bind(reader);
  reader.progress = () => {
    if (!turnScheduled) {
      turnScheduled = true;
      setImmediate(() => {
        turnScheduled = false;
        callsThisTurn = 0;
      });
    }
    if (++callsThisTurn > 10_000)
      throw new Error('livelock: progress() resolved 10000 times without an event loop turn');
    return progress();
  };
  return { ring, producer, reader };
}

const record = new Uint8Array(16).fill(7);

test('a failed write while the producer waits for room: the event loop turns, the run hears of it', async () => {
  const { ring, producer, reader } = setup(() => Promise.reject(new Error('ENOSPC: no space left on device')));
  const running = reader.run();
  let runError: unknown = null;
  const ran = running.catch((e: unknown) => {
    runError = e;
    ring.abort(0x7fff, -1); // what the executor does when egress.run() rejects
  });
  for (let i = 0; i < CAPACITY; i++) assert.is(producer.push(record), undefined);
  producer.flush();
  // the reader wakes (a task), finds nothing readable (the stage has not passed it) and parks
  await new Promise((r) => setTimeout(r, 20));
  ring.release(0, ring.cursor()); // the stage passes every record: readable now
  const blocked = producer.push(record); // the ring is full: the producer waits for room
  assert.ok(blocked instanceof Promise, 'the ninth record waits for room');
  let pushError: unknown = null;
  await (blocked as Promise<void>).catch((e: unknown) => {
    pushError = e;
  });
  await ran;
  assert.is(pushError, null, String(pushError));
  assert.match(String(runError), /ENOSPC/);
  assert.is(ring.halt(), HALT_ABORTED);
});

test.run();
