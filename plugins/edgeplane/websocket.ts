import type { AddressInfo } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import type { WebSocketServer } from 'ws';
import { wsClient } from './clients.ts';
import { z } from 'zod';
import type {
  AdapterFactory,
  EgressAdapter,
  EgressView,
  IngressAdapter,
  IngressSink,
} from '../../kernel/plugin-contract.ts';
import { Backoff, sleep } from './backoff.ts';
import { track, type LiveBinding } from './bindings.ts';
import { BurstBatcher } from './burst-batcher.ts';
import { CopiedBatch } from './view-batch.ts';
import { OutagePolicy, OutageSettings } from './egress-retry.ts';
import { HealthTracker, errorText } from './health.ts';
import { int, parseSettings, port, redactUrl, text, url } from './settings.ts';
import { failSource, transportError } from './source-failure.ts';

/**
 * WebSocket (`ws`). Ingress either connects to a server (`mode=client`, reconnecting with
 * backoff) or listens for clients (`mode=server`); each message is one record, and the messages
 * of one burst (one socket read) go into the ring together (BurstBatcher: copied into a reused
 * chunk, one pushSpans, no object or promise per message). WebSocket has no
 * application acknowledgement, so ingress is at-most-once: messages received but not yet in the
 * ring when the runtime dies are lost. Egress connects to a server and sends each record as one
 * binary (or text) message, the batch's frames written to the socket at once (corked); a send
 * that fails is retried on the next connection, and a write resolves once the messages were handed
 * to the socket.
 */

const common = {
  connect_timeout_ms: int(1, 3_600_000).default(10_000),
  backoff_ms: int(1, 600_000).default(100),
  backoff_max_ms: int(1, 600_000).default(5_000),
};

export const WebSocketIngressSettings = z
  .object({
    mode: z.enum(['client', 'server']).default('client'),
    url: url(['ws', 'wss']).optional(),
    host: text().default('127.0.0.1'),
    port: port().optional(),
    path: z.string().startsWith('/', 'must start with /').default('/'),
    max_message_bytes: int(1, 1 << 30).default(1 << 20),
    ...common,
  })
  .superRefine((s, ctx) => {
    if (s.mode === 'client' && !s.url)
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'required with mode=client' });
    if (s.mode === 'server' && s.port === undefined)
      ctx.addIssue({ code: 'custom', path: ['port'], message: 'required with mode=server' });
  });

export const WebSocketEgressSettings = z.object({
  url: url(['ws', 'wss']),
  frame: z.enum(['binary', 'text']).default('binary'),
  write_timeout_ms: int(1, 3_600_000).default(30_000),
  ...common,
  ...OutageSettings,
});

const BINARY = { binary: true } as const;
const TEXT = { binary: false } as const;

/** records wait here between the socket and the ring; above HIGH the socket is paused */
const HIGH = 1024;
const LOW = 256;

/** the message's bytes (a Buffer with the default binaryType; the batcher copies them) */
function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

async function openSocket(target: string, maxPayload: number, timeoutMs: number): Promise<WebSocket> {
  const { WebSocket: Socket } = await wsClient();
  return new Promise((resolve, reject) => {
    const ws = new Socket(target, { maxPayload, handshakeTimeout: timeoutMs });
    const onError = (e: Error) => {
      ws.removeAllListeners();
      ws.terminate();
      reject(e);
    };
    ws.once('error', onError);
    ws.once('open', () => {
      ws.off('error', onError);
      resolve(ws);
    });
  });
}

