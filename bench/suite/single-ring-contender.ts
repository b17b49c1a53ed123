/**
 * Our side of a bench: a real SingleRing pipeline, run by the kernel's run lifecycle as `run`
 * runs it (kernel/run/run-pipeline.ts: runStarting, egress, stage workers, runStarted, ingress,
 * drain, runStopped). Setup loads the plugins into a kernel, validates the spec text
 * (loadSpecText, as `run` does) and starts the run with two in-memory adapters: records go in
 * through the executor's IngressSink, handed to the bench's ingress exactly as an ingress adapter
 * gets it, and come out through an egress adapter that reports deliveries.
 */
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { loadSpecText } from '../../kernel/spec/load.ts';
import { runPipeline } from '../../kernel/run/run-pipeline.ts';
import type {
  AdapterHealth,
  EgressAdapter,
  EgressView,
  IngressAdapter,
  IngressSink,
  RunOutcome,
} from '../../kernel/plugin-api.ts';
import type { SingleRingPipeline } from '../../kernel/spec/model.ts';
import type { WaitKind } from '../../kernel/core/ring.ts';
import type { Contender, Delivery } from './driver.ts';
import type { PayloadPool } from './payloads.ts';
import { BenchErrors } from '../errors.ts';

export interface SingleRingSpecShape {
  name: string;
  /** stage keys and their dependencies (indices of earlier stages) */
  stages: ReadonlyArray<{ key: string; deps: readonly number[] }>;
  shards: number;
  capacity: number;
  slotBytes: number;
  wait: WaitKind;
  /** shard key when shards > 1 */
  shardKey?: string;
}

/** spec.kv text of a SingleRing pipeline (validated by loadSpecText at setup). */
export function singleRingSpecText(s: SingleRingSpecShape): string {
  const lines = [
    'spec.version=1',
    'spec.model=single_ring',
    `spec.name=${s.name}`,
    `single_ring.shards=${s.shards}`,
    `single_ring.ordering=${s.shards > 1 ? 'per_key' : 'strict'}`,
    `single_ring.capacity=${s.capacity}`,
    `single_ring.slot_bytes=${s.slotBytes}`,
    `single_ring.wait=${s.wait}`,
  ];
  if (s.shards > 1) lines.push(`single_ring.shard_key=${s.shardKey ?? 'prefix:8'}`);
  s.stages.forEach((st, i) => {
    lines.push(`single_ring.stages.${i}.key=${st.key}`);
    st.deps.forEach((d, j) => lines.push(`single_ring.stages.${i}.depends_on.${j}=${d}`));
  });
  return `${lines.join('\n')}\n`;
}

export interface SingleRingSetup {
  plugins: readonly string[];
  specText: string;
  pool: PayloadPool;
  /** most slots per stage call (the executor's maxBatch) */
  batch: number;
  flags?: Record<string, unknown>;
  env?: Record<string, string>;
  dryRun?: boolean;
}

class DeliveringEgress implements EgressAdapter {
  out = 0;
  constructor(private readonly d: Delivery) {}
  async start(): Promise<void> {}
  async close(): Promise<void> {}
  async write(records: Uint8Array[]): Promise<void> {
    this.deliver(records.length);
  }
  /** the executor's in-place fast path (no copy per record): accepted before it returns, so no promise */
  writeFrom(view: EgressView): void {
    this.deliver(view.count);
  }
  private deliver(n: number): void {
    const first = this.out;
    this.out += n;
    this.d.delivered(first, n);
  }
  health(): AdapterHealth {
    return {
      transport: 'bench',
      connection_state: 'connected',
      message_count: this.out,
      lag: null,
      recent_failures: [],
    };
  }
}

/**
 * The executor's sink (the ring producer): its batch form, and flush (publish what was pushed since the last batch).
 */
type FlushingSink = IngressSink & { flush(): void; pushSpans: NonNullable<IngressSink['pushSpans']> };

/** The bench's ingress: keeps the sink the run hands it; the contender pushes into it. */
class BenchIngress implements IngressAdapter {
  sink: FlushingSink | null = null;
  private readonly started: Promise<FlushingSink>;
  private resolveStarted!: (sink: FlushingSink) => void;
  constructor() {
    this.started = new Promise((r) => {
      this.resolveStarted = r;
    });
  }
  async start(sink: IngressSink): Promise<void> {
    if (typeof (sink as Partial<FlushingSink>).flush !== 'function' || typeof sink.pushSpans !== 'function') {
      throw BenchErrors.error(
        'BYTEOR_E_BENCH_FAILED',
        'the run handed the bench a sink without flush() or pushSpans(); the bench pushes straight into the ' +
          'ring producer',
      );
    }
    this.sink = sink as FlushingSink;
    this.resolveStarted(this.sink);
  }
  /** the sink, once the run has started the ingress; rejects when the run ended before */
  ready(run: Promise<unknown>): Promise<FlushingSink> {
    return Promise.race([
      this.started,
      run.then(() => {
        throw BenchErrors.error('BYTEOR_E_BENCH_FAILED', 'the run ended before its ingress started');
      }),
    ]);
  }
  async close(): Promise<void> {}
  health(): AdapterHealth {
    return {
      transport: 'bench',
      connection_state: this.sink ? 'connected' : 'connecting',
      message_count: 0,
      lag: null,
      recent_failures: [],
    };
  }
}

