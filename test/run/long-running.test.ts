// The long-running `run` (no --sp) as a real child process: run directory, live snapshot over
// the control socket, state file, ingress journal, SIGTERM drain (exit 0), {"op":"stop"}.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStateFile } from '../../kernel/rundir/state-file.ts';
import { readJournal } from '../../kernel/journal/journal-reader.ts';
import { tempDir, writeTemp, chainSpec } from './cli-harness.ts';
import { startRuntime, until, liveSnapshot, exitWithin, kill } from './runtime-process.ts';

test('live snapshot while idle, journal of every ingress record, SIGTERM drains and exits 0', async () => {
  const dir = tempDir();
  const runDir = join(dir, 'rd');
  const out = join(dir, 'out.txt');
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity', 'upper']));
  const rt = startRuntime([`--spec=${spec}`, '--input=-', `--output=${out}`, `--run-dir=${runDir}`]);
  try {
    const lines = Array.from({ length: 100 }, (_, i) => `rec-${i}`);
    rt.child.stdin!.write(`${lines.join('\n')}\n`); // stdin stays open: the runtime keeps running
    const snap = await until('all 100 records out', async () => {
      const s = await liveSnapshot(runDir);
      return s.records.out === 100 ? s : undefined;
    });
    assert.is(snap.source, 'live');
    assert.is(snap.runtime.state, 'running');
    assert.is(snap.runtime.pid, rt.child.pid);
    assert.is(snap.shards[0]!.cursor, 99);
    assert.equal(
      snap.shards[0]!.stages.map((s) => [s.key, s.sequence, s.lag]),
      [
        ['identity', 99, 0],
        ['upper', 99, 0],
      ],
    );
    assert.equal(snap.stalled, []);
    assert.is(snap.shards[0]!.stages[1]!.counters.records, 100);
    const state = await until('state file', () => {
      const s = readStateFile(runDir);
      return s.records.out === 100 ? s : undefined;
    });
    assert.is(state.source, 'state_file');
    const journal = readJournal(join(runDir, 'journal'));
    assert.equal(
      journal.records.map((r) => Buffer.from(r.payload).toString()),
      lines,
    );
    assert.equal(journal.spec_hashes, [snap.spec_hash]);
    rt.child.kill('SIGTERM');
    assert.is(await exitWithin(rt), 0, rt.stderr());
    assert.match(rt.stderr(), /SIGTERM: draining/);
    assert.is(readFileSync(out, 'utf8'), `${lines.map((l) => l.toUpperCase()).join('\n')}\n`);
    const final = readStateFile(runDir);
    assert.is(final.runtime.state, 'stopped');
    assert.not.ok(existsSync(join(runDir, 'control.sock')), 'the socket is removed at exit');
  } finally {
    kill(rt.child);
  }
});

test.run();
