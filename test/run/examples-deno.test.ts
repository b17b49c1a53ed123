// `run --sp` under Deno 2 (node_modules/.bin/deno, from the npm package "deno") prints
// byte-identical output to Node on every SingleRing example: both must equal the same expected
// bytes (examples-node.test.ts checks Node), one example through stdin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { EXAMPLES, expectedOutput } from './examples-expected.ts';

const DENO = 'node_modules/.bin/deno';

function deno(args: string[], input?: Buffer) {
  const r = spawnSync(DENO, ['run', '-A', '--node-modules-dir=manual', 'kernel/main.ts', ...args], {
    input,
    env: { ...process.env, NO_COLOR: '1' },
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr.toString() };
}

test('deno is installed (npm package "deno")', () => {
  assert.ok(existsSync(DENO), `${DENO} is missing: run "npm ci" (the deno npm package ships the binary)`);
});

for (const example of EXAMPLES) {
  test(`examples/${example}.kv under Deno: the same bytes as Node`, () => {
    const d =
      example === 'sharded'
        ? deno(['run', '--sp', `--spec=examples/${example}.kv`, '--input=-'], readFileSync('examples/records.txt'))
        : deno(['run', '--sp', `--spec=examples/${example}.kv`, '--input=examples/records.txt']);
    assert.is(d.code, 0, d.err);
    assert.ok(d.out.equals(expectedOutput()), `Deno output differs:\n${d.out.toString().slice(0, 300)}`);
    const lines = expectedOutput().toString().split('\n').length - 1;
    assert.match(d.err, new RegExp(`run ok: records in ${lines}, out ${lines}`));
  });
}

test.run();
