import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileAdapter } from '../../plugins/edgeplane/file.ts';
import { collectAdapters } from '../../plugins/edgeplane/bindings.ts';
import { Pump, RecordingSink, producerSink, until } from './helpers.ts';
import type { EgressView, IngressSink } from '../../kernel/plugin-contract.ts';

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
  const p = join(dir, 'ck.txt');
  const ck = join(dir, 'ck.offset');
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
  try {
    await ing.start(new RecordingSink());
    assert.unreachable('should fail');
  } catch (e) {
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
  const pump = new Pump(
    fileAdapter.ingress!({ path: src }, {}),
    fileAdapter.egress!({ path: out, append: 'false', fsync: 'true' }, {}),
  );
  await pump.start();
  await until(() => pump.ended && pump.moved === 1000, 10_000, 'all lines moved');
  const adapters = collectAdapters();
  assert.equal(
    adapters.map((a) => [a.role, a.kind, a.message_count]),
    [
      ['ingress', 'file', 1000],
      ['egress', 'file', 1000],
    ],
  );
  await pump.stop();
  assert.is(readFileSync(out, 'utf8'), lines.join('\n') + '\n');
});

/**
 * A producer-like sink: pushSpans copies the records (one over `limit` counted as refused, as
 * the producer does), every third call settles later (a full ring); refuse for over-long lines.
 */
function spanSink(limit: number) {
  const events: Array<string | { refused: number }> = [];
  let calls = 0;
  let ended = false;
  const take = (bytes: Uint8Array, spans: Uint32Array, count: number) => {
    for (let i = 0; i < count; i++) {
      const len = spans[2 * i + 1]! - spans[2 * i]!;
      events.push(
        len > limit
          ? { refused: len }
          : Buffer.from(bytes.subarray(spans[2 * i]!, spans[2 * i + 1]!)).toString('latin1'),
      );
    }
  };
  const sink: IngressSink = {
    push() {
      throw new Error('push must not be used when pushSpans exists (no checkpoint)');
    },
    pushSpans(bytes, spans, count) {
      if (++calls % 3 !== 0) {
        take(bytes, spans, count);
        return;
      }
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          take(bytes, spans, count);
          resolve();
        }),
      );
    },
    maxRecordBytes: limit,
    refuse(n) {
      events.push({ refused: n });
    },
    end() {
      ended = true;
    },
  };
  return { sink, events, ended: () => ended };
}

test(
  'into a producer without a checkpoint: spans of a reused buffer, lines across reads, a long line carried, an ' +
    'over-long one refused',
  async () => {
    const p = join(dir, 'spans.txt');
    const lines = Array.from({ length: 400 }, (_, i) => `record-${i}-${'x'.repeat(i % 53)}`);
    const long = 'L'.repeat(1500); // longer than the 512-byte head room, under the limit: the buffer grows
    const huge = 'H'.repeat(5000); // over the limit: refused with its length, never buffered whole
    writeFileSync(p, [...lines.slice(0, 200), long, huge, ...lines.slice(200), 'last'].join('\n'));
    const ing = fileAdapter.ingress!({ path: p, read_bytes: '512' }, {});
    const s = spanSink(2048);
    await ing.start(s.sink);
    await until(() => s.ended(), 5_000, 'end of file');
    assert.equal(s.events, [...lines.slice(0, 200), long, { refused: huge.length }, ...lines.slice(200), 'last']);
    assert.is(ing.health().message_count, 403);
    assert.equal(ing.health().lag, { value: 0, unit: 'bytes' });
    await ing.close();
  },
);

test('into a producer that lends a read buffer: the file is read into it and the spans are over it', async () => {
  const p = join(dir, 'lent.txt');
  const lines = Array.from({ length: 500 }, (_, i) => `lent-${i}-${'z'.repeat(i % 31)}`);
  writeFileSync(p, lines.join('\n') + '\n');
  const shared = new SharedArrayBuffer(1 << 16);
  const s = spanSink(2048);
  let lent: Uint8Array | null = null;
  const outside: number[] = [];
  const sink: IngressSink = {
    ...s.sink,
    pushSpans(bytes, spans, count) {
      if (bytes.buffer !== shared) outside.push(count);
      return s.sink.pushSpans!(bytes, spans, count);
    },
    readBuffer(bytes) {
      lent = new Uint8Array(shared, 64, bytes);
      return lent;
    },
  };
  const ing = fileAdapter.ingress!({ path: p, read_bytes: '1024' }, {});
  await ing.start(sink);
  await until(() => s.ended(), 5_000, 'end of file');
  assert.equal(s.events, lines);
  assert.is(lent!.byteLength, 2048, 'head room and a read');
  assert.equal(outside, [], 'every span batch is over the lent buffer');
  await ing.close();
});

