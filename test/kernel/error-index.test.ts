import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';

// Every BYTEOR_E_* code raised anywhere is described in a topic document, and docs/errors.md
// (generated) lists them all; a new undocumented code or a stale index fails here.
test('docs/errors.md is current and every error code is documented', () => {
  const r = spawnSync(process.execPath, ['scripts/error-index.mjs', '--check'], { encoding: 'utf8' });
  assert.is(r.stderr, '');
  assert.is(r.status, 0);
});

test.run();
