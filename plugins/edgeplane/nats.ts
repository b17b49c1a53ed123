import type { NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
import type { AdapterFactory, EgressAdapter, IngressAdapter, IngressSink } from '../../kernel/plugin-contract.ts';
import { track, type LiveBinding } from './bindings.ts';
import { OutagePolicy, OutageSettings } from './egress-retry.ts';
import { HealthTracker, errorText } from './health.ts';
import { closeNats, flushWithin, natsConnectionSettings, natsEndpoint, openNats } from './nats-connection.ts';
import { int, parseSettings, text } from './settings.ts';
import { failSource, transportError } from './source-failure.ts';

/**
 * NATS core (`nats`). Ingress subscribes to a subject (optionally in a queue group, so several
 * runtimes share the load); egress publishes each record to a subject and confirms with a flush.
 * Core NATS keeps nothing: a message published while no runtime is subscribed, or received but
 * not yet in the ring when the runtime dies, is gone. Delivery is at-most-once; use
 * `nats_jetstream` for at-least-once.
 */

export const NatsIngressSettings = z.object({
  ...natsConnectionSettings,
  subject: text(),
  queue: text().optional(),
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
  private loop: Promise<void> = Promise.resolve();

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
    this.nc = await openNats('nats', this.settings, this.h, this.stop.signal);
    this.sub = this.nc.subscribe(this.settings.subject, this.settings.queue ? { queue: this.settings.queue } : {});
    await flushWithin(this.nc, this.settings.connect_timeout_ms); // the subscription is registered
    this.h.lag(0);
    this.loop = this.run(sink).catch((e) => failSource(sink, this.h, 'nats', e));
  }

  private async run(sink: IngressSink): Promise<void> {
    const sub = this.sub!;
    for await (const m of sub) {
      if (this.stop.signal.aborted) break;
      {
        const p = sink.push(m.data);
        if (p) await p;
      }
      this.h.count(1);
      this.h.lag(sub.getPending());
    }
  }

  /** stop the intake and release the source; idempotent (the run may call it twice) */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      const left = this.sub?.getPending() ?? 0;
      this.sub?.unsubscribe();
      if (left > 1)
        this.h.fail(`${left - 1} received messages were not pushed before close (core NATS is at-most-once)`);
      await closeNats(this.nc);
      await this.loop;
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

  async write(records: Uint8Array[]): Promise<void> {
    const nc = this.nc;
    if (!nc) throw transportError('nats', 'write before start or after close');
    this.h.lag(records.length);
    const until = Date.now() + this.settings.write_timeout_ms;
    // while the client reconnects it buffers publishes and sends them once the server is back;
    // the flush confirms the server has them (publishing again would only duplicate them, so a
    // retry flushes again)
    try {
      for (const r of records) nc.publish(this.settings.subject, r);
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
    this.h.count(records.length);
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
