import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'undici';
import { undiciClient } from './clients.ts';
import { z } from 'zod';
import type { AdapterFactory, EgressAdapter, IngressAdapter, IngressSink } from '../../kernel/plugin-contract.ts';
import { settle } from './backoff.ts';
import { OutagePolicy, OutageSettings } from './egress-retry.ts';
import { acknowledgeReceipts, awaitDelivered, deliveryReceipt } from './delivery-receipt.ts';
import { track, type LiveBinding } from './bindings.ts';
import { HealthTracker, errorText } from './health.ts';
import { LineSplitter } from './lines.ts';
import { bool, int, parseSettings, port, redactUrl, text, url } from './settings.ts';
import { transportError } from './source-failure.ts';

/**
 * HTTP. Ingress is a `node:http` server taking POST bodies (one record per body, or one per line
 * with `split=lines`); it answers 202 only once every record of the body is in the ring
 * (`reply=accepted`) or has left through egress (`reply=delivered`), so a client that retries
 * until it sees 202 gets at-least-once delivery. Egress POSTs (or PUTs) each record with undici,
 * retrying network errors, 429 and 5xx with backoff.
 */

export const HttpIngressSettings = z.object({
  host: text().default('127.0.0.1'),
  port: port(),
  path: z.string().startsWith('/', 'must start with /').default('/'),
  split: z.enum(['none', 'lines']).default('none'),
  reply: z.enum(['accepted', 'delivered']).default('accepted'),
  max_body_bytes: int(1, 1 << 30).default(1 << 20),
  delivered_timeout_ms: int(1, 3_600_000).default(30_000),
});

export const HttpEgressSettings = z.object({
  url: url(['http', 'https']),
  method: z.enum(['POST', 'PUT']).default('POST'),
  content_type: text().default('application/octet-stream'),
  concurrency: int(1, 256).default(1),
  timeout_ms: int(1, 3_600_000).default(10_000),
  retries: int(0, 1_000_000).default(5),
  backoff_ms: int(1, 600_000).default(100),
  backoff_max_ms: int(1, 600_000).default(5_000),
  keep_alive: bool().default(true),
  ...OutageSettings,
});

/** the Retry-After (seconds) of a 503 when the intake has stopped */
const RETRY_AFTER_S = 1;

export class HttpIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'http';
  private closing: Promise<void> | null = null;
  private readonly h = new HealthTracker('http', 'requests');
  private server: Server | null = null;
  private inFlight = 0;
  private shuttingDown = false;
  private bound = '';

  constructor(readonly settings: z.output<typeof HttpIngressSettings>) {}

  endpoint(): string {
    return this.bound || `http://${this.settings.host}:${this.settings.port}${this.settings.path}`;
  }
  health() {
    return this.h.snapshot();
  }
  /** the port actually bound (useful with `port=0`) */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.settings.port;
  }

  async start(sink: IngressSink): Promise<void> {
    const s = this.settings;
    const server = createServer((req, res) => {
      void this.handle(req, res, sink);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(s.port, s.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e) => {
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw transportError(
        'http',
        `cannot listen on ${s.host}:${s.port}: ${errorText(e)}; pick a free ingress.port`,
        e,
      );
    });
    server.on('error', (e) => this.h.fail(errorText(e)));
    this.server = server;
    this.bound = `http://${s.host}:${this.port}${s.path}`;
    this.h.set('connected');
    this.h.lag(0);
  }

  private async handle(req: IncomingMessage, res: ServerResponse, sink: IngressSink): Promise<void> {
    const s = this.settings;
    const reply = (status: number, body: Record<string, unknown>) => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body) + '\n');
    };
    const pathOnly = (req.url ?? '/').split('?')[0];
    if (pathOnly !== s.path) {
      req.resume();
      return reply(404, { error: `POST records to ${s.path}` });
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      return reply(405, { error: 'only POST is accepted' });
    }
    if (this.shuttingDown) {
      req.resume();
      return this.notAccepting(res, reply, 0, 0);
    }
    this.inFlight++;
    this.h.lag(this.inFlight);
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > s.max_body_bytes) {
          res.setHeader('connection', 'close');
          return reply(413, { error: `body larger than ${s.max_body_bytes} bytes (ingress.max_body_bytes)` });
        }
        chunks.push(c as Buffer);
      }
      const body = Buffer.concat(chunks);
      const records: Uint8Array[] = [];
      if (s.split === 'lines') {
        const lines = new LineSplitter();
        for (const { line } of lines.feed(body)) records.push(line);
        const last = lines.rest();
        if (last) records.push(last.line);
      } else {
        records.push(new Uint8Array(body));
      }
      const delivered: Promise<void>[] = [];
      let accepted = 0;
      for (const r of records) {
        // the intake stopped (shutting down, or --adapter-max-messages reached by this or another
        // request): what follows does not enter the ring; the client is told how many did
        if (this.shuttingDown) return this.notAccepting(res, reply, accepted, records.length);
        const receipt = s.reply === 'delivered' ? deliveryReceipt() : null;
        if (receipt) delivered.push(receipt.delivered);
        {
          const p = sink.push(r, receipt?.token);
          if (p) await p;
        }
        accepted++;
        this.h.count(1);
      }
      if (delivered.length) {
        if (!(await awaitDelivered(delivered, s.delivered_timeout_ms)))
          return reply(504, {
            error:
              `records accepted but not confirmed delivered within ${s.delivered_timeout_ms} ms; retrying may ` +
              `duplicate them`,
            accepted: records.length,
          });
        return reply(200, { delivered: records.length });
      }
      return reply(202, { accepted: records.length });
    } catch (e) {
      this.h.fail(errorText(e));
      return reply(422, { error: errorText(e) });
    } finally {
      this.inFlight--;
      this.h.lag(this.inFlight);
    }
  }

  /**
   * 503 + Retry-After: the intake stopped before the records after the first `accepted` of this
   * body entered the ring (those that did are delivered by the drain; a client retrying the whole
   * body may duplicate them, which `accepted` lets it avoid).
   */
  private notAccepting(
    res: ServerResponse,
    reply: (status: number, body: Record<string, unknown>) => void,
    accepted: number,
    total: number,
  ): void {
    if (!res.headersSent) res.setHeader('retry-after', String(RETRY_AFTER_S));
    reply(503, {
      error:
        `the runtime stopped accepting records (shutting down, or its --adapter-max-messages was reached)` +
        `${total ? `; ${accepted} of the ${total} records of this body entered the run` : ''}; retry the rest ` +
        `after ${RETRY_AFTER_S} s or against another instance`,
      accepted,
    });
  }

  ack(tokens: unknown[]): void {
    acknowledgeReceipts(tokens);
  }

  /** stop the intake and release the source; idempotent (the run may call it twice) */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.shuttingDown = true;
      const server = this.server;
      if (server) {
        const closed = new Promise<void>((resolve) => {
          server.close(() => resolve());
        });
        // requests in flight get their answer; then keep-alive connections are dropped instead
        // of waiting for the clients' idle timeout
        await settle(() => this.inFlight === 0, 60_000);
        server.closeAllConnections();
        await closed;
      }
      this.h.set('closed');
    })();
    return this.closing;
  }
}

