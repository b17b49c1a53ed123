// ByteOr's documented path flags (issue 14 items 4 and 7): `run --lane-path=…` and
// `incident-bundle --ring-path=…` (ByteOr: where the runtime's lanes / ring live). In byteor-ts
// the rings and lanes live in the runtime's memory and are reached through its run directory, so
// both name the run directory, or a file in it (control.sock, state.json).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { verifyBundleDir } from '../../kernel/index.ts';
import { cli, tempDir, writeTemp, chainSpec } from './cli-harness.ts';
import { startRuntime, until, liveSnapshot, exitWithin, kill } from './runtime-process.ts';

const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test(
  'run --lane-path makes the run directory there; snapshot and incident-bundle --ring-path (the directory or its ' +
    'control.sock) find the runtime',
  async () => {
    const dir = tempDir();
    dirs.push(dir);
    const lanePath = join(dir, 'lanes');
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
    const rt = startRuntime([
      `--spec=${spec}`,
      '--input=-',
      `--output=${join(dir, 'o.txt')}`,
      `--lane-path=${lanePath}`,
    ]);
    try {
      rt.child.stdin!.write('a\nb\n');
      await until('records out', async () => ((await liveSnapshot(lanePath)).records.out === 2 ? true : undefined));
      assert.ok(existsSync(join(lanePath, 'control.sock')));
      const snap = await cli(['snapshot', `--ring-path=${join(lanePath, 'control.sock')}`, '--json']);
      assert.is(snap.code, 0, snap.err);
      assert.is(JSON.parse(snap.out).source, 'live');
      const b = join(dir, 'bundle');
      const r = await cli(['incident-bundle', `--out=${b}`, `--spec=${spec}`, `--ring-path=${lanePath}`]);
      assert.is(r.code, 0, r.err);
      assert.is(verifyBundleDir(b).snapshot_source, 'live');
      assert.is(verifyBundleDir(b).journal_records, 2);
      const clash = await cli([
        'incident-bundle',
        `--out=${join(dir, 'b2')}`,
        `--spec=${spec}`,
        `--ring-path=${lanePath}`,
        `--run-dir=${dir}`,
      ]);
      assert.is(clash.code, 2);
      assert.match(clash.err, /BYTEOR_E_USAGE_BAD_FLAG/);
      assert.match(clash.err, /--ring-path/);
      rt.child.stdin!.end();
      assert.is(await exitWithin(rt), 0, rt.stderr());
    } finally {
      kill(rt.child);
    }
  },
);

test.run();
