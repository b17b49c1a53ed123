/**
 * bench/components/single_ring.ts — the first SingleRing benchmark (not a test; nothing here is asserted).
 *
 *   node --no-liftoff --conditions=source --import tsx bench/components/single_ring.ts [--quick]
 *     [--only=wasm,js,ringbuf,port] [--batches=1,16,256] [--waits=spin,backoff] [--capacity=4096]
 *     [--no-read] [--split] [--rounds=N --round-scale=F] [--same-threads]
 *
 * 1 producer → 1 stage, each on its own worker thread, 64-byte payloads, batch sizes 1/16/256,
 * wait strategies spin and backoff, over four transports in the same run. The producer moves
 * records that are already in a source buffer (single-ring/source.ts, as an I/O read leaves
 * them) into the transport, each the way its transport does best:
 *   wasm     the WASM core ring: one core call per batch claims, copies (assembly/copy.ts) and
 *            publishes (ringWriteSpans); the stage is a JS handler over the executor's RecordBatch
 *   js       the same ring algorithm in plain JS (Int32Array + Atomics over a SharedArrayBuffer):
 *            claim, a copy of each record's 8 words, publish
 *   ringbuf  ringbuf.js 0.4 (SPSC on a SharedArrayBuffer): push of the batch from the source
 *   port     MessagePort.postMessage of a copy of the batch (no wait strategy)
 * Throughput is records / (consumer's last release − producer's first claim), median and best of
 * the repetitions (interleaved across transports so that load from elsewhere hits them alike). Latency is the
 * producer-measured round trip of one batch (publish → the stage released it), recorded in an HDR histogram: p50 / p99
 * / p99.9. Writes .bench-out/single_ring.json.
 * Two busy threads on two cores: run it on an otherwise idle machine.
 *
 * --only, --batches and --waits measure a subset (the ratios are given where both sides ran);
 * --capacity sets the ring's slots (a power of two; 4096 x 72-byte slots = 295 KB, which fits a
 * core's L2 on the machines measured so far, so each lap the producer writes lines the consumer
 * still holds). Two diagnostics:
 *   --no-read  the wasm and js consumers release each batch without reading its records, which
 *              measures the producer and the ring's protocol alone (ringbuf and port still pop)
 *   --split    the wasm and js producers report ns per record inside their write of a batch, the
 *              consumers inside their reads (two clock reads per batch, so not for batch-1 figures):
 *              which side of the ring is the limit
 * and a way to measure on a VM whose speed swings (a 2-vCPU VM was seen going from 90-100 M to
 * 10-18 M records/s for every contender at once, for tens of seconds): `--rounds=N` repetitions
 * (default 3, or BENCH_REPS) of `--round-scale=F` times the default records each (default 1), still
 * interleaved across the contenders, so that e.g. `--rounds=15 --round-scale=0.05` gives 15 short
 * alternating rounds whose medians see the swings alike (docs/performance.md, sixth pass). With
 * `--same-threads` the wasm, js and ringbuf contenders of one wait strategy take turns on one pair
 * of worker threads instead of a pair each (which two cores of the host a pair's threads land on
 * was seen to set a contender's speed for a whole round), and every run prints the median of each
 * round's own wasm / js ratio beside the ratios of the medians (docs/performance.md, seventh pass).
 */
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import { RingBuffer } from 'ringbuf.js';
import { compileCore, createSharedMemory, instantiateCore } from '../../kernel/core/wasm.ts';
import { LayoutAllocator } from '../../kernel/core/layout.ts';
import { RingHandle, DEFAULT_SPIN_NS, type WaitKind } from '../../kernel/core/ring.ts';
import { startModuleWorker } from '../../kernel/exec/module-worker.ts';
import { JsRing, jsRingBytes } from './single-ring/js-ring.ts';
import type { Impl, PairSetup, RunCommand, RunResult } from './single-ring/worker.ts';
import { SOURCE_RECORDS, SOURCE_RECORD_BYTES, fillSource, fillSpans } from './single-ring/source.ts';

