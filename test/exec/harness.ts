// Shared by the executor tests: a kernel with the built-in stages, spec builders, a seeded
// record generator and an egress adapter that checks every record as it arrives (no 10^6-record
// arrays kept in memory).
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { SingleRingRun, type SingleRingRunOptions } from '../../kernel/exec/single-ring-executor.ts';
import type { EgressAdapter, AdapterHealth, RunInfo, RunSummary } from '../../kernel/index.ts';
import type { SingleRingPipeline, StageSpec } from '../../kernel/spec/model.ts';

export async function coreKernel(): Promise<Kernel> {
  const k = new Kernel();
  await loadPlugins(k, ['core-stages']);
  return k;
}

export function singleRing(
  stages: StageSpec[],
  over: Partial<SingleRingPipeline['single_ring']> = {},
): SingleRingPipeline {
  return {
    version: 1,
    name: 'test',
    model: 'single_ring',
    single_ring: {
      shards: 1,
      ordering: 'strict',
      producer: 'single',
      scheduling: 'dedicated',
      shard_key: 'record',
      capacity: 1024,
      slot_bytes: 64,
      wait: 'backoff',
      stage_failure_policy: 'stop_pipeline',
      stages,
      ...over,
    },
  };
}

export function runInfo(spec: SingleRingPipeline, flags: Record<string, unknown> = {}): RunInfo {
  return { spec, specHash: 'sha256:test', specPath: null, runDir: null, oneShot: true, dryRun: false, flags, env: {} };
}

/** mulberry32: a small seeded PRNG (deterministic tests). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded record stream written straight into bytes (no strings per record): record i is
 * `k<key>,<i>,<letters>` with key in 0..keys-1 and 1..24 random lower-case letters.
 */
export class RecordStream {
  private x: number;
  readonly buf = new Uint8Array(64);
  constructor(
    seed: number,
    private readonly keys = 16,
  ) {
    this.x = (seed * 2654435761) >>> 0 || 1;
  }
  /** xorshift32: cheap integer randomness, seeded */
  private next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.x = x >>> 0);
  }
  /** write record i into `buf`; returns its length. Call with i = 0, 1, 2, ... in order. */
  fill(i: number): number {
    const b = this.buf;
    let n = 0;
    b[n++] = 107; // 'k'
    const r = this.next();
    n = writeInt(b, n, r % this.keys);
    b[n++] = 44;
    n = writeInt(b, n, i);
    b[n++] = 44;
    const len = 1 + ((r >>> 8) % 24);
    for (let j = 0; j < len; j++) b[n++] = 97 + (this.next() % 26);
    return n;
  }
}

function writeInt(b: Uint8Array, n: number, v: number): number {
  let d = 1;
  while (d * 10 <= v) d *= 10;
  for (; d >= 1; d = Math.floor(d / 10)) b[n++] = 48 + (Math.floor(v / d) % 10);
  return n;
}

/** An egress adapter that checks each record as it arrives. */
export class CheckingEgress implements EgressAdapter {
  count = 0;
  writes = 0;
  constructor(private readonly check: (rec: Uint8Array, index: number) => void) {}
  async start() {}
  async close() {}
  async write(recs: Uint8Array[]) {
    this.writes++;
    for (const r of recs) this.check(r, this.count++);
  }
  health(): AdapterHealth {
    return {
      transport: 'test',
      connection_state: 'connected',
      message_count: this.count,
      lag: null,
      recent_failures: [],
    };
  }
}

/** A checker for "record i of the stream, upper-cased by the pipeline"; `bad` is the first mismatch. */
export function expectUpper(seed: number) {
  const stream = new RecordStream(seed);
  const state = { bad: -1 };
  const check = (rec: Uint8Array, i: number) => {
    if (state.bad >= 0) return;
    const n = stream.fill(i);
    if (rec.length !== n) {
      state.bad = i;
      return;
    }
    for (let j = 0; j < n; j++) {
      const c = stream.buf[j]!;
      if (rec[j] !== (c >= 97 && c <= 122 ? c - 32 : c)) {
        state.bad = i;
        return;
      }
    }
  };
  return { state, check };
}

/** Push `n` records of a seeded stream (awaiting backpressure), end, and wait for the summary. */
export async function drive(run: SingleRingRun, n: number, seed: number): Promise<RunSummary> {
  const stream = new RecordStream(seed);
  for (let i = 0; i < n; i++) {
    const len = stream.fill(i);
    const p = run.sink.push(stream.buf.subarray(0, len));
    if (p) await p;
  }
  run.sink.end();
  return run.done;
}

export async function start(
  kernel: Kernel,
  spec: SingleRingPipeline,
  egress: EgressAdapter,
  more: Partial<SingleRingRunOptions> = {},
) {
  return SingleRingRun.start({ kernel, spec, run: runInfo(spec), egress, ...more });
}
