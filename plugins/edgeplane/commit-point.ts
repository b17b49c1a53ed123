/**
 * The position a source may store after acknowledgements: records are pushed in source order,
 * each with a token naming its position; acknowledgements may come in any grouping (and, with
 * several egress paths, out of order). The commit point is the position of the last record of
 * the longest acknowledged prefix, so storing it never skips a record still in the pipeline.
 * `T` is the source's position (a stream offset, an object key and byte offset).
 */
export class CommitPoint<T> {
  /** pushed, in push order; `done` once acknowledged */
  private readonly pending: Array<{ pos: T; done: boolean }> = [];
  private readonly byToken = new Map<object, { pos: T; done: boolean }>();
  private committed: T | null = null;

  /** a record at `pos` was pushed; returns its ack token */
  push(pos: T): object {
    const entry = { pos, done: false };
    const token = { pos };
    this.pending.push(entry);
    this.byToken.set(token, entry);
    return token;
  }

  /** mark tokens acknowledged; true when the commit point moved */
  ack(tokens: unknown[]): boolean {
    for (const t of tokens) {
      const e = typeof t === 'object' && t !== null ? this.byToken.get(t) : undefined;
      if (e) {
        e.done = true;
        this.byToken.delete(t as object);
      }
    }
    let moved = false;
    while (this.pending.length && this.pending[0]!.done) {
      this.committed = this.pending.shift()!.pos;
      moved = true;
    }
    return moved;
  }

  /** position of the last record of the acknowledged prefix (null: none yet) */
  get position(): T | null {
    return this.committed;
  }

  /** pushed and not yet part of the acknowledged prefix */
  get inFlight(): number {
    return this.pending.length;
  }
}