test(
  'into a producer, following: a partial line waits (lag), the rest of it completes it; a truncated file is read ' +
    'again',
  async () => {
    const p = join(dir, 'spans-follow.txt');
    writeFileSync(p, 'one\n');
    const ing = fileAdapter.ingress!({ path: p, follow: 'true', poll_ms: '20', read_bytes: '512' }, {});
    const s = spanSink(2048);
    await ing.start(s.sink);
    await until(() => s.events.length === 1, 5_000, 'first line');
    appendFileSync(p, 'two\nthr');
    await until(() => s.events.length === 2, 5_000, 'second line');
    await until(() => ing.health().lag?.value === 3, 5_000, 'lag of the partial line');
    appendFileSync(p, 'ee\n');
    await until(() => s.events.length === 3, 5_000, 'third line');
    writeFileSync(p, 'new\n');
    await until(() => s.events.length === 4, 5_000, 'the truncated file read again');
    assert.equal(s.events, ['one', 'two', 'three', 'new']);
    assert.not.ok(s.ended());
    await ing.close();
  },
);

test(
  'with a checkpoint into a producer: each read as spans with one ack token (the offset past its last line that ' +
    'fits); acking them stores the last; a restart resumes there',
  async () => {
    const p = join(dir, 'ck-spans.txt');
    const ck = join(dir, 'ck-spans.offset');
    const lines = Array.from({ length: 300 }, (_, i) => `r${i}-${'y'.repeat(i % 29)}`);
    const long = 'L'.repeat(600);
    writeFileSync(p, [...lines.slice(0, 150), long, ...lines.slice(150)].join('\n') + '\nlast');
    const first = fileAdapter.ingress!({ path: p, checkpoint: ck, read_bytes: '512' }, {});
    const s = producerSink(256);
    await first.start(s.sink);
    await until(() => s.ended(), 5_000, 'end of file');
    assert.equal(s.events, [...lines.slice(0, 150), { refused: 600 }, ...lines.slice(150), 'last']);
    assert.is(first.health().message_count, 302);
    // a token per read (512 bytes), not per line; each the offset just past a line
    const text = readFileSync(p, 'latin1');
    assert.ok(s.tokens.length > 10 && s.tokens.length < 100, String(s.tokens.length));
    for (const t of s.tokens) assert.ok(t === text.length || text[(t as number) - 1] === '\n', String(t));
    const cut = s.tokens.findIndex((t) => (t as number) > text.indexOf('r200-'));
    await first.ack!(s.tokens.slice(0, cut));
    await first.close();
    const stored = Number(/^offset=(\d+)\n$/.exec(readFileSync(ck, 'utf8'))![1]);
    assert.is(stored, s.tokens[cut - 1]);
    const second = fileAdapter.ingress!({ path: p, checkpoint: ck, read_bytes: '512' }, {});
    const again = producerSink(256);
    await second.start(again.sink);
    await until(() => again.ended(), 5_000, 'end after resuming');
    const rest = text.slice(stored).split('\n');
    assert.equal(again.events, rest);
    assert.ok(rest.length > 100 && rest.at(-1) === 'last');
    await second.close();
  },
);

test(
  'egress writeFrom: each record from its slot and a ' + 'newline, batch after batch through one reused buffer',
  async () => {
    const out = join(dir, 'out-view.txt');
    const eg = fileAdapter.egress!({ path: out, append: 'false' }, {});
    await eg.start();
    const memory = new Uint8Array(1 << 17);
    const batch = (records: string[]): EgressView => {
      const offsets: number[] = [];
      let o = 3;
      for (const r of records) {
        memory.set(Buffer.from(r), o);
        offsets.push(o);
        o += r.length + 11;
      }
      return {
        memory,
        count: records.length,
        bytes: records.reduce((a, r) => a + r.length, 0),
        offset: (i) => offsets[i]!,
        length: (i) => records[i]!.length,
      };
    };
    await eg.writeFrom!(batch(['a', '', 'bcdefgh']));
    await eg.writeFrom!(batch(['second batch', 'x'.repeat(70_000)]));
    await eg.close();
    assert.is(readFileSync(out, 'utf8'), `a\n\nbcdefgh\nsecond batch\n${'x'.repeat(70_000)}\n`);
    assert.is(eg.health().message_count, 5);
  },
);

test.run();
