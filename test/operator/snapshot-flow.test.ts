import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BundleManifest,
  JournalWindowMeta,
  SingleRingSnapshot,
  readJournalWindow,
  stableJson,
  verifyBundleDir,
} from '../../kernel/index.ts';
import { cli } from './bundle-helpers.ts';

/**
 * Snapshots of a real runtime in another process: run (long-running, with a run directory) →
 * snapshot (live) → incident-bundle → SIGKILL → snapshot (state file) → incident-bundle.
 * (runbook.test.ts replays such a bundle.)
 */
const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-flow-'));
const runDir = join(dir, 'run');
const CHAIN = join(root, 'examples/chain.kv');
const RECORDS = Array.from({ length: 50 }, (_, i) => `rec-${i}`);
let child: ChildProcess | null = null;

async function until(what: string, ok: () => boolean, ms = 20_000) {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const lines = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).length : 0);

test(
  'a live runtime: snapshot over the control socket (source ' + 'live), then a bundle with its snapshot and journal',
  async () => {
    const output = join(dir, 'out.txt');
    child = spawn(
      process.execPath,
      [
        '--no-liftoff',
        '--conditions=source',
        '--import',
        'tsx',
        join(root, 'kernel/main.ts'),
        'run',
        `--spec=${CHAIN}`,
        `--run-dir=${runDir}`,
        `--output=${output}`,
      ],
      {
        cwd: root,
        stdio: ['pipe', 'ignore', 'pipe'],
        env: { ...process.env, BYTEOR_ENV: 'dev' },
      },
    );
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    child.stdin!.write(RECORDS.map((r) => `${r}\n`).join(''));
    await until(`all records out (runtime stderr: ${stderr})`, () => lines(output) === RECORDS.length);
    await until('the control socket', () => existsSync(join(runDir, 'control.sock')));

    const snapOut = join(dir, 'live.json');
    const s = await cli(['snapshot', `--run-dir=${runDir}`, `--out=${snapOut}`, '--json']);
    assert.is(s.code, 0, s.err);
    const snap = SingleRingSnapshot.parse(JSON.parse(s.out));
    assert.is(snap.source, 'live');
    assert.is(snap.runtime.pid, child.pid);
    assert.is(snap.runtime.state, 'running');
    assert.equal(snap.records, { in: 50, out: 50, dropped: 0, refused: 0, waiting: 0 });
    assert.is(snap.shards.length, 1);
    const sh = snap.shards[0]!;
    assert.is(sh.capacity, 1024);
    assert.is(sh.cursor, 49);
    assert.equal(
      sh.stages.map((x) => [x.stage, x.key, x.sequence, x.lag]),
      [
        [0, 'identity', 49, 0],
        [1, 'upper', 49, 0],
        [2, 'identity', 49, 0],
      ],
    );
    assert.equal(snap.stalled, []);
    const written = readFileSync(snapOut, 'utf8');
    assert.is(written, stableJson(SingleRingSnapshot.parse(JSON.parse(written))), 'the snapshot artifact round-trips');

    const b = join(dir, 'bundle-live');
    const r = await cli(['incident-bundle', `--out=${b}`, `--spec=${CHAIN}`, `--run-dir=${runDir}`, '--last-n=30']);
    assert.is(r.code, 0, r.err);
    const m = verifyBundleDir(b);
    assert.is(m.snapshot_source, 'live');
    assert.is(m.journal_records, 30);
    assert.equal(m.capture_errors, []);
    assert.is(
      SingleRingSnapshot.parse(JSON.parse(readFileSync(join(b, 'single_ring_snapshot.json'), 'utf8'))).source,
      'live',
    );
    assert.equal(
      readJournalWindow(b, 'ingress').map((x) => new TextDecoder().decode(x)),
      RECORDS.slice(-30),
    );
    const metaText = readFileSync(join(b, 'journal/ingress.meta.json'), 'utf8');
    assert.is(
      metaText,
      stableJson(JournalWindowMeta.parse(JSON.parse(metaText))),
      'the journal window meta round-trips',
    );
    const meta = JournalWindowMeta.parse(JSON.parse(metaText));
    assert.is(meta.records, 30);
    assert.equal(meta.spec_hashes, [m.spec_hash]);
  },
);

test(
  'after SIGKILL: snapshot falls back to the state file (source state_file, not alive, exit 1); the bundle says ' +
    'so',
  async () => {
    // the runtime rewrites state.json about once a second: wait until it has seen every record
    await until('state.json with every record', () => {
      try {
        return JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')).records.in === RECORDS.length;
      } catch {
        return false;
      }
    });
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const s = await cli(['snapshot', `--run-dir=${runDir}`, '--json']);
    assert.is(s.code, 1, 'the runtime is gone (BYTEOR_E_RUNTIME_GONE); its last state is printed');
    assert.match(s.err, 'BYTEOR_E_RUNTIME_GONE');
    const snap = SingleRingSnapshot.parse(JSON.parse(s.out));
    assert.is(snap.source, 'state_file');
    assert.is(snap.liveness?.alive, false);
    assert.is(snap.runtime.pid, child!.pid);
    assert.match(s.err, 'no live runtime');
    assert.is(snap.records.in, 50);

    const b = join(dir, 'bundle-dead');
    assert.is((await cli(['incident-bundle', `--out=${b}`, `--spec=${CHAIN}`, `--run-dir=${runDir}`])).code, 0);
    const m = BundleManifest.parse(verifyBundleDir(b));
    assert.is(m.snapshot_source, 'state_file');
    assert.is(m.journal_records, 50);
  },
);

test(
  'no runtime and no state file, or a state file failing ' + 'its schema: exit 6; a bundle still gets written',
  async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const s = await cli(['snapshot', `--run-dir=${empty}`]);
    assert.is(s.code, 6);
    assert.match(s.err, 'BYTEOR_E_SNAPSHOT_UNAVAILABLE');
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'state.json'), JSON.stringify({ snapshot_v: 1, model: 'single_ring' }));
    const s2 = await cli(['snapshot', `--run-dir=${broken}`]);
    assert.is(s2.code, 6);
    assert.match(s2.err, 'BYTEOR_E_STATE_INVALID');
    const b = join(dir, 'bundle-empty');
    const r = await cli(['incident-bundle', `--out=${b}`, `--spec=${CHAIN}`, `--run-dir=${empty}`]);
    assert.is(r.code, 0, r.err);
    const m = verifyBundleDir(b);
    assert.is(m.snapshot_source, null);
    assert.equal(
      m.capture_errors.map((e) => [e.what, e.code]),
      [
        ['snapshot', 'BYTEOR_E_SNAPSHOT_UNAVAILABLE'],
        ['journal', 'BYTEOR_E_BUNDLE_NO_JOURNAL'],
      ],
    );
  },
);

test.after(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
test.run();
