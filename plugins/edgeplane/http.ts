import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher, Pool } from 'undici';
import { undiciClient } from './clients.ts';
import { z } from 'zod';
import type {
  AdapterFactory,
  EgressAdapter,
  EgressView,
  IngressAdapter,
  IngressSink,
} from '../../kernel/plugin-contract.ts';
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
/** the answer to a one-record body, `{ accepted: 1 }` */
const ACCEPTED_ONE = `${JSON.stringify({ accepted: 1 })}\n`;

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  replyText(res, status, `${JSON.stringify(body)}\n`);
}

function replyText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, JSON_TYPE);
  res.end(text);
}

const JSON_TYPE = { 'content-type': 'application/json' };

export class HttpIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'http';
  private closing: Promise<void> | null = null;
  private readonly h = new HealthTracker('http', 'requests');
  private server: Server | null = null;
  private inFlight = 0;
  private shuttingDown = false;
  /** the wait for the end of the current event-loop turn, shared by the requests that end in it */
  private nextTurn: Promise<void> | null = null;
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

  private handle(req: IncomingMessage, res: ServerResponse, sink: IngressSink): void {
    const s = this.settings;
    const pathOnly = (req.url ?? '/').split('?')[0];
    if (pathOnly !== s.path) {
      req.resume();
      reply(res, 404, { error: `POST records to ${s.path}` });
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      reply(res, 405, { error: 'only POST is accepted' });
      return;
    }
    if (this.shuttingDown) {
      req.resume();
      this.notAccepting(res, 0, 0);
      return;
    }
    this.inFlight++;
    this.h.lag(this.inFlight);
    const chunks: Buffer[] = [];
    let size = 0;
    /** the body was taken (end), refused (413) or lost (error) */
    let done = false;
    const lost = (e: Error) => {
      if (done) return;
      done = true;
      this.h.fail(errorText(e));
      reply(res, 422, { error: errorText(e) });
      this.settled();
    };
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > s.max_body_bytes) {
        done = true;
        res.setHeader('connection', 'close');
        reply(res, 413, { error: `body larger than ${s.max_body_bytes} bytes (ingress.max_body_bytes)` });
        req.destroy();
        this.settled();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      void this.accept(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), res, sink);
    });
    // a client that goes away mid-body, or closeAllConnections, destroys the request with an error
    req.on('error', lost);
  }

  /** a request in flight was answered (or gave up) */
  private settled(): void {
    this.inFlight--;
    this.h.lag(this.inFlight);
  }

  /**
   * The records of a body into the sink, then the answer. Bodies that arrive in the same turn of the event loop go
   * in together after it (`turn`): one synchronous burst of pushes, so the ring publishes them with one store
   * (and wakes its first stage once) instead of once per request.
   */
  private async accept(body: Buffer, res: ServerResponse, sink: IngressSink): Promise<void> {
    const s = this.settings;
    try {
      await this.turn();
      let records: Uint8Array[] | null = null;
      if (s.split === 'lines') {
        records = [];
        const lines = new LineSplitter();
        for (const { line } of lines.feed(body)) records.push(line);
        const last = lines.rest();
        if (last) records.push(last.line);
      }
      const total = records === null ? 1 : records.length;
      const delivered: Promise<void>[] = [];
      let accepted = 0;
      for (let i = 0; i < total; i++) {
        // the intake stopped (shutting down, or --adapter-max-messages reached by this or another
        // request): what follows does not enter the ring; the client is told how many did
        if (this.shuttingDown) return this.notAccepting(res, accepted, total);
        const receipt = s.reply === 'delivered' ? deliveryReceipt() : null;
        if (receipt) delivered.push(receipt.delivered);
        {
          const p = sink.push(records === null ? body : records[i]!, receipt?.token);
          if (p) await p;
        }
        accepted++;
        this.h.count(1);
      }
      if (delivered.length) {
        if (!(await awaitDelivered(delivered, s.delivered_timeout_ms)))
          return reply(res, 504, {
            error:
              `records accepted but not confirmed delivered within ${s.delivered_timeout_ms} ms; retrying may ` +
              `duplicate them`,
            accepted: total,
          });
        return reply(res, 200, { delivered: total });
      }
      if (total === 1) return replyText(res, 202, ACCEPTED_ONE);
      return reply(res, 202, { accepted: total });
    } catch (e) {
      this.h.fail(errorText(e));
      return reply(res, 422, { error: errorText(e) });
    } finally {
      this.settled();
    }
  }

  /** resolves after the current turn of the event loop (once for every request that asks during it) */
  private turn(): Promise<void> {
    return (this.nextTurn ??= new Promise<void>((resolve) => {
      setImmediate(() => {
        this.nextTurn = null;
        resolve();
      });
    }));
  }

  /**
   * 503 + Retry-After: the intake stopped before the records after the first `accepted` of this
   * body entered the ring (those that did are delivered by the drain; a client retrying the whole
   * body may duplicate them, which `accepted` lets it avoid).
   */
  private notAccepting(res: ServerResponse, accepted: number, total: number): void {
    if (!res.headersSent) res.setHeader('retry-after', String(RETRY_AFTER_S));
    reply(res, 503, {
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
  /** one per connection, reused request after request */
  private senders: HttpSend[] = [];
  /** the batch in flight (settles after it), for a write made meanwhile to wait for */
  private sending: Promise<void> | null = null;
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
    const headers: Record<string, string> = { 'content-type': s.content_type };
    if (this.target.username) headers.authorization = basicAuth(this.target);
    const path = this.target.pathname + this.target.search;
    this.senders = Array.from(
      { length: s.concurrency },
      () => new HttpSend(this, { path, method: s.method, body: null, headers }),
    );
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

  write(records: Uint8Array[]): Promise<void> {
    return this.send(records.length, (i) => records[i]!);
  }

  /**
   * The batch in place: each record's body is a Buffer over its ring slot (no copy; the slots stay the records'
   * until this resolves).
   */
  writeFrom(view: EgressView): Promise<void> {
    const m = view.memory;
    return this.send(view.count, (i) => Buffer.from(m.buffer, m.byteOffset + view.offset(i), view.length(i)));
  }

  /**
   * POST (or PUT) records 0..n-1 of a batch, `concurrency` at a time: each sender takes the next record once its
   * request was answered (a request per record, as many in flight as there are connections). Resolves when the
   * destination accepted every one; rejects at the first record the outage policy gives up on (no request is
   * started after it; the senders still busy are left to that batch and replaced). One batch at a time: a write
   * made meanwhile waits for it.
   */
  private send(n: number, body: (i: number) => Uint8Array): Promise<void> {
    if (!this.pool) return Promise.reject(transportError('http', 'write before start or after close'));
    const run = () =>
      new Promise<void>((resolve, reject) => {
        const b: SendBatch = { n, next: 0, left: n, body, resolve, reject, failed: false };
        this.h.lag(n);
        if (n === 0) return resolve();
        const k = Math.min(this.settings.concurrency, n);
        for (let j = 0; j < k; j++) {
          const sender = this.senders[j]!;
          sender.batch = b;
          this.take(sender);
        }
      });
    const p = this.sending === null ? run() : this.sending.then(run, run);
    const q: Promise<void> = p.then(
      () => {
        if (this.sending === q) this.sending = null;
      },
      (e: unknown) => {
        if (this.sending === q) this.sending = null;
        throw e;
      },
    );
    this.sending = q;
    return q;
  }

  /** `s` takes the next record of its batch, if any */
  private take(s: HttpSend): void {
    const b = s.batch!;
    if (b.failed || b.next >= b.n) return;
    s.index = b.next++;
    s.attempt = 0;
    this.dispatch(s);
  }

  private dispatch(s: HttpSend): void {
    s.status = 0;
    s.options.body = s.batch!.body(s.index);
    this.pool!.dispatch(s.options, s);
  }

  /** The request of `s` was answered (`error` null: see its status) or failed (HttpSend calls this). */
  answered(s: HttpSend, error: Error | null): void {
    const st = this.settings;
    const b = s.batch!;
    if (error === null && s.status >= 200 && s.status < 300) {
      s.options.body = null;
      this.outage.ok();
      this.h.count(1);
      this.h.lag(--b.left);
      if (b.left === 0) b.resolve();
      else this.take(s);
      return;
    }
    if (b.failed) return;
    const problem =
      error === null
        ? `${st.method} ${redactUrl(st.url)} answered ${s.status}`
        : `${st.method} ${redactUrl(st.url)} failed: ${errorText(error)}`;
    const retryable = error !== null || s.status === 429 || s.status === 408 || s.status >= 500;
    this.outage.failed(problem, s.attempt++, retryable).then(
      () => {
        if (!b.failed) this.dispatch(s);
      },
      (e: unknown) => {
        s.options.body = null;
        if (b.failed) return;
        b.failed = true;
        // senders still busy with this batch finish on their own: the next batch gets fresh ones
        this.senders = this.senders.map((x) => new HttpSend(this, { ...x.options, body: null }));
        b.reject(e as Error);
      },
    );
  }

  async close(): Promise<void> {
    // interrupted during an outage: requests still waiting on the dead destination are dropped
    if (this.outage.interrupted) await this.pool?.destroy().catch(() => {});
    else await this.pool?.close().catch(() => {});
    this.pool = null;
    this.h.set('closed');
  }
}

/** the records of one write and where sending them stands */
interface SendBatch {
  n: number;
  /** the next record to send */
  next: number;
  /** records not yet accepted by the destination */
  left: number;
  body(i: number): Uint8Array;
  resolve(): void;
  reject(e: Error): void;
  failed: boolean;
}

/**
 * One sender of HttpEgress: the undici dispatch handler of its requests and their options, reused from record to
 * record (no promise, response stream or options object per request). The response body is discarded.
 */
class HttpSend implements Dispatcher.DispatchHandlers {
  batch: SendBatch | null = null;
  /** the record of the batch being sent */
  index = -1;
  attempt = 0;
  status = 0;
  constructor(
    private readonly egress: HttpEgress,
    readonly options: {
      path: string;
      method: 'POST' | 'PUT';
      body: Uint8Array | null;
      headers: Record<string, string>;
    },
  ) {}
  onConnect(): void {}
  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }
  onData(): boolean {
    return true;
  }
  onComplete(): void {
    this.egress.answered(this, null);
  }
  onError(err: Error): void {
    this.egress.answered(this, err);
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
