import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileAdapter } from '../../plugins/edgeplane/file.ts';
import { collectAdapters } from '../../plugins/edgeplane/bindings.ts';
import { Pump, RecordingSink, until } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-file-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('reads every line, including a last line without newline, then ends', async () => {
  const p = join(dir, 'in1.txt');
  writeFileSync(p, 'alpha\nbeta\r\n\ngamma');
  const ing = fileAdapter.ingress!({ path: p, read_bytes: '512' }, {});
  const sink = new RecordingSink();
  await ing.start(sink);
  await sink.until(() => sink.ended, 5_000, 'end of file');
  assert.equal(sink.texts(), ['alpha', 'beta\r', '', 'gamma']);
  assert.equal(sink.tokens, [6, 12, 13, 18]);
  const h = ing.health();
  assert.is(h.message_count, 4);
  assert.equal(h.lag, { value: 0, unit: 'bytes' });
  await ing.close();
  assert.is(ing.health().connection_state, 'closed');
});

test('lines split across small reads are reassembled', async () => {
  const p = join(dir, 'in2.txt');
  const lines = Array.from({ length: 300 }, (_, i) => `record-${i}-${'x'.repeat(i % 37)}`);
  writeFileSync(p, lines.join('\n') + '\n');
  const ing = fileAdapter.ingress!({ path: p, read_bytes: '512' }, {});
  const sink = new RecordingSink();
  await ing.start(sink);
  await sink.until(() => sink.ended, 5_000, 'end of file');
  assert.equal(sink.texts(), lines);
  await ing.close();
});

test('follow picks up appended lines and reports the unread bytes as lag', async () => {
  const p = join(dir, 'follow.txt');
  writeFileSync(p, 'one\n');
  const ing = fileAdapter.ingress!({ path: p, follow: 'true', poll_ms: '20' }, {});
  const sink = new RecordingSink();
  await ing.start(sink);
  await sink.until(() => sink.records.length === 1, 5_000, 'first line');
  appendFileSync(p, 'two\nthr');
  await sink.until(() => sink.records.length === 2, 5_000, 'second line');
  await until(() => ing.health().lag?.value === 3, 5_000, 'lag of the partial line');
  appendFileSync(p, 'ee\n');
  await sink.until(() => sink.records.length === 3, 5_000, 'third line');
  assert.equal(sink.texts(), ['one', 'two', 'three']);
  assert.is(sink.ended, false);
  await ing.close();
});

test('a checkpoint resumes after the last acknowledged line (at-least-once across restarts)', async () => {
  const p = join(dir, 'ck.txt'); const ck = join(dir, 'ck.offset');
  writeFileSync(p, 'a\nb\nc\nd\n');
  const first = fileAdapter.ingress!({ path: p, checkpoint: ck }, {});
  const sink = new RecordingSink();
  await first.start(sink);
  await sink.until(() => sink.ended, 5_000, 'end');
  await first.ack!([sink.tokens[0], sink.tokens[1]]); // a and b left through egress; c, d did not
  await first.close();
  assert.is(readFileSync(ck, 'utf8'), 'offset=4\n');
  const second = fileAdapter.ingress!({ path: p, checkpoint: ck }, {});
  const again = new RecordingSink();
  await second.start(again);
  await again.until(() => again.ended, 5_000, 'end');
  assert.equal(again.texts(), ['c', 'd']);
  await second.close();
});

test('a missing input file is a transport error naming the path', async () => {
  const ing = fileAdapter.ingress!({ path: join(dir, 'nope.txt') }, {});
  try { await ing.start(new RecordingSink()); assert.unreachable('should fail'); } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
    assert.match((e as Error).message, /nope\.txt/);
  }
  assert.is(ing.health().connection_state, 'failed');
  assert.is(ing.health().recent_failures.length, 1);
});

test('egress appends one line per record, or truncates with append=false; pump file -> file', async () => {
  const out = join(dir, 'out.txt');
  writeFileSync(out, 'old\n');
  const eg = fileAdapter.egress!({ path: out }, {});
  await eg.start();
  await eg.write([Buffer.from('x'), Buffer.from('y')]);
  await eg.close();
  assert.is(readFileSync(out, 'utf8'), 'old\nx\ny\n');
  assert.is(eg.health().message_count, 2);

  const src = join(dir, 'src.txt');
  const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
  writeFileSync(src, lines.join('\n') + '\n');
  const pump = new Pump(fileAdapter.ingress!({ path: src }, {}), fileAdapter.egress!({ path: out, append: 'false', fsync: 'true' }, {}));
  await pump.start();
  await until(() => pump.ended && pump.moved === 1000, 10_000, 'all lines moved');
  const adapters = collectAdapters();
  assert.equal(adapters.map((a) => [a.role, a.kind, a.message_count]), [['ingress', 'file', 1000], ['egress', 'file', 1000]]);
  await pump.stop();
  assert.is(readFileSync(out, 'utf8'), lines.join('\n') + '\n');
});

test.run();