const quick = process.argv.includes('--quick');
/** the values of `--name=a,b,c`, or `all` when the flag is not given */
function listFlag<T extends string | number>(name: string, all: readonly T[], parse: (s: string) => T): T[] {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  if (a === undefined) return [...all];
  const v = a
    .slice(name.length + 3)
    .split(',')
    .map(parse);
  const bad = v.filter((x) => !all.includes(x));
  if (v.length === 0 || bad.length > 0)
    throw new Error(`--${name}: ${bad.join(',') || '(empty)'} not in ${all.join(',')}`);
  return v;
}
const READ = !process.argv.includes('--no-read');
/** the number of `--name=N`, or `fallback` when the flag is not given; `what` names the values `ok` takes */
function numberFlag(name: string, fallback: number, ok: (v: number) => boolean, what: string): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  if (a === undefined) return fallback;
  const v = Number(a.slice(name.length + 3));
  if (!ok(v)) throw new Error(`--${name}: ${a.slice(name.length + 3)} is not ${what}`);
  return v;
}
const REPS = numberFlag(
  'rounds',
  Number(process.env.BENCH_REPS ?? (quick ? 1 : 3)),
  (v) => Number.isInteger(v) && v >= 1,
  'a whole number of at least 1',
);
const ROUND_SCALE = numberFlag('round-scale', 1, (v) => v > 0 && v <= 1, 'a fraction in (0, 1]');
const SPLIT = process.argv.includes('--split');
const SAME_THREADS = process.argv.includes('--same-threads');
/** --same-threads: the ring transports (not MessagePort, whose pair holds its channel) share one pair per wait */
const sharesThreads = (impl: Impl) => SAME_THREADS && impl !== 'port';
const CAPACITY = numberFlag(
  'capacity',
  4096,
  (v) => Number.isInteger(v) && v >= 256 && v <= 1 << 20 && (v & (v - 1)) === 0,
  'a power of two in 256..1048576',
);
const REC = 64;
const BATCHES = listFlag('batches', [1, 16, 256], Number);
const WAITS = listFlag<WaitKind>('waits', ['spin', 'backoff'], (x) => x as WaitKind);
const IMPLS = listFlag<Impl>('only', ['wasm', 'js', 'ringbuf', 'port'], (x) => x as Impl);
const scale = quick ? 0.1 : 1;
const N: Record<Impl, Record<number, number>> = {
  wasm: { 1: 4e6, 16: 20e6, 256: 40e6 },
  js: { 1: 4e6, 16: 20e6, 256: 40e6 },
  ringbuf: { 1: 2e6, 16: 10e6, 256: 20e6 },
  port: { 1: 3e5, 16: 3e6, 256: 10e6 },
};
const PINGS: Record<number, number> = { 1: 100_000, 16: 30_000, 256: 5_000 };
/**
 * After a pair of workers starts, V8's background compile threads keep a core busy for a few
 * seconds (a worker imports a whole module graph); a third runnable thread on a 2-core machine
 * ruins every spin measurement, so each pair idles this long before it is measured.
 */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? (quick ? 1000 : 4000));
