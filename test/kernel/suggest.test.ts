// "did you mean …?" for misspelt flags and verbs (kernel/suggest.ts), through the CLI too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { closestName, editDistance } from '../../kernel/suggest.ts';
import { main } from '../../kernel/cli.ts';

const FLAGS = ['spec', 'input', 'output', 'run-dir', 'sp', 'json', 'plugin', 'drain-timeout'];

test('typos get the nearest flag; what is far from every flag gets none', () => {
  assert.is(closestName('spce', FLAGS), 'spec');
  assert.is(closestName('inptu', FLAGS), 'input');
  assert.is(closestName('rundir', FLAGS), 'run-dir');
  assert.is(closestName('out', FLAGS), 'output'); // a prefix of one flag
  assert.is(closestName('drain-timout', FLAGS), 'drain-timeout');
  assert.is(closestName('zzzzzz', FLAGS), undefined);
  assert.is(closestName('x', FLAGS), undefined);
});

test('edit distance: a metric on the examples, zero only for equal strings, a swap costs one', () => {
  assert.is(editDistance('spec', 'spce'), 1);
  assert.is(editDistance('', 'abc'), 3);
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      const d = editDistance(a, b);
      return d === editDistance(b, a) && (d === 0) === (a === b) && d <= Math.max(a.length, b.length);
    }),
    { seed: 1307, numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...FLAGS), (f) => closestName(f, FLAGS) === f),
    { seed: 1307 },
  );
});

function io() {
  let out = '';
  let err = '';
  return {
    io: {
      out: (t: string) => {
        out += t;
      },
      err: (t: string) => {
        err += t;
      },
      tty: false,
      color: false,
    },
    out: () => out,
    err: () => err,
  };
}

test('the CLI says "did you mean" for a flag and a verb, exit 2, not parseArgs text', async () => {
  const a = io();
  assert.is(await main(['validate', '--spce=examples/chain.kv'], { io: a.io }), 2);
  assert.match(
    a.err(),
    'error[BYTEOR_E_USAGE_BAD_FLAG]: unknown flag --spce for "byteor validate"; did you mean --spec?',
  );
  assert.not.match(a.err(), 'To specify a positional argument');
  const b = io();
  assert.is(await main(['valdiate'], { io: b.io }), 2);
  assert.match(b.err(), 'unknown verb "valdiate"; did you mean "validate"?');
  const c = io();
  assert.is(await main(['validate', '--spec'], { io: c.io }), 2);
  assert.match(c.err(), '--spec needs a value: --spec=PATH');
});

test('--help points at the docs and the examples of this installation', async () => {
  const a = io();
  assert.is(await main(['--help'], { io: a.io }), 0);
  assert.match(a.out(), /docs: \S+README\.md/);
  assert.match(a.out(), /examples: \S+examples\//);
});

test.run();
