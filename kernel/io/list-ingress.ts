import type { AdapterHealth, ConnectionState, IngressAdapter, IngressSink } from '../plugin-contract.ts';

/**
 * An ingress over records already in memory (a replay's journal window, tests): pushes them in
 * order, then ends the input. Closing it (the run stopped or failed) stops before the next record.
 */
export class ListIngress implements IngressAdapter {
  private state: ConnectionState = 'connecting';
  private count = 0;
  private closed = false;
  /** resolves when every record was pushed, or the ingress was closed */
  finished: Promise<void> = Promise.resolve();

  constructor(private readonly records: readonly Uint8Array[]) {}

  async start(sink: IngressSink): Promise<void> {
    this.state = 'connected';
    this.finished = this.pushAll(sink);
  }

  private async pushAll(sink: IngressSink): Promise<void> {
    try {
      for (const rec of this.records) {
        if (this.closed) break;
        const p = sink.push(rec);
        if (p) await p;
        this.count++;
      }
      sink.end();
    } catch (e) {
      this.state = 'failed';
      if (sink.fail) sink.fail(e instanceof Error ? e : new Error(String(e)));
      else sink.end();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.state !== 'failed') this.state = 'closed';
  }

  health(): AdapterHealth {
    return {
      transport: 'memory',
      connection_state: this.state,
      message_count: this.count,
      lag: null,
      recent_failures: [],
    };
  }
}
