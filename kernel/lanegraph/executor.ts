/**
 * The LaneGraph executor (single process): one shared memory holding every lane, a doorbells
 * region and a counters region; one dedicated worker thread per role (stage, bridge, router,
 * merge: kernel/lanegraph/role-worker.ts); the ingress writer and the egress reader on the
 * calling (main) thread, which never blocks for long (async waits).
 *
 *   ingress adapter → IngressWriter → lane of each ingress endpoint
 *                   → role workers (each reads its input lanes, writes its output lanes)
 *                   → lane of each egress endpoint → EgressReader → egress adapter
 *
 * End of stream flows down the graph: the ingress ends its lanes; a role whose inputs ended
 * and drained closes its handler and ends its outputs. Failure (stage_failure_policy
 * stop_pipeline): the first role that throws aborts its lanes and reports; the executor aborts
 * every lane, stops egress, and reports that role, lane and sequence (exit 1). The summary
 * counts the records not delivered and the failure's message says where they are (lane
 * positions; undelivered.ts).
 *
 * Wait strategy: the spec's (or --wait's). `spin` with more threads than cores (roles + the
 * main thread > available cores) falls back to `backoff` and says so (BYTEOR_W_LG_SPIN_FALLBACK):
 * spinning threads that outnumber cores make no progress for whole scheduler quanta.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ByteorError } from '../errors.ts';
import type { RunSummary, StageCounters } from '../hooks.ts';
import type { LaneGraphPipeline } from '../spec/model.ts';
import { compileCore, instantiateCore, createSharedMemory } from '../core/wasm.ts';
import { LayoutAllocator } from '../core/layout.ts';
import { CountersHandle } from '../core/counters.ts';
import { DoorbellsHandle } from '../core/doorbells.ts';
import { LaneHandle, LANE_HALT } from '../core/lane.ts';
import { DEFAULT_SPIN_NS, type WaitKind } from '../core/ring.ts';
import { workerPlugins } from '../exec/worker-plugins.ts';
import { startModuleWorker } from '../exec/module-worker.ts';
import type { WorkerErrorInfo } from '../exec/worker-protocol.ts';
import { plainFlags, workerReady } from '../exec/pipeline-workers.ts';
import { PipelineRun, type PipelineRunOptions, type RunState } from '../exec/pipeline-run.ts';
import { describeUndelivered, type UndeliveredRange } from '../exec/undelivered.ts';
import { sortedCounters } from '../artifacts/sorted-counters.ts';
import type { EndpointState, Health, LaneGraphCounts, LaneState, RoleState } from '../artifacts/lane-graph-state.ts';
import { wireLaneGraph, type Wiring } from './wiring.ts';
import { IngressWriter, type IngressBatchSink } from './ingress-writer.ts';
import { EgressReader } from './egress-reader.ts';
import type { RoleWorkerData, RoleWorkerMessage } from './role-protocol.ts';
import { ownModuleUrl } from '../package-paths.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

const ROLE_WORKER = ownModuleUrl('kernel/lanegraph/role-worker');

/** Counters per role worker (built-in, role-specific, the stage handler's). */
export const COUNTERS_PER_ROLE = 64;
/** Default most records one role step takes (and hands to a stage handler at once). */
export const DEFAULT_ROLE_BATCH = 256;
/** Abort id of the kernel itself (not a role) in a lane's fail cell. */
const KERNEL_ABORT = 1_000_000;

export interface LaneGraphRunOptions extends PipelineRunOptions {
  spec: LaneGraphPipeline;
  /** cores the executor may keep busy spinning (default: os.availableParallelism()) */
  cores?: number;
  journal?: IngressBatchSink | null;
  /** something the operator should know that does not stop the run (e.g. the spin fallback) */
  onWarning?(code: string, message: string): void;
}

export type LaneGraphRunState = RunState;

export interface LaneGraphObservation extends LaneGraphCounts {
  state: LaneGraphRunState;
  wait: { requested: WaitKind; applied: WaitKind };
  on_full: 'block' | 'drop';
  records: { in: number; out: number; dropped: number; refused: number; waiting: number };
}

interface RoleWorker {
  index: number;
  worker: Worker;
  counterNames: string[];
  done: boolean;
  error: { code: string; message: string } | null;
  exited: Promise<void>;
}

