import type { ChannelModel, ConfirmChannel } from 'amqplib';

/**
 * Where a `rabbitmq_streams` consumer keeps its position: a durable classic queue in the same
 * broker (`offsets_queue`) that holds one persistent message, `next=N` (the stream offset to
 * read next), kept to one by `x-max-length=1` / `x-overflow=drop-head`. Storing is a publish
 * with a publisher confirm (the broker wrote it), reading peeks with basic.get + requeue. The
 * position lives with the stream, survives a broker restart (durable queue, persistent
 * message) and a move of the runtime to another machine. AMQP 0-9-1 has no server-side offset
 * tracking for streams (that is the stream protocol's, which Debian's 3.10 broker and the
 * Node stream client cannot agree on: docs/edgeplane.md).
 */
export const OFFSETS_QUEUE = { durable: true, arguments: { 'x-max-length': 1, 'x-overflow': 'drop-head' } } as const;

/** Most time a store waits for the broker's confirm. */
const CONFIRM_TIMEOUT_MS = 10_000;

export class OffsetStore {
  private ch: ConfirmChannel | null = null;

  constructor(readonly queue: string) {}

  /** open the store's channel on `conn` (again after a reconnect), declaring the queue */
  async attach(conn: ChannelModel): Promise<void> {
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => {
      /* the connection's close handler reports it */
    });
    await ch.assertQueue(this.queue, OFFSETS_QUEUE);
    this.ch = ch;
  }

  detach(): void {
    this.ch = null;
  }

  /** the stored next offset, or null when none was stored yet */
  async load(): Promise<number | null> {
    const ch = this.ch!;
    const m = await ch.get(this.queue, { noAck: false });
    if (m === false) return null;
    ch.nack(m, false, true); // put it back: reading must not consume the position
    const v = /^next=(\d+)$/.exec(m.content.toString('latin1'));
    if (!v)
      throw new Error(
        `offsets queue "${this.queue}" holds "${m.content.toString('latin1').slice(0, 40)}", not "next=N"; ` +
          `purge it to read the stream from ingress.start`,
      );
    return Number(v[1]);
  }

  /**
   * store `next`; resolves once the broker confirmed it, rejects when the channel closes first
   * (a broker killed mid-publish may never answer: the position is then stored again after the
   * reconnect, and a store that hung would hold back every later one) or after CONFIRM_TIMEOUT_MS
   */
  async store(next: number): Promise<void> {
    const ch = this.ch;
    if (!ch) throw new Error('not connected');
    await new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onClose = () => settle(new Error('the channel closed before the broker confirmed the offset'));
      const settle = (err: unknown) => {
        clearTimeout(timer);
        ch.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      ch.once('close', onClose);
      timer = setTimeout(() => settle(new Error(`no confirm within ${CONFIRM_TIMEOUT_MS} ms`)), CONFIRM_TIMEOUT_MS);
      timer.unref?.();
      ch.sendToQueue(this.queue, Buffer.from(`next=${next}`, 'latin1'), { persistent: true }, (err) => settle(err));
    });
  }
}
