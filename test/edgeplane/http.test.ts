import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { request } from 'undici';
import { HttpIngress, httpAdapter } from '../../plugins/edgeplane/http.ts';
import type { EgressView, IngressSink } from '../../kernel/index.ts';
import { Pump, RecordingSink, freePort, until, exitWhenDone } from './helpers.ts';

async function post(url: string, body: string) {
  const res = await request(url, { method: 'POST', body });
  return { status: res.statusCode, body: await res.body.text() };
}

/** a destination server that records bodies; `plan` gives the status for the n-th request */
async function destination(
  plan: (n: number) => number = () => 200,
): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = plan(n++);
      if (status < 300) bodies.push(Buffer.concat(chunks).toString());
      res.writeHead(status);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`, bodies };
}

test('ingress replies 202 only after the record is accepted by the sink', async () => {
  const ing = httpAdapter.ingress!({ port: '0', path: '/records' }, {}) as HttpIngress;
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const got: string[] = [];
  const sink: IngressSink = {
    push: async (r) => {
      await gate;
      got.push(Buffer.from(r).toString());
    },
    end() {},
  };
  await ing.start(sink);
  const url = `http://127.0.0.1:${ing.port}/records`;
  let answered = false;
  const pending = post(url, 'hello').then((r) => {
    answered = true;
    return r;
  });
  await until(() => ing.health().lag?.value === 1, 5_000, 'request in flight');
  await new Promise((r) => setTimeout(r, 100));
  assert.is(answered, false, 'no reply before the ring accepted the record');
  release();
  const res = await pending;
  assert.is(res.status, 202);
  assert.equal(JSON.parse(res.body), { accepted: 1 });
  assert.equal(got, ['hello']);
  assert.is((await post(`http://127.0.0.1:${ing.port}/other`, 'x')).status, 404);
  const get = await request(url);
  await get.body.dump();
  assert.is(get.statusCode, 405);
  assert.is(ing.health().message_count, 1);
  assert.equal(ing.health().lag, { value: 0, unit: 'requests' });
  await ing.close();
  assert.is(ing.health().connection_state, 'closed');
});

test('split=lines makes one record per line; oversize bodies get 413; a refused push gets 422', async () => {
  const ing = httpAdapter.ingress!({ port: '0', split: 'lines', max_body_bytes: '64' }, {}) as HttpIngress;
  const sink = new RecordingSink();
  let refuse = false;
  await ing.start({
    push: (r, t) => {
      if (refuse) throw new Error('record larger than slot_bytes');
      sink.push(r, t);
    },
    end: () => sink.end(),
  });
  const url = `http://127.0.0.1:${ing.port}/`;
  const ok = await post(url, 'a\nb\nc');
  assert.is(ok.status, 202);
  assert.equal(JSON.parse(ok.body), { accepted: 3 });
  assert.equal(sink.texts(), ['a', 'b', 'c']);
  assert.is((await post(url, 'x'.repeat(100))).status, 413);
  refuse = true;
  const bad = await post(url, 'y');
  assert.is(bad.status, 422);
  assert.match(bad.body, /slot_bytes/);
  assert.ok(ing.health().recent_failures.some((f) => /slot_bytes/.test(f.message)));
  await ing.close();
});

test('reply=delivered answers 200 once the record was acknowledged after egress', async () => {
  const ing = httpAdapter.ingress!({ port: '0', reply: 'delivered' }, {}) as HttpIngress;
  const sink = new RecordingSink();
  await ing.start(sink);
  let answered = false;
  const pending = post(`http://127.0.0.1:${ing.port}/`, 'r1').then((r) => {
    answered = true;
    return r;
  });
  await sink.until(() => sink.records.length === 1, 5_000, 'record');
  await new Promise((r) => setTimeout(r, 50));
  assert.is(answered, false);
  ing.ack(sink.tokens);
  assert.is((await pending).status, 200);
  await ing.close();
});

test('egress retries 503 with backoff, then delivers; 400 is not retried', async () => {
  const dest = await destination((n) => (n < 2 ? 503 : 200));
  const eg = httpAdapter.egress!({ url: dest.url, backoff_ms: '5' }, {});
  await eg.start();
  await eg.write([Buffer.from('one'), Buffer.from('two')]);
  assert.equal(dest.bodies, ['one', 'two']);
  const h = eg.health();
  assert.is(h.message_count, 2);
  assert.is(h.connection_state, 'connected');
  assert.is(h.recent_failures.length, 2);
  assert.match(h.recent_failures[0]!.message, /answered 503/);
  await eg.close();
  dest.server.close();

  const refusing = await destination(() => 400);
  const eg2 = httpAdapter.egress!({ url: refusing.url, backoff_ms: '5' }, {});
  await eg2.start();
  try {
    await eg2.write([Buffer.from('x')]);
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
    assert.match((e as Error).message, /answered 400 \(not retried/);
  }
  assert.is(eg2.health().connection_state, 'failed');
  await eg2.close();
  refusing.server.close();
});

test('egress to a closed port fails after its retries, naming them', async () => {
  const port = await freePort();
  const eg = httpAdapter.egress!({ url: `http://127.0.0.1:${port}/`, retries: '2', backoff_ms: '5' }, {});
  await eg.start();
  try {
    await eg.write([Buffer.from('x')]);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /after 3 attempts \(egress\.retries=2\)/);
  }
  assert.is(eg.health().recent_failures.length, 3);
  await eg.close();
});

