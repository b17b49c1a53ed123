// Done-when of the SingleRing issue: `run --sp --spec=examples/<x>.kv --input=examples/records.txt`
// prints every record in order (upper-cased by the examples' `upper` stage) for every
// SingleRing example, and Deno 2 (node_modules/.bin/deno, from the npm package) prints
// byte-identical output to Node.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from './cli-harness.ts';

const DENO = 'node_modules/.bin/deno';
const records = readFileSync('examples/records.txt');
const expected = Buffer.from(records.toString('latin1').toUpperCase(), 'latin1');

function deno(args: string[], input?: Buffer) {
  const r = spawnSync(DENO, ['run', '-A', '--node-modules-dir=manual', 'kernel/main.ts', ...args], {
    input, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20, timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr.toString() };
}

test('deno is installed (npm package "deno")', () => {
  assert.ok(existsSync(DENO), `${DENO} is missing: run "npm ci" (the deno npm package ships the binary)`);
});

for (const example of ['chain', 'chain_authored', 'diamond', 'sharded']) {
  test(`examples/${example}.kv: Node prints every record in order; Deno prints the same bytes`, async () => {
    const dir = tempDir();
    const out = join(dir, 'node.txt');
    const n = await cli(['run', '--sp', `--spec=examples/${example}.kv`, '--input=examples/records.txt', `--output=${out}`]);
    assert.is(n.code, 0, n.err);
    const nodeBytes = readFileSync(out);
    assert.ok(nodeBytes.equals(expected), 'Node: the records, upper-cased, in order');
    const lines = expected.toString().split('\n').length - 1;
    assert.match(n.err, new RegExp(`run ok: records in ${lines}, out ${lines}, dropped 0, refused 0`));
    const d = example === 'sharded'
      ? deno(['run', '--sp', `--spec=examples/${example}.kv`, '--input=-'], records)
      : deno(['run', '--sp', `--spec=examples/${example}.kv`, '--input=examples/records.txt']);
    assert.is(d.code, 0, d.err);
    assert.ok(d.out.equals(nodeBytes), `Deno output differs from Node's:\n${d.out.toString().slice(0, 300)}`);
    assert.match(d.err, new RegExp(`run ok: records in ${lines}, out ${lines}`));
  });
}

test.run();
