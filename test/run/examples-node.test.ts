// Done-when of the SingleRing issue: `run --sp --spec=examples/<x>.kv --input=examples/records.txt`
// prints every record in order (upper-cased by the examples' `upper` stage) for every SingleRing
// example. examples-deno.test.ts checks that Deno prints the very same bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from './cli-harness.ts';
import { EXAMPLES, expectedOutput } from './examples-expected.ts';

for (const example of EXAMPLES) {
  test(`examples/${example}.kv under Node: every record, in order, upper-cased; summary on stderr`, async () => {
    const dir = tempDir();
    const out = join(dir, 'node.txt');
    const n = await cli([
      'run',
      '--sp',
      `--spec=examples/${example}.kv`,
      '--input=examples/records.txt',
      `--output=${out}`,
    ]);
    assert.is(n.code, 0, n.err);
    assert.ok(readFileSync(out).equals(expectedOutput()), 'the records, upper-cased, in order');
    const lines = expectedOutput().toString().split('\n').length - 1;
    assert.match(n.err, new RegExp(`run ok: records in ${lines}, out ${lines}, dropped 0, refused 0`));
  });
}

test.run();
