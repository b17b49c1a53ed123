// Who may see and touch a run directory: its files are the runtime user's alone whatever the umask
// (dir 0700; socket, state, audit, lock, journal 0600), a run dir someone else could write to is
// refused (BYTEOR_E_RUNDIR_UNSAFE), and the state file is never written through a planted symlink.
// The cross-user cases run a second uid with setpriv (we are root); they are skipped, saying so,
// only where setpriv is missing or we are not root.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir, writeTemp, chainSpec } from './cli-harness.ts';
import { until, liveSnapshot, exitWithin, kill } from './runtime-process.ts';
import { readStateFile, writeStateFile } from '../../kernel/rundir/state-file.ts';

const NOBODY = 65534;
const root = new URL('../..', import.meta.url).pathname;
const hasSetpriv = spawnSync('setpriv', ['--version']).error === undefined;
const crossUser = process.getuid?.() === 0 && hasSetpriv;
const skipReason = process.getuid?.() !== 0 ? 'not root' : 'setpriv (util-linux) is not installed';

const mode = (p: string) => lstatSync(p).mode & 0o7777;

/** `byteor run ...` in a child: as `uid` (setpriv) when given, with `umask` applied by the shell first. */
function runtime(args: string[], opts: { umask?: string; uid?: number; env?: Record<string, string> } = {}) {
  const node = [
    process.execPath,
    '--no-liftoff',
    '--conditions=source',
    '--import',
    'tsx',
    'kernel/main.ts',
    'run',
    ...args,
  ];
  const asUser =
    opts.uid !== undefined ? ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', '--'] : [];
  const cmd = [...asUser, ...node].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('sh', ['-c', `umask ${opts.umask ?? '022'}; exec ${cmd}`], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => err };
}