export class WebSocketIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'websocket';
  private closing: Promise<void> | null = null;
  private readonly h = new HealthTracker('websocket', 'messages');
  private readonly stop = new AbortController();
  private batch: BurstBatcher | null = null;
  private readonly paused = new Set<WebSocket>();
  private server: WebSocketServer | null = null;
  private client: WebSocket | null = null;
  private bound = '';
  private loops: Promise<void>[] = [];

  constructor(readonly settings: z.output<typeof WebSocketIngressSettings>) {}

  endpoint(): string {
    const s = this.settings;
    return s.mode === 'client' ? redactUrl(s.url!) : this.bound || `ws://${s.host}:${s.port}${s.path}`;
  }
  health() {
    return this.h.snapshot();
  }
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.settings.port ?? 0;
  }

  async start(sink: IngressSink): Promise<void> {
    const s = this.settings;
    this.batch = new BurstBatcher(sink, this.h, {
      maxBytes: null,
      what: 'messages',
      high: HIGH,
      low: LOW,
      onLow: () => {
        for (const ws of this.paused) ws.resume();
        this.paused.clear();
      },
      failed: (e) => failSource(sink, this.h, 'websocket', e),
    });
    if (s.mode === 'server') {
      const { WebSocketServer: Server } = await wsClient();
      const server = new Server({ host: s.host, port: s.port, path: s.path, maxPayload: s.max_message_bytes });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.once('listening', () => {
          server.off('error', reject);
          resolve();
        });
      }).catch((e) => {
        this.h.fail(errorText(e));
        this.h.set('failed');
        throw transportError(
          'websocket',
          `cannot listen on ${s.host}:${s.port}: ${errorText(e)}; pick a free ingress.port`,
          e,
        );
      });
      server.on('error', (e) => this.h.fail(errorText(e)));
      server.on('connection', (ws) => this.attach(ws));
      this.server = server;
      this.bound = `ws://${s.host}:${this.port}${s.path}`;
      this.h.set('connected');
    } else {
      this.client = await this.connectWithin(s.connect_timeout_ms);
      this.attach(this.client);
      this.h.set('connected');
      this.loops.push(this.reconnectLoop());
    }
    this.h.lag(0);
  }

  private async connectWithin(ms: number): Promise<WebSocket> {
    const s = this.settings;
    const backoff = new Backoff(s.backoff_ms, s.backoff_max_ms);
    const until = Date.now() + ms;
    for (;;) {
      try {
        return await openSocket(s.url!, s.max_message_bytes, s.connect_timeout_ms);
      } catch (e) {
        this.h.fail(`connect ${redactUrl(s.url!)}: ${errorText(e)}`);
        if (Date.now() >= until || this.stop.signal.aborted) {
          this.h.set('failed');
          throw transportError(
            'websocket',
            `cannot connect to ${redactUrl(s.url!)} within ${ms} ms: ${errorText(e)}; check ingress.url`,
            e,
          );
        }
        await sleep(backoff.next(), this.stop.signal);
      }
    }
  }

  /** client mode: when the connection drops, reconnect with backoff until closed */
  private async reconnectLoop(): Promise<void> {
    const s = this.settings;
    const backoff = new Backoff(s.backoff_ms, s.backoff_max_ms);
    while (!this.stop.signal.aborted) {
      const ws = this.client!;
      await new Promise<void>((r) => {
        if (ws.readyState === ws.CLOSED) r();
        else ws.once('close', () => r());
      });
      if (this.stop.signal.aborted) return;
      this.h.set('reconnecting');
      for (;;) {
        await sleep(backoff.next(), this.stop.signal);
        if (this.stop.signal.aborted) return;
        try {
          this.client = await openSocket(s.url!, s.max_message_bytes, s.connect_timeout_ms);
          this.attach(this.client);
          this.h.set('connected');
          backoff.reset();
          break;
        } catch (e) {
          this.h.fail(`reconnect ${redactUrl(s.url!)}: ${errorText(e)}`);
        }
      }
    }
  }

  private attach(ws: WebSocket): void {
    const batch = this.batch!;
    ws.on('message', (data) => {
      batch.add(bytesOf(data));
      if (batch.queued >= HIGH && !ws.isPaused) {
        ws.pause();
        this.paused.add(ws);
      }
    });
    ws.on('error', (e) => this.h.fail(errorText(e)));
    ws.on('close', (code) => {
      this.paused.delete(ws);
      if (!this.stop.signal.aborted && code !== 1000) this.h.fail(`connection closed (code ${code})`);
    });
  }

  /** stop the intake and release the source; idempotent (the run may call it twice) */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      this.batch?.stop();
      this.client?.close(1000);
      if (this.server) {
        for (const c of this.server.clients) c.close(1001);
        await new Promise<void>((r) => this.server!.close(() => r()));
      }
      await Promise.all(this.loops);
      await this.batch?.settled();
      if (this.batch?.queued)
        this.h.fail(`${this.batch.queued} received messages were not pushed before close (at-most-once source)`);
      this.h.set('closed');
    })();
    return this.closing;
  }
}

