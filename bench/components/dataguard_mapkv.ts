/**
 * DataGuard benches `dataguard_chain_mapkv` (dataguard_check then dataguard_redact: two stages,
 * two in-place scans per record) and `dataguard_fused_mapkv` (dataguard_fused: one stage, one scan),
 * mapkv payloads of the example registry, the six example rules, base64 framing (`--framing=raw`:
 * the record bytes in the slots, as the suite's dataguard benches carry them).
 *
 *   node --no-liftoff --conditions=source --import tsx bench/components/dataguard_mapkv.ts [--records=N] [--rounds=N]
 *   [--batch=N] [--framing=base64|raw] [--pipeline] [--json]
 *
 * Stage handler cost, in process: the real stage handlers (built by the stage families from run
 * flags, exactly as a stage worker builds them) process batches of real ring slots over a
 * SharedArrayBuffer. Each round restores the slots' input bytes before each batch (a memcpy that
 * is timed on its own and subtracted), then runs the chain's two handlers or the fused handler.
 * Chain and fused alternate, median of the rounds; the speedup is the median of the per-round
 * chain/fused ratios. Allocation per record is measured from the V8
 * new space over a window without a garbage collection.
 *
 * Pipeline (`--pipeline`): the same two specs (examples/dataguard/chain.kv: two stage worker
 * threads; fused.kv: one) through `run --sp` and the SingleRing executor, base64 lines from a file
 * to /dev/null, alternating, median of the rounds; throughput is records_in / elapsed_ms of the
 * run summary (workers already started, input read and output written included). On a 2-core
 * machine the chain's two stage threads and the main thread share two cores.
 *
 * `benchDataguardMapkv()` and `benchDataguardPipeline()` are exported for the suite runner;
 * running the file prints a table and (with --json) the results as JSON.
 */
import v8 from 'node:v8';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../kernel/cli.ts';
import type { RunSummary } from '../../kernel/plugin-api.ts';
import { PerformanceObserver } from 'node:perf_hooks';
import { Unpackr } from 'msgpackr';
import { createDataguardHandler } from '../../plugins/dataguard/stages.ts';
import type { DataguardRole } from '../../plugins/dataguard/spec-rules.ts';
import type { Framing } from '../../plugins/dataguard/framing.ts';
import { sampleRecords, toBase64Lines } from '../../scripts/dataguard-records.ts';
import { SabBatch, testStageContext } from '../../test/dataguard/sab-batch.ts';
import { ALL_RULES, asBase64, EXAMPLE_FLAGS } from '../../test/dataguard/stage-harness.ts';

export interface DataguardBenchResult {
  name: 'dataguard_chain_mapkv' | 'dataguard_fused_mapkv';
  records_per_s: number;
  ns_per_record: number;
  /** V8 heap bytes allocated per record (new space, GC-free window) */
  alloc_bytes_per_record: number;
  rounds: number;
  records: number;
}

const SLOT = 512;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Pipeline {
  batches: SabBatch[];
  pristine: Uint8Array[];
  handlers: Array<{ onBatch(b: SabBatch): unknown }>;
}

function build(roles: DataguardRole[], records: Uint8Array[], batchSize: number, framing: Framing): Pipeline {
  const flags = { ...EXAMPLE_FLAGS, rule: ALL_RULES, framing };
  const batches: SabBatch[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    const b = new SabBatch(batchSize, SLOT);
    b.load(records.slice(i, i + batchSize).map(framing === 'raw' ? (r) => r : asBase64));
    batches.push(b);
  }
  const pristine = batches.map((b) => b.memory.slice());
  const handlers = roles.map(
    (role, i) =>
      createDataguardHandler(role, testStageContext(`dataguard_${role}`, flags, SLOT, i).ctx) as unknown as {
        onBatch(b: SabBatch): unknown;
      },
  );
  return { batches, pristine, handlers };
}

/** One pass over every batch; returns elapsed ms (restore cost included). */
function pass(p: Pipeline, run: boolean): number {
  const t0 = performance.now();
  for (let k = 0; k < p.batches.length; k++) {
    const b = p.batches[k]!;
    b.memory.set(p.pristine[k]!);
    if (run) for (let h = 0; h < p.handlers.length; h++) p.handlers[h]!.onBatch(b);
  }
  return performance.now() - t0;
}

let gcCount = 0;
const gcObserver = new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
});

function newSpaceUsed(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0;
}

