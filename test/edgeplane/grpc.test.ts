import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import { GrpcIngress, grpcAdapter, recordSinkService as loadRecordSinkService } from '../../plugins/edgeplane/grpc.ts';
import type { IngressSink } from '../../kernel/index.ts';
import { Pump, RecordingSink, exitWhenDone, freePort, until } from './helpers.ts';

const recordSinkService = await loadRecordSinkService();

const RecordSinkClient = grpc.makeGenericClientConstructor(recordSinkService, 'RecordSink');

/** a real grpc-js client of the RecordSink service; resolves with the reply or the ServiceError */
function client(port: number) {
  const c = new RecordSinkClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const push = (payload: string | Buffer) =>
    new Promise<{ ok: true; accepted: number } | { ok: false; code: number; details: string }>((resolve) => {
      (
        c as unknown as {
          Push: (req: unknown, cb: (e: grpc.ServiceError | null, r?: { accepted: number }) => void) => void;
        }
      ).Push({ payload: Buffer.from(payload) }, (e, r) =>
        resolve(e ? { ok: false, code: e.code, details: e.details } : { ok: true, accepted: r!.accepted }),
      );
    });
  return { push, close: () => c.close() };
}

/** a destination gRPC server for the egress; `plan(n)` gives the status code for the n-th call */
async function destination(plan: (n: number) => grpc.status = () => grpc.status.OK, service = recordSinkService) {
  const payloads: string[] = [];
  let n = 0;
  const server = new grpc.Server();
  server.addService(service, {
    Push: (call: grpc.ServerUnaryCall<{ payload: Buffer }, unknown>, cb: grpc.sendUnaryData<{ accepted: number }>) => {
      const code = plan(n++);
      if (code !== grpc.status.OK) return cb({ code, details: `planned ${grpc.status[code]}` });
      payloads.push(call.request.payload.toString());
      cb(null, { accepted: 1 });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { server, port, payloads };
}

test('ingress answers a unary Push only after the record is in the ring', async () => {
  const ing = grpcAdapter.ingress!({ port: '0' }, {}) as GrpcIngress;
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const got: Buffer[] = [];
  const sink: IngressSink = {
    push: async (r) => {
      await gate;
      got.push(Buffer.from(r));
    },
    end() {},
  };
  await ing.start(sink);
  assert.ok(ing.port > 0);
  assert.match(
    ing.endpoint(),
    new RegExp(`^grpc://127\\.0\\.0\\.1:${ing.port}/byteor\\.edgeplane\\.v1\\.RecordSink/Push$`),
  );
  const c = client(ing.port);
  let answered = false;
  const pending = c.push('hello').then((r) => {
    answered = true;
    return r;
  });
  await until(() => ing.health().lag?.value === 1, 5_000, 'call in flight');
  await new Promise((r) => setTimeout(r, 100));
  assert.is(answered, false, 'no reply before the ring accepted the record');
  release();
  assert.equal(await pending, { ok: true, accepted: 1 });
  assert.equal(got.map(String), ['hello']);
  assert.equal(await c.push(Buffer.from([0, 255, 10, 13])), { ok: true, accepted: 1 });
  assert.equal([...got[1]!], [0, 255, 10, 13], 'bytes arrive as sent');
  const h = ing.health();
  assert.is(h.message_count, 2);
  assert.equal(h.lag, { value: 0, unit: 'calls' });
  assert.is(h.connection_state, 'connected');
  c.close();
  await ing.close();
  assert.is(ing.health().connection_state, 'closed');
  await ing.close(); // idempotent
});

test(
  'ingress: a refused record gets INVALID_ARGUMENT, an oversize one RESOURCE_EXHAUSTED; reply=delivered waits for ' +
    'the ack',
  async () => {
    const ing = grpcAdapter.ingress!({ port: '0', reply: 'delivered', max_message_bytes: '64' }, {}) as GrpcIngress;
    const sink = new RecordingSink();
    let refuse = false;
    await ing.start({
      push: (r, t) => {
        if (refuse) throw new Error('record larger than slot_bytes');
        sink.push(r, t);
      },
      end: () => sink.end(),
    });
    const c = client(ing.port);
    let answered = false;
    const pending = c.push('r1').then((r) => {
      answered = true;
      return r;
    });
    await sink.until(() => sink.records.length === 1, 5_000, 'record');
    await new Promise((r) => setTimeout(r, 50));
    assert.is(answered, false, 'no reply before the record left through egress');
    ing.ack(sink.tokens);
    assert.equal(await pending, { ok: true, accepted: 1 });
    const huge = await c.push('x'.repeat(100));
    assert.is((huge as { code: number }).code, grpc.status.RESOURCE_EXHAUSTED);
    assert.is(sink.records.length, 1, 'the oversize message never reached the sink');
    refuse = true;
    const bad = await c.push('too big');
    assert.equal(bad.ok, false);
    assert.is((bad as { code: number }).code, grpc.status.INVALID_ARGUMENT);
    assert.match((bad as { details: string }).details, /slot_bytes/);
    assert.ok(ing.health().recent_failures.some((f) => /slot_bytes/.test(f.message)));
    c.close();
    await ing.close();
  },
);

test('ingress: a port already taken fails start with BYTEOR_E_EDGEPLANE_TRANSPORT', async () => {
  const first = grpcAdapter.ingress!({ port: '0' }, {}) as GrpcIngress;
  await first.start(new RecordingSink());
  const second = grpcAdapter.ingress!({ port: String(first.port) }, {}) as GrpcIngress;
  try {
    await second.start(new RecordingSink());
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
    assert.match((e as Error).message, /cannot listen on 127\.0\.0\.1:\d+.*ingress\.port/);
  }
  assert.is(second.health().connection_state, 'failed');
  await second.close();
  await first.close();
});

test('egress retries UNAVAILABLE with backoff, then delivers in order; INVALID_ARGUMENT is not retried', async () => {
  const dest = await destination((n) => (n < 2 ? grpc.status.UNAVAILABLE : grpc.status.OK));
  const eg = grpcAdapter.egress!({ address: `127.0.0.1:${dest.port}`, backoff_ms: '5' }, {});
  await eg.start();
  await eg.write([Buffer.from('one'), Buffer.from('two')]);
  assert.equal(dest.payloads, ['one', 'two']);
  const h = eg.health();
  assert.is(h.message_count, 2);
  assert.is(h.connection_state, 'connected');
  assert.is(h.recent_failures.length, 2);
  assert.match(
    h.recent_failures[0]!.message,
    /RecordSink\/Push on 127\.0\.0\.1:\d+ failed: UNAVAILABLE: planned UNAVAILABLE/,
  );
  await eg.close();
  dest.server.forceShutdown();

  const refusing = await destination(() => grpc.status.INVALID_ARGUMENT);
  const eg2 = grpcAdapter.egress!({ address: `127.0.0.1:${refusing.port}`, backoff_ms: '5' }, {});
  await eg2.start();
  try {
    await eg2.write([Buffer.from('x')]);
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
    assert.match((e as Error).message, /INVALID_ARGUMENT.*\(not retried/);
  }
  assert.is(eg2.health().connection_state, 'failed');
  await eg2.close();
  refusing.server.forceShutdown();
});

test('egress calls a configured service/method; UNIMPLEMENTED (wrong method) fails at once', async () => {
  const other: grpc.ServiceDefinition = {
    Ingest: { ...recordSinkService.Push!, path: '/acme.orders.v2.Orders/Ingest', originalName: 'Ingest' },
  };
  const server = new grpc.Server();
  const seen: string[] = [];
  server.addService(other, {
    Ingest: (call: grpc.ServerUnaryCall<{ payload: Buffer }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      seen.push(call.request.payload.toString());
      cb(null, {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const eg = grpcAdapter.egress!(
    { address: `127.0.0.1:${port}`, service: 'acme.orders.v2.Orders', method: 'Ingest', concurrency: '4' },
    {},
  );
  await eg.start();
  assert.is(eg.health().connection_state, 'connected');
  const records = Array.from({ length: 40 }, (_, i) => Buffer.from(`o${i}`));
  await eg.write(records);
  assert.equal(
    [...seen].sort(),
    records.map(String).sort(),
    'every record arrived once (order not kept with concurrency=4)',
  );
  await eg.close();
  const wrong = grpcAdapter.egress!({ address: `127.0.0.1:${port}`, method: 'Push' }, {});
  await wrong.start();
  try {
    await wrong.write([Buffer.from('x')]);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /UNIMPLEMENTED/);
  }
  await wrong.close();
  server.forceShutdown();
});

test('egress to a port nobody listens on fails start after connect_timeout_ms', async () => {
  const port = await freePort();
  const eg = grpcAdapter.egress!({ address: `127.0.0.1:${port}`, connect_timeout_ms: '300', backoff_ms: '20' }, {});
  const t0 = Date.now();
  try {
    await eg.start();
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
    assert.match(
      (e as Error).message,
      /cannot connect to 127\.0\.0\.1:\d+ within 300 ms \(egress\.connect_timeout_ms\)/,
    );
  }
  assert.ok(Date.now() - t0 >= 250);
  assert.is(eg.health().connection_state, 'failed');
  await eg.close();
});

test('egress reconnects when the destination restarts on the same port mid-run', async () => {
  const first = await destination();
  const eg = grpcAdapter.egress!(
    { address: `127.0.0.1:${first.port}`, backoff_ms: '20', backoff_max_ms: '200', retries: '100' },
    {},
  );
  await eg.start();
  await eg.write([Buffer.from('before')]);
  first.server.forceShutdown();
  const writing = eg.write([Buffer.from('after')]);
  await until(() => eg.health().connection_state === 'reconnecting', 5_000, 'reconnecting');
  const again = new grpc.Server();
  const seen: string[] = [];
  again.addService(recordSinkService, {
    Push: (call: grpc.ServerUnaryCall<{ payload: Buffer }, unknown>, cb: grpc.sendUnaryData<{ accepted: number }>) => {
      seen.push(call.request.payload.toString());
      cb(null, { accepted: 1 });
    },
  });
  await new Promise<number>((resolve, reject) =>
    again.bindAsync(`127.0.0.1:${first.port}`, grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  await writing;
  assert.equal(first.payloads, ['before']);
  assert.equal(seen, ['after']);
  assert.is(eg.health().connection_state, 'connected');
  assert.ok(eg.health().recent_failures.some((f) => /UNAVAILABLE/.test(f.message)));
  await eg.close();
  again.forceShutdown();
});

test('pump: gRPC ingress -> gRPC egress -> another gRPC ingress keeps order', async () => {
  const final = grpcAdapter.ingress!({ port: '0' }, {}) as GrpcIngress;
  const out = new RecordingSink();
  await final.start(out);
  const ing = grpcAdapter.ingress!({ port: '0', reply: 'delivered' }, {}) as GrpcIngress;
  const pump = new Pump(ing, grpcAdapter.egress!({ address: `127.0.0.1:${final.port}` }, {}), 16);
  await pump.start();
  const c = client(ing.port);
  for (let i = 0; i < 100; i++) assert.equal(await c.push(`m${i}`), { ok: true, accepted: 1 });
  assert.equal(
    out.texts(),
    Array.from({ length: 100 }, (_, i) => `m${i}`),
    'reply=delivered: every record reached the far end before its reply',
  );
  c.close();
  await pump.stop();
  await final.close();
});

exitWhenDone(test);
test.run();
