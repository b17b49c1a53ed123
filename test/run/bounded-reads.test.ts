import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// issue 15 item 8: `--spec=/dev/zero` grew until the process died (the 1 MiB limit was checked
// after reading), a FIFO spec without a writer hung, and one 100 MB input line took 102 s
// (quadratic) before it was refused. Real processes, each with a deadline.

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-bounded-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const CHAIN = join(root, 'examples/chain.kv');

function byteor(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; err: string; ms: number; killed: boolean }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=256', '--conditions=source', '--import', 'tsx', 'kernel/main.ts', ...args],
      { cwd: root, env: { PATH: '/usr/bin:/bin', TMPDIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, err, ms: Date.now() - t0, killed });
    });
  });
}

test('--spec=/dev/zero is refused at once (not a regular file, exit 2), for validate and run', async () => {
  for (const verb of [['validate'], ['run', '--sp', '--input=/dev/null']]) {
    const r = await byteor([...verb, '--spec=/dev/zero'], 20_000);
    assert.not.ok(r.killed, `${verb[0]} did not finish`);
    assert.is(r.code, 2, r.err);
    assert.match(r.err, 'BYTEOR_E_SPEC_NOT_REGULAR');
  }
});

test('a FIFO spec without a writer is refused at once instead of hanging (exit 2)', async () => {
  const fifo = join(dir, 'spec.fifo');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  const r = await byteor(['validate', `--spec=${fifo}`], 20_000);
  assert.not.ok(r.killed, 'validate hung on the FIFO');
  assert.is(r.code, 2, r.err);
  assert.match(r.err, 'BYTEOR_E_SPEC_NOT_REGULAR');
});

test('a spec file over 1 MiB is refused having read at most 1 MiB + 1 bytes (exit 3)', async () => {
  const big = join(dir, 'big.kv');
  const fd = openSync(big, 'w');
  const block = Buffer.alloc(1 << 20, '# padding padding padding\n');
  for (let i = 0; i < 64; i++) writeSync(fd, block); // 64 MiB
  closeSync(fd);
  const r = await byteor(['validate', `--spec=${big}`], 20_000);
  assert.is(r.code, 3, r.err);
  assert.match(r.err, 'BYTEOR_E_SPEC_TOO_LARGE');
});

test(
  'one 100 MB input line is refused in linear time: ' + 'the run ends in seconds, the next record still flows',
  async () => {
    const input = join(dir, 'long-line.txt');
    const fd = openSync(input, 'w');
    writeSync(fd, 'before\n');
    const block = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < 100; i++) writeSync(fd, block);
    writeSync(fd, '\nafter\n');
    closeSync(fd);
    const out = join(dir, 'out.txt');
    const r = await byteor(['run', '--sp', `--spec=${CHAIN}`, `--input=${input}`, `--output=${out}`], 60_000);
    assert.not.ok(r.killed, 'the run did not finish within 60 s');
    assert.is(r.code, 1, r.err);
    assert.match(r.err, 'BYTEOR_E_RECORDS_REFUSED');
    assert.match(r.err, /refused 1\b/);
    // item 9: the summary line of a run that exits 1 for refused records does not say ok
    assert.match(r.err, 'run failed (BYTEOR_E_RECORDS_REFUSED): records in 3');
    assert.not.match(r.err, 'run ok');
    assert.match(r.err, /records in 3, out 2/);
    assert.ok(r.ms < 30_000, `took ${r.ms} ms`);
    console.log(`100 MB line refused in ${r.ms} ms`);
  },
);

test.run();
