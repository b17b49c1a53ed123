import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { IDENTITY_SPEC, exampleConfig, startCli } from './cli.ts';
import { exitWhenDone, freePort, until } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-examples-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('websocket -> http example: messages from a client are POSTed to the sink in order', async () => {
  const wsPort = await freePort();
  const bodies: string[] = [];
  const sink = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => {
      b += c;
    });
    req.on('end', () => {
      bodies.push(b);
      res.end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/sink`;
  const cfg = exampleConfig(
    'websocket-to-http.conf',
    dir,
    { 'ingress.port=8081': `ingress.port=${wsPort}`, 'http://127.0.0.1:8082/sink': sinkUrl },
    '',
  );
  const rt = startCli([
    'run',
    '--sp',
    '--plugin=edgeplane',
    `--spec=${IDENTITY_SPEC}`,
    `--config=${cfg}`,
    '--adapter-max-messages=50',
    '--json',
  ]);
  try {
    let client: WebSocket | null = null;
    await until(
      async () => {
        client = await new Promise<WebSocket | null>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${wsPort}/`);
          ws.once('open', () => resolve(ws));
          ws.once('error', () => resolve(null));
        });
        return client !== null;
      },
      30_000,
      'the runtime accepting WebSocket clients',
    );
    for (let i = 0; i < 50; i++) client!.send(`w${i}`);
    const r = await rt.done;
    assert.is(r.code, 0, r.stderr);
    assert.is(JSON.parse(r.stdout).records_out, 50);
    assert.equal(
      bodies,
      Array.from({ length: 50 }, (_, i) => `w${i}`),
    );
    client!.terminate();
  } finally {
    rt.child.kill('SIGKILL');
    sink.close();
  }
});

exitWhenDone(test);
test.run();
