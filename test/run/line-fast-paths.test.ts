// The line adapters' fast paths: LineIngress hands lines to IngressSink.pushSpans (no array per
// line), LineEgress.writeFrom copies records from an EgressView into one buffer per batch
// (reused for files and stdout, new for a stream given by the embedder).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Readable, Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineIngress, LINE_SPAN_BATCH } from '../../kernel/io/line-ingress.ts';
import { LineEgress } from '../../kernel/io/line-egress.ts';
import type { EgressView, IngressSink } from '../../kernel/index.ts';
import { tempDir } from './cli-harness.ts';

/** A sink with pushSpans only (push throws); every third batch resolves later, like a full ring. */
function spansSink() {
  const records: string[] = [];
  let calls = 0;
  let ended = false;
  const sink: IngressSink = {
    push() {
      throw new Error('push must not be used when pushSpans exists');
    },
    pushSpans(bytes, spans, count) {
      assert.ok(count >= 1 && count <= LINE_SPAN_BATCH);
      const snapshot = Array.from({ length: count }, (_, i) =>
        Buffer.from(bytes.subarray(spans[2 * i]!, spans[2 * i + 1]!)).toString('latin1'),
      );
      if (++calls % 3 !== 0) {
        records.push(...snapshot);
        return;
      }
      // blocked: read the spans only later, as the producer does
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          for (let i = 0; i < count; i++)
            records.push(Buffer.from(bytes.subarray(spans[2 * i]!, spans[2 * i + 1]!)).toString('latin1'));
          resolve();
        }),
      );
    },
    end() {
      ended = true;
    },
  };
  return { sink, records, ended: () => ended, calls: () => calls };
}

function expectedRecords(text: string): string[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

test(
  'ingress through pushSpans: the records are the bytes ' + 'between newlines, whatever the chunking (property)',
  async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'b', '\n', '\n', '\r', 'é', ','), { maxLength: 3000 }).map((a) => a.join('')),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        async (text, cuts) => {
          const bytes = Buffer.from(text, 'latin1');
          const chunks: Buffer[] = [];
          for (let o = 0, k = 0; o < bytes.length; k++) {
            const n = cuts[k % cuts.length]!;
            chunks.push(bytes.subarray(o, o + n));
            o += n;
          }
          const { sink, records, ended } = spansSink();
          const ing = new LineIngress({ input: '-', stream: Readable.from(chunks) });
          await ing.start(sink);
          await ing.finished;
          assert.equal(records, expectedRecords(text));
          assert.ok(ended());
          assert.is(ing.health().message_count, records.length);
        },
      ),
      { seed: 7, numRuns: 60 },
    );
  },
);

test('ingress: a chunk of more lines than a span batch is handed over in several batches, in order', async () => {
  const lines = Array.from({ length: 3 * LINE_SPAN_BATCH + 5 }, (_, i) => `${i}`);
  const { sink, records, calls } = spansSink();
  const ing = new LineIngress({ input: '-', stream: Readable.from([Buffer.from(`${lines.join('\n')}\n`)]) });
  await ing.start(sink);
  await ing.finished;
  assert.equal(records, lines);
  assert.is(calls(), 4);
});

/** An EgressView over a scratch memory holding `records` at unaligned, scattered offsets. */
function viewOf(records: string[]): EgressView {
  const memory = new Uint8Array(64 + records.reduce((a, r) => a + r.length + 13, 0));
  const offsets: number[] = [];
  let o = 5;
  for (const r of records) {
    memory.set(Buffer.from(r, 'latin1'), o);
    offsets.push(o);
    o += r.length + 13;
  }
  return {
    memory,
    count: records.length,
    bytes: records.reduce((a, r) => a + r.length, 0),
    offset: (i) => offsets[i]!,
    length: (i) => records[i]!.length,
  };
}

test('egress writeFrom to a file: each record and a newline, batch after batch through the reused buffer', async () => {
  const dir = tempDir('byteor-line-');
  const path = join(dir, 'out.txt');
  const eg = new LineEgress({ output: path });
  await eg.start();
  const batches = [
    ['a', '', 'bcdefgh'],
    Array.from({ length: 200 }, (_, i) => 'x'.repeat(i % 37)),
    ['z', 'yy'],
    ['w'.repeat(70_000)],
  ];
  for (const b of batches) await eg.writeFrom(viewOf(b));
  await eg.close();
  assert.is(
    readFileSync(path, 'latin1'),
    batches
      .flat()
      .map((r) => `${r}\n`)
      .join(''),
  );
  assert.is(eg.health().message_count, batches.flat().length);
});

test('egress writeFrom to a given stream: every batch is its own buffer (the stream may keep chunks)', async () => {
  const kept: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      kept.push(chunk);
      cb();
    },
  });
  const eg = new LineEgress({ stream });
  await eg.start();
  await eg.writeFrom(viewOf(['one', 'two']));
  await eg.writeFrom(viewOf(['333', '444']));
  assert.equal(
    kept.map((c) => c.toString('latin1')),
    ['one\ntwo\n', '333\n444\n'],
  );
});

test.run();
