// Comments cite only what is in the repository: every `docs/NAME.md` named in the sources
// exists, and nothing cites the team's feasibility notes, which are not shipped (their facts are
// in docs/platform-notes.md).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DIRS = ['assembly', 'kernel', 'plugins', 'bench', 'scripts', 'test', 'bin', 'docs'];

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'fixtures') out.push(...files(p));
    } else if (/\.(ts|mts|mjs|cjs|js|md)$/.test(name)) out.push(p);
  }
  return out;
}

test('every docs/*.md a source file or document names exists; no citation of notes outside the repository', () => {
  const missing: string[] = [];
  const outside: string[] = [];
  const self = fileURLToPath(import.meta.url);
  for (const f of DIRS.flatMap((d) => files(join(root, d)))) {
    if (f === self) continue;
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\bdocs\/([\w.-]+\.md)\b/g))
      if (!existsSync(join(root, 'docs', m[1]!))) missing.push(`${relative(root, f)}: docs/${m[1]}`);
    if (/stack-notes/.test(text)) outside.push(relative(root, f));
  }
  assert.equal(missing, [], 'cited documents that do not exist');
  assert.equal(
    outside,
    [],
    'files citing the feasibility notes, which are not in the repository (cite docs/platform-notes.md)',
  );
});

test.run();
