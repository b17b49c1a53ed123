import type * as grpc from '@grpc/grpc-js';
import { grpcClient, onFirstUse, protoLoader } from './clients.ts';
import { z } from 'zod';
import type { AdapterFactory, EgressAdapter, IngressAdapter, IngressSink } from '../../kernel/plugin-contract.ts';
import { settle } from './backoff.ts';
import { OutagePolicy, OutageSettings } from './egress-retry.ts';
import { acknowledgeReceipts, awaitDelivered, deliveryReceipt } from './delivery-receipt.ts';
import { track, type LiveBinding } from './bindings.ts';
import { HealthTracker, errorText } from './health.ts';
import { int, parseSettings, port, text } from './settings.ts';
import { transportError } from './source-failure.ts';
import { moduleAsset } from '../../kernel/package-paths.ts';

/**
 * gRPC unary (`@grpc/grpc-js`, contract in `record-sink.proto`). Ingress serves
 * `byteor.edgeplane.v1.RecordSink/Push` on `host:port`: one record per call, answered only once
 * the record is in the ring (`reply=accepted`) or has left through egress (`reply=delivered`), so
 * a client that retries until OK gets at-least-once delivery. Egress makes one unary call per
 * record to `service`/`method` (request = `Record`, the reply is not read), retrying UNAVAILABLE,
 * RESOURCE_EXHAUSTED, ABORTED and DEADLINE_EXCEEDED with backoff. Plaintext HTTP/2 only.
 */

export const RECORD_SINK_PROTO = moduleAsset('plugins/edgeplane/record-sink.proto');
export const RECORD_SINK_SERVICE = 'byteor.edgeplane.v1.RecordSink';

/** grpc-js and the RecordSink service from record-sink.proto, loaded when a binding starts. */
interface GrpcRuntime {
  grpc: typeof grpc;
  service: grpc.ServiceDefinition;
  push: grpc.MethodDefinition<unknown, unknown>;
  retryable: ReadonlySet<number>;
}
const grpcRuntime = onFirstUse(async (): Promise<GrpcRuntime> => {
  const [g, { loadSync }] = await Promise.all([grpcClient(), protoLoader()]);
  const definition = loadSync(RECORD_SINK_PROTO, { keepCase: true, defaults: true });
  const service = definition[RECORD_SINK_SERVICE] as grpc.ServiceDefinition;
  const retryable = new Set<number>([
    g.status.UNAVAILABLE,
    g.status.RESOURCE_EXHAUSTED,
    g.status.ABORTED,
    g.status.DEADLINE_EXCEEDED,
  ]);
  return { grpc: g, service, push: service.Push!, retryable };
});

/** the service definition grpc-js serves (also what a test or a client needs) */
export async function recordSinkService(): Promise<grpc.ServiceDefinition> {
  return (await grpcRuntime()).service;
}

const address = () => z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port');

export const GrpcIngressSettings = z.object({
  host: text().default('127.0.0.1'),
  port: port(),
  reply: z.enum(['accepted', 'delivered']).default('accepted'),
  max_message_bytes: int(1, 1 << 30).default(4 << 20),
  delivered_timeout_ms: int(1, 3_600_000).default(30_000),
});

export const GrpcEgressSettings = z.object({
  address: address(),
  service: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'must be a full service name like pkg.v1.Service')
    .default(RECORD_SINK_SERVICE),
  method: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a method name')
    .default('Push'),
  concurrency: int(1, 256).default(1),
  deadline_ms: int(1, 3_600_000).default(10_000),
  retries: int(0, 1_000_000).default(5),
  backoff_ms: int(1, 600_000).default(100),
  backoff_max_ms: int(1, 600_000).default(5_000),
  connect_timeout_ms: int(1, 3_600_000).default(10_000),
  max_message_bytes: int(1, 1 << 30).default(4 << 20),
  ...OutageSettings,
});

type PushCall = grpc.ServerUnaryCall<{ payload: Buffer }, { accepted: number }>;