test('pump: HTTP ingress -> HTTP egress keeps order with concurrency=1', async () => {
  const dest = await destination();
  const ing = httpAdapter.ingress!({ port: '0' }, {}) as HttpIngress;
  const pump = new Pump(ing, httpAdapter.egress!({ url: dest.url }, {}), 16);
  await pump.start();
  const url = `http://127.0.0.1:${ing.port}/`;
  for (let i = 0; i < 200; i++) assert.is((await post(url, `m${i}`)).status, 202);
  await until(() => pump.moved === 200, 10_000, '200 records delivered');
  assert.equal(
    dest.bodies,
    Array.from({ length: 200 }, (_, i) => `m${i}`),
  );
  await pump.stop();
  dest.server.close();
});

test('ingress: a client that goes away mid-body is not left in flight; the next request is served', async () => {
  const ing = httpAdapter.ingress!({ port: '0' }, {}) as HttpIngress;
  const sink = new RecordingSink();
  await ing.start(sink);
  const sock = connect(ing.port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\npartial');
  await until(() => ing.health().lag?.value === 1, 5_000, 'the request in flight');
  sock.destroy();
  await until(() => ing.health().lag?.value === 0, 5_000, 'the request given up');
  assert.is((await post(`http://127.0.0.1:${ing.port}/`, 'whole')).status, 202);
  assert.equal(sink.texts(), ['whole']);
  await ing.close();
});

test('ingress: bodies of concurrent requests all go in, each answered 202 once its record is in', async () => {
  const ing = httpAdapter.ingress!({ port: '0' }, {}) as HttpIngress;
  const sink = new RecordingSink();
  await ing.start(sink);
  const url = `http://127.0.0.1:${ing.port}/`;
  const res = await Promise.all(Array.from({ length: 50 }, (_, i) => post(url, `c${i}`)));
  assert.ok(res.every((r) => r.status === 202 && r.body === '{"accepted":1}\n'));
  assert.equal([...sink.texts()].sort(), Array.from({ length: 50 }, (_, i) => `c${i}`).sort());
  assert.is(ing.health().message_count, 50);
  await ing.close();
});

/** an EgressView over `records`, laid out in a memory with gaps between them */
function viewOf(records: string[]): EgressView {
  const memory = new Uint8Array(64 * 1024);
  const offsets: number[] = [];
  let o = 7;
  for (const r of records) {
    memory.set(Buffer.from(r), o);
    offsets.push(o);
    o += r.length + 5;
  }
  return {
    memory,
    count: records.length,
    bytes: records.reduce((a, r) => a + r.length, 0),
    offset: (i) => offsets[i]!,
    length: (i) => records[i]!.length,
  };
}

test('egress writeFrom: a request per record from its slot, concurrency at a time; in order with one', async () => {
  const dest = await destination();
  const eg = httpAdapter.egress!({ url: dest.url, concurrency: '4' }, {});
  await eg.start();
  const recs = Array.from({ length: 40 }, (_, i) => `v${i}`);
  await eg.writeFrom!(viewOf(recs.slice(0, 25)));
  await eg.writeFrom!(viewOf(recs.slice(25)));
  assert.equal([...dest.bodies].sort(), [...recs].sort());
  assert.is(eg.health().message_count, 40);
  assert.equal(eg.health().lag, { value: 0, unit: 'records' });
  await eg.close();
  dest.server.close();

  const ordered = await destination();
  const one = httpAdapter.egress!({ url: ordered.url }, {});
  await one.start();
  await one.writeFrom!(viewOf(['a', '', 'ccc']));
  assert.equal(ordered.bodies, ['a', '', 'ccc']);
  await one.close();
  ordered.server.close();
});

test('egress: a batch that fails with requests still in flight rejects; the next write goes through', async () => {
  // the 3rd request is refused for good (400) while others of the batch are answered slowly
  let n = 0;
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const k = n++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      if (k === 2) {
        res.writeHead(400);
        res.end();
        return;
      }
      setTimeout(() => {
        bodies.push(text);
        res.writeHead(200);
        res.end();
      }, 30);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const eg = httpAdapter.egress!({ url, concurrency: '4', backoff_ms: '5' }, {});
  await eg.start();
  try {
    await eg.write(Array.from({ length: 8 }, (_, i) => Buffer.from(`f${i}`)));
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /answered 400 \(not retried/);
  }
  await eg.write([Buffer.from('next-1'), Buffer.from('next-2')]);
  assert.ok(bodies.includes('next-1') && bodies.includes('next-2'), JSON.stringify(bodies));
  assert.not.ok(bodies.includes('f7'), 'no request is started after the failure');
  await eg.close();
  server.close();
});

exitWhenDone(test);
test.run();