export class WebSocketEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'websocket';
  private readonly h = new HealthTracker('websocket', 'records');
  private ws: WebSocket | null = null;
  private connecting: Promise<WebSocket> | null = null;
  private readonly backoff: Backoff;
  private closed = false;
  private readonly outage: OutagePolicy;

  constructor(readonly settings: z.output<typeof WebSocketEgressSettings>) {
    this.backoff = new Backoff(settings.backoff_ms, settings.backoff_max_ms);
    this.outage = new OutagePolicy('websocket', settings, this.h);
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
    this.ws = await this.connectWithin(this.settings.connect_timeout_ms, 'connect');
    this.h.set('connected');
    this.h.lag(0);
  }

  private async connectWithin(ms: number, what: string): Promise<WebSocket> {
    const s = this.settings;
    const until = Date.now() + ms;
    for (;;) {
      try {
        const ws = await openSocket(s.url, 1 << 20, s.connect_timeout_ms);
        ws.on('error', (e) => this.h.fail(errorText(e)));
        ws.on('close', () => {
          if (!this.closed) {
            this.h.set('reconnecting');
          }
        });
        this.backoff.reset();
        return ws;
      } catch (e) {
        this.h.fail(`${what} ${redactUrl(s.url)}: ${errorText(e)}`);
        if (Date.now() >= until || this.closed || this.outage.interrupted) {
          // a reconnect that gives up is judged by the outage policy (write)
          if (what === 'connect') this.h.set('failed');
          throw transportError(
            'websocket',
            `cannot ${what} to ${redactUrl(s.url)} within ${ms} ms: ${errorText(e)}; check egress.url`,
            e,
          );
        }
        await sleep(this.backoff.next(), this.outage.signal);
      }
    }
  }

  private async socket(): Promise<WebSocket> {
    if (this.ws && this.ws.readyState === this.ws.OPEN) return this.ws;
    this.h.set('reconnecting');
    this.connecting ??= this.connectWithin(this.settings.write_timeout_ms, 'reconnect').finally(() => {
      this.connecting = null;
    });
    this.ws = await this.connecting;
    this.h.set('connected');
    return this.ws;
  }

  write(records: Uint8Array[]): Promise<void> {
    return this.send(records.length, (i) => records[i]!);
  }

  /**
   * The batch from the ring slots, copied into one buffer of this write (one copy of the batch): ws may keep a
   * frame's payload past the send (a compressed frame, a queued one), and a resend after a reconnect reads the
   * records again, so they must not be the slots.
   */
  writeFrom(view: EgressView): Promise<void> {
    const batch = CopiedBatch.of(view);
    return this.send(view.count, (i) => batch.record(i));
  }

  /** records 0..n-1 (`record(i)`) as one message each, in order, resent from the first unsent after a reconnect */
  private async send(n: number, record: (i: number) => Uint8Array): Promise<void> {
    let i = 0;
    const until = Date.now() + this.settings.write_timeout_ms;
    this.h.lag(n);
    for (let attempt = 0; i < n; ) {
      let ws: WebSocket;
      try {
        ws = await this.socket();
      } catch (e) {
        await this.outage.failed(errorText(e), attempt++, true, until);
        continue;
      }
      try {
        await this.sendAll(ws, i, n, record);
        this.h.count(n - i);
        i = n;
        this.outage.ok();
      } catch (e) {
        // the connection dropped mid-batch: resend the whole remainder on the next connection
        // (a frame may arrive twice; never zero times)
        this.h.fail(`send: ${errorText(e)}`);
      }
      this.h.lag(n - i);
    }
  }

  /**
   * Send records from..n-1 with one callback for them all (no promise per record), the socket corked meanwhile so
   * the frames leave in one write; resolves once every frame was written, rejects at the first that failed.
   */
  private sendAll(ws: WebSocket, from: number, n: number, record: (i: number) => Uint8Array): Promise<void> {
    const options = this.settings.frame === 'binary' ? BINARY : TEXT;
    return new Promise<void>((resolve, reject) => {
      let left = n - from;
      let failed = false;
      const sent = (err?: Error) => {
        if (failed) return;
        if (err) {
          failed = true;
          reject(err);
        } else if (--left === 0) resolve();
      };
      // ws writes each frame with its own socket write; corked, the batch's frames go out together
      const socket = (ws as unknown as { _socket?: { cork?(): void; uncork?(): void } })._socket;
      socket?.cork?.();
      try {
        for (let i = from; i < n; i++) ws.send(record(i), options, sent);
      } finally {
        socket?.uncork?.();
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const ws = this.ws;
    if (ws && ws.readyState === ws.OPEN) {
      await new Promise<void>((r) => {
        ws.once('close', () => r());
        ws.close(1000);
        setTimeout(r, 1000).unref();
      });
    }
    this.h.set('closed');
  }
}

export const websocketAdapter: AdapterFactory = {
  kind: 'websocket',
  summary: 'WebSocket (ws): client or server ingress, client egress; one message per record',
  direction: 'both',
  ingress: (settings) =>
    track(new WebSocketIngress(parseSettings(WebSocketIngressSettings, settings, 'ingress', 'websocket'))),
  egress: (settings) =>
    track(new WebSocketEgress(parseSettings(WebSocketEgressSettings, settings, 'egress', 'websocket'))),
};