/** Bytes allocated per record over GC-free windows of `window` records (median of tries). */
async function allocationPerRecord(p: Pipeline, perPass: number): Promise<number> {
  const samples: number[] = [];
  for (let attempt = 0; attempt < 40 && samples.length < 5; attempt++) {
    await new Promise((r) => setImmediate(r)); // let pending GC entries arrive
    const g0 = gcCount;
    const before = newSpaceUsed();
    const b = p.batches[attempt % p.batches.length]!;
    b.memory.set(p.pristine[attempt % p.batches.length]!);
    for (let h = 0; h < p.handlers.length; h++) p.handlers[h]!.onBatch(b);
    const after = newSpaceUsed();
    await new Promise((r) => setImmediate(r));
    if (gcCount === g0 && after >= before) samples.push((after - before) / b.count);
  }
  void perPass;
  return samples.length ? Math.round(median(samples)) : NaN;
}

export async function benchDataguardMapkv(
  o: { records?: number; rounds?: number; batch?: number; framing?: Framing } = {},
): Promise<{
  results: DataguardBenchResult[];
  decode_ns: number;
  decode_alloc_bytes: number;
  restore_ns: number;
  speedup: number;
}> {
  const n = o.records ?? 20_000;
  const rounds = o.rounds ?? 7;
  const batch = o.batch ?? 256;
  const records = sampleRecords({ mode: 'mapkv', count: n, seed: 1, badEvery: 0 });
  const framing = o.framing ?? 'base64';
  const chain = build(['check', 'redact'], records, batch, framing);
  const fused = build(['fused'], records, batch, framing);
  gcObserver.observe({ entryTypes: ['gc'] });

  // warm up (TurboFan), then alternate
  for (let i = 0; i < 3; i++) {
    pass(chain, true);
    pass(fused, true);
    pass(fused, false);
  }
  const tc: number[] = [],
    tf: number[] = [],
    tr: number[] = [];
  for (let r = 0; r < rounds; r++) {
    tc.push(pass(chain, true));
    tf.push(pass(fused, true));
    tr.push(pass(fused, false));
  }
  const restore = median(tr);
  const chainMs = median(tc) - restore;
  const fusedMs = median(tf) - restore;
  // the ratio per round (chain and fused ran back to back) is steadier than a ratio of medians
  // on a loaded machine
  const speedup = median(tc.map((c, i) => (c - tr[i]!) / (tf[i]! - tr[i]!)));

  // the cost of one msgpackr decode of these records (DataGuard's fallback path, and what every
  // record cost per stage before the in-place scan), for reference
  const u = new Unpackr({ useRecords: false, mapsAsObjects: true });
  const bodies = records.map((r) => Buffer.from(r.subarray(16)));
  for (const b of bodies) u.unpack(b);
  const t0 = performance.now();
  for (const b of bodies) u.unpack(b);
  const decodeNs = ((performance.now() - t0) * 1e6) / n;
  const decodeAlloc: number[] = [];
  for (let attempt = 0; attempt < 40 && decodeAlloc.length < 5; attempt++) {
    await new Promise((r) => setImmediate(r));
    const g0 = gcCount;
    const before = newSpaceUsed();
    for (let k = 0; k < 256; k++) u.unpack(bodies[k]!);
    const after = newSpaceUsed();
    await new Promise((r) => setImmediate(r));
    if (gcCount === g0 && after >= before) decodeAlloc.push((after - before) / 256);
  }

  const allocChain = await allocationPerRecord(chain, n);
  const allocFused = await allocationPerRecord(fused, n);
  gcObserver.disconnect();

  const result = (name: DataguardBenchResult['name'], ms: number, alloc: number): DataguardBenchResult => ({
    name,
    records_per_s: Math.round(n / (ms / 1000)),
    ns_per_record: Math.round((ms * 1e6) / n),
    alloc_bytes_per_record: alloc,
    rounds,
    records: n,
  });
  return {
    results: [
      result('dataguard_chain_mapkv', chainMs, allocChain),
      result('dataguard_fused_mapkv', fusedMs, allocFused),
    ],
    decode_ns: Math.round(decodeNs),
    decode_alloc_bytes: decodeAlloc.length ? Math.round(median(decodeAlloc)) : NaN,
    restore_ns: Math.round((restore * 1e6) / n),
    speedup,
  };
}

export interface DataguardPipelineResult {
  name: 'dataguard_chain_mapkv' | 'dataguard_fused_mapkv';
  records_per_s: number;
  stage_threads: number;
  rounds: number;
  records: number;
}