const WORKER = new URL(`./single-ring/worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

const module = compileCore();
const layout = new LayoutAllocator();
const ringBytes = LayoutAllocator.ringBytes(CAPACITY, REC);
const base = layout.carve('bench.ring', ringBytes);
// the wasm producer's source records and their spans table, in the shared memory the core reads
const sourceBase = layout.carve('bench.source', SOURCE_RECORDS * SOURCE_RECORD_BYTES);
const spansBase = layout.carve('bench.source_spans', SOURCE_RECORDS * 8);
const memory = createSharedMemory(layout.totalBytes);
const core = instantiateCore(module, memory);
fillSource(new Float64Array(memory.buffer), sourceBase / 8);
fillSpans(new Uint32Array(memory.buffer), spansBase / 4);

interface Pair {
  producer: Worker;
  consumer: Worker;
  impl: Impl;
  wait: WaitKind;
}

function once(w: Worker): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const onErr = (e: Error) => {
      w.off('message', onMsg);
      reject(e);
    };
    const onMsg = (m: RunResult) => {
      w.off('error', onErr);
      resolve(m);
    };
    w.once('message', onMsg);
    w.once('error', onErr);
  });
}

function startPair(impl: Impl, wait: WaitKind, shared?: Pair): Pair {
  if (shared) return { impl, wait, producer: shared.producer, consumer: shared.consumer };
  const ch = impl === 'port' ? new MessageChannel() : null;
  const mk = (role: 'producer' | 'consumer', port?: MessagePort) => {
    const data: PairSetup = {
      impl,
      role,
      wait,
      spinNs: DEFAULT_SPIN_NS,
      ...(impl === 'wasm' || sharesThreads(impl) ? { module, memory } : {}),
      ...(port ? { port } : {}),
    };
    return startModuleWorker(WORKER, { workerData: data, transferList: port ? [port] : [] });
  };
  return { impl, wait, producer: mk('producer', ch?.port1), consumer: mk('consumer', ch?.port2) };
}

function freshTransport(impl: Impl, wait: WaitKind): Partial<RunCommand> {
  if (impl === 'wasm') {
    new Uint8Array(memory.buffer).fill(0, base, base + ringBytes);
    RingHandle.create(core, memory, base, { capacity: CAPACITY, slotBytes: REC, deps: [[]], egress: false, wait });
    return { base, source: { records: sourceBase, spans: spansBase } };
  }
  if (impl === 'js') {
    const sab = new SharedArrayBuffer(jsRingBytes(CAPACITY, REC));
    JsRing.init(sab);
    return { sab };
  }
  if (impl === 'ringbuf') return { sab: RingBuffer.getStorageForCapacity(CAPACITY * (REC / 8), Float64Array) };
  return {};
}

async function runOnce(
  p: Pair,
  mode: 'throughput' | 'latency',
  batch: number,
  n: number,
): Promise<{ rate: number; rtt?: Float64Array; bad: number; split?: Split }> {
  const cmd: RunCommand = {
    cmd: 'run',
    impl: p.impl,
    mode,
    n,
    batch,
    capacity: CAPACITY,
    read: READ,
    split: SPLIT,
    ...freshTransport(p.impl, p.wait),
  };
  const consumerDone = (async () => {
    const ready = once(p.consumer);
    p.consumer.postMessage(cmd);
    await ready;
    return once(p.consumer);
  })();
  // the consumer is listening before the producer starts
  await new Promise((r) => setTimeout(r, 20));
  const prodP = once(p.producer);
  p.producer.postMessage(cmd);
  const [prod, cons] = await Promise.all([prodP, consumerDone]);
  if (cons.count !== n || cons.bad)
    throw new Error(
      `${p.impl}/${p.wait}/batch ${batch}: consumer saw ${cons.count} records, ${cons.bad} out of order or ` +
        `wrong (expected ${n})`,
    );
  return {
    rate: n / ((cons.t1! - prod.t0!) / 1000),
    ...(prod.rtt ? { rtt: prod.rtt } : {}),
    bad: cons.bad ?? 0,
    ...(prod.workNs !== undefined && cons.workNs !== undefined
      ? { split: { producer_ns: prod.workNs, consumer_ns: cons.workNs } }
      : {}),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function percentiles(rtt: Float64Array) {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 10_000_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const v of rtt) h.recordValue(Math.max(1, Math.round(v)));
  const r = {
    p50_us: h.getValueAtPercentile(50) / 1000,
    p99_us: h.getValueAtPercentile(99) / 1000,
    p999_us: h.getValueAtPercentile(99.9) / 1000,
    max_us: h.maxValue / 1000,
  };
  h.destroy();
  return r;
}

/** --split: ns per record inside the producer's writes and inside the consumer's reads */
interface Split {
  producer_ns: number;
  consumer_ns: number;
}
interface Row {
  impl: Impl;
  wait: WaitKind | '-';
  batch: number;
  /** median and best of the repetitions, M records/s */
  mrecs: number;
  best: number;
  runs: number[];
  latency?: ReturnType<typeof percentiles>;
  /** --split, the medians over the repetitions */
  split?: Split;
}
const rows: Row[] = [];
const log = (s: string) => process.stderr.write(s);

log(
  `single_ring bench: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, capacity ` +
    `${CAPACITY}, ${REC}-byte records, ${REPS} rep(s)${ROUND_SCALE === 1 ? '' : ` of ${ROUND_SCALE}x the records`}\n`,
);
// every pair is started up front and the repetitions are interleaved across transports, so that
// load from elsewhere on a shared machine hits them alike (the ratios are what matter)
const pairs: Pair[] = [];
// --same-threads: the ring transports of one wait strategy share one pair of threads
const sharedPairs = new Map<WaitKind, Pair>();
for (const impl of IMPLS) {
  for (const wait of impl === 'port' ? (['spin'] as WaitKind[]) : WAITS) {
    const p = startPair(impl, wait, sharesThreads(impl) ? sharedPairs.get(wait) : undefined);
    if (sharesThreads(impl) && !sharedPairs.has(wait)) sharedPairs.set(wait, p);
    pairs.push(p);
  }
}
await new Promise((r) => setTimeout(r, SETTLE_MS));
const sizeOf = (impl: Impl, batch: number) =>
  Math.max(batch, Math.round((N[impl][batch]! * scale * ROUND_SCALE) / batch) * batch);
try {
  for (const batch of BATCHES) {
    const runs = new Map<Pair, number[]>(pairs.map((p) => [p, []]));
    const splits = new Map<Pair, Split[]>(pairs.map((p) => [p, []]));
    // warm-up (TurboFan)
    for (const p of pairs) await runOnce(p, 'throughput', batch, Math.min(sizeOf(p.impl, batch), 50_000 * batch));
    for (let r = 0; r < REPS; r++) {
      for (const p of pairs) {
        const got = await runOnce(p, 'throughput', batch, sizeOf(p.impl, batch));
        runs.get(p)!.push(got.rate / 1e6);
        if (got.split) splits.get(p)!.push(got.split);
      }
    }
    for (const p of pairs) {
      const rs = runs.get(p)!;
      const row: Row = {
        impl: p.impl,
        wait: p.impl === 'port' ? '-' : p.wait,
        batch,
        mrecs: median(rs),
        best: Math.max(...rs),
        runs: rs,
      };
      const sp = splits.get(p)!;
      if (sp.length > 0)
        row.split = {
          producer_ns: median(sp.map((x) => x.producer_ns)),
          consumer_ns: median(sp.map((x) => x.consumer_ns)),
        };
      if (p.impl !== 'port') {
        const pings = Math.max(100, Math.round(PINGS[batch]! * scale));
        row.latency = percentiles((await runOnce(p, 'latency', batch, pings * batch)).rtt!);
      }
      rows.push(row);
      const l = row.latency;
      log(
        `  ${p.impl.padEnd(8)} ${String(row.wait).padEnd(8)} batch ${String(batch).padStart(3)}: median ` +
          `${row.mrecs.toFixed(2).padStart(7)}, best ${row.best.toFixed(2).padStart(7)} M rec/s` +
          (l
            ? `   round trip p50 ${l.p50_us.toFixed(2)} µs  p99 ${l.p99_us.toFixed(2)} µs  p99.9 ` +
              `${l.p999_us.toFixed(2)} µs`
            : '') +
          (row.split
            ? `   ns/record: producer ${row.split.producer_ns.toFixed(1)}, consumer ${row.split.consumer_ns.toFixed(1)}`
            : '') +
          '\n',
      );
    }
  }
} finally {
  await Promise.all([...new Set(pairs.flatMap((p) => [p.producer, p.consumer]))].map((w) => w.terminate()));
}

const get = (impl: Impl, wait: WaitKind | '-', batch: number) =>
  rows.find((r) => r.impl === impl && r.wait === (impl === 'port' ? '-' : wait) && r.batch === batch);
type Ratio = {
  wait: WaitKind;
  batch: number;
  wasm_over_js: number;
  wasm_over_ringbuf: number;
  wasm_over_postmessage: number;
};
const ratios: { median: Ratio[]; best: Ratio[] } = { median: [], best: [] };
for (const k of ['median', 'best'] as const) {
  const v = (r: Row | undefined) => (r === undefined ? Number.NaN : k === 'median' ? r.mrecs : r.best);
  for (const wait of WAITS) {
    for (const batch of BATCHES) {
      const w = v(get('wasm', wait, batch));
      ratios[k].push({
        wait,
        batch,
        wasm_over_js: w / v(get('js', wait, batch)),
        wasm_over_ringbuf: w / v(get('ringbuf', wait, batch)),
        wasm_over_postmessage: w / v(get('port', '-', batch)),
      });
    }
  }
}

const out = process.stdout;
out.write(
  `\n| impl | wait | batch | M rec/s median | best | RTT p50 µs | p99 µs | p99.9 µs |${
    SPLIT ? ' producer ns/rec | consumer ns/rec |' : ''
  }\n|---|---|---:|---:|---:|---:|---:|---:|${SPLIT ? '---:|---:|' : ''}\n`,
);
for (const r of rows) {
  const l = r.latency;
  out.write(
    `| ${r.impl} | ${r.wait} | ${r.batch} | ${r.mrecs.toFixed(2)} | ${r.best.toFixed(2)} | ` +
      (l ? `${l.p50_us.toFixed(2)} | ${l.p99_us.toFixed(2)} | ${l.p999_us.toFixed(2)} |` : '– | – | – |') +
      (SPLIT
        ? r.split
          ? ` ${r.split.producer_ns.toFixed(1)} | ${r.split.consumer_ns.toFixed(1)} |`
          : ' – | – |'
        : '') +
      '\n',
  );
}
for (const k of ['median', 'best'] as const) {
  out.write(
    `\n| ratios of the ${k}s | batch | wasm / plain-JS ring | wasm / ringbuf.js | wasm / postMessage |\n` +
      `|---|---:|---:|---:|---:|\n`,
  );
  // a ratio whose other side was not measured (--only) is shown as –
  const x = (v: number, digits: number) => (Number.isFinite(v) ? `${v.toFixed(digits)}x` : '–');
  for (const r of ratios[k]) {
    out.write(
      `| ${r.wait} | ${r.batch} | ${x(r.wasm_over_js, 2)} | ${x(r.wasm_over_ringbuf, 2)} | ` +
        `${x(r.wasm_over_postmessage, 1)} |\n`,
    );
  }
}
// the median over the rounds of each round's own ratio: the rounds' contenders ran a second or less
// apart (with --same-threads, on the very same threads), so this sees the VM's swings least
const roundRatios: { wait: WaitKind; batch: number; wasm_over_js: number }[] = [];
for (const wait of WAITS) {
  for (const batch of BATCHES) {
    const w = get('wasm', wait, batch)?.runs;
    const j = get('js', wait, batch)?.runs;
    if (w && j) roundRatios.push({ wait, batch, wasm_over_js: median(w.map((x, i) => x / j[i]!)) });
  }
}
if (roundRatios.length > 0) {
  out.write(
    `\n| median of the rounds' ratios${SAME_THREADS ? ' (same threads)' : ''} | batch | wasm / plain-JS ring |\n` +
      '|---|---:|---:|\n',
  );
  for (const r of roundRatios) out.write(`| ${r.wait} | ${r.batch} | ${r.wasm_over_js.toFixed(2)}x |\n`);
}
const bestBatched = Math.max(...rows.filter((r) => r.impl === 'wasm' && r.batch > 1).map((r) => r.mrecs));
const spin1 = get('wasm', 'spin', 1)?.latency;
const port1 = get('port', '-', 1);
if (Number.isFinite(bestBatched) && spin1 && port1 && READ)
  out.write(
    `\nagainst the issue's targets (medians): best batched wasm ${bestBatched.toFixed(1)} M rec/s (target >= 30); ` +
      (`wasm batched vs postMessage per message ${(bestBatched / port1.mrecs).toFixed(0)}x (target ` + `>= 50); `) +
      `spin round trip p50 ${spin1.p50_us.toFixed(2)} µs (target <= 0.3)\n`,
  );
mkdirSync('.bench-out', { recursive: true });
writeFileSync(
  '.bench-out/single_ring.json',
  JSON.stringify(
    {
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
      capacity: CAPACITY,
      record_bytes: REC,
      reps: REPS,
      round_scale: ROUND_SCALE,
      quick,
      read: READ,
      split: SPLIT,
      rows,
      ratios,
      round_ratios: roundRatios,
      same_threads: SAME_THREADS,
    },
    null,
    2,
  ) + '\n',
);
