// Line ingress/egress: records split on \n exactly, whatever the chunking; egress writes each
// record followed by \n and resolves only after the bytes were handed over.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { PassThrough, Readable, Writable } from 'node:stream';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineIngress } from '../../kernel/io/line-ingress.ts';
import { LineEgress } from '../../kernel/io/line-egress.ts';
import type { IngressSink } from '../../kernel/index.ts';
import { ByteorError } from '../../kernel/errors.ts';
import { tempDir } from './cli-harness.ts';

function collectingSink() {
  const records: string[] = [];
  let ended = false;
  let failed: Error | null = null;
  const sink: IngressSink = {
    push(r) {
      records.push(Buffer.from(r).toString('latin1'));
      if (records.length % 3 === 0) return Promise.resolve();
    },
    end() {
      ended = true;
    },
    fail(e) {
      failed = e;
    },
  };
  return { sink, records, state: () => ({ ended, failed }) };
}

function expectedRecords(text: string): string[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

test('ingress: records are the bytes between newlines, whatever the chunk boundaries (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom('a', 'b', '\n', '\r', 'é', ' ', ','), { maxLength: 200 }).map((a) => a.join('')),
      fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 20 }),
      async (text, cuts) => {
        const bytes = Buffer.from(text, 'latin1');
        const chunks: Buffer[] = [];
        let o = 0;
        let c = 0;
        while (o < bytes.length) {
          const n = cuts[c++ % cuts.length]!;
          chunks.push(bytes.subarray(o, o + n));
          o += n;
        }
        const { sink, records, state } = collectingSink();
        const ing = new LineIngress({ input: 'test', stream: Readable.from(chunks) });
        await ing.start(sink);
        await ing.finished;
        assert.equal(records, expectedRecords(text));
        assert.ok(state().ended);
        assert.is(ing.health().message_count, records.length);
      },
    ),
    { seed: 7, numRuns: 150 },
  );
});

test('ingress: a missing or directory input is a usage error with its own code; stdin is "-"', () => {
  for (const input of ['/nonexistent/records.txt', tmpdir()]) {
    try {
      new LineIngress({ input });
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, ByteorError);
      assert.is((e as ByteorError).code, 'BYTEOR_E_INPUT_NOT_FOUND');
      assert.is((e as ByteorError).exitCode, 2);
    }
  }
  assert.is(new LineIngress({ input: '-' }).transport, 'stdin');
});

test('ingress: a stream error fails the sink with BYTEOR_E_INPUT_READ; close stops reading', async () => {
  const s = new PassThrough();
  const { sink, records, state } = collectingSink();
  const ing = new LineIngress({ input: 'x', stream: s });
  await ing.start(sink);
  s.write('one\ntwo\n');
  await new Promise((r) => setTimeout(r, 20));
  s.destroy(new Error('disk on fire'));
  await ing.finished;
  assert.equal(records, ['one', 'two']);
  assert.is((state().failed as ByteorError | null)?.code, 'BYTEOR_E_INPUT_READ');
  assert.is(ing.health().connection_state, 'failed');
});

test(
  'ingress: close drains the complete lines already read, ' + 'reads nothing more, reports a discarded partial line',
  async () => {
    const s = new PassThrough();
    const records: string[] = [];
    let release: () => void = () => {};
    let ended = false;
    const sink: IngressSink = {
      push(r) {
        records.push(Buffer.from(r).toString());
        if (records.length === 1)
          return new Promise<void>((res) => {
            release = res;
          });
      },
      end() {
        ended = true;
      },
    };
    const ing = new LineIngress({ input: 'x', stream: s });
    await ing.start(sink);
    s.write('a\nb\nc');
    await new Promise((r) => setTimeout(r, 20)); // 'a' is pushed and the ring is "full"
    const closed = ing.close();
    release();
    await closed;
    assert.equal(records, ['a', 'b'], 'the lines already read are delivered');
    assert.ok(s.destroyed, 'nothing more is read');
    assert.not.ok(ended, 'the runtime, not the adapter, ends the sink after a close');
    assert.match(ing.health().recent_failures[0]!.message, /1 bytes of an unfinished line/);
  },
);

test('egress: each record and a newline, to a file; write resolves after the bytes are handed over', async () => {
  const dir = tempDir('byteor-egress-');
  const path = join(dir, 'out.txt');
  writeFileSync(path, 'old content that must be replaced\n');
  const eg = new LineEgress({ output: path });
  await eg.start();
  const enc = new TextEncoder();
  await eg.write([enc.encode('a'), enc.encode(''), enc.encode('c d')]);
  await eg.write([enc.encode('é')]);
  await eg.close();
  assert.is(readFileSync(path, 'utf8'), 'a\n\nc d\né\n');
  assert.is(eg.health().message_count, 4);
  assert.is(eg.health().transport, 'file');
});

test('egress: a failing destination rejects the write with BYTEOR_E_OUTPUT_WRITE', async () => {
  const broken = new Writable({
    write(_c, _e, cb) {
      cb(new Error('EPIPE'));
    },
  });
  broken.on('error', () => {});
  const eg = new LineEgress({ stream: broken });
  await eg.start();
  try {
    await eg.write([new Uint8Array([65])]);
    assert.unreachable('should reject');
  } catch (e) {
    assert.is((e as ByteorError).code, 'BYTEOR_E_OUTPUT_WRITE');
  }
  assert.is(eg.health().connection_state, 'failed');
});

test.run();
