import { hostname } from 'node:os';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { z } from 'zod';
import type { AdapterFactory, EgressAdapter, IngressAdapter, IngressSink } from '../../kernel/plugin-contract.ts';
import { Backoff, settle, sleep } from './backoff.ts';
import { track, type LiveBinding } from './bindings.ts';
import { CommitPoint } from './commit-point.ts';
import { OutagePolicy, OutageSettings } from './egress-retry.ts';
import { HealthTracker, errorText } from './health.ts';
import {
  STREAM_QUEUE,
  amqpConnectionSettings,
  amqpEndpoint,
  amqpReplyCode,
  closeAmqp,
  openAmqp,
} from './rabbitmq-connection.ts';
import { OffsetStore } from './rabbitmq-offsets.ts';
import { bool, configError, int, parseSettings, text } from './settings.ts';
import { failSource, transportError } from './source-failure.ts';

/**
 * RabbitMQ stream queues over AMQP 0-9-1 (`amqplib`; RabbitMQ 3.9+). Ingress consumes the
 * stream from a stored offset (`x-stream-offset`, prefetch `batch`) and stores the offset after
 * the records left through egress (in the broker: rabbitmq-offsets.ts), so a restart of the
 * runtime or of the broker resumes after the last acknowledged record: at-least-once. Egress
 * publishes each record to the stream with publisher confirms (persistent, mandatory): a write
 * resolves once the broker confirmed every record; after a lost connection the unconfirmed rest
 * is published again (duplicates possible, no loss).
 */

const START = /^(first|last|next|\d+)$/;

export const RabbitStreamsIngressSettings = z.object({
  ...amqpConnectionSettings,
  /** names the position: the offsets queue defaults to `<queue>.offsets.<consumer>` */
  consumer: text().default(`byteor-${hostname()}`),
  offsets_queue: text().optional(),
  create: bool().default(true),
  /** where to begin when no offset is stored: first, last (the last chunk), next (new only) or an offset */
  start: z.string().regex(START, 'must be first, last, next or an offset').default('first'),
  batch: int(1, 65_535).default(256),
  close_grace_ms: int(0, 3_600_000).default(5_000),
});

export const RabbitStreamsEgressSettings = z.object({
  ...amqpConnectionSettings,
  create: bool().default(true),
  write_timeout_ms: int(1, 3_600_000).default(30_000),
  /**
   * how long one publish attempt waits for the broker's confirms: past it the channel is dropped
   * and the records without a confirm are published again on a new one (a broker restarting
   * under a run can take publishes and never confirm them)
   */
  confirm_timeout_ms: int(1, 3_600_000).default(5_000),
  ...OutageSettings,
});

type IngressSettings = z.output<typeof RabbitStreamsIngressSettings>;

/** declare the stream (create) or check that it exists */
async function ensureStream(conn: ChannelModel, queue: string, create: boolean, direction: string): Promise<void> {
  const ch = await conn.createChannel();
  ch.on('error', () => {
    /* reported through the rejected call */
  });
  try {
    if (create) await ch.assertQueue(queue, STREAM_QUEUE);
    else await ch.checkQueue(queue);
  } catch (e) {
    if (amqpReplyCode(e) === 404)
      throw configError(
        `${direction}.queue: stream queue "${queue}" does not exist; declare it (x-queue-type=stream) or set ` +
          `${direction}.create=true`,
      );
    if (amqpReplyCode(e) === 406)
      throw configError(
        `${direction}.queue: "${queue}" exists with other arguments (not a stream queue?): ${errorText(e)}; use ` +
          `another queue name`,
      );
    throw e;
  }
  await ch.close().catch(() => {});
}