export class LaneGraphRun extends PipelineRun {
  readonly done: Promise<RunSummary>;
  readonly sink: IngressWriter;
  private readonly egressReader: EgressReader;

  private constructor(
    private readonly opts: LaneGraphRunOptions,
    readonly wiring: Wiring,
    readonly lanes: LaneHandle[],
    private readonly counters: CountersHandle,
    private readonly workers: RoleWorker[],
    readonly wait: { requested: WaitKind; applied: WaitKind },
    egressBell: DoorbellsHandle,
  ) {
    super(opts);
    const g = opts.spec.lane_graph;
    this.sink = new IngressWriter(
      wiring.ingress.map((e) => lanes[e.lane]!),
      g.on_full === 'drop',
      this.ingressEvents(),
      opts.journal ?? null,
    );
    this.egressReader = new EgressReader(
      wiring.egress.map((e) => ({ lane: lanes[e.lane]!, reader: e.reader, endpoint: e.name })),
      egressBell.bell(0),
      opts.egress,
      opts.ingress ?? null,
      this.sink,
      wiring.topoOrder.map((i) => lanes[i]!),
    );
    this.done = this.runToEnd();
  }

  /** Lay out memory, start every role worker and wait until each is ready. */
  static async start(opts: LaneGraphRunOptions): Promise<LaneGraphRun> {
    const g = opts.spec.lane_graph;
    for (const r of g.roles) {
      if (r.kind === 'stage' && !opts.kernel.resolveStage(r.key ?? '')) {
        throw KernelErrors.error(
          'BYTEOR_E_STAGE_UNKNOWN',
          `no loaded plugin provides stage key "${r.key}" (role "${r.name}"); load it with --plugin=NAME`,
          { key: r.key, role: r.name },
        );
      }
    }
    const wiring = wireLaneGraph(g);
    const requested = opts.wait ?? g.wait;
    const cores = opts.cores ?? availableParallelism();
    const threads = wiring.roles.length + 1;
    let applied = requested;
    if (requested === 'spin' && threads > cores) {
      applied = 'backoff';
      opts.onWarning?.(
        'BYTEOR_W_LG_SPIN_FALLBACK',
        `lane_graph wait=spin needs a core per spinning thread: ${threads} threads (${wiring.roles.length} ` +
          `roles + the main thread) on ${cores} cores would spin against each other, so this run waits with ` +
          `backoff instead; give it ${threads} cores for spin`,
      );
    }
    for (const r of wiring.roles) {
      const need =
        2 + (r.spec.kind === 'router' ? r.outputs.length + 1 : r.spec.kind === 'merge' ? r.inputs.length : 0);
      if (need > COUNTERS_PER_ROLE / 2) {
        throw KernelErrors.error(
          'BYTEOR_E_LG_ROLE_TOO_WIDE',
          `${r.spec.kind} role "${r.spec.name}" has ` +
            `${r.spec.kind === 'router' ? r.outputs.length : r.inputs.length} lanes; a role has at most ` +
            `${COUNTERS_PER_ROLE / 2 - 3} (split it into a tree of roles)`,
          { role: r.spec.name },
        );
      }
    }

    // doorbells: cell 0 = egress, then one per merge and per work-queue router
    const bellOf = new Map<number, number>();
    let cells = 1;
    for (const r of wiring.roles) {
      if (r.spec.kind === 'merge' || (r.spec.kind === 'router' && r.spec.mode === 'work_queue'))
        bellOf.set(r.index, cells++);
    }
    const layout = new LayoutAllocator();
    const laneBases = wiring.lanes.map((l) => {
      const bytes = LaneHandle.bytes(l.kind, l.readers.length, l.capacity, g.slot_bytes);
      return layout.carve(`lane ${l.name}`, bytes);
    });
    const bellsBase = layout.carve('doorbells', DoorbellsHandle.bytes(cells));
    const blocks = Math.max(1, wiring.roles.length);
    const countersBase = layout.carve('counters', LayoutAllocator.countersBytes(blocks, COUNTERS_PER_ROLE));
    const memory = createSharedMemory(layout.totalBytes);
    const module = compileCore();
    const core = instantiateCore(module, memory);
    const spinNs = opts.spinNs;
    const lanes = wiring.lanes.map((l, i) =>
      LaneHandle.create(
        core,
        memory,
        laneBases[i]!,
        {
          kind: l.kind,
          capacity: l.capacity,
          slotBytes: g.slot_bytes,
          readers: l.readers.length,
          overwrite: l.kind === 'journal' && g.on_full === 'drop',
          wait: applied,
          ...(spinNs !== undefined ? { spinNs } : {}),
          ...(opts.startSeq !== undefined ? { startSeq: opts.startSeq } : {}),
        },
        l.name,
      ),
    );
    const bells = DoorbellsHandle.create(core, memory, bellsBase, cells);
    const counters = CountersHandle.create(core, memory, countersBase, blocks, COUNTERS_PER_ROLE);
    for (const e of wiring.egress) lanes[e.lane]!.setReaderDoorbell(e.reader, bells.addr(0));
    for (const r of wiring.roles) {
      const cell = bellOf.get(r.index);
      if (cell === undefined) continue;
      if (r.spec.kind === 'merge')
        for (const i of r.inputs) lanes[i.lane]!.setReaderDoorbell(i.reader, bells.addr(cell));
      else for (const o of r.outputs) lanes[o]!.setWriterDoorbell(bells.addr(cell));
    }

    const workers: RoleWorker[] = [];
    const ready: Promise<void>[] = [];
    const flags = plainFlags(opts.run.flags);
    const env = { ...opts.run.env };
    const appliedSpin = applied === 'block' ? 0 : (spinNs ?? DEFAULT_SPIN_NS);
    for (const r of wiring.roles) {
      const ref = (li: number) => ({
        base: laneBases[li]!,
        kind: wiring.lanes[li]!.kind,
        name: wiring.lanes[li]!.name,
      });
      const data: RoleWorkerData = {
        module,
        memory,
        roleIndex: r.index,
        name: r.spec.name,
        kind: r.spec.kind,
        key: r.spec.key ?? null,
        mode: r.spec.mode ?? 'broadcast',
        inputs: r.inputs.map((i) => ({ ...ref(i.lane), reader: i.reader })),
        outputs: r.outputs.map(ref),
        onFull: g.on_full,
        wait: applied,
        spinNs: appliedSpin,
        doorbell: bellOf.has(r.index) ? bells.addr(bellOf.get(r.index)!) : 0,
        countersBase,
        countersBlocks: blocks,
        countersPerBlock: COUNTERS_PER_ROLE,
        counterBlock: r.index,
        ...(r.spec.key ? workerPlugins(opts.kernel, r.spec.key) : { specifiers: [], provider: null }),
        flags,
        env,
        dryRun: opts.run.dryRun,
        maxBatch: Math.max(1, Math.floor(opts.maxBatch ?? DEFAULT_ROLE_BATCH)),
      };
      const worker = startModuleWorker(ROLE_WORKER, { workerData: data });
      const w: RoleWorker = {
        index: r.index,
        worker,
        counterNames: [],
        done: false,
        error: null,
        exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())),
      };
      workers.push(w);
      const name = r.spec.name;
      ready.push(
        workerReady<RoleWorkerMessage>(worker, {
          failed: (m) => roleError(name, m.error, m.sequence, m.lane, m.phase),
          crashed: (e) => crashError(name, e),
        }).then((counters) => {
          w.counterNames = counters;
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      for (const l of lanes) l.abort(KERNEL_ABORT, -1);
      await Promise.all(workers.map((w) => w.worker.terminate()));
      throw e;
    }
    return new LaneGraphRun(opts, wiring, lanes, counters, workers, { requested, applied }, bells);
  }

  protected halt(): void {
    for (const l of this.lanes) l.abort(KERNEL_ABORT, -1);
    this.egressReader.stop();
  }

  private async runToEnd(): Promise<RunSummary> {
    for (const w of this.workers) {
      const name = this.wiring.roles[w.index]!.spec.name;
      w.worker.on('message', (m: RoleWorkerMessage) => {
        if (m.type === 'ready') w.counterNames = m.counters;
        else if (m.type === 'done') w.done = true;
        else if (m.type === 'failed') {
          const err = roleError(name, m.error, m.sequence, m.lane, m.phase);
          w.error = { code: err.code, message: err.message };
          this.fail(err, {
            code: err.code,
            message: err.message,
            stage: name,
            ...(m.sequence !== null ? { sequence: m.sequence } : {}),
          });
        }
      });
      w.worker.on('error', (e) => {
        const err = crashError(name, e);
        w.error = { code: err.code, message: err.message };
        this.fail(err, { code: err.code, message: err.message, stage: name });
      });
      void w.exited.then(() => {
        if (!w.done && !this.failure) {
          const err = crashError(name, new Error('exited before it finished'));
          w.error = { code: err.code, message: err.message };
          this.fail(err, { code: err.code, message: err.message, stage: name });
        }
      });
    }
    await this.finish(this.egressReader, this.workers);
    return this.summary();
  }

  private roleCounters(index: number): Record<string, number> {
    const w = this.workers[index]!;
    const values: Record<string, number> = {};
    w.counterNames.forEach((name, i) => {
      values[name] = this.counters.value(index, i);
    });
    return values;
  }

  /** The named counters of every stage role (RunSummary.counters: stage = role index, shard 0). */
  stageCounters(): StageCounters[] {
    return this.wiring.roles
      .filter((r) => r.spec.kind === 'stage')
      .map((r) => ({ stage: r.index, shard: 0, key: r.spec.key!, values: this.roleCounters(r.index) }));
  }

  /** The live state of every lane, role and endpoint. */
  observe(): LaneGraphObservation {
    const g = this.opts.spec.lane_graph;
    const w = this.wiring;
    const aborted = this.failure !== null;
    const laneStates: LaneState[] = w.lanes.map((wl) => {
      const l = this.lanes[wl.index]!;
      const cursor = l.cursor();
      const start = l.start();
      const readers = wl.readers.map((end, r) => {
        const sequence = l.readerSeq(r);
        return {
          reader: r,
          name: end.name,
          kind: end.kind === 'egress' ? ('egress' as const) : ('role' as const),
          sequence,
          released: sequence - start + 1,
          lag: cursor - sequence,
          overrun: l.overrun(r),
        };
      });
      const drops = l.drops();
      const halt = l.halt();
      const lost = drops > 0 || readers.some((r) => r.overrun > 0);
      return {
        name: wl.name,
        kind: wl.kind,
        capacity: l.capacity,
        slot_bytes: l.slotBytes,
        on_full: g.on_full,
        writer: { kind: wl.writer.kind === 'ingress' ? ('ingress' as const) : ('role' as const), name: wl.writer.name },
        cursor,
        published: cursor - start + 1,
        depth: Math.max(0, ...readers.map((r) => r.lag)),
        drops_full: drops,
        readers,
        halt: halt === LANE_HALT.aborted ? 'aborted' : halt === LANE_HALT.ending ? 'ending' : 'running',
        health: aborted && halt === LANE_HALT.aborted ? 'failed' : lost ? 'degraded' : 'healthy',
      };
    });
    const roleStates: RoleState[] = w.roles.map((r) => {
      const c = this.roleCounters(r.index);
      const worker = this.workers[r.index]!;
      const outLanes = r.outputs.map((o) => laneStates[o]!);
      const inLanes = r.inputs.map((i) => ({ lane: laneStates[i.lane]!, reader: i.reader }));
      const dropsAll = c.drops_all_full ?? 0;
      const lost =
        outLanes.some((l) => l.drops_full > 0) ||
        dropsAll > 0 ||
        inLanes.some((i) => i.lane.readers[i.reader]!.overrun > 0);
      const health: Health = worker.error ? 'failed' : lost ? 'degraded' : 'healthy';
      return {
        name: r.spec.name,
        kind: r.spec.kind,
        key: r.spec.key ?? null,
        mode: r.spec.kind === 'router' ? (r.spec.mode ?? 'broadcast') : null,
        policy: r.spec.kind === 'merge' ? (r.spec.policy ?? 'round_robin') : null,
        inserted: r.spec.inserted ?? false,
        inputs: r.spec.inputs,
        outputs: r.spec.outputs,
        records: c.records ?? 0,
        batches: c.batches ?? 0,
        counters: sortedCounters(c),
        router:
          r.spec.kind === 'router'
            ? {
                consumers: outLanes.map((l) => ({
                  lane: l.name,
                  routed: c[`routed.${l.name}`] ?? 0,
                  drops_full: l.drops_full,
                  credit: Math.max(0, l.capacity - l.depth),
                })),
                drops_all_full: dropsAll,
              }
            : null,
        merge:
          r.spec.kind === 'merge'
            ? { inputs: inLanes.map((i) => ({ lane: i.lane.name, taken: c[`taken.${i.lane.name}`] ?? 0 })) }
            : null,
        health,
        error: worker.error,
      };
    });
    const endpoints: EndpointState[] = g.endpoints.map((e, index) => {
      const lane = laneStates[w.lanes.findIndex((l) => l.name === e.lane)]!;
      if (e.kind === 'ingress')
        return { name: e.name, kind: 'ingress', lane: e.lane, records: lane.published, dropped: lane.drops_full };
      const pos = w.egress.findIndex((x) => x.index === index);
      const p = this.egressReader.perEndpoint[pos]!;
      return { name: e.name, kind: 'egress', lane: e.lane, records: p.out, dropped: p.dropped };
    });
    const lost =
      laneStates.reduce((n, l) => n + l.drops_full + l.readers.reduce((m, r) => m + r.overrun, 0), 0) +
      roleStates.reduce((n, r) => n + (r.router?.drops_all_full ?? 0), 0);
    return {
      state: this.state,
      wait: this.wait,
      on_full: g.on_full,
      records: {
        in: this.sink.received + this.sink.queued,
        out: this.egressReader.out,
        dropped: this.egressReader.dropped + lost,
        refused: this.sink.refused,
        waiting: this.sink.waiting,
      },
      lanes: laneStates,
      roles: roleStates,
      endpoints,
    };
  }

  summary(): RunSummary {
    const obs = this.observe();
    const r = obs.records;
    const ranges: UndeliveredRange[] = [];
    let copies = 0;
    for (const l of obs.lanes) {
      for (const rd of l.readers) {
        if (rd.lag <= 0) continue;
        ranges.push({ where: `lane "${l.name}" (reader ${rd.name})`, first: rd.sequence + 1, last: l.cursor });
        copies += rd.lag;
      }
    }
    // without fan-out every record is one copy: in = out + dropped + refused + undelivered exactly;
    // with fan-out, the copies still in lanes plus the records that never entered one
    const undelivered = this.fanOut ? copies + r.waiting : Math.max(0, r.in - r.out - r.dropped - r.refused);
    const summary: RunSummary = {
      records_in: r.in,
      records_out: r.out,
      dropped: r.dropped,
      refused: r.refused,
      undelivered,
      elapsed_ms: Math.round((performance.now() - this.t0) * 1000) / 1000,
      ok: this.failure === null,
      counters: this.stageCounters(),
      lane_graph: { lanes: obs.lanes, roles: obs.roles, endpoints: obs.endpoints },
    };
    if (this.failureInfo) {
      const where =
        undelivered > 0
          ? `; ${describeUndelivered(undelivered, ranges, this.opts.journal ?? null, 'ingress lanes')}`
          : '';
      summary.error = { ...this.failureInfo, message: `${this.failureInfo.message}${where}` };
    }
    return summary;
  }

  /**
   * A record may become several copies: several ingress lanes, a lane with several readers, a role writing several
   * outputs (other than a work-queue router).
   */
  private get fanOut(): boolean {
    const w = this.wiring;
    return (
      w.ingress.length > 1 ||
      w.lanes.some((l) => l.readers.length > 1) ||
      w.roles.some((r) => r.outputs.length > 1 && !(r.spec.kind === 'router' && r.spec.mode === 'work_queue'))
    );
  }
}

function roleError(
  name: string,
  e: WorkerErrorInfo,
  sequence: number | null,
  lane: string | null,
  phase: string,
): ByteorError {
  const at =
    sequence !== null
      ? ` at sequence ${sequence}${lane ? ` of lane "${lane}"` : ''}`
      : phase === 'start'
        ? ' while starting'
        : phase === 'close'
          ? ' while closing'
          : '';
  return KernelErrors.relay(
    e.code.startsWith('BYTEOR_E_') ? e.code : 'BYTEOR_E_STAGE_FAILED',
    'BYTEOR_E_STAGE_FAILED',
    `role "${name}" failed${at}: ${e.message}; stage_failure_policy=stop_pipeline stopped the lane graph`,
    { ...(e.details ?? {}), role: name, ...(sequence !== null ? { sequence } : {}), ...(lane ? { lane } : {}) },
  );
}

function crashError(name: string, e: Error): ByteorError {
  return KernelErrors.error('BYTEOR_E_STAGE_CRASHED', `the worker of role "${name}" crashed: ${e.message}`, {
    role: name,
  });
}
