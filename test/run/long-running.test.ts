// The long-running `run` (no --sp) as a real child process: run directory, live snapshot over
// the control socket, state file, ingress journal, SIGTERM drain (exit 0), {"op":"stop"}.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryRuntime } from '../../kernel/rundir/control-client.ts';
import { readStateFile } from '../../kernel/rundir/state-file.ts';
import { readJournal } from '../../kernel/journal/journal-reader.ts';
import { SingleRingSnapshot } from '../../kernel/artifacts/single-ring-snapshot.ts';
import { tempDir, writeTemp, chainSpec } from './cli-harness.ts';

function startRuntime(args: string[]) {
  const child = spawn(process.execPath, ['--no-liftoff', '--conditions=source', '--import', 'tsx', 'kernel/main.ts', 'run', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
  });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => err };
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try { const v = await f(); if (v !== undefined) return v; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function liveSnapshot(dir: string): Promise<SingleRingSnapshot> {
  const res = await queryRuntime(dir, 'snapshot');
  if (!res.ok || res.op !== 'snapshot') throw new Error('no snapshot');
  return SingleRingSnapshot.parse(res.snapshot);
}

/** The runtime's exit code, or a failure after `ms` (a runtime that does not exit is a bug). */
function exitWithin(rt: { exited: Promise<number | null>; stderr(): string }, ms = 60_000): Promise<number | null> {
  return Promise.race([rt.exited, new Promise<number | null>((_, reject) => setTimeout(() => reject(new Error(`the runtime did not exit within ${ms} ms:\n${rt.stderr()}`)), ms).unref())]);
}

function kill(c: ChildProcess) { try { c.kill('SIGKILL'); } catch { /* gone */ } }

test('live snapshot while idle, journal of every ingress record, SIGTERM drains and exits 0', async () => {
  const dir = tempDir();
  const runDir = join(dir, 'rd');
  const out = join(dir, 'out.txt');
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity', 'upper']));
  const rt = startRuntime([`--spec=${spec}`, '--input=-', `--output=${out}`, `--run-dir=${runDir}`]);
  try {
    const lines = Array.from({ length: 100 }, (_, i) => `rec-${i}`);
    rt.child.stdin!.write(`${lines.join('\n')}\n`); // stdin stays open: the runtime keeps running
    const snap = await until('all 100 records out', async () => { const s = await liveSnapshot(runDir); return s.records.out === 100 ? s : undefined; });
    assert.is(snap.source, 'live');
    assert.is(snap.runtime.state, 'running');
    assert.is(snap.runtime.pid, rt.child.pid);
    assert.is(snap.shards[0]!.cursor, 99);
    assert.equal(snap.shards[0]!.stages.map((s) => [s.key, s.sequence, s.lag]), [['identity', 99, 0], ['upper', 99, 0]]);
    assert.equal(snap.stalled, []);
    assert.is(snap.shards[0]!.stages[1]!.counters.records, 100);
    const state = await until('state file', () => { const s = readStateFile(runDir); return s.records.out === 100 ? s : undefined; });
    assert.is(state.source, 'state_file');
    const journal = readJournal(join(runDir, 'journal'));
    assert.equal(journal.records.map((r) => Buffer.from(r.payload).toString()), lines);
    assert.equal(journal.spec_hashes, [snap.spec_hash]);
    rt.child.kill('SIGTERM');
    assert.is(await exitWithin(rt), 0, rt.stderr());
    assert.match(rt.stderr(), /SIGTERM: draining/);
    assert.is(readFileSync(out, 'utf8'), `${lines.map((l) => l.toUpperCase()).join('\n')}\n`);
    const final = readStateFile(runDir);
    assert.is(final.runtime.state, 'stopped');
    assert.not.ok(existsSync(join(runDir, 'control.sock')), 'the socket is removed at exit');
  } finally { kill(rt.child); }
});

test('{"op":"stop"} over the control socket drains and exits 0; a second runtime on the same run dir is refused', async () => {
  const dir = tempDir();
  const runDir = join(dir, 'rd');
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
  const rt = startRuntime([`--spec=${spec}`, '--input=-', `--output=${join(dir, 'o.txt')}`, `--run-dir=${runDir}`]);
  try {
    rt.child.stdin!.write('a\nb\n');
    await until('runtime up', async () => ((await liveSnapshot(runDir)).records.out === 2 ? true : undefined));
    const second = startRuntime([`--spec=${spec}`, '--input=-', `--run-dir=${runDir}`]);
    second.child.stdin!.end();
    assert.is(await exitWithin(second), 1);
    assert.match(second.stderr(), /BYTEOR_E_RUNDIR_BUSY/);
    const res = await queryRuntime(runDir, 'stop');
    assert.ok(res.ok && res.op === 'stop');
    assert.is(await exitWithin(rt), 0, rt.stderr());
    assert.is(readFileSync(join(dir, 'o.txt'), 'utf8'), 'a\nb\n');
  } finally { kill(rt.child); }
});

test('the control socket answers while the ring is full and the producer is blocked (main thread never blocks)', async () => {
  const dir = tempDir();
  const runDir = join(dir, 'rd');
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['sleep_us:1500000'], { capacity: 2, wait: 'block' }));
  const rt = startRuntime([`--spec=${spec}`, '--input=-', `--output=${join(dir, 'o.txt')}`, `--run-dir=${runDir}`]);
  try {
    rt.child.stdin!.write(`${Array.from({ length: 8 }, (_, i) => `r${i}`).join('\n')}\n`);
    const blocked = await until('a full ring', async () => {
      const s = await liveSnapshot(runDir);
      const sh = s.shards[0]!;
      return sh.cursor - sh.min_gating === 2 && s.records.in > 2 ? s : undefined;
    });
    assert.ok(blocked.records.out < 8, 'the slow stage still holds records');
    const t0 = performance.now();
    const ping = await queryRuntime(runDir, 'ping', { timeoutMs: 10_000 });
    assert.ok(ping.ok);
    process.stderr.write(`    control ping while the producer is blocked: ${(performance.now() - t0).toFixed(1)} ms\n`);
    rt.child.kill('SIGTERM');
    assert.is(await exitWithin(rt, 90_000), 0, rt.stderr());
    assert.is(readFileSync(join(dir, 'o.txt'), 'utf8').split('\n').length - 1, 8, 'drained: every record written');
  } finally { kill(rt.child); }
});

test.run();
