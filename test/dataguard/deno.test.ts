import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../kernel/cli.ts';
import { outputDigest } from './output-digest.ts';
import { ALL_RULES } from './stage-harness.ts';

const root = new URL('../../', import.meta.url).pathname;
const deno = `${root}node_modules/.bin/deno`;

test('Deno 2 produces byte-identical DataGuard output and counts to Node', () => {
  assert.ok(existsSync(deno), `deno is not installed at ${deno}; it comes with the npm devDependency "deno" (npm ci)`);
  const r = spawnSync(deno, ['run', '-A', '--node-modules-dir=manual', 'test/dataguard/output-digest.ts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.is(r.status, 0, r.stderr);
  const node = outputDigest();
  assert.is(r.stdout.trim(), node);
  assert.match(node, /^mapkv [0-9a-f]{64} .*"seen":200/);
});

test('byteor-dataguard run --sp under Deno writes the same records and report as under Node', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'byteor-dg-deno-'));
  try {
    const args = (out: string, report: string) => [
      'run',
      '--sp',
      '--spec=examples/dataguard/chain.kv',
      '--input=examples/dataguard/input.b64',
      `--output=${out}`,
      '--registry-root=examples/dataguard/registry',
      '--schema-id=7',
      '--msg-type=1',
      '--required-version=1',
      ...ALL_RULES.map((r) => `--rule=${r}`),
      `--report=${report}`,
    ];
    const io = { out: () => {}, err: () => {}, tty: false, color: false };
    assert.is(await main(args(join(dir, 'node.b64'), join(dir, 'node.kv')), { io, preload: ['dataguard'] }), 0);
    const r = spawnSync(
      deno,
      [
        'run',
        '-A',
        '--node-modules-dir=manual',
        'kernel/main.ts',
        '--plugin=dataguard',
        ...args(join(dir, 'deno.b64'), join(dir, 'deno.kv')),
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    assert.is(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'deno.b64')), readFileSync(join(dir, 'node.b64')));
    assert.is(readFileSync(join(dir, 'deno.kv'), 'utf8'), readFileSync(join(dir, 'node.kv'), 'utf8'));
    assert.match(readFileSync(join(dir, 'node.kv'), 'utf8'), /\ncounts\.seen=20\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