export class RabbitStreamsIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'rabbitmq_streams';
  private readonly h = new HealthTracker('rabbitmq_streams', 'messages');
  private readonly stop = new AbortController();
  private readonly commit = new CommitPoint<number>();
  private readonly store: OffsetStore;
  private conn: ChannelModel | null = null;
  /** the stream offset to consume from after a reconnect (just past the last record pushed) */
  private next: number | null = null;
  /** the offset stored in the broker (next to read), and the one to store */
  private stored = -1;
  private wanted = -1;
  private storing: Promise<void> = Promise.resolve();
  private loop: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;

  constructor(readonly settings: IngressSettings) {
    this.store = new OffsetStore(settings.offsets_queue ?? `${settings.queue}.offsets.${settings.consumer}`);
  }

  endpoint(): string {
    return amqpEndpoint(this.settings, `consumer ${this.settings.consumer} offsets ${this.store.queue}`);
  }
  health() {
    return this.h.snapshot();
  }

  async start(sink: IngressSink): Promise<void> {
    const s = this.settings;
    this.conn = await openAmqp(this.kind, s, this.h, Date.now() + s.connect_timeout_ms).catch((e) => {
      this.h.set('failed');
      throw e;
    });
    try {
      await ensureStream(this.conn, s.queue, s.create, 'ingress');
      await this.store.attach(this.conn);
      const stored = await this.store.load();
      if (stored !== null) {
        this.next = stored;
        this.stored = this.wanted = stored;
      } else if (/^\d+$/.test(s.start)) this.next = Number(s.start);
    } catch (e) {
      await closeAmqp(this.conn);
      this.conn = null;
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw e instanceof Error && String((e as { code?: unknown }).code ?? '').startsWith('BYTEOR_E_')
        ? e
        : transportError(this.kind, `cannot set up stream "${s.queue}": ${errorText(e)}`, e);
    }
    this.loop = this.run(sink).catch((e) => failSource(sink, this.h, this.kind, e));
  }

  /** one connection after another until closed: consume, push in order, resume after a loss */
  private async run(sink: IngressSink): Promise<void> {
    const s = this.settings;
    const backoff = new Backoff(s.backoff_ms, s.backoff_max_ms);
    while (!this.stop.signal.aborted) {
      const conn = this.conn ?? (await this.reconnect(backoff));
      if (!conn) return;
      this.conn = conn;
      const lost = new Promise<void>((resolve) => {
        conn.once('close', () => resolve());
        conn.once('error', (e: Error) => this.h.fail(`connection: ${errorText(e)}`));
      });
      try {
        await this.consume(conn, sink, lost);
        backoff.reset();
      } catch (e) {
        if (this.stop.signal.aborted) return;
        this.h.fail(`consume ${s.queue}: ${errorText(e)}`);
      }
      if (this.stop.signal.aborted) return;
      this.store.detach();
      this.h.set('reconnecting');
      await closeAmqp(conn);
      this.conn = null;
      await sleep(backoff.next(), this.stop.signal);
    }
  }

  private async reconnect(backoff: Backoff): Promise<ChannelModel | null> {
    const s = this.settings;
    while (!this.stop.signal.aborted) {
      try {
        const conn = await openAmqp(this.kind, s, this.h, Date.now() + s.connect_timeout_ms, this.stop.signal);
        await this.store.attach(conn);
        this.h.set('connected');
        void this.flushOffset(); // acknowledgements that came while the broker was away
        return conn;
      } catch (e) {
        if (this.stop.signal.aborted) return null;
        this.h.fail(errorText(e));
        await sleep(backoff.next(), this.stop.signal);
      }
    }
    return null;
  }

  /** consume until the connection is lost or the binding closes */
  private async consume(conn: ChannelModel, sink: IngressSink, lost: Promise<void>): Promise<void> {
    const s = this.settings;
    const ch: Channel = await conn.createChannel();
    ch.on('error', (e: Error) => this.h.fail(`channel: ${errorText(e)}`));
    await ch.prefetch(s.batch); // streams require a prefetch
    const arrived: ConsumeMessage[] = [];
    let wake: (() => void) | null = null;
    let cancelled = false;
    const from = this.next ?? s.start;
    const { consumerTag } = await ch.consume(
      s.queue,
      (m) => {
        if (m === null) {
          cancelled = true;
          wake?.();
          return;
        } // the broker cancelled the consumer (stream deleted)
        arrived.push(m);
        wake?.();
      },
      { noAck: false, arguments: { 'x-stream-offset': from } },
    );
    let gone = false;
    void lost.then(() => {
      gone = true;
      wake?.();
    });
    const stopped = () => {
      wake?.();
    };
    this.stop.signal.addEventListener('abort', stopped, { once: true });
    try {
      while (!this.stop.signal.aborted && !gone) {
        const m = arrived.shift();
        if (!m) {
          if (cancelled) throw new Error(`the broker cancelled the consumer of "${s.queue}" (was the stream deleted?)`);
          this.h.lag(this.commit.inFlight);
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = null;
          continue;
        }
        const offset = Number(m.properties.headers?.['x-stream-offset']);
        // a consumer starts at the beginning of the chunk that holds the offset asked for
        if (this.next !== null && offset < this.next) {
          ch.ack(m);
          continue;
        }
        const token = this.commit.push(offset);
        this.next = offset + 1;
        {
          const p = sink.push(m.content, token);
          if (p) await p;
        }
        this.h.count(1);
        this.h.lag(this.commit.inFlight + arrived.length);
        // basic.ack only gives the broker credit for more (a stream keeps every message); the
        // position is stored once the record left through egress (ack())
        if (!gone) ch.ack(m);
      }
    } finally {
      this.stop.signal.removeEventListener('abort', stopped);
      if (!gone) await ch.cancel(consumerTag).catch(() => {});
    }
  }

  /** tokens are from CommitPoint.push; stores the offset after the acknowledged prefix */
  ack(tokens: unknown[]): Promise<void> {
    if (!this.commit.ack(tokens)) return this.storing;
    this.wanted = this.commit.position! + 1;
    this.h.lag(this.commit.inFlight);
    return this.flushOffset();
  }

  /** store `wanted` (coalesced: one publish at a time, always the latest value) */
  private flushOffset(): Promise<void> {
    this.storing = this.storing.then(async () => {
      if (this.wanted <= this.stored) return;
      const v = this.wanted;
      try {
        await this.store.store(v);
        this.stored = v;
      } catch (e) {
        // the position is stored again after the reconnect; until then a restart re-reads
        // from the older one: duplicates, never a loss
        this.h.fail(`store offset ${v} in ${this.store.queue}: ${errorText(e)}`);
      }
    });
    return this.storing;
  }

  /**
   * Stops consuming, then waits up to `close_grace_ms` for the records already pushed to be
   * acknowledged (the run drains them meanwhile) and stores the offset. Records not
   * acknowledged by then are read again by the next binding of the same consumer. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      await this.loop;
      await settle(() => this.commit.inFlight === 0, this.settings.close_grace_ms);
      await this.flushOffset();
      if (this.commit.inFlight)
        this.h.fail(
          `${this.commit.inFlight} records were not acknowledged within ${this.settings.close_grace_ms} ms of ` +
            `close (ingress.close_grace_ms); they are read again from offset ${this.stored}`,
        );
      await closeAmqp(this.conn);
      this.conn = null;
      this.h.set('closed');
    })();
    return this.closing;
  }
}

/** `confirms`, unless the channel closes first or `timeoutMs` (confirm_timeout_ms) pass (then it rejects). */
function confirmsOrClose<T>(ch: ConfirmChannel, confirms: Promise<T>, timeoutMs: number): Promise<T> {
  let onClose: () => void = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = new Promise<never>((_, reject) => {
    onClose = () => reject(new Error('the channel closed before the broker confirmed the records'));
    ch.once('close', onClose);
    timer = setTimeout(
      () => reject(new Error(`no publisher confirm within ${timeoutMs} ms (egress.confirm_timeout_ms)`)),
      timeoutMs,
    );
  });
  return Promise.race([confirms, ended]).finally(() => {
    ch.off('close', onClose);
    clearTimeout(timer);
  });
}

