import { randomUUID } from 'node:crypto';
import type { JetStreamClient, JsMsg, NatsConnection } from 'nats';
import { natsClient } from './clients.ts';
import { z } from 'zod';
import type { AdapterFactory, EgressAdapter, IngressAdapter, IngressSink } from '../../kernel/plugin-contract.ts';
import { Backoff, settle, sleep } from './backoff.ts';
import { track, type LiveBinding } from './bindings.ts';
import { OutagePolicy, OutageSettings } from './egress-retry.ts';
import { HealthTracker, errorText } from './health.ts';
import { closeNats, flushWithin, natsConnectionSettings, natsEndpoint, openNats } from './nats-connection.ts';
import { bool, configError, int, parseSettings, text } from './settings.ts';
import { failSource, transportError } from './source-failure.ts';

/**
 * NATS JetStream (`nats`). Ingress pulls from a durable consumer (explicit ack) and acknowledges
 * each message only after its record left through egress, so a crash or a server restart
 * redelivers what was not acknowledged: at-least-once. Messages fetched but not pushed when the
 * binding closes are nak'ed for immediate redelivery. Egress publishes with a per-record
 * `Nats-Msg-Id`, so a publish retried after a lost PubAck is dropped by the stream's duplicate
 * window instead of stored twice; a write resolves once every record has its PubAck.
 */

export const JetStreamIngressSettings = z.object({
  ...natsConnectionSettings,
  stream: text(),
  durable: text(),
  /** subject filter of the consumer; also the stream's subject when `create=true` makes it */
  subject: text().optional(),
  create: bool().default(true),
  batch: int(1, 10_000).default(256),
  expires_ms: int(1_000, 600_000).default(1_000),
  ack_wait_ms: int(100, 3_600_000).default(30_000),
  close_grace_ms: int(0, 3_600_000).default(5_000),
});

export const JetStreamEgressSettings = z.object({
  ...natsConnectionSettings,
  subject: text(),
  /** with `create=true`, the stream to make for `subject` when none captures it */
  stream: text().optional(),
  create: bool().default(false),
  write_timeout_ms: int(1, 3_600_000).default(30_000),
  ...OutageSettings,
});

async function ensureStream(
  nc: NatsConnection,
  stream: string,
  subject: string | undefined,
  create: boolean,
  direction: string,
): Promise<void> {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(stream);
  } catch (e) {
    if (!/not found/i.test(errorText(e))) throw e;
    if (!create || !subject) {
      throw configError(
        `${direction}.stream: JetStream stream "${stream}" does not exist; create it (nats stream add) or set ` +
          `${direction}.create=true and ${direction}.subject`,
      );
    }
    await jsm.streams.add({ name: stream, subjects: [subject] });
  }
}

