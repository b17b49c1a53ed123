import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { StdioEgress, StdioIngress, stdioAdapter } from '../../plugins/edgeplane/stdio.ts';
import { RecordingSink } from './helpers.ts';

test('ingress splits a stream into lines, with backpressure, and ends at EOF', async () => {
  const input = new PassThrough();
  const ing = new StdioIngress(input);
  const sink = new RecordingSink();
  await ing.start(sink);
  input.write('a\nb');
  input.write('c\n');
  input.end('last');
  await sink.until(() => sink.ended, 5_000, 'EOF');
  assert.equal(sink.texts(), ['a', 'bc', 'last']);
  assert.is(ing.health().message_count, 3);
  assert.is(ing.health().connection_state, 'closed');
});

test('egress writes one line per record', async () => {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const eg = new StdioEgress(out);
  await eg.start();
  await eg.write([Buffer.from('x'), Buffer.from('yz')]);
  await eg.close();
  assert.is(Buffer.concat(chunks).toString(), 'x\nyz\n');
  assert.is(eg.health().message_count, 2);
});

test('stdio takes no settings', () => {
  try {
    stdioAdapter.ingress!({ path: 'x' }, {});
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /^ingress\.path: unknown setting for adapter kind "stdio"/);
  }
});

test('real process stdin -> stdout through the factory bindings', async () => {
  const script =
    `
    import { stdioAdapter } from ${JSON.stringify(new URL('../../plugins/edgeplane/stdio.ts', import.meta.url).href)};
    const ing = stdioAdapter.ingress({}, {}); const eg = stdioAdapter.egress({}, {});
    await eg.start();
    let done; const ended = new Promise((r) => { done = r; });
    await ing.start({ push: (r) => eg.write([Uint8Array.from(r, (c) => c >= 97 && c <= 122 ? c - 32 : c)]), end: () ` +
    `=> done() });
    await ended; await ing.close(); await eg.close();`;
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  const lines = Array.from({ length: 2000 }, (_, i) => `rec${i}`);
  child.stdin.end(lines.join('\n') + '\n');
  const code = await new Promise((r) => child.on('close', r));
  assert.is(code, 0);
  assert.equal(
    Buffer.concat(out).toString().trimEnd().split('\n'),
    lines.map((l) => l.toUpperCase()),
  );
});

test.run();
