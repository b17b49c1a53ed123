// The dead and the stale (issue 14 item 4): a snapshot read from the state file says whether the
// runtime process is still alive (pid and its /proc start time, so a reused pid is not taken for
// the runtime) and how old the state file is; `snapshot` exits 1 (BYTEOR_E_RUNTIME_GONE) when
// the runtime is gone, still printing its last state.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleRingSnapshot } from '../../kernel/artifacts/single-ring-snapshot.ts';
import { readStateFile } from '../../kernel/rundir/state-file.ts';
import { processStartTicks } from '../../kernel/rundir/process-identity.ts';
import { cli, tempDir, writeTemp, chainSpec } from './cli-harness.ts';
import { startRuntime, until, liveSnapshot, kill } from './runtime-process.ts';

const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test(
  'kill -9, then snapshot: alive false, the state file age, exit 1 BYTEOR_E_RUNTIME_GONE with its last state on ' +
    'stdout',
  async () => {
    const dir = tempDir();
    dirs.push(dir);
    const runDir = join(dir, 'rd');
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
    const rt = startRuntime([`--spec=${spec}`, '--input=-', `--output=${join(dir, 'o.txt')}`, `--run-dir=${runDir}`]);
    try {
      rt.child.stdin!.write('a\nb\n');
      await until('records out', async () => ((await liveSnapshot(runDir)).records.out === 2 ? true : undefined));
      const live = await cli(['snapshot', `--run-dir=${runDir}`, '--json']);
      assert.is(live.code, 0, live.err);
      assert.is(
        SingleRingSnapshot.parse(JSON.parse(live.out)).runtime.start_ticks,
        processStartTicks(rt.child.pid!),
        'the runtime records its start time',
      );
      await until('the state file with both records', () =>
        readStateFile(runDir).records.out === 2 ? true : undefined,
      );
      rt.child.kill('SIGKILL');
      await rt.exited;
      const s = await cli(['snapshot', `--run-dir=${runDir}`, '--json']);
      assert.is(s.code, 1, s.err);
      const doc = SingleRingSnapshot.parse(JSON.parse(s.out));
      assert.is(doc.source, 'state_file');
      assert.is(doc.runtime.pid, rt.child.pid);
      assert.is(doc.runtime.state, 'running', 'the last state it wrote');
      assert.is(doc.liveness?.alive, false);
      assert.ok(doc.liveness!.state_file_age_ms >= 0);
      assert.match(s.err, /BYTEOR_E_RUNTIME_GONE/);
      assert.match(s.err, new RegExp(`pid ${rt.child.pid}`));
      const text = await cli(['snapshot', `--run-dir=${runDir}`]);
      assert.is(text.code, 1);
      assert.match(text.out, /alive: no/);
      assert.match(text.out, /state file written \d+(\.\d+)? s ago/);
    } finally {
      kill(rt.child);
    }
  },
);

test(
  'a state file whose pid runs but started at another ' + 'time (a reused pid) is not alive; a matching one is',
  async () => {
    const dir = tempDir();
    dirs.push(dir);
    const runDir = join(dir, 'rd');
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
    const rt = startRuntime([`--spec=${spec}`, '--input=-', `--output=${join(dir, 'o.txt')}`, `--run-dir=${runDir}`]);
    rt.child.stdin!.end();
    await until('exit', () => (rt.child.exitCode !== null ? true : undefined));
    const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
    // the pid of this test process, which is alive: with its real start time it is alive ...
    const mine = processStartTicks('self');
    writeFileSync(
      join(runDir, 'state.json'),
      JSON.stringify({
        ...state,
        runtime: { ...state.runtime, pid: process.pid, start_ticks: mine, state: 'running' },
      }),
    );
    const a = await cli(['snapshot', `--run-dir=${runDir}`, '--json']);
    assert.is(a.code, 0, a.err);
    assert.is(SingleRingSnapshot.parse(JSON.parse(a.out)).liveness?.alive, true);
    // ... with another start time it is a reused pid
    writeFileSync(
      join(runDir, 'state.json'),
      JSON.stringify({
        ...state,
        runtime: { ...state.runtime, pid: process.pid, start_ticks: (mine ?? 0) + 1, state: 'running' },
      }),
    );
    const b = await cli(['snapshot', `--run-dir=${runDir}`, '--json']);
    assert.is(b.code, 1, b.err);
    const doc = SingleRingSnapshot.parse(JSON.parse(b.out));
    assert.is(doc.liveness?.alive, false);
    assert.match(doc.liveness!.why, /reused/);
  },
);

test.run();
