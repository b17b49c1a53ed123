// The line ingress reading a regular file into a producer-like sink (pushSpans, maxRecordBytes,
// refuse): two reused buffers of LINE_CHUNK_BYTES reads with head room for the line carried
// across a chunk boundary. Records are exactly the bytes between newlines and a line longer
// than the limit is refused with its exact length, wherever the chunk boundaries fall.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { LineIngress, LINE_CHUNK_BYTES } from '../../kernel/io/line-ingress.ts';
import type { IngressSink } from '../../kernel/index.ts';
import { tempDir } from './cli-harness.ts';

type Event = string | { refused: number };

/**
 * A producer-like sink: pushSpans copies each record (longer than `limit`: counted as refused,
 * as the producer does); every third call and every second refusal settle later (a full ring),
 * reading the spans only then. `limit` null: no maxRecordBytes/refuse (every line is pushed).
 */
function producerSink(limit: number | null) {
  const events: Event[] = [];
  let calls = 0;
  let refusals = 0;
  let ended = false;
  const take = (bytes: Uint8Array, spans: Uint32Array, count: number) => {
    for (let i = 0; i < count; i++) {
      const len = spans[2 * i + 1]! - spans[2 * i]!;
      if (limit !== null && len > limit) events.push({ refused: len });
      else events.push(Buffer.from(bytes.subarray(spans[2 * i]!, spans[2 * i + 1]!)).toString('latin1'));
    }
  };
  const sink: IngressSink = {
    push() {
      throw new Error('push must not be used when pushSpans exists');
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
    end() {
      ended = true;
    },
    ...(limit === null
      ? {}
      : {
          maxRecordBytes: limit,
          refuse(n: number) {
            if (++refusals % 2 === 0) {
              events.push({ refused: n });
              return;
            }
            return new Promise<void>((resolve) =>
              setImmediate(() => {
                events.push({ refused: n });
                resolve();
              }),
            );
          },
        }),
  };
  return { sink, events, ended: () => ended };
}

/** What the records of `text` are for a sink with `limit`. */
function expected(text: string, limit: number | null): Event[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => (limit !== null && p.length > limit ? { refused: p.length } : p));
}

async function readFile(text: string, limit: number | null) {
  const path = join(tempDir('byteor-linefile-'), 'in.txt');
  writeFileSync(path, Buffer.from(text, 'latin1'));
  const s = producerSink(limit);
  const ing = new LineIngress({ input: path });
  await ing.start(s.sink);
  await ing.finished;
  assert.ok(s.ended(), 'the sink was ended at EOF');
  assert.is(ing.health().message_count, s.events.length);
  assert.is(ing.health().transport, 'file');
  return s.events;
}

const line = (n: number, c = 'x') => c.repeat(n);

test('file: a line across two read chunks, and a newline as the last byte of a chunk', async () => {
  const a = line(LINE_CHUNK_BYTES - 10);
  const across = `${a}\n${line(30, 'y')}\n`; // y-line starts 9 bytes before the chunk end
  assert.equal(await readFile(across, 256), [{ refused: a.length }, line(30, 'y')]);
  const atEnd = `${line(LINE_CHUNK_BYTES - 1, 'z')}\nnext\n`; // \n is byte LINE_CHUNK_BYTES - 1
  assert.equal(await readFile(atEnd, null), [line(LINE_CHUNK_BYTES - 1, 'z'), 'next']);
  const exact = `${line(99)}\n`.repeat(LINE_CHUNK_BYTES / 100) + 'tail\n'; // lines of 100 B: a boundary mid-line
  assert.equal(await readFile(exact, 256), [...Array.from({ length: LINE_CHUNK_BYTES / 100 }, () => line(99)), 'tail']);
});

test(
  'file: a huge line is refused with its length (in the middle and unterminated at the end), the next record ' +
    'still flows',
  async () => {
    const huge = line(5 * LINE_CHUNK_BYTES + 17, 'h');
    assert.equal(await readFile(`a\n${huge}\nb\n${huge}`, 256), [
      'a',
      { refused: huge.length },
      'b',
      { refused: huge.length },
    ]);
  },
);