/** Chain and fused specs through `run --sp` (real worker threads). */
export async function benchDataguardPipeline(
  o: { records?: number; rounds?: number } = {},
): Promise<{ results: DataguardPipelineResult[]; speedup: number }> {
  const n = o.records ?? 50_000;
  const rounds = o.rounds ?? 5;
  const dir = mkdtempSync(join(tmpdir(), 'byteor-dg-bench-'));
  const input = join(dir, 'input.b64');
  writeFileSync(input, toBase64Lines(sampleRecords({ mode: 'mapkv', count: n, seed: 1, badEvery: 0 })));
  const root = new URL('../../', import.meta.url).pathname;
  const once = async (spec: string): Promise<number> => {
    let out = '';
    const io = {
      out: (t: string) => {
        out += t;
      },
      err: () => {},
      tty: false,
      color: false,
    };
    const code = await main(
      [
        'run',
        '--sp',
        `--spec=${root}examples/dataguard/${spec}`,
        `--input=${input}`,
        '--output=/dev/null',
        '--json',
        `--registry-root=${root}examples/dataguard/registry`,
        '--schema-id=7',
        '--msg-type=1',
        '--required-version=1',
        ...ALL_RULES.map((r) => `--rule=${r}`),
      ],
      { io, preload: ['dataguard'] },
    );
    if (code !== 0) throw new Error(`run --sp ${spec} exited ${code}`);
    const summary = JSON.parse(out) as RunSummary;
    if (summary.records_in !== n || summary.records_out !== n)
      throw new Error(`run --sp ${spec}: ${summary.records_in} in, ${summary.records_out} out`);
    return n / (summary.elapsed_ms / 1000);
  };
  try {
    await once('fused.kv');
    await once('chain.kv'); // warm-up
    const c: number[] = [],
      f: number[] = [];
    for (let r = 0; r < rounds; r++) {
      c.push(await once('chain.kv'));
      f.push(await once('fused.kv'));
    }
    const res = (name: DataguardPipelineResult['name'], xs: number[], threads: number): DataguardPipelineResult => ({
      name,
      records_per_s: Math.round(median(xs)),
      stage_threads: threads,
      rounds,
      records: n,
    });
    return {
      results: [res('dataguard_chain_mapkv', c, 2), res('dataguard_fused_mapkv', f, 1)],
      speedup: median(f.map((x, i) => x / c[i]!)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const v = process.argv.find((a) => a.startsWith(`--${name}=`));
    return v ? Number(v.split('=')[1]) : undefined;
  };
  const framingArg = process.argv.find((a) => a.startsWith('--framing='))?.split('=')[1] ?? 'base64';
  if (framingArg !== 'base64' && framingArg !== 'raw') throw new Error(`--framing=${framingArg}: base64 or raw`);
  const r = await benchDataguardMapkv({
    records: arg('records'),
    rounds: arg('rounds'),
    batch: arg('batch'),
    framing: framingArg,
  });
  const p = process.argv.includes('--pipeline')
    ? await benchDataguardPipeline({ records: arg('records'), rounds: arg('rounds') })
    : undefined;
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ handlers: r, pipeline: p }, null, 2)}\n`);
  } else {
    process.stdout.write(`stage handlers, in process, ${framingArg} framing\n`);
    process.stdout.write('bench                    records/s   ns/record   alloc B/record\n');
    for (const x of r.results)
      process.stdout.write(
        `${x.name.padEnd(24)} ${String(x.records_per_s).padStart(9)}   ${String(x.ns_per_record).padStart(9)}   ` +
          `${String(x.alloc_bytes_per_record).padStart(14)}\n`,
      );
    process.stdout.write(
      `fused is ${r.speedup.toFixed(2)}x the chain; one msgpackr decode = ${r.decode_ns} ns and ` +
        `${r.decode_alloc_bytes} heap bytes per record; slot restore (subtracted) = ${r.restore_ns} ns/record\n`,
    );
    if (p) {
      process.stdout.write(
        '\npipeline, run --sp through the SingleRing executor\nbench                    records/s   stage threads\n',
      );
      for (const x of p.results)
        process.stdout.write(
          `${x.name.padEnd(24)} ${String(x.records_per_s).padStart(9)}   ${String(x.stage_threads).padStart(13)}\n`,
        );
      process.stdout.write(`fused is ${p.speedup.toFixed(2)}x the chain (median of per-round ratios)\n`);
    }
  }
}
