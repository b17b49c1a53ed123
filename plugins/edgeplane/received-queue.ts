import type { IngressSink } from '../../kernel/plugin-contract.ts';
import type { HealthTracker } from './health.ts';

/**
 * Messages a push-style source (websocket, postgres LISTEN/NOTIFY) received and has not yet
 * pushed into the pipeline: the client's callbacks `add` them, one drain loop pushes them into
 * the sink in arrival order (awaiting the sink's backpressure), and the source's lag is the
 * queue's length. `wake` lets close() end a drain that waits for the next message.
 */
export class ReceivedQueue {
  private readonly items: Uint8Array[] = [];
  private wakeDrain: (() => void) | null = null;

  constructor(private readonly h: HealthTracker) {}

  get length(): number {
    return this.items.length;
  }

  /** A message arrived. */
  add(r: Uint8Array): void {
    this.items.push(r);
    this.h.lag(this.items.length);
    this.wakeDrain?.();
  }

  /** Wake a waiting drain (so it sees its stop signal). */
  wake(): void {
    this.wakeDrain?.();
  }

  /** Push every message into `sink`, in order, until `stop` aborts; `afterPush` runs after each. */
  async drain(sink: IngressSink, stop: AbortSignal, afterPush?: () => void): Promise<void> {
    while (!stop.aborted) {
      const r = this.items.shift();
      if (!r) {
        await new Promise<void>((resolve) => {
          this.wakeDrain = resolve;
        }); // woken by a message or by close()
        this.wakeDrain = null;
        continue;
      }
      {
        const p = sink.push(r);
        if (p) await p;
      }
      this.h.count(1);
      this.h.lag(this.items.length);
      afterPush?.();
    }
  }
}
