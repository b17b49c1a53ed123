/**
 * What a run of either executor (SingleRing: single-ring-executor.ts, LaneGraph:
 * kernel/lanegraph/executor.ts) has in common: its options around the model's spec, its state
 * (running → draining → stopped, or failed), the first failure (reported once; the model halts
 * its rings or lanes), the ingress events it answers, the bounded drain (`drain(deadline)`:
 * `draining` at once, BYTEOR_E_DRAIN_TIMEOUT when the records accepted are not all out by the
 * deadline) and the end of the run (egress drained, workers finished). The model says how it
 * halts, how it observes and how it sums up.
 */
import { ByteorError } from '../errors.ts';
import type { BatchEvent, RunInfo, RunSummary } from '../hooks.ts';
import type { EgressAdapter, IngressAdapter, KernelHost } from '../plugin-contract.ts';
import type { WaitKind } from '../core/ring.ts';
import { egressFailure, ingressFailure } from './adapter-failure.ts';
import { finishWorkers, type FinishingWorker } from './pipeline-workers.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export interface PipelineRunOptions {
  kernel: KernelHost;
  run: RunInfo;
  egress: EgressAdapter;
  /** the ingress adapter, for acks after egress (the caller starts and closes it) */
  ingress?: IngressAdapter | null;
  /** override of the spec's wait strategy */
  wait?: WaitKind;
  /** spin budget of backoff, ns */
  spinNs?: number;
  /** first sequence of every ring or lane (tests start near 2^32) */
  startSeq?: number;
  maxBatch?: number;
  /** a record larger than slot_bytes was refused */
  onRefused?(index: number, bytes: number, slotBytes: number): void;
  /** the run failed (a stage or role threw, a worker died, the source failed); called once */
  onFailure?(error: ByteorError): void;
}

export type RunState = 'running' | 'draining' | 'stopped' | 'failed';

/** What the ingress side (ring producer, lane ingress writer) tells its run. */
export interface IngressEvents {
  batch(event: BatchEvent): void;
  refused(index: number, bytes: number, slotBytes: number): void;
  ended(): void;
  failed(error: Error): void;
}

export abstract class PipelineRun {
  readonly startedUnixMs = Date.now();
  state: RunState = 'running';
  failure: ByteorError | null = null;
  protected failureInfo: RunSummary['error'] | undefined;
  protected readonly t0 = performance.now();
  /** where records come in: end() drains */
  abstract readonly sink: { end(): void };
  private drainTimer: NodeJS.Timeout | null = null;

  protected constructor(private readonly options: PipelineRunOptions) {}

  /** No more records will come (the source is closed): in-flight ones still go through. */
  stop(): void {
    this.sink.end();
  }

  /**
   * The operator asked to stop: the run says `draining` at once (the caller closes the source,
   * then calls stop()), and when it has not stopped `timeoutMs` later it aborts with
   * BYTEOR_E_DRAIN_TIMEOUT (`label` is the deadline as the operator gave it). Idempotent.
   */
  drain(timeoutMs: number, label: string): void {
    if (this.state === 'running') this.state = 'draining';
    if (this.drainTimer || this.state !== 'draining') return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      if (this.state !== 'draining') return;
      this.abort(
        KernelErrors.error(
          'BYTEOR_E_DRAIN_TIMEOUT',
          `the pipeline did not drain within --drain-timeout=${label}: a stage or the egress still held records ` +
            `(byteor snapshot names the stalled one); fix it or give a longer --drain-timeout`,
          { drain_timeout_ms: timeoutMs },
        ),
      );
    }, timeoutMs);
  }

  /** Stop now with an error (e.g. the operator's second signal, an adapter failure). */
  abort(error: ByteorError): void {
    this.fail(error);
  }

  /** Stop every ring or lane and the egress (the first failure only). */
  protected abstract halt(): void;

  protected fail(error: ByteorError, info?: RunSummary['error']): void {
    if (this.failure) return;
    this.failure = error;
    this.failureInfo = info ?? { code: error.code, message: error.message };
    this.state = 'failed';
    this.halt();
    this.options.onFailure?.(error);
  }

  /** The answers to the ingress side's events: hook per batch, refusals, end of input, source failure. */
  protected ingressEvents(): IngressEvents {
    const opts = this.options;
    const hook = opts.kernel.hooks.ingressBatch;
    return {
      // plugins tap during setup, before any run: no tap, no call per batch
      batch: hook.taps.length > 0 ? (e) => hook.call(e) : () => {},
      refused: (i, n, max) => opts.onRefused?.(i, n, max),
      ended: () => {
        if (this.state === 'running') this.state = 'draining';
      },
      failed: (e) => this.fail(ingressFailure(e)),
    };
  }

  /** Run egress to its end (an egress error fails the run), then finish the workers; stopped unless failed. */
  protected async finish(egress: { run(): Promise<void> }, workers: readonly FinishingWorker[]): Promise<void> {
    let egressError: unknown = null;
    try {
      await egress.run();
    } catch (e) {
      egressError = e;
    }
    if (egressError && !this.failure) this.fail(egressFailure(egressError));
    await finishWorkers(workers, () => this.failure !== null);
    if (this.drainTimer) {
      clearTimeout(this.drainTimer);
      this.drainTimer = null;
    }
    if (!this.failure) this.state = 'stopped';
  }
}
