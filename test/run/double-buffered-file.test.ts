// The line egress's double-buffered file writer: batches are accepted into the filling buffer
// while the other is written (writeFrom returns nothing), coalesce behind a slow write, push
// back (a promise) past the fill limit, and a failed write fails the next call and close with
// BYTEOR_E_OUTPUT_WRITE counting the records not written (Linux: mkfifo and /dev/full).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { DoubleBufferedFile } from '../../kernel/io/double-buffered-file.ts';
import { LineEgress } from '../../kernel/io/line-egress.ts';
import type { EgressView } from '../../kernel/index.ts';
import { isByteorError } from '../../kernel/errors.ts';
import { chainSpec, cli, tempDir, writeTemp } from './cli-harness.ts';

function viewOf(records: string[]): EgressView {
  const memory = new Uint8Array(64 + records.reduce((a, r) => a + r.length + 9, 0));
  const offsets: number[] = [];
  let o = 3;
  for (const r of records) {
    memory.set(Buffer.from(r, 'latin1'), o);
    offsets.push(o);
    o += r.length + 9;
  }
  return {
    memory,
    count: records.length,
    bytes: records.reduce((a, r) => a + r.length, 0),
    offset: (i) => offsets[i]!,
    length: (i) => records[i]!.length,
  };
}

test(
  'buffered: writeFrom to a file returns nothing (accepted ' + 'into the filling buffer); close writes the rest',
  async () => {
    const path = join(tempDir('byteor-dbf-'), 'out.txt');
    const eg = new LineEgress({ output: path, buffered: true });
    await eg.start();
    const batches = Array.from({ length: 50 }, (_, b) =>
      Array.from({ length: 100 }, (_, i) => `${b}:${i}:${'q'.repeat(i % 13)}`),
    );
    for (const b of batches) assert.is(eg.writeFrom(viewOf(b)), undefined);
    await eg.close();
    assert.is(
      readFileSync(path, 'latin1'),
      batches
        .flat()
        .map((r) => `${r}\n`)
        .join(''),
    );
    assert.is(eg.health().message_count, 5000);
    assert.is(eg.health().connection_state, 'closed');
  },
);

test('not buffered (the long-running form): each batch resolves once the OS has its bytes', async () => {
  const path = join(tempDir('byteor-dbf-'), 'out.txt');
  const eg = new LineEgress({ output: path });
  await eg.start();
  const p = eg.writeFrom(viewOf(['one', 'two']));
  assert.ok(p instanceof Promise);
  await p;
  assert.is(readFileSync(path, 'latin1'), 'one\ntwo\n');
  assert.is(eg.health().message_count, 2);
  await eg.close();
});

test(
  'behind a write that does not complete, batches coalesce ' + 'up to the fill limit, then push back until it does',
  async () => {
    const fifo = join(tempDir('byteor-dbf-'), 'fifo');
    execFileSync('mkfifo', [fifo]); // a FIFO holds the write open until its reader reads
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY);
    const file = new DoubleBufferedFile(writer, (e) => e);
    const record = Buffer.alloc(1023, 97);
    const put = (): boolean => {
      const at = file.reserve(1024);
      if (typeof at !== 'number') return false;
      record.copy(file.fill, at);
      file.fill[at + 1023] = 10;
      file.commit(1024, 1);
      return true;
    };
    // the first write (> the 64 KiB pipe buffer) stays in flight until the reader reads
    let accepted = 0;
    while (accepted < 5000 && put()) accepted++;
    assert.ok(
      accepted > 1024 && accepted < 1200,
      `about 1 MiB filled behind the write in flight, then push-back (${accepted} records)`,
    );
    const pushedBack = file.reserve(1024);
    assert.ok(pushedBack instanceof Promise);
    let got = 0;
    const chunk = Buffer.alloc(1 << 16);
    const drainPipe = async (until: number) => {
      while (got < until) {
        try {
          got += readSync(reader, chunk);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
          await new Promise((r) => setTimeout(r, 1));
        }
      }
    };
    const draining = drainPipe(accepted * 1024);
    await pushedBack; // the write in flight completed: room again
    assert.ok(put(), 'room after the write in flight completed');
    accepted++;
    await drainPipe(accepted * 1024);
    await draining;
    await file.flush();
    assert.is(file.written, accepted);
    assert.is(got, accepted * 1024);
    closeSync(writer);
    closeSync(reader);
  },
);

test(
  'a failed write fails the next writeFrom and close ' + 'with BYTEOR_E_OUTPUT_WRITE and the records not written',
  async () => {
    const eg = new LineEgress({ output: '/dev/full', buffered: true });
    await eg.start();
    assert.is(eg.writeFrom(viewOf(['a', 'b', 'c'])), undefined); // accepted; the write fails in the background
    let failure: unknown = null;
    for (let i = 0; i < 200 && failure === null; i++) {
      await new Promise((r) => setTimeout(r, 5));
      try {
        await eg.writeFrom(viewOf(['d']));
      } catch (e) {
        failure = e;
      }
    }
    assert.ok(isByteorError(failure) && failure.code === 'BYTEOR_E_OUTPUT_WRITE', String(failure));
    assert.match((failure as Error).message, /\/dev\/full failed: .*; \d+ records accepted for it were not written/);
    assert.is(eg.health().connection_state, 'failed');
    try {
      await eg.close();
      assert.unreachable('close reports the failed write');
    } catch (e) {
      assert.ok(isByteorError(e) && e.code === 'BYTEOR_E_OUTPUT_WRITE');
    }
    assert.is(eg.health().message_count, 0);
  },
);

test(
  'run --sp file to file: the output is the input, byte for byte; a full disk fails the run with ' +
    'BYTEOR_E_OUTPUT_WRITE',
  async () => {
    const dir = tempDir('byteor-dbf-');
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity'], { capacity: 256, slot_bytes: 128 }));
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i} ${'z'.repeat(i % 90)}`);
    const input = writeTemp(dir, 'in.txt', `${lines.join('\n')}\r\n\nlast`);
    const out = join(dir, 'out.txt');
    const ok = await cli(['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${out}`]);
    assert.is(ok.code, 0, ok.err);
    assert.is(readFileSync(out, 'latin1'), `${lines.join('\n')}\r\n\nlast\n`);
    const full = await cli(['run', '--sp', `--spec=${spec}`, `--input=${input}`, '--output=/dev/full']);
    assert.is(full.code, 1, full.err);
    assert.match(full.err, 'BYTEOR_E_OUTPUT_WRITE');
  },
);

test.run();