class SingleRingContender implements Contender {
  private sent = 0;
  /** spans of one send over the pool's contiguous bytes (fixed-size pools), reused */
  private readonly spans: Uint32Array | null;
  /** the pool's contiguous bytes where the adapter "read" them: a buffer the runtime lent, if it lends one */
  private readonly bytes: Uint8Array | null;
  constructor(
    private readonly sink: FlushingSink,
    private readonly outcome: Promise<RunOutcome>,
    private readonly pool: PayloadPool,
    batch: number,
  ) {
    this.spans = pool.contiguous !== null && pool.minBytes === pool.maxBytes ? new Uint32Array(2 * batch) : null;
    const contiguous = pool.contiguous;
    const lent = contiguous !== null && sink.readBuffer ? sink.readBuffer(contiguous.length) : null;
    lent?.set(contiguous!);
    this.bytes = lent ?? contiguous;
  }

  /**
   * A batch goes in as an ingress adapter that reads records into a buffer hands them over:
   * one `pushSpans` call over the pool's bytes (the line ingress does the same per chunk). The
   * adapter reads into a buffer the runtime lends (`IngressSink.readBuffer`) when it lends one,
   * so the pool is copied there once, at setup, as the adapter's reads would have landed there.
   * Pools of records of different sizes push record by record.
   */
  send(first: number, n: number): void | Promise<void> {
    const spans = this.spans;
    if (spans !== null && n <= spans.length >>> 1) {
      const size = this.pool.maxBytes;
      const mask = this.pool.mask;
      for (let i = 0; i < n; i++) {
        const at = ((first + i) & mask) * size;
        spans[2 * i] = at;
        spans[2 * i + 1] = at + size;
      }
      this.sent = first + n;
      return this.sink.pushSpans(this.bytes!, spans, n);
    }
    const sink = this.sink;
    const pool = this.pool;
    const end = first + n;
    this.sent = end;
    for (let i = first; i < end; i++) {
      const p = sink.push(pool.at(i));
      if (p) return this.sendBlocked(p, i + 1, end);
    }
    sink.flush();
  }

  private async sendBlocked(p: Promise<void>, from: number, end: number): Promise<void> {
    const sink = this.sink;
    await p;
    for (let i = from; i < end; i++) {
      const q = sink.push(this.pool.at(i));
      if (q) await q;
    }
    sink.flush();
  }

  poll(): void {}

  async finish(): Promise<void> {
    this.sink.end();
    const { summary: s, egressCloseError } = await this.outcome;
    if (egressCloseError) throw egressCloseError;
    if (!s.ok)
      throw BenchErrors.relay(
        s.error?.code ?? 'BYTEOR_E_BENCH_FAILED',
        'BYTEOR_E_BENCH_FAILED',
        `the pipeline failed: ${s.error?.message ?? 'unknown error'}`,
      );
    if (s.records_in !== this.sent || s.records_out + s.dropped + s.refused !== this.sent) {
      throw BenchErrors.error(
        'BYTEOR_E_BENCH_LOST_RECORDS',
        `the pipeline took ${s.records_in} of ${this.sent} records and accounted for ${s.records_out} out + ` +
          `${s.dropped} dropped + ${s.refused} refused; a record went missing`,
      );
    }
    if (s.dropped > 0 || s.refused > 0) {
      throw BenchErrors.error(
        'BYTEOR_E_BENCH_WORKLOAD_REJECTED',
        `the pipeline dropped ${s.dropped} and refused ${s.refused} of ${this.sent} records; a bench workload ` +
          `must pass every stage (check the records and the stage settings)`,
      );
    }
  }
}

/** Start the pipeline (kernel, plugins, spec validation, threads) and return it as a contender. */
export async function startSingleRing(
  setup: SingleRingSetup,
  d: Delivery,
): Promise<Contender & { spec: SingleRingPipeline }> {
  const kernel = new Kernel();
  await loadPlugins(kernel, [...setup.plugins]);
  const loaded = await loadSpecText(setup.specText, kernel);
  const spec = loaded.spec as SingleRingPipeline;
  const ingress = new BenchIngress();
  const outcome = runPipeline(kernel, {
    loaded,
    specPath: null,
    runDir: null,
    oneShot: true,
    dryRun: setup.dryRun ?? false,
    flags: setup.flags ?? {},
    env: setup.env ?? {},
    maxBatch: setup.batch,
    adapters: () => ({ ingress, egress: new DeliveringEgress(d) }),
  });
  const sink = await ingress.ready(outcome);
  return Object.assign(new SingleRingContender(sink, outcome, setup.pool, setup.batch), { spec });
}
