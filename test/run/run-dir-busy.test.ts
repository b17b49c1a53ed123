// A second runtime on a busy run directory is refused before it touches anything: it must not
// open (truncate) --output, start stage workers, or rewrite policy_audit.json / state.json.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeTemp, chainSpec } from './cli-harness.ts';
import { startRuntime, until, liveSnapshot, exitWithin, kill } from './runtime-process.ts';
import { readStateFile } from '../../kernel/rundir/state-file.ts';

const FIXTURE = new URL('./fixtures/run-fixture-plugin.ts', import.meta.url).pathname;

test(
  'a second runtime on a busy run dir is refused ' + '(BYTEOR_E_RUNDIR_BUSY) and destroys nothing of the first',
  async () => {
    const dir = tempDir();
    const runDir = join(dir, 'rd');
    const out = join(dir, 'out.txt');
    const marker = join(dir, 'marker.json');
    const specA = writeTemp(dir, 'a.kv', chainSpec(['identity']));
    const specB = writeTemp(dir, 'b.kv', chainSpec([`marker:${marker}`]));
    const inputB = writeTemp(dir, 'in-b.txt', 'intruder\n');
    const a = startRuntime([
      `--spec=${specA}`,
      '--input=-',
      `--output=${out}`,
      `--run-dir=${runDir}`,
      '--plugin=actiongraph',
      '--env=dev',
    ]);
    let b: ReturnType<typeof startRuntime> | null = null;
    try {
      const first = Array.from({ length: 100 }, (_, i) => `rec-${i}`);
      a.child.stdin!.write(`${first.join('\n')}\n`);
      await until('the first 100 records out', async () =>
        (await liveSnapshot(runDir)).records.out === 100 ? true : undefined,
      );
      await until('the first state file', () => (readStateFile(runDir).records.out === 100 ? true : undefined));
      const auditBefore = readFileSync(join(runDir, 'policy_audit.json'), 'utf8');
      assert.match(auditBefore, /"dev"/);
      const outBefore = readFileSync(out, 'utf8');
      assert.is(outBefore, `${first.join('\n')}\n`);

      b = startRuntime([
        `--spec=${specB}`,
        `--input=${inputB}`,
        `--output=${out}`,
        `--run-dir=${runDir}`,
        `--plugin=${FIXTURE}`,
        '--plugin=actiongraph',
        '--env=prod',
      ]);
      assert.is(await exitWithin(b), 1, b.stderr());
      assert.match(b.stderr(), /error\[BYTEOR_E_RUNDIR_BUSY\]/);
      assert.match(b.stderr(), new RegExp(`pid ${a.child.pid}`), 'the refusal names the owner');
      assert.is(readFileSync(out, 'utf8'), outBefore, 'the refused runtime did not truncate --output');
      assert.not.ok(existsSync(marker), 'the refused runtime started no stage worker');
      assert.is(
        readFileSync(join(runDir, 'policy_audit.json'), 'utf8'),
        auditBefore,
        'the refused runtime did not rewrite the audit',
      );
      assert.is(readStateFile(runDir).runtime.pid, a.child.pid);

      // the first runtime goes on writing its output where it was: no hole of NUL bytes
      const second = Array.from({ length: 100 }, (_, i) => `more-${i}`);
      a.child.stdin!.write(`${second.join('\n')}\n`);
      await until('all 200 records out', async () =>
        (await liveSnapshot(runDir)).records.out === 200 ? true : undefined,
      );
      a.child.kill('SIGTERM');
      assert.is(await exitWithin(a), 0, a.stderr());
      assert.is(readFileSync(out, 'utf8'), `${[...first, ...second].join('\n')}\n`);
      assert.not.ok(existsSync(join(runDir, 'run.lock')), 'the owner releases the run dir at exit');
    } finally {
      kill(a.child);
      if (b) kill(b.child);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('a run dir whose owner died (stale lock, stale socket) is taken over', async () => {
  const dir = tempDir();
  const runDir = join(dir, 'rd');
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
  const input = writeTemp(dir, 'in.txt', 'a\nb\n');
  const a = startRuntime([`--spec=${spec}`, '--input=-', `--output=${join(dir, 'a.txt')}`, `--run-dir=${runDir}`]);
  try {
    await until('the first runtime is up', async () =>
      (await liveSnapshot(runDir)).runtime.pid === a.child.pid ? true : undefined,
    );
    assert.ok(existsSync(join(runDir, 'run.lock')));
    a.child.kill('SIGKILL');
    await exitWithin(a);
    assert.ok(existsSync(join(runDir, 'run.lock')), 'a killed owner leaves its lock behind');
    const b = startRuntime([
      `--spec=${spec}`,
      `--input=${input}`,
      `--output=${join(dir, 'b.txt')}`,
      `--run-dir=${runDir}`,
      '--adapter-max-messages=2',
    ]);
    try {
      assert.is(await exitWithin(b), 0, b.stderr());
      assert.is(readFileSync(join(dir, 'b.txt'), 'utf8'), 'a\nb\n');
      assert.is(readStateFile(runDir).runtime.pid, b.child.pid);
    } finally {
      kill(b.child);
    }
    // a lock naming a live process that is not its owner (pid reused: other start time) is stale too
    writeFileSync(join(runDir, 'run.lock'), `${JSON.stringify({ pid: process.pid, proc_start: '1' })}\n`);
    const c = startRuntime([
      `--spec=${spec}`,
      `--input=${input}`,
      `--output=${join(dir, 'c.txt')}`,
      `--run-dir=${runDir}`,
      '--adapter-max-messages=2',
    ]);
    try {
      assert.is(await exitWithin(c), 0, c.stderr());
    } finally {
      kill(c.child);
    }
  } finally {
    kill(a.child);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
