/**
 * The order records entered the runtime, kept by the main thread (which is both the producer
 * and the egress reader): for each in-flight record, the shard it went to and the ingress
 * adapter's ack token. Egress follows it, so output comes out in ingress order even with
 * several shards (deterministic output; per-key order is implied), and acks go back in order.
 * In-flight records never exceed the sum of the ring capacities, which sizes the log.
 */
export class RouteLog {
  private readonly shardOf: Uint8Array;
  private readonly tokens: unknown[];
  private readonly mask: number;
  /** records appended so far (the next append index) */
  head = 0;
  /** records consumed so far */
  tail = 0;
  /** ack tokens in the log (a run without any is consumed without looking at them) */
  private tokenCount = 0;

  constructor(inFlight: number) {
    let size = 1;
    while (size < inFlight) size *= 2;
    this.shardOf = new Uint8Array(size);
    this.tokens = new Array<unknown>(size).fill(undefined);
    this.mask = size - 1;
  }

  append(shard: number, token: unknown): void {
    const i = this.head & this.mask;
    this.shardOf[i] = shard;
    this.tokens[i] = token;
    if (token !== undefined) this.tokenCount++;
    this.head++;
  }

  /** `n` records of `shard` without ack tokens (a batch placed at once). */
  appendRun(shard: number, n: number): void {
    const size = this.mask + 1;
    const i = this.head & this.mask;
    if (n <= 8) {
      // a few records: stores, not a builtin call
      for (let k = 0; k < n; k++) this.shardOf[(i + k) & this.mask] = shard;
    } else if (i + n <= size) this.shardOf.fill(shard, i, i + n);
    else {
      this.shardOf.fill(shard, i, size);
      this.shardOf.fill(shard, 0, i + n - size);
    }
    this.head += n;
  }

  get size(): number {
    return this.head - this.tail;
  }
  /** shard of the oldest unconsumed record */
  peekShard(): number {
    return this.shardOf[this.tail & this.mask]!;
  }
  /** consume the oldest record; returns its ack token */
  shift(): unknown {
    const i = this.tail & this.mask;
    const t = this.tokens[i];
    if (t !== undefined) {
      this.tokens[i] = undefined;
      this.tokenCount--;
    }
    this.tail++;
    return t;
  }

  /** Consume the `n` oldest records (n <= size), appending their ack tokens, in order, to `out`. */
  shiftRun(n: number, out: unknown[]): void {
    if (this.tokenCount > 0) {
      const tokens = this.tokens;
      const mask = this.mask;
      for (let k = this.tail, end = this.tail + n; k < end; k++) {
        const i = k & mask;
        const t = tokens[i];
        if (t !== undefined) {
          out.push(t);
          tokens[i] = undefined;
          this.tokenCount--;
        }
      }
    }
    this.tail += n;
  }
}
