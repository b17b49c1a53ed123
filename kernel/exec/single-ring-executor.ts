/**
 * The SingleRing executor: one shared memory holding one ring per shard and a counters region;
 * one dedicated worker thread per (shard, stage), wired from `depends_on`; the producer and
 * the egress reader on the calling (main) thread, which never blocks for long (async waits).
 *
 *   ingress adapter → RingProducer (route by shard key, batch publish, journal)
 *                   → ring of shard s: stage workers (barriers from depends_on) → terminal stages
 *                   → EgressReader (ingress order across shards, release after write) → egress adapter
 *
 * stage_failure_policy stop_pipeline: the first stage that throws aborts its ring; the executor
 * aborts every other ring, stops egress, and reports that stage and sequence (exit 1). The
 * summary always accounts for every record: in = out + dropped + refused + undelivered, and a
 * failed run's message says where the undelivered ones are (undelivered.ts).
 */
import { ByteorError } from '../errors.ts';
import type { RunSummary, StageCounters } from '../hooks.ts';
import type { SingleRingPipeline } from '../spec/model.ts';
import { parseShardKey } from '../spec/shard-key.ts';
import { compileCore, instantiateCore, createSharedMemory } from '../core/wasm.ts';
import { LayoutAllocator } from '../core/layout.ts';
import { CountersHandle } from '../core/counters.ts';
import { RingHandle, CELL_COUNT, EGRESS_CELL, HALT_ABORTED, HALT_ENDING, type WaitKind } from '../core/ring.ts';
import type { Worker } from 'node:worker_threads';
import { workerPlugins } from './worker-plugins.ts';
import { configureStageWorker, startStageWorker } from './stage-worker-start.ts';
import { RingProducer, PUBLISH_BATCH, type PublishedBatchSink } from './producer.ts';
import { IngressStaging } from './ingress-staging.ts';
import { IngressReadBuffers } from './ingress-read-buffers.ts';
import { EgressReader } from './egress-reader.ts';
import { RouteLog } from './route-log.ts';
import { ShardRouter } from './shard-router.ts';
import { plainFlags, workerReady } from './pipeline-workers.ts';
import { PipelineRun, type PipelineRunOptions, type RunState } from './pipeline-run.ts';
import { describeUndelivered, type UndeliveredRange } from './undelivered.ts';
import type { StageWorkerData, StageWorkerMessage, WorkerErrorInfo } from './worker-protocol.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/** Counters per stage worker (two built-in, the rest for the handler). */
export const COUNTERS_PER_STAGE = 32;
/** Default most slots per onBatch call. */
export const DEFAULT_MAX_BATCH = 256;
/** Abort id of the kernel itself (not a stage) in the ring's fail cell. */
const KERNEL_ABORT = CELL_COUNT + 1;

export interface SingleRingRunOptions extends PipelineRunOptions {
  spec: SingleRingPipeline;
  journal?: PublishedBatchSink | null;
}

export type { RunState };

export interface StageObservation {
  stage: number;
  key: string;
  sequence: number;
  lag: number;
  counters: Record<string, number>;
}
export interface ShardObservation {
  shard: number;
  capacity: number;
  slot_bytes: number;
  cursor: number;
  min_gating: number;
  halt: 'running' | 'ending' | 'aborted';
  stages: StageObservation[];
  egress: { sequence: number; lag: number };
}
export interface RunObservation {
  state: RunState;
  wait: WaitKind;
  records: { in: number; out: number; dropped: number; refused: number; waiting: number };
  shards: ShardObservation[];
}

interface StageWorker {
  shard: number;
  stage: number;
  key: string;
  worker: Worker;
  counterNames: string[];
  done: boolean;
  exited: Promise<void>;
}

export class SingleRingRun extends PipelineRun {
  readonly sink: RingProducer;
  readonly done: Promise<RunSummary>;
  private readonly egressReader: EgressReader;

  private constructor(
    private readonly opts: SingleRingRunOptions,
    readonly rings: RingHandle[],
    private readonly counters: CountersHandle,
    private readonly workers: StageWorker[],
    private readonly waitKind: WaitKind,
    log: RouteLog,
    router: ShardRouter,
    staging: IngressStaging,
    readBuffers: IngressReadBuffers,
  ) {
    super(opts);
    this.sink = new RingProducer(
      rings,
      router,
      log,
      this.ingressEvents(),
      opts.journal ?? null,
      PUBLISH_BATCH,
      staging,
      readBuffers,
    );
    this.egressReader = new EgressReader(rings, log, this.sink, opts.egress, opts.ingress ?? null);
    this.sink.attachEgress(this.egressReader);
    this.done = this.runToEnd();
  }

