import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { WebSocketIngress, websocketAdapter } from '../../plugins/edgeplane/websocket.ts';
import { Pump, RecordingSink, writeFromTwice, freePort, producerSink, until, exitWhenDone } from './helpers.ts';

async function wsServer(port = 0): Promise<{ wss: WebSocketServer; url: string; port: number }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const p = (wss.address() as AddressInfo).port;
  return { wss, url: `ws://127.0.0.1:${p}/`, port: p };
}
const closeServer = (wss: WebSocketServer) =>
  new Promise<void>((r) => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => r());
  });

test('client ingress receives every message and reconnects after the server restarts', async () => {
  const first = await wsServer();
  const ing = websocketAdapter.ingress!({ url: first.url, backoff_ms: '20', backoff_max_ms: '100' }, {});
  const sink = new RecordingSink();
  const connected = new Promise<WebSocket>((r) => first.wss.once('connection', r));
  await ing.start(sink);
  const peer = await connected;
  for (let i = 0; i < 50; i++) peer.send(`a${i}`);
  await sink.until(() => sink.records.length === 50, 5_000, '50 messages');
  await closeServer(first.wss);
  await until(() => ing.health().connection_state === 'reconnecting', 5_000, 'reconnecting state');
  const second = await wsServer(first.port);
  const peer2 = await new Promise<WebSocket>((r) => second.wss.once('connection', r));
  await until(() => ing.health().connection_state === 'connected', 5_000, 'connected again');
  for (let i = 0; i < 50; i++) peer2.send(`b${i}`);
  await sink.until(() => sink.records.length === 100, 5_000, '100 messages');
  assert.equal(sink.texts(), [
    ...Array.from({ length: 50 }, (_, i) => `a${i}`),
    ...Array.from({ length: 50 }, (_, i) => `b${i}`),
  ]);
  const h = ing.health();
  assert.is(h.message_count, 100);
  assert.ok(h.recent_failures.length >= 1, 'the drop is recorded');
  await ing.close();
  await closeServer(second.wss);
});

test('server ingress accepts clients; a slow sink pauses the socket instead of dropping', async () => {
  const ing = websocketAdapter.ingress!({ mode: 'server', port: '0' }, {}) as WebSocketIngress;
  let slow = true;
  const sink = new RecordingSink();
  await ing.start({
    push: async (r) => {
      if (slow) await new Promise((x) => setTimeout(x, 1));
      sink.push(r);
    },
    end: () => sink.end(),
  });
  const client = new WebSocket(`ws://127.0.0.1:${ing.port}/`);
  await new Promise((r) => client.once('open', r));
  const n = 3000;
  for (let i = 0; i < n; i++) client.send(Buffer.from(`m${i}`));
  await until(() => (ing.health().lag?.value ?? 0) > 0, 5_000, 'a backlog');
  slow = false;
  await sink.until(() => sink.records.length === n, 20_000, 'all messages');
  assert.equal(
    sink.texts(),
    Array.from({ length: n }, (_, i) => `m${i}`),
  );
  client.close();
  await ing.close();
});

test('egress sends one binary message per record and resends after a reconnect', async () => {
  const srv = await wsServer();
  const got: string[] = [];
  srv.wss.on('connection', (ws) => ws.on('message', (d) => got.push(d.toString())));
  const eg = websocketAdapter.egress!({ url: srv.url, backoff_ms: '20', backoff_max_ms: '100' }, {});
  await eg.start();
  await eg.write([Buffer.from('x1'), Buffer.from('x2')]);
  await until(() => got.length === 2, 5_000, 'two messages');
  await closeServer(srv.wss);
  await until(() => eg.health().connection_state === 'reconnecting', 5_000, 'reconnecting');
  const again = await wsServer(srv.port);
  again.wss.on('connection', (ws) => ws.on('message', (d) => got.push(d.toString())));
  await eg.write([Buffer.from('x3')]);
  await until(() => got.length === 3, 5_000, 'third message');
  assert.equal(got, ['x1', 'x2', 'x3']);
  assert.is(eg.health().connection_state, 'connected');
  assert.is(eg.health().message_count, 3);
  await eg.close();
  await closeServer(again.wss);
});

test('connecting to nothing fails after connect_timeout_ms with a transport error', async () => {
  const port = await freePort();
  const eg = websocketAdapter.egress!(
    { url: `ws://127.0.0.1:${port}/`, connect_timeout_ms: '200', backoff_ms: '20' },
    {},
  );
  try {
    await eg.start();
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
    assert.match((e as Error).message, /within 200 ms/);
  }
  assert.is(eg.health().connection_state, 'failed');
});

test('pump: WebSocket server ingress -> WebSocket egress', async () => {
  const dest = await wsServer();
  const got: string[] = [];
  dest.wss.on('connection', (ws) => ws.on('message', (d) => got.push(d.toString())));
  const ing = websocketAdapter.ingress!({ mode: 'server', port: '0' }, {}) as WebSocketIngress;
  const pump = new Pump(ing, websocketAdapter.egress!({ url: dest.url, frame: 'text' }, {}));
  await pump.start();
  const client = new WebSocket(`ws://127.0.0.1:${ing.port}/`);
  await new Promise((r) => client.once('open', r));
  for (let i = 0; i < 500; i++) client.send(`r${i}`);
  await until(() => got.length === 500, 10_000, '500 relayed');
  assert.equal(
    got,
    Array.from({ length: 500 }, (_, i) => `r${i}`),
  );
  client.close();
  await pump.stop();
  await closeServer(dest.wss);
});

test('server ingress pushes each burst as spans, in order, through a sink that makes it wait', async () => {
  const { sink, events, spanCalls } = producerSink(64);
  const ing = websocketAdapter.ingress!({ mode: 'server', port: '0' }, {}) as WebSocketIngress;
  await ing.start(sink);
  const client = new WebSocket(`ws://127.0.0.1:${ing.port}/`);
  await new Promise((r) => client.once('open', r));
  const n = 5000;
  for (let i = 0; i < n; i++) client.send(Buffer.from(i === 7 ? 'y'.repeat(100) : `m${i}`));
  await until(() => events.length === n, 10_000, `${n} messages`);
  assert.equal(
    events,
    Array.from({ length: n }, (_, i) => (i === 7 ? { refused: 100 } : `m${i}`)),
  );
  assert.ok(spanCalls() > 0 && spanCalls() < n / 4, `bursts, not messages, go in (${spanCalls()} pushSpans calls)`);
  await until(() => ing.health().message_count === n, 5_000, 'all counted');
  client.close();
  await ing.close();
});

test('egress writeFrom sends every record of the view once, in order; the slots may be reused after', async () => {
  const srv = await wsServer();
  const got: string[] = [];
  srv.wss.on('connection', (ws) => ws.on('message', (d) => got.push(d.toString())));
  const eg = websocketAdapter.egress!({ url: srv.url }, {});
  await eg.start();
  const sent = await writeFromTwice(eg, 1000);
  await until(() => got.length === 1003, 5_000, '1003 messages');
  assert.equal(got, sent);
  assert.is(eg.health().message_count, 1003);
  await eg.close();
  await closeServer(srv.wss);
});

exitWhenDone(test);
test.run();