export class JetStreamIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'nats_jetstream';
  private readonly h = new HealthTracker('nats_jetstream', 'messages');
  private readonly stop = new AbortController();
  private nc: NatsConnection | null = null;
  private loop: Promise<void> = Promise.resolve();
  private acking: Promise<void> = Promise.resolve();
  /** pushed and not yet acknowledged: nak'ed on close so they are redelivered at once */
  private readonly unacked = new Set<JsMsg>();
  private closing: Promise<void> | null = null;

  constructor(readonly settings: z.output<typeof JetStreamIngressSettings>) {}

  endpoint(): string {
    return natsEndpoint(this.settings, `stream ${this.settings.stream} durable ${this.settings.durable}`);
  }
  health() {
    return this.h.snapshot();
  }

  async start(sink: IngressSink): Promise<void> {
    const s = this.settings;
    this.nc = await openNats('nats_jetstream', s, this.h, this.stop.signal);
    try {
      await ensureStream(this.nc, s.stream, s.subject, s.create, 'ingress');
      const jsm = await this.nc.jetstreamManager();
      try {
        await jsm.consumers.info(s.stream, s.durable);
      } catch (e) {
        if (!/not found/i.test(errorText(e))) throw e;
        if (!s.create)
          throw configError(
            `ingress.durable: consumer "${s.durable}" does not exist on stream "${s.stream}"; create it or set ` +
              `ingress.create=true`,
          );
        const { AckPolicy, DeliverPolicy, nanos } = await natsClient();
        await jsm.consumers.add(s.stream, {
          durable_name: s.durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: nanos(s.ack_wait_ms),
          ...(s.subject ? { filter_subject: s.subject } : {}),
        });
      }
    } catch (e) {
      await this.nc.close().catch(() => {});
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw e instanceof Error && (e as { code?: string }).code?.startsWith?.('BYTEOR_E_')
        ? e
        : transportError(
            'nats_jetstream',
            `cannot set up stream "${s.stream}" / consumer "${s.durable}": ${errorText(e)}`,
            e,
          );
    }
    this.loop = this.run(sink).catch((e) => failSource(sink, this.h, 'nats_jetstream', e));
  }

  private async run(sink: IngressSink): Promise<void> {
    const s = this.settings;
    const js: JetStreamClient = this.nc!.jetstream();
    const backoff = new Backoff(s.backoff_ms, s.backoff_max_ms);
    while (!this.stop.signal.aborted) {
      try {
        const consumer = await js.consumers.get(s.stream, s.durable);
        const iter = await consumer.fetch({ max_messages: s.batch, expires: s.expires_ms });
        for await (const m of iter) {
          // closing: the pull stays open until it is full or expires (at most expires_ms), and
          // everything it still brings is nak'ed for immediate redelivery, never dropped
          if (this.stop.signal.aborted) {
            m.nak();
            continue;
          }
          this.unacked.add(m);
          {
            const p = sink.push(m.data, m);
            if (p) await p;
          }
          this.h.count(1);
          this.h.lag(m.info.pending + iter.getReceived() - iter.getProcessed());
        }
        if (this.h.state === 'reconnecting' && !this.nc!.isClosed()) this.h.set('connected');
        backoff.reset();
      } catch (e) {
        if (this.stop.signal.aborted) break;
        if (this.nc!.isClosed()) throw e;
        this.h.fail(`fetch from ${s.stream}/${s.durable}: ${errorText(e)}`);
        await sleep(backoff.next(), this.stop.signal);
      }
    }
  }

  /** tokens are the JsMsg of records that left through egress */
  ack(tokens: unknown[]): Promise<void> {
    let any = false;
    for (const t of tokens) {
      const m = t as JsMsg;
      if (m && typeof m.ack === 'function' && this.unacked.delete(m)) {
        m.ack();
        any = true;
      }
    }
    if (!any || !this.nc || this.nc.isClosed()) return this.acking;
    // an ack that does not reach the server only means a redelivery (a duplicate), never a loss
    this.acking = this.acking
      .then(() => flushWithin(this.nc!, this.settings.ack_wait_ms))
      .catch((e) => this.h.fail(`ack: ${errorText(e)}`));
    return this.acking;
  }

  /**
   * Stops fetching, then waits up to `close_grace_ms` for the records already pushed to be
   * acknowledged (the run drains them through egress meanwhile). What is still unacknowledged
   * after that is nak'ed: the stream redelivers it at once, to this durable's next binding.
   * Idempotent: a second call returns the first one's promise.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      await this.loop;
      await settle(() => this.unacked.size === 0, this.settings.close_grace_ms);
      await this.acking;
      if (this.unacked.size)
        this.h.fail(
          `${this.unacked.size} records were not acknowledged within ${this.settings.close_grace_ms} ms of ` +
            `close (ingress.close_grace_ms); nak'ed for redelivery`,
        );
      for (const m of this.unacked) m.nak();
      this.unacked.clear();
      await closeNats(this.nc);
      this.h.set('closed');
    })();
    return this.closing;
  }
}

export class JetStreamEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'nats_jetstream';
  private readonly h = new HealthTracker('nats_jetstream', 'records');
  private readonly stop = new AbortController();
  private readonly idPrefix = randomUUID();
  private seq = 0;
  private nc: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  private readonly outage: OutagePolicy;

  constructor(readonly settings: z.output<typeof JetStreamEgressSettings>) {
    this.outage = new OutagePolicy('nats_jetstream', settings, this.h);
  }

  interrupt(): void {
    this.outage.interrupt();
  }

  endpoint(): string {
    return natsEndpoint(this.settings, `subject ${this.settings.subject}`);
  }
  health() {
    return this.h.snapshot();
  }

  async start(): Promise<void> {
    const s = this.settings;
    this.nc = await openNats('nats_jetstream', s, this.h, this.stop.signal);
    if (s.stream) {
      try {
        await ensureStream(this.nc, s.stream, s.subject, s.create, 'egress');
      } catch (e) {
        await this.nc.close().catch(() => {});
        this.h.fail(errorText(e));
        this.h.set('failed');
        throw e;
      }
    }
    this.js = this.nc.jetstream();
    this.h.lag(0);
  }

  async write(records: Uint8Array[]): Promise<void> {
    const js = this.js;
    if (!js) throw transportError('nats_jetstream', 'write before start or after close');
    const s = this.settings;
    const ids = records.map(() => `${this.idPrefix}-${this.seq++}`);
    const until = Date.now() + s.write_timeout_ms;
    let from = 0;
    this.h.lag(records.length);
    for (let attempt = 0; from < records.length; attempt++) {
      const results = await Promise.allSettled(
        records.slice(from).map((r, i) =>
          js.publish(s.subject, r, {
            msgID: ids[from + i]!,
            timeout: Math.max(500, Math.min(5_000, until - Date.now())),
          }),
        ),
      );
      const firstBad = results.findIndex((r) => r.status === 'rejected');
      if (firstBad === -1) {
        from = records.length;
        this.outage.ok();
        break;
      }
      // retry from the first record without a PubAck, in order; ids make resends idempotent
      from += firstBad;
      this.h.lag(records.length - from);
      const why = errorText((results[firstBad] as PromiseRejectedResult).reason);
      // a closed connection does not come back; otherwise: no PubAck yet (server down, no stream)
      await this.outage.failed(
        `no PubAck for records on ${s.subject}: ${why}; is a stream capturing the subject?`,
        attempt,
        !this.nc!.isClosed(),
        until,
      );
    }
    this.h.count(records.length);
    this.h.lag(0);
  }

  async close(): Promise<void> {
    this.stop.abort();
    await closeNats(this.nc);
    this.h.set('closed');
  }
}

export const jetstreamAdapter: AdapterFactory = {
  kind: 'nats_jetstream',
  summary: 'NATS JetStream: durable pull consumer, ack after egress (at-least-once) / publish with PubAck and msg ids',
  direction: 'both',
  ingress: (settings) =>
    track(new JetStreamIngress(parseSettings(JetStreamIngressSettings, settings, 'ingress', 'nats_jetstream'))),
  egress: (settings) =>
    track(new JetStreamEgress(parseSettings(JetStreamEgressSettings, settings, 'egress', 'nats_jetstream'))),
};
