import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { outputDigest } from './output-digest.ts';

const root = new URL('../../', import.meta.url).pathname;
const deno = `${root}node_modules/.bin/deno`;

test('Deno 2 produces byte-identical DataGuard output and counts to Node', () => {
  assert.ok(existsSync(deno), `deno is not installed at ${deno}; it comes with the npm devDependency "deno" (npm ci)`);
  const r = spawnSync(deno, ['run', '-A', '--node-modules-dir=manual', 'test/dataguard/output-digest.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  const node = outputDigest();
  assert.is(r.stdout.trim(), node);
  assert.match(node, /^mapkv [0-9a-f]{64} .*"seen":200/);
});

test.run();