  /** Lay out memory, start every stage worker and wait until each handler is created. */
  static async start(opts: SingleRingRunOptions): Promise<SingleRingRun> {
    const sr = opts.spec.single_ring;
    const stages = sr.stages;
    for (const s of stages) {
      if (!opts.kernel.resolveStage(s.key)) {
        throw KernelErrors.error(
          'BYTEOR_E_STAGE_UNKNOWN',
          `no loaded plugin provides stage key "${s.key}"; load it with --plugin=NAME`,
          { key: s.key },
        );
      }
    }
    const shardKey = parseShardKey(sr.shard_key);
    if (!shardKey.ok) throw KernelErrors.error('BYTEOR_E_SPEC_INVALID', shardKey.message);
    const wait = opts.wait ?? sr.wait;

    const layout = new LayoutAllocator();
    const ringBytes = LayoutAllocator.ringBytes(sr.capacity, sr.slot_bytes);
    const ringBases = Array.from({ length: sr.shards }, (_, s) => layout.carve(`ring.${s}`, ringBytes));
    const blocks = sr.shards * stages.length;
    const countersBase = layout.carve('counters', LayoutAllocator.countersBytes(blocks, COUNTERS_PER_STAGE));
    const stagingBase = layout.carve('ingress.staging', IngressStaging.bytes);
    const readBuffersBase = layout.carve('ingress.read_buffers', IngressReadBuffers.bytes);
    const memory = createSharedMemory(layout.totalBytes);
    const module = compileCore();
    const core = instantiateCore(module, memory);
    const deps = stages.map((s) => s.depends_on);
    const rings = ringBases.map((base, s) =>
      RingHandle.create(
        core,
        memory,
        base,
        {
          capacity: sr.capacity,
          slotBytes: sr.slot_bytes,
          deps,
          egress: true,
          wait,
          ...(opts.spinNs !== undefined ? { spinNs: opts.spinNs } : {}),
          ...(opts.startSeq !== undefined ? { startSeq: opts.startSeq } : {}),
        },
        `ring of shard ${s}`,
      ),
    );
    const counters = CountersHandle.create(core, memory, countersBase, blocks, COUNTERS_PER_STAGE);

    const workers: StageWorker[] = [];
    const ready: Promise<void>[] = [];
    const flags = plainFlags(opts.run.flags);
    const env = { ...opts.run.env };
    for (let shard = 0; shard < sr.shards; shard++) {
      for (let stage = 0; stage < stages.length; stage++) {
        const data: StageWorkerData = {
          module,
          memory,
          ringBase: ringBases[shard]!,
          countersBase,
          countersBlocks: blocks,
          countersPerBlock: COUNTERS_PER_STAGE,
          counterBlock: shard * stages.length + stage,
          stageIndex: stage,
          shard,
          key: stages[stage]!.key,
          ...workerPlugins(opts.kernel, stages[stage]!.key),
          flags,
          env,
          dryRun: opts.run.dryRun,
          maxBatch: Math.max(1, Math.floor(opts.maxBatch ?? DEFAULT_MAX_BATCH)),
        };
        const worker = startStageWorker();
        const w: StageWorker = {
          shard,
          stage,
          key: data.key,
          worker,
          counterNames: [],
          done: false,
          exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())),
        };
        workers.push(w);
        ready.push(
          workerReady<StageWorkerMessage>(worker, {
            failed: (m) => stageError(w, m.error, m.sequence, m.phase),
            crashed: (e) => crashError(w, e),
          }).then((counters) => {
            w.counterNames = counters;
          }),
        );
        configureStageWorker(worker, data);
      }
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      for (const r of rings) r.abort(KERNEL_ABORT, -1);
      await Promise.all(workers.map((w) => w.worker.terminate()));
      throw e;
    }
    const log = new RouteLog(sr.shards * sr.capacity);
    return new SingleRingRun(
      opts,
      rings,
      counters,
      workers,
      wait,
      log,
      new ShardRouter(sr.shards, shardKey.key),
      new IngressStaging(memory, stagingBase),
      new IngressReadBuffers(memory, readBuffersBase),
    );
  }

  protected halt(): void {
    for (const r of this.rings) r.abort(KERNEL_ABORT, -1);
    this.egressReader.stop();
    this.sink.interrupt();
  }

  private async runToEnd(): Promise<RunSummary> {
    for (const w of this.workers) {
      w.worker.on('message', (m: StageWorkerMessage) => {
        if (m.type === 'done') w.done = true;
        else if (m.type === 'failed') {
          const err = stageError(w, m.error, m.sequence, m.phase);
          this.fail(err, {
            code: err.code,
            message: err.message,
            stage: w.key,
            ...(m.sequence !== null ? { sequence: m.sequence } : {}),
          });
        }
      });
      w.worker.on('error', (e) => {
        const err = crashError(w, e);
        this.fail(err, { code: err.code, message: err.message, stage: w.key });
      });
      void w.exited.then(() => {
        if (!w.done && !this.failure) {
          const err = crashError(w, new Error('exited before it finished'));
          this.fail(err, { code: err.code, message: err.message, stage: w.key });
        }
      });
    }
    await this.finish(this.egressReader, this.workers);
    return this.summary();
  }

  /** The counters of every stage worker, read from shared memory. */
  stageCounters(): StageCounters[] {
    const stages = this.opts.spec.single_ring.stages.length;
    return this.workers.map((w) => {
      const values: Record<string, number> = {};
      w.counterNames.forEach((name, i) => {
        values[name] = this.counters.value(w.shard * stages + w.stage, i);
      });
      return { stage: w.stage, shard: w.shard, key: w.key, values };
    });
  }

  summary(): RunSummary {
    const received = this.sink.received + this.sink.waiting;
    const out = this.egressReader.out;
    const dropped = this.egressReader.dropped;
    const refused = this.sink.refused;
    const undelivered = received - out - dropped - refused;
    const summary: RunSummary = {
      records_in: received,
      records_out: out,
      dropped,
      refused,
      undelivered,
      elapsed_ms: Math.round((performance.now() - this.t0) * 1000) / 1000,
      ok: this.failure === null,
      counters: this.stageCounters(),
    };
    if (this.failureInfo) {
      const where =
        undelivered > 0
          ? `; ${describeUndelivered(undelivered, this.undeliveredRanges(), this.opts.journal ?? null, 'ring')}`
          : '';
      summary.error = { ...this.failureInfo, message: `${this.failureInfo.message}${where}` };
    }
    return summary;
  }

  /** Per shard, the published records egress has not released (after the egress cell, up to the cursor). */
  private undeliveredRanges(): UndeliveredRange[] {
    const ranges: UndeliveredRange[] = [];
    this.rings.forEach((r, shard) => {
      const first = r.cellSeq(EGRESS_CELL) + 1;
      const last = r.cursor();
      if (last >= first) ranges.push({ where: `shard ${shard}`, first, last });
    });
    return ranges;
  }

  /** The live state of every ring (for snapshots and the state file). */
  observe(): RunObservation {
    const stages = this.opts.spec.single_ring.stages;
    const counters = this.stageCounters();
    return {
      state: this.state,
      wait: this.waitKind,
      records: {
        in: this.sink.received + this.sink.waiting,
        out: this.egressReader.out,
        dropped: this.egressReader.dropped,
        refused: this.sink.refused,
        waiting: this.sink.waiting,
      },
      shards: this.rings.map((r, shard) => {
        const cursor = r.cursor();
        const egressSeq = r.cellSeq(EGRESS_CELL);
        const halt = r.halt();
        return {
          shard,
          capacity: r.capacity,
          slot_bytes: r.slotBytes,
          cursor,
          min_gating: r.minGating(),
          halt: halt === HALT_ABORTED ? 'aborted' : halt === HALT_ENDING ? 'ending' : 'running',
          stages: stages.map((s, stage) => {
            const sequence = r.cellSeq(stage);
            return {
              stage,
              key: s.key,
              sequence,
              lag: cursor - sequence,
              counters: counters.find((c) => c.shard === shard && c.stage === stage)?.values ?? {},
            };
          }),
          egress: { sequence: egressSeq, lag: cursor - egressSeq },
        };
      }),
    };
  }
}

function stageError(
  w: { shard: number; stage: number; key: string },
  e: WorkerErrorInfo,
  sequence: number | null,
  phase: string,
): ByteorError {
  const where = `stage ${w.stage} (${w.key}) of shard ${w.shard}`;
  const at =
    sequence !== null
      ? ` at sequence ${sequence}`
      : phase === 'start'
        ? ' while starting'
        : phase === 'close'
          ? ' while closing'
          : '';
  return KernelErrors.relay(
    e.code.startsWith('BYTEOR_E_') ? e.code : 'BYTEOR_E_STAGE_FAILED',
    'BYTEOR_E_STAGE_FAILED',
    `${where} failed${at}: ${e.message}; stage_failure_policy=stop_pipeline stopped the pipeline`,
    { ...(e.details ?? {}), stage: w.stage, key: w.key, shard: w.shard, ...(sequence !== null ? { sequence } : {}) },
  );
}

function crashError(w: { shard: number; stage: number; key: string }, e: Error): ByteorError {
  return KernelErrors.error(
    'BYTEOR_E_STAGE_CRASHED',
    `the worker of stage ${w.stage} (${w.key}) of shard ${w.shard} crashed: ${e.message}`,
    { stage: w.stage, key: w.key, shard: w.shard },
  );
}
