// The core's TypeScript interface is generated from assembly/ (scripts/core-bindings.mjs), never
// typed by hand: the file must match what asc generates now, and name exactly the functions the
// built module exports.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileCore } from '../../kernel/core/wasm.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('kernel/core/core-exports.ts is what scripts/core-bindings.mjs generates from assembly/', () => {
  const r = spawnSync(process.execPath, ['scripts/core-bindings.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
});

test('the interface names exactly the functions build/core.wasm exports', () => {
  const text = readFileSync(`${root}kernel/core/core-exports.ts`, 'utf8');
  const typed = [...text.matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]!).sort();
  const exported = WebAssembly.Module.exports(compileCore())
    .filter((e) => e.kind === 'function')
    .map((e) => e.name)
    .sort();
  assert.equal(typed, exported);
});

test.run();