test('file: a line longer than the head room but under the limit is carried whole', async () => {
  const long = line(2 * LINE_CHUNK_BYTES + 5000, 'l'); // spans three reads: carried with more than the head room
  assert.equal(await readFile(`s\n${long}\n${long}`, 3 * LINE_CHUNK_BYTES), ['s', long, long]);
  assert.equal(await readFile(`${long}\n`, null), [long]);
});

test('file: many tiny and empty lines, CRLF kept, a partial last line is a record', async () => {
  const text = 'a\n\n\r\nb\r\n'.repeat(60_000) + 'end';
  const events = await readFile(text, 256);
  assert.is(events.length, 4 * 60_000 + 1);
  assert.equal(events.slice(0, 4), ['a', '', '\r', 'b\r']);
  assert.is(events[events.length - 1], 'end');
  assert.equal(await readFile('', 256), []);
  assert.equal(await readFile('\n', 256), ['']);
});

test(
  'file: records and refusals match the lines, whatever ' + 'the line lengths against the chunk size (property)',
  async () => {
    const lengths = fc.oneof(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 200, max: 300 }),
      fc.integer({ min: LINE_CHUNK_BYTES - 40, max: LINE_CHUNK_BYTES + 40 }),
      fc.integer({ min: 2 * LINE_CHUNK_BYTES - 40, max: 2 * LINE_CHUNK_BYTES + 40 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(lengths, { minLength: 1, maxLength: 12 }),
        fc.constantFrom<number | null>(256, 4096, 2 * LINE_CHUNK_BYTES, null),
        fc.boolean(),
        async (lens, limit, terminated) => {
          const text =
            lens.map((n, i) => line(n, String.fromCharCode(97 + (i % 26)))).join('\n') + (terminated ? '\n' : '');
          assert.equal(await readFile(text, limit), expected(text, limit));
        },
      ),
      { seed: 16, numRuns: 40 },
    );
  },
);

test('stream: the same records and refusals through the stream reader, whatever the chunking (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 14, max: 40 })), {
        minLength: 1,
        maxLength: 40,
      }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom<number | null>(13, 30, null),
      async (lens, cuts, limit) => {
        const text = lens.map((n, i) => line(n, String.fromCharCode(97 + (i % 26)))).join('\n');
        const bytes = Buffer.from(text, 'latin1');
        const chunks: Buffer[] = [];
        for (let o = 0, k = 0; o < bytes.length; k++) {
          const n = cuts[k % cuts.length]!;
          chunks.push(bytes.subarray(o, o + n));
          o += n;
        }
        const s = producerSink(limit);
        const ing = new LineIngress({ input: '-', stream: Readable.from(chunks) });
        await ing.start(s.sink);
        await ing.finished;
        assert.equal(s.events, expected(text, limit));
        assert.ok(s.ended());
      },
    ),
    { seed: 1616, numRuns: 150 },
  );
});

test('file: close stops at the chunk in hand; the rest of the file is not read', async () => {
  const path = join(tempDir('byteor-linefile-'), 'in.txt');
  writeFileSync(path, `${line(63)}\n`.repeat(40_000)); // 2.5 MB: many chunks
  let taken = 0;
  let release: () => void = () => {};
  let ended = false;
  const sink: IngressSink = {
    push() {
      throw new Error('unused');
    },
    pushSpans(_b, _s, count) {
      taken += count;
      if (taken === count)
        return new Promise<void>((r) => {
          release = r;
        });
    },
    end() {
      ended = true;
    },
  };
  const ing = new LineIngress({ input: path });
  await ing.start(sink);
  await new Promise((r) => setTimeout(r, 20)); // the first batch waits ("ring full")
  const closed = ing.close();
  release();
  await closed;
  assert.ok(taken > 0 && taken <= LINE_CHUNK_BYTES / 64, `only the lines of the first chunk were taken (${taken})`);
  assert.ok(ing.bytesRead <= LINE_CHUNK_BYTES, `${ing.bytesRead} bytes read`);
  assert.not.ok(ended, 'the runtime, not the adapter, ends the sink after a close');
});

test.run();
