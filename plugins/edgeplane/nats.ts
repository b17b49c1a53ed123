import type { Msg, NatsConnection, NatsError, Subscription } from 'nats';
import { z } from 'zod';
import type {
  AdapterFactory,
  EgressAdapter,
  EgressView,
  IngressAdapter,
  IngressSink,
} from '../../kernel/plugin-contract.ts';
import { track, type LiveBinding } from './bindings.ts';
import { BurstBatcher, CHUNK_BYTES } from './burst-batcher.ts';
import { CopiedBatch } from './view-batch.ts';
import { OutagePolicy, OutageSettings } from './egress-retry.ts';
import { HealthTracker, errorText } from './health.ts';
import { closeNats, flushWithin, natsConnectionSettings, natsEndpoint, openNats } from './nats-connection.ts';
import { int, parseSettings, text } from './settings.ts';
import { failSource, transportError } from './source-failure.ts';

/**
 * NATS core (`nats`). Ingress subscribes to a subject (optionally in a queue group, so several
 * runtimes share the load) with a callback: the messages of one burst (one read of the socket)
 * are copied into a reused buffer and pushed together (BurstBatcher: one pushSpans, no promise or
 * object per message); while the ring is full they queue, up to `max_pending_bytes`, beyond which
 * they are dropped and counted in `recent_failures`. Egress publishes each record to a subject and
 * confirms with a flush. Core NATS keeps nothing: a message published while no runtime is
 * subscribed, or received but not yet in the ring when the runtime dies, is gone. Delivery is
 * at-most-once; use `nats_jetstream` for at-least-once.
 */

export const NatsIngressSettings = z.object({
  ...natsConnectionSettings,
  subject: text(),
  queue: text().optional(),
  /** received messages waiting for the ring (a full ring) beyond this many bytes are dropped and counted */
  max_pending_bytes: int(CHUNK_BYTES, 1 << 30).default(32 << 20),
});

export const NatsEgressSettings = z.object({
  ...natsConnectionSettings,
  subject: text(),
  write_timeout_ms: int(1, 3_600_000).default(30_000),
  ...OutageSettings,
});

export class NatsIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'nats';
  private closing: Promise<void> | null = null;
  private readonly h = new HealthTracker('nats', 'messages');
  private readonly stop = new AbortController();
  private nc: NatsConnection | null = null;
  private sub: Subscription | null = null;
  private batch: BurstBatcher | null = null;

  constructor(readonly settings: z.output<typeof NatsIngressSettings>) {}

  endpoint(): string {
    return natsEndpoint(
      this.settings,
      `subject ${this.settings.subject}${this.settings.queue ? ` queue ${this.settings.queue}` : ''}`,
    );
  }
  health() {
    return this.h.snapshot();
  }

  async start(sink: IngressSink): Promise<void> {
    const s = this.settings;
    this.nc = await openNats('nats', s, this.h, this.stop.signal);
    const batch = new BurstBatcher(sink, this.h, {
      maxBytes: s.max_pending_bytes,
      what: 'messages',
      setting: 'ingress.max_pending_bytes; core NATS is at-most-once',
      failed: (e) => failSource(sink, this.h, 'nats', e),
    });
    this.batch = batch;
    const onMessage = (err: NatsError | null, m: Msg) => {
      if (err) {
        // a subscription error (permissions) ends the subscription: the source failed for good
        if (!this.stop.signal.aborted && this.h.state !== 'failed')
          failSource(sink, this.h, 'nats', transportError('nats', `subscription ${s.subject}: ${errorText(err)}`, err));
        return;
      }
      batch.add(m.data);
    };
    this.sub = this.nc.subscribe(
      s.subject,
      s.queue ? { queue: s.queue, callback: onMessage } : { callback: onMessage },
    );
    await flushWithin(this.nc, s.connect_timeout_ms); // the subscription is registered
    this.h.lag(0);
  }

  /** stop the intake and release the source; idempotent (the run may call it twice) */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      this.sub?.unsubscribe();
      const batch = this.batch;
      if (batch) {
        batch.stop();
        await batch.settled();
        batch.reportDrops();
        if (batch.queued)
          this.h.fail(`${batch.queued} received messages were not pushed before close (core NATS is at-most-once)`);
      }
      await closeNats(this.nc);
      this.h.set('closed');
    })();
    return this.closing;
  }
}

export class NatsEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'nats';
  private readonly h = new HealthTracker('nats', 'records');
  private readonly stop = new AbortController();
  private nc: NatsConnection | null = null;
  private readonly outage: OutagePolicy;

  constructor(readonly settings: z.output<typeof NatsEgressSettings>) {
    this.outage = new OutagePolicy('nats', settings, this.h);
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
    this.nc = await openNats('nats', this.settings, this.h, this.stop.signal);
    this.h.lag(0);
  }

  write(records: Uint8Array[]): Promise<void> {
    return this.send(records.length, (nc, subject) => {
      for (const r of records) nc.publish(subject, r);
    });
  }

  /**
   * The batch from the ring slots: copied into one buffer of this write (one copy of the batch, no copy or
   * object per record beyond the view nats.js takes), each record published from there. nats.js keeps a
   * reference to a payload until it writes its outbound buffer (at once, or on reconnect while the server is
   * away), which may be after this write gave up: so the payloads must not be the slots.
   */
  writeFrom(view: EgressView): Promise<void> {
    const n = view.count;
    const batch = CopiedBatch.of(view);
    return this.send(n, (nc, subject) => {
      for (let i = 0; i < n; i++) nc.publish(subject, batch.record(i));
    });
  }

  private async send(n: number, publish: (nc: NatsConnection, subject: string) => void): Promise<void> {
    const nc = this.nc;
    if (!nc) throw transportError('nats', 'write before start or after close');
    this.h.lag(n);
    const until = Date.now() + this.settings.write_timeout_ms;
    // while the client reconnects it buffers publishes and sends them once the server is back;
    // the flush confirms the server has them (publishing again would only duplicate them, so a
    // retry flushes again)
    try {
      publish(nc, this.settings.subject);
    } catch (e) {
      await this.outage.failed(`cannot publish to ${this.settings.subject}: ${errorText(e)}`, 0, false);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await flushWithin(nc, this.settings.write_timeout_ms);
        this.outage.ok();
        break;
      } catch (e) {
        await this.outage.failed(
          `cannot publish to ${this.settings.subject}: ${errorText(e)}`,
          attempt,
          !nc.isClosed(),
          until,
        );
      }
    }
    this.h.count(n);
    this.h.lag(0);
  }

  async close(): Promise<void> {
    this.stop.abort();
    await closeNats(this.nc);
    this.h.set('closed');
  }
}

export const natsAdapter: AdapterFactory = {
  kind: 'nats',
  summary: 'NATS core: subscribe (optionally as a queue group) / publish; at-most-once',
  direction: 'both',
  ingress: (settings) => track(new NatsIngress(parseSettings(NatsIngressSettings, settings, 'ingress', 'nats'))),
  egress: (settings) => track(new NatsEgress(parseSettings(NatsEgressSettings, settings, 'egress', 'nats'))),
};
