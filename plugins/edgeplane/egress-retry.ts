import { z } from 'zod';
import { ByteorError } from '../../kernel/errors.ts';
import { Backoff, sleep } from './backoff.ts';
import type { HealthTracker } from './health.ts';
import { int } from './settings.ts';
import { transportError } from './source-failure.ts';
import { EdgeplaneErrors } from './errors.ts';

/**
 * The outage policy every egress adapter applies when a write fails transiently (the destination
 * is down, refuses connections, answers 5xx, a publish is not confirmed): one implementation,
 * shared by http, websocket, nats, nats_jetstream, redis_streams, postgres, grpc,
 * rabbitmq_streams and s3.
 *
 * - `retry=bounded` (default, today's behaviour): `retries` retries, then the run fails with
 *   BYTEOR_E_EDGEPLANE_TRANSPORT.
 * - `retry=forever`: retry until the destination is back, with exponential backoff (±20 %
 *   jitter); the binding reports `reconnecting`. The write does not resolve meanwhile, so the
 *   egress reader does not release ring slots: the ring fills and the ingress waits in
 *   `sink.push` (backpressure); nothing is dropped.
 * - `max_outage_ms=N`: like `forever`, but when the destination stays unreachable for longer
 *   than N ms (from the first failure after the last success) the run fails with
 *   BYTEOR_E_EGRESS_OUTAGE (exit 1) naming the adapter and the outage length.
 *
 * A run that aborts (drain timeout, second signal, another failure) calls `interrupt()`
 * (EgressAdapter.interrupt): the pending backoff ends at once and the write rejects, so a stop
 * during an outage ends within --drain-timeout with the undelivered records counted.
 */

/** the settings each egress schema spreads in (`...OutageSettings`) */
export const OutageSettings = {
  retry: z.enum(['bounded', 'forever']).default('bounded'),
  max_outage_ms: int(1, 7 * 24 * 3_600_000).optional(),
};

export interface OutageOptions {
  /** bounded mode, adapters that count attempts (http, grpc) */
  retries?: number;
  /** bounded mode, adapters that bound a write by time (the deadline is passed to `failed`) */
  write_timeout_ms?: number;
  retry: 'bounded' | 'forever';
  max_outage_ms?: number | undefined;
  backoff_ms: number;
  backoff_max_ms: number;
}

export class OutagePolicy {
  private readonly backoff: Backoff;
  /** Date.now() of the first failure since the last success; 0: no outage */
  private since = 0;
  private readonly stopper = new AbortController();

  constructor(
    private readonly kind: string,
    private readonly o: OutageOptions,
    private readonly h: HealthTracker,
  ) {
    this.backoff = new Backoff(o.backoff_ms, o.backoff_max_ms);
  }

  /** true when the policy waits out outages (`retry=forever` or `max_outage_ms`) */
  get ridesOut(): boolean {
    return this.o.retry === 'forever' || this.o.max_outage_ms !== undefined;
  }

  /** the run aborted: stop waiting, make the pending and later writes reject */
  interrupt(): void {
    this.stopper.abort();
  }

  get interrupted(): boolean {
    return this.stopper.signal.aborted;
  }

  /** aborted by `interrupt()`: for an adapter's own reconnect waits */
  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  /** an attempt succeeded: the outage (if any) is over */
  ok(): void {
    if (this.since !== 0 || this.backoff.attempts !== 0) {
      this.since = 0;
      this.backoff.reset();
    }
    if (this.h.state === 'reconnecting' || this.h.state === 'connecting') this.h.set('connected');
  }

  /**
   * An attempt failed with `problem`. `attempt` counts the failed attempts of this record or
   * batch from 0. Resolves after the backoff delay when the caller should try again; throws
   * (and marks the binding `failed`) when the policy gives up or the run was interrupted.
   * `retryable` false: the destination refused the record for good (never retried).
   * `deadline` (epoch ms, bounded mode of adapters with `write_timeout_ms`): give up once passed.
   */
  async failed(problem: string, attempt: number, retryable = true, deadline?: number): Promise<void> {
    const o = this.o;
    this.h.fail(problem);
    if (this.stopper.signal.aborted) throw this.interruptedError(problem);
    if (!retryable) {
      this.h.set('failed');
      throw transportError(this.kind, `${problem} (not retried: the destination refused the record)`);
    }
    const now = Date.now();
    if (this.since === 0) this.since = now;
    if (o.max_outage_ms !== undefined) {
      const outage = now - this.since;
      if (outage > o.max_outage_ms) {
        this.h.set('failed');
        throw EdgeplaneErrors.error(
          'BYTEOR_E_EGRESS_OUTAGE',
          `egress ${this.kind}: the destination was unreachable for ${outage} ms, longer than ` +
            `egress.max_outage_ms=${o.max_outage_ms} (last problem: ${problem}); bring the destination back and ` +
            `run again (sources with acks resume after the last delivered record), or raise egress.max_outage_ms / ` +
            `set egress.retry=forever`,
          { kind: this.kind, outage_ms: outage, max_outage_ms: o.max_outage_ms },
        );
      }
    } else if (o.retry === 'bounded') {
      const RIDE = 'for a service that rides out outages set egress.retry=forever or egress.max_outage_ms';
      if (deadline !== undefined && now >= deadline) {
        this.h.set('failed');
        throw transportError(
          this.kind,
          `${problem}: not written within ${o.write_timeout_ms} ms (egress.write_timeout_ms); ${RIDE}`,
        );
      }
      if (deadline === undefined && attempt >= (o.retries ?? 0)) {
        this.h.set('failed');
        throw transportError(
          this.kind,
          `${problem} after ${attempt + 1} attempts (egress.retries=${o.retries ?? 0}); ${RIDE}`,
        );
      }
    }
    this.h.set('reconnecting');
    let delay = this.backoff.next();
    if (deadline !== undefined && o.retry === 'bounded' && o.max_outage_ms === undefined)
      delay = Math.max(1, Math.min(delay, deadline - now));
    if (o.max_outage_ms !== undefined) delay = Math.max(1, Math.min(delay, this.since + o.max_outage_ms + 1 - now));
    await sleep(delay, this.stopper.signal);
    if (this.stopper.signal.aborted) throw this.interruptedError(problem);
  }

  private interruptedError(problem: string): ByteorError {
    return transportError(
      this.kind,
      `write interrupted: the run stopped while the destination was unreachable (${problem})`,
    );
  }
}