export class HttpEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'http';
  private readonly h = new HealthTracker('http', 'records');
  private pool: Pool | null = null;
  private readonly target: URL;
  private readonly outage: OutagePolicy;

  constructor(readonly settings: z.output<typeof HttpEgressSettings>) {
    this.target = new URL(settings.url);
    this.outage = new OutagePolicy('http', settings, this.h);
  }

  interrupt(): void {
    this.outage.interrupt();
  }

  endpoint(): string {
    return redactUrl(this.settings.url);
  }
  health() {
    return this.h.snapshot();
  }

  async start(): Promise<void> {
    const s = this.settings;
    const { Pool: HttpPool } = await undiciClient();
    this.pool = new HttpPool(this.target.origin, {
      connections: s.concurrency,
      headersTimeout: s.timeout_ms,
      bodyTimeout: s.timeout_ms,
      connectTimeout: s.timeout_ms,
      ...(s.keep_alive ? {} : { pipelining: 0 }),
    });
    this.h.set('connected');
    this.h.lag(0);
  }

  async write(records: Uint8Array[]): Promise<void> {
    if (!this.pool) throw transportError('http', 'write before start or after close');
    let next = 0;
    let waiting = records.length;
    this.h.lag(waiting);
    const worker = async () => {
      while (next < records.length) {
        const r = records[next++]!;
        await this.send(r);
        this.h.count(1);
        this.h.lag(--waiting);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, records.length) }, worker));
  }

  private async send(record: Uint8Array): Promise<void> {
    const s = this.settings;
    const path = this.target.pathname + this.target.search;
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      let retryable = true;
      try {
        const res = await this.pool!.request({
          path,
          method: s.method,
          body: record,
          headers: {
            'content-type': s.content_type,
            ...(this.target.username ? { authorization: basicAuth(this.target) } : {}),
          },
        });
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) {
          this.outage.ok();
          return;
        }
        problem = `${s.method} ${redactUrl(s.url)} answered ${res.statusCode}`;
        retryable = res.statusCode === 429 || res.statusCode === 408 || res.statusCode >= 500;
      } catch (e) {
        problem = `${s.method} ${redactUrl(s.url)} failed: ${errorText(e)}`;
      }
      await this.outage.failed(problem, attempt, retryable);
    }
  }

  async close(): Promise<void> {
    // interrupted during an outage: requests still waiting on the dead destination are dropped
    if (this.outage.interrupted) await this.pool?.destroy().catch(() => {});
    else await this.pool?.close().catch(() => {});
    this.pool = null;
    this.h.set('closed');
  }
}

function basicAuth(u: URL): string {
  return (
    `Basic ` +
    `${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
  );
}

export const httpAdapter: AdapterFactory = {
  kind: 'http',
  summary:
    'HTTP: POST server (ingress, replies after the record is accepted or delivered) / POST client (egress, undici)',
  direction: 'both',
  ingress: (settings) => track(new HttpIngress(parseSettings(HttpIngressSettings, settings, 'ingress', 'http'))),
  egress: (settings) => track(new HttpEgress(parseSettings(HttpEgressSettings, settings, 'egress', 'http'))),
};