/** Can `uid` connect to the unix socket at `path`? */
function connectsAs(uid: number, path: string): boolean {
  const code =
    `require('net').connect(${JSON.stringify(path)}` +
    `).on('connect',()=>process.exit(0)).on('error',(e)=>{console.error(e.code);process.exit(3)})`;
  const r = spawnSync(
    'setpriv',
    [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', process.execPath, '-e', code],
    { encoding: 'utf8' },
  );
  return r.status === 0;
}

test(
  'umask 000: run dir 0700, control socket, state, audit, ' + 'lock and journal 0600; another user cannot connect',
  async () => {
    const dir = tempDir();
    const runDir = join(dir, 'rd');
    mkdirSync(runDir, { mode: 0o755 }); // ours and not writable by others: accepted, then made 0700
    chmodSync(dir, 0o755);
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
    const rt = runtime(
      [
        `--spec=${spec}`,
        '--input=-',
        `--output=${join(dir, 'out.txt')}`,
        `--run-dir=${runDir}`,
        '--plugin=actiongraph',
        '--env=dev',
      ],
      { umask: '000' },
    );
    try {
      rt.child.stdin!.write('a\nb\n');
      await until('2 records out', async () => ((await liveSnapshot(runDir)).records.out === 2 ? true : undefined));
      await until('the state file', () => (readStateFile(runDir).records.out === 2 ? true : undefined));
      const journal = join(runDir, 'journal');
      const seen: Record<string, string> = {
        rd: mode(runDir).toString(8),
        'control.sock': mode(join(runDir, 'control.sock')).toString(8),
        'state.json': mode(join(runDir, 'state.json')).toString(8),
        'policy_audit.json': mode(join(runDir, 'policy_audit.json')).toString(8),
        'run.lock': mode(join(runDir, 'run.lock')).toString(8),
        journal: mode(journal).toString(8),
      };
      for (const seg of readdirSync(journal)) seen[`journal/${seg}`] = mode(join(journal, seg)).toString(8);
      const want: Record<string, string> = Object.fromEntries(
        Object.keys(seen).map((k) => [k, k === 'rd' || k === 'journal' ? '700' : '600']),
      );
      assert.equal(seen, want);
      assert.ok(
        Object.keys(seen).some((k) => k.startsWith('journal/')),
        'a journal segment exists',
      );
      assert.equal(
        readdirSync(runDir).filter((n) => n.includes('.tmp-') || n.includes('.new-')),
        [],
        'no temporary file left',
      );
      if (crossUser)
        assert.not.ok(connectsAs(NOBODY, join(runDir, 'control.sock')), 'another user connected to the control socket');
      else console.log(`skipped the cross-user connect check: ${skipReason}`);
      rt.child.kill('SIGTERM');
      assert.is(await exitWithin(rt), 0, rt.stderr());
      assert.is(mode(join(runDir, 'state.json')).toString(8), '600');
    } finally {
      kill(rt.child);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'a run dir writable by others is refused ' + '(BYTEOR_E_RUNDIR_UNSAFE, exit 5) before anything is written',
  async () => {
    const dir = tempDir();
    const runDir = join(dir, 'rd');
    mkdirSync(runDir);
    chmodSync(runDir, 0o777);
    const out = join(dir, 'out.txt');
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
    const input = writeTemp(dir, 'in.txt', 'a\n');
    const rt = runtime([`--spec=${spec}`, `--input=${input}`, `--output=${out}`, `--run-dir=${runDir}`]);
    try {
      assert.is(await exitWithin(rt), 5, rt.stderr());
      assert.match(
        rt.stderr(),
        /error\[BYTEOR_E_RUNDIR_UNSAFE\]: run directory .*rd is writable by its group or by others \(mode 0777\)/,
      );
      assert.match(rt.stderr(), /--run-dir=DIR/);
      assert.equal(readdirSync(runDir), []);
      assert.not.ok(existsSync(out));
    } finally {
      kill(rt.child);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('the state file is not written through a symlink planted at its old temporary name; it is 0600', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byteor-plant-'));
  try {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n', { mode: 0o600 });
    symlinkSync(victim, join(dir, `state.json.tmp-${process.pid}`));
    const old = process.umask(0);
    try {
      writeStateFile(dir, {
        snapshot_v: 1,
        model: 'single_ring',
        spec_hash: 'sha256:00',
        spec_name: 'x',
        spec_path: '/x.kv',
        captured_unix_ms: 1,
        source: 'live',
        runtime: { pid: 1, run_dir: dir, started_unix_ms: 1, state: 'running', one_shot: false, wait: 'backoff' },
        records: { in: 0, out: 0, dropped: 0, refused: 0, waiting: 0 },
        shards: [],
        stalled: [],
        error: null,
        sections: {},
      });
    } finally {
      process.umask(old);
    }
    assert.is(readFileSync(victim, 'utf8'), 'precious\n');
    assert.ok(lstatSync(join(dir, 'state.json')).isFile());
    assert.is(mode(join(dir, 'state.json')).toString(8), '600');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'the fallback $TMPDIR/byteor-<uid> made by another user ' + 'is refused; one of our own is created 0700 and used',
  async () => {
    if (!crossUser) {
      console.log(`skipped: ${skipReason}`);
      return;
    }
    // under /tmp itself: the test's own TMPDIR may sit in a directory the second uid cannot enter
    const tmp = mkdtempSync('/tmp/byteor-shared-tmp-');
    try {
      chmodSync(tmp, 0o1777); // a shared temp dir, as /tmp
      const work = join(tmp, 'work');
      mkdirSync(work);
      const spec = writeTemp(work, 'spec.kv', chainSpec(['identity']));
      const input = writeTemp(work, 'in.txt', 'a\nb\n');
      chownSync(work, NOBODY, NOBODY);
      for (const f of ['spec.kv', 'in.txt']) chownSync(join(work, f), NOBODY, NOBODY);
      const fallback = join(tmp, `byteor-${NOBODY}`);
      // another user (root here) made the victim's fallback run dir, open to all, and planted links in it
      mkdirSync(fallback);
      chmodSync(fallback, 0o777);
      const victim = join(work, 'victim.txt');
      writeFileSync(victim, 'precious\n', { mode: 0o600 });
      chownSync(victim, NOBODY, NOBODY);
      for (let pid = 1; pid < 200; pid++) symlinkSync(victim, join(fallback, `state.json.tmp-${pid}`));
      symlinkSync(victim, join(fallback, 'state.json'));
      const before = readdirSync(fallback).sort();
      const env = { TMPDIR: tmp };
      const hijacked = runtime([`--spec=${spec}`, `--input=${input}`, `--output=${join(work, 'out.txt')}`], {
        uid: NOBODY,
        env,
      });
      try {
        assert.is(await exitWithin(hijacked), 5, hijacked.stderr());
        assert.match(
          hijacked.stderr(),
          new RegExp(
            `error\\[BYTEOR_E_RUNDIR_UNSAFE\\]: run directory ${fallback} belongs to uid 0, not to this user ` +
              `\\(uid ${NOBODY}\\)`,
          ),
        );
        assert.match(hijacked.stderr(), /Remove it \(rm -r /);
      } finally {
        kill(hijacked.child);
      }
      assert.is(readFileSync(victim, 'utf8'), 'precious\n');
      assert.equal(readdirSync(fallback).sort(), before);
      assert.not.ok(existsSync(join(work, 'out.txt')));

      rmSync(fallback, { recursive: true, force: true });
      const own = runtime([`--spec=${spec}`, `--input=${input}`, `--output=${join(work, 'out.txt')}`], {
        uid: NOBODY,
        env,
      });
      try {
        assert.is(await exitWithin(own), 0, own.stderr());
      } finally {
        kill(own.child);
      }
      const st = lstatSync(fallback);
      assert.is(st.uid, NOBODY);
      assert.is((st.mode & 0o7777).toString(8), '700');
      assert.is(mode(join(fallback, 'state.json')).toString(8), '600');
      assert.is(readFileSync(join(work, 'out.txt'), 'utf8'), 'a\nb\n');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
);

test.run();