export class RabbitStreamsEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'rabbitmq_streams';
  private readonly h = new HealthTracker('rabbitmq_streams', 'records');
  private conn: ChannelModel | null = null;
  private ch: ConfirmChannel | null = null;
  /** records the broker returned as unroutable (mandatory): the stream is not available */
  private returned = 0;
  private closed = false;
  private readonly outage: OutagePolicy;

  constructor(readonly settings: z.output<typeof RabbitStreamsEgressSettings>) {
    this.outage = new OutagePolicy('rabbitmq_streams', settings, this.h);
  }

  interrupt(): void {
    this.outage.interrupt();
  }

  endpoint(): string {
    return amqpEndpoint(this.settings);
  }
  health() {
    return this.h.snapshot();
  }

  async start(): Promise<void> {
    const s = this.settings;
    try {
      await this.open(Date.now() + s.connect_timeout_ms);
      await ensureStream(this.conn!, s.queue, s.create, 'egress');
    } catch (e) {
      await closeAmqp(this.conn);
      this.conn = null;
      this.ch = null;
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw e instanceof Error && String((e as { code?: unknown }).code ?? '').startsWith('BYTEOR_E_')
        ? e
        : transportError(this.kind, `cannot set up stream "${s.queue}": ${errorText(e)}`, e);
    }
    this.h.lag(0);
  }

  private async open(deadline: number): Promise<ConfirmChannel> {
    const conn = await openAmqp(this.kind, this.settings, this.h, deadline);
    conn.on('error', (e: Error) => this.h.fail(`connection: ${errorText(e)}`));
    conn.once('close', () => {
      if (this.conn === conn) {
        this.conn = null;
        this.ch = null;
      }
      if (!this.closed) this.h.set('reconnecting');
    });
    const ch = await conn.createConfirmChannel();
    ch.on('error', (e: Error) => this.h.fail(`channel: ${errorText(e)}`));
    ch.on('return', () => {
      this.returned++;
    });
    ch.once('close', () => {
      if (this.ch === ch) this.ch = null;
    });
    this.conn = conn;
    this.ch = ch;
    return ch;
  }

  async write(records: Uint8Array[]): Promise<void> {
    if (this.closed) throw transportError(this.kind, 'write after close');
    const s = this.settings;
    const until = Date.now() + s.write_timeout_ms;
    let from = 0;
    this.h.lag(records.length);
    for (let attempt = 0; from < records.length; attempt++) {
      let why: string;
      try {
        const ch = this.ch ?? (await this.reopen(this.outage.ridesOut ? Date.now() + s.write_timeout_ms : until));
        const returnedBefore = this.returned;
        /** 1 once record from + i is confirmed */
        const confirmed = new Uint8Array(records.length - from);
        const confirms = records.slice(from).map(
          (r, i) =>
            new Promise<void>((resolve, reject) => {
              ch.sendToQueue(
                s.queue,
                Buffer.from(r.buffer, r.byteOffset, r.byteLength),
                { persistent: true, mandatory: true },
                (err) => {
                  if (err) reject(err);
                  else {
                    confirmed[i] = 1;
                    resolve();
                  }
                },
              );
            }),
        );
        // a broker killed mid-publish may never answer these confirms, and a restarted one may take
        // publishes and not confirm them: the channel's close or confirm_timeout_ms ends the wait,
        // and the records from the first one without a confirm are published again on a new channel
        const wait = Math.min(s.confirm_timeout_ms, s.write_timeout_ms);
        let results: PromiseSettledResult<void>[];
        try {
          results = await confirmsOrClose(ch, Promise.allSettled(confirms), wait);
        } catch (e) {
          if (this.ch === ch) {
            this.ch = null;
            void ch.close().catch(() => {});
          }
          const first = confirmed.indexOf(0);
          from += first === -1 ? confirmed.length : first;
          throw e;
        }
        if (this.returned > returnedBefore) {
          // start() saw the stream: unroutable now means it is not available — a restarted broker
          // recovers its streams after it accepts connections — or was deleted; the whole batch is
          // published again under the outage policy (bounded: until write_timeout_ms)
          why =
            `the broker returned ${this.returned - returnedBefore} records as unroutable: stream queue "${s.queue}` +
            `" is not available (recovering after a broker restart, or deleted: declare it again)`;
          this.h.set('reconnecting');
        } else {
          const bad = results.findIndex((r) => r.status === 'rejected');
          if (bad === -1) {
            from = records.length;
            this.outage.ok();
            break;
          }
          // publish again from the first record without a confirm, in order
          from += bad;
          why = errorText((results[bad] as PromiseRejectedResult).reason);
        }
      } catch (e) {
        why = errorText(e);
      }
      this.h.lag(records.length - from);
      await this.outage.failed(
        `no publisher confirm for records on "${s.queue}": ${why}; is the broker up?`,
        attempt,
        true,
        until,
      );
    }
    this.h.count(records.length);
    this.h.lag(0);
  }

  private async reopen(until: number): Promise<ConfirmChannel> {
    await closeAmqp(this.conn);
    this.conn = null;
    this.ch = null;
    const ch = await this.open(until);
    this.h.set('connected');
    return ch;
  }

  async close(): Promise<void> {
    this.closed = true;
    await closeAmqp(this.conn);
    this.conn = null;
    this.ch = null;
    this.h.set('closed');
  }
}

export const rabbitmqStreamsAdapter: AdapterFactory = {
  kind: 'rabbitmq_streams',
  summary:
    'RabbitMQ stream queues (AMQP 0-9-1): consume from a stored offset, stored after egress (at-least-once) / ' +
    'publish with confirms',
  direction: 'both',
  ingress: (settings) =>
    track(
      new RabbitStreamsIngress(parseSettings(RabbitStreamsIngressSettings, settings, 'ingress', 'rabbitmq_streams')),
    ),
  egress: (settings) =>
    track(new RabbitStreamsEgress(parseSettings(RabbitStreamsEgressSettings, settings, 'egress', 'rabbitmq_streams'))),
};