export class GrpcIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'grpc';
  private readonly h = new HealthTracker('grpc', 'calls');
  private server: grpc.Server | null = null;
  private rt: GrpcRuntime | null = null;
  private boundPort = 0;
  private inFlight = 0;
  private shuttingDown = false;
  private closing: Promise<void> | null = null;

  constructor(readonly settings: z.output<typeof GrpcIngressSettings>) {}

  endpoint(): string {
    return `grpc://${this.settings.host}:${this.boundPort || this.settings.port}/${RECORD_SINK_SERVICE}/Push`;
  }
  health() {
    return this.h.snapshot();
  }
  /** the port actually bound (useful with `port=0`) */
  get port(): number {
    return this.boundPort || this.settings.port;
  }

  async start(sink: IngressSink): Promise<void> {
    const s = this.settings;
    const rt = (this.rt = await grpcRuntime());
    const { grpc: g } = rt;
    const server = new g.Server({ 'grpc.max_receive_message_length': s.max_message_bytes });
    server.addService(rt.service, {
      Push: (call: PushCall, callback: grpc.sendUnaryData<{ accepted: number }>) => {
        void this.handle(call, callback, sink);
      },
    });
    const host = s.host.includes(':') ? `[${s.host}]` : s.host;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${s.port}`, g.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      );
    }).catch((e) => {
      server.forceShutdown();
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw transportError(
        'grpc',
        `cannot listen on ${s.host}:${s.port}: ${errorText(e)}; pick a free ingress.port`,
        e,
      );
    });
    this.server = server;
    this.h.set('connected');
    this.h.lag(0);
  }

  private async handle(
    call: PushCall,
    callback: grpc.sendUnaryData<{ accepted: number }>,
    sink: IngressSink,
  ): Promise<void> {
    const s = this.settings;
    const status = this.rt!.grpc.status;
    if (this.shuttingDown)
      return callback({
        code: status.UNAVAILABLE,
        details: 'the runtime is shutting down; retry against another instance',
      });
    this.inFlight++;
    this.h.lag(this.inFlight);
    try {
      const receipt = s.reply === 'delivered' ? deliveryReceipt() : null;
      {
        const p = sink.push(call.request.payload, receipt?.token);
        if (p) await p;
      }
      this.h.count(1);
      if (receipt) {
        if (!(await awaitDelivered([receipt.delivered], s.delivered_timeout_ms))) {
          return callback({
            code: status.DEADLINE_EXCEEDED,
            details:
              `record accepted but not confirmed delivered within ${s.delivered_timeout_ms} ms; retrying may ` +
              `duplicate it`,
          });
        }
      }
      callback(null, { accepted: 1 });
    } catch (e) {
      // refused by the ring (e.g. larger than slot_bytes): the client must not retry it as is
      this.h.fail(errorText(e));
      callback({ code: status.INVALID_ARGUMENT, details: errorText(e) });
    } finally {
      this.inFlight--;
      this.h.lag(this.inFlight);
    }
  }

  ack(tokens: unknown[]): void {
    acknowledgeReceipts(tokens);
  }

  /** new calls get UNAVAILABLE, calls in flight get their answer (up to 60 s), then the server stops; idempotent */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.shuttingDown = true;
      const server = this.server;
      if (server) {
        await settle(() => this.inFlight === 0, 60_000);
        await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
        server.forceShutdown();
      }
      this.h.set('closed');
    })();
    return this.closing;
  }
}

export class GrpcEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'grpc';
  private readonly h = new HealthTracker('grpc', 'records');
  private client: grpc.Client | null = null;
  private rt: GrpcRuntime | null = null;
  private readonly path: string;
  private readonly outage: OutagePolicy;

  constructor(readonly settings: z.output<typeof GrpcEgressSettings>) {
    this.path = `/${settings.service}/${settings.method}`;
    this.outage = new OutagePolicy('grpc', settings, this.h);
  }

  interrupt(): void {
    this.outage.interrupt();
  }

  endpoint(): string {
    return `grpc://${this.settings.address}${this.path}`;
  }
  health() {
    return this.h.snapshot();
  }

  async start(): Promise<void> {
    const s = this.settings;
    const { grpc: g } = (this.rt = await grpcRuntime());
    const client = new g.Client(s.address, g.credentials.createInsecure(), {
      'grpc.max_send_message_length': s.max_message_bytes,
      'grpc.initial_reconnect_backoff_ms': s.backoff_ms,
      'grpc.max_reconnect_backoff_ms': s.backoff_max_ms,
    });
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + s.connect_timeout_ms, (e) => (e ? reject(e) : resolve())),
    ).catch((e) => {
      client.close();
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw transportError(
        'grpc',
        `cannot connect to ${s.address} within ${s.connect_timeout_ms} ms (egress.connect_timeout_ms): ` +
          `${errorText(e)}; is the gRPC server running?`,
        e,
      );
    });
    this.client = client;
    this.h.set('connected');
    this.h.lag(0);
  }

  async write(records: Uint8Array[]): Promise<void> {
    if (!this.client) throw transportError('grpc', 'write before start or after close');
    let next = 0;
    let waiting = records.length;
    this.h.lag(waiting);
    const worker = async () => {
      while (next < records.length) {
        await this.send(records[next++]!);
        this.h.count(1);
        this.h.lag(--waiting);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, records.length) }, worker));
  }

  private call(record: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const rt = this.rt!;
      this.client!.makeUnaryRequest(
        this.path,
        rt.push.requestSerialize,
        (b: Buffer) => b,
        { payload: record },
        new rt.grpc.Metadata(),
        { deadline: Date.now() + this.settings.deadline_ms },
        (e) => (e ? reject(e) : resolve()),
      );
    });
  }

  private async send(record: Uint8Array): Promise<void> {
    const s = this.settings;
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      let retryable: boolean;
      try {
        await this.call(record);
        this.outage.ok();
        return;
      } catch (e) {
        const code = (e as grpc.ServiceError).code;
        retryable = this.rt!.retryable.has(code);
        problem =
          `${this.path} on ${s.address} failed: ${this.rt!.grpc.status[code] ?? 'UNKNOWN'}: ` +
          `${(e as grpc.ServiceError).details ?? errorText(e)}`;
      }
      await this.outage.failed(problem, attempt, retryable);
    }
  }

  async close(): Promise<void> {
    this.client?.close();
    this.client = null;
    this.h.set('closed');
  }
}

export const grpcAdapter: AdapterFactory = {
  kind: 'grpc',
  summary:
    'gRPC unary: RecordSink.Push server (ingress, replies after the record is accepted or delivered) / unary ' +
    'call per record (egress)',
  direction: 'both',
  ingress: (settings) => track(new GrpcIngress(parseSettings(GrpcIngressSettings, settings, 'ingress', 'grpc'))),
  egress: (settings) => track(new GrpcEgress(parseSettings(GrpcEgressSettings, settings, 'egress', 'grpc'))),
};
