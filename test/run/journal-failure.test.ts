// A journal write that fails (disk full: ENOSPC; I/O error: EIO) ends the run with a stable code
// (BYTEOR_E_JOURNAL_WRITE_FAILED, exit 1) and its summary, not a raw Node stack; the control
// socket and the lock are removed and state.json says the run failed. ENOSPC comes from a real
// small tmpfs where one can be mounted (we are root), else from an injected failing write.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeTemp, chainSpec } from './cli-harness.ts';
import { exitWithin, kill } from './runtime-process.ts';

const root = new URL('../..', import.meta.url).pathname;
const INJECT = new URL('./fixtures/failing-journal-fs.mjs', import.meta.url).href;

function runtime(args: string[], preload: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    [
      '--no-liftoff',
      '--conditions=source',
      '--import',
      'tsx',
      ...preload.flatMap((p) => ['--import', p]),
      'kernel/main.ts',
      'run',
      ...args,
    ],
    {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', ...env },
    },
  );
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  child.stdin!.on('error', () => {
    /* the runtime stopped reading */
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => err };
}

/** Feed records to stdin until the runtime exits (it must end on its own when the journal fails). */
async function feedUntilExit(rt: ReturnType<typeof runtime>, ms: number): Promise<number | null> {
  const line = `${'x'.repeat(180)}\n`;
  const chunk = line.repeat(200);
  let done = false;
  void rt.exited.then(() => {
    done = true;
  });
  const end = Date.now() + ms;
  while (!done && Date.now() < end) {
    if (!rt.child.stdin!.write(chunk)) await new Promise((r) => setTimeout(r, 5));
  }
  return exitWithin(rt, 30_000);
}

function checkFailedRun(rt: ReturnType<typeof runtime>, code: number | null, runDir: string, errno: string): void {
  const err = rt.stderr();
  assert.is(code, 1, err);
  assert.match(err, new RegExp(`error\\[BYTEOR_E_JOURNAL_WRITE_FAILED\\]: .*journal.*${errno}`));
  assert.match(err, /free space|another --run-dir/);
  assert.not.match(err, /\n\s+at .*\(.*:\d+:\d+\)/, 'no raw stack trace');
  assert.match(err, /records in/i, 'a summary');
  assert.not.ok(existsSync(join(runDir, 'control.sock')), 'the socket is removed');
  assert.not.ok(existsSync(join(runDir, 'run.lock')), 'the lock is removed');
  const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
  assert.is(state.runtime.state, 'failed');
  assert.is(state.error.code, 'BYTEOR_E_JOURNAL_WRITE_FAILED');
}

function mountTmpfs(at: string, size: string): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', at]).status === 0;
}

test('journal ENOSPC: exit 1 with BYTEOR_E_JOURNAL_WRITE_FAILED, a summary, no socket, state failed', async () => {
  const dir = tempDir();
  const fsDir = join(dir, 'fs');
  mkdirSync(fsDir);
  const mounted = mountTmpfs(fsDir, '1m');
  console.log(mounted ? 'ENOSPC from a 1 MiB tmpfs' : 'no tmpfs could be mounted: ENOSPC injected into journal writes');
  const runDir = join(fsDir, 'rd');
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
  const rt = runtime(
    [`--spec=${spec}`, '--input=-', '--output=/dev/null', `--run-dir=${runDir}`],
    mounted ? [] : [INJECT],
    mounted ? {} : { BYTEOR_TEST_JOURNAL_ERRNO: 'ENOSPC', BYTEOR_TEST_JOURNAL_BYTES: '500000' },
  );
  try {
    checkFailedRun(rt, await feedUntilExit(rt, 60_000), runDir, 'ENOSPC');
  } finally {
    kill(rt.child);
    if (mounted) spawnSync('umount', [fsDir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('journal EIO (injected failing write): the same clean failure', async () => {
  const dir = tempDir();
  const runDir = join(dir, 'rd');
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
  const rt = runtime([`--spec=${spec}`, '--input=-', '--output=/dev/null', `--run-dir=${runDir}`], [INJECT], {
    BYTEOR_TEST_JOURNAL_ERRNO: 'EIO',
    BYTEOR_TEST_JOURNAL_BYTES: '200000',
  });
  try {
    checkFailedRun(rt, await feedUntilExit(rt, 60_000), runDir, 'EIO');
  } finally {
    kill(rt.child);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
