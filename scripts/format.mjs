#!/usr/bin/env node
// `npm run format` (issue 19, item 5): the one command that lays out the sources: Biome's
// formatter (biome.json), then scripts/wrap-long-lines.mjs for the string literals and comments
// still over 120 characters, then Biome again to lay out what the codemod split (repeated while
// the codemod still changes something), then the checks `npm test` runs: `biome check` and the
// line-length check. Idempotent: a second run changes nothing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { sourceFiles } from './line-length.mjs';
import { wrapFile } from './wrap-long-lines.mjs';

const root = new URL('..', import.meta.url).pathname;
const biome = join(root, 'node_modules', '.bin', 'biome');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
}

function biomeFormat() {
  // exit status 1 only means a file could not be formatted (a syntax error): it is named above
  run(biome, ['format', '--write', '--log-level=none']);
}

biomeFormat();
for (let round = 0; round < 6; round++) {
  let changed = 0;
  for (const f of sourceFiles()) if (wrapFile(f)) changed++;
  console.log(`format: round ${round + 1}: wrap-long-lines changed ${changed} file(s)`);
  if (changed === 0) break;
  biomeFormat();
}
const lint = run(biome, ['check', '--error-on-warnings']);
const length = run(process.execPath, [join(root, 'scripts', 'line-length.mjs'), '--check']);
process.exitCode = lint || length ? 1 : 0;
