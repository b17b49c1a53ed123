// The error tables of this repository (defineErrors, kernel/errors/define-errors.ts): the kernel's
// (kernel/errors/*.ts), each plugin's (plugins/**/errors.ts) and the benches' (bench/errors.ts),
// imported through tsx; and where each BYTEOR_E_* code is mentioned in the sources.
// scripts/error-index.mjs writes docs/errors.md from them; test/kernel/error-tables.test.ts checks
// that every code of the sources is in exactly one table.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

export const root = new URL('..', import.meta.url).pathname;
/** folders whose sources may raise codes; each code they name must be in a table */
export const SOURCE_DIRS = ['bin', 'kernel', 'plugins', 'bench'];
// a code; a prefix that ends in `_` (`BYTEOR_E_PLAN_*` in a comment) is no code
const CODE = /BYTEOR_E_[A-Z0-9_]+/g;

export function files(dir, exts) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, exts));
    else if (exts.some((e) => name.endsWith(e))) out.push(p);
  }
  return out;
}

/** The modules that hold error tables, relative to the repository root. */
export function tableFiles() {
  const inKernel = files(join(root, 'kernel', 'errors'), ['.ts']).filter((f) => !f.endsWith('define-errors.ts'));
  const named = ['plugins', 'bench'].flatMap((d) =>
    files(join(root, d), ['errors.ts']).filter((f) => f.endsWith('/errors.ts')),
  );
  return [...inKernel, ...named].map((f) => relative(root, f)).sort();
}

/** Every table: { file, name (its export), owner, entries }. */
export async function loadErrorTables() {
  const out = [];
  for (const file of tableFiles()) {
    const mod = await tsImport(pathToFileURL(join(root, file)).href, import.meta.url);
    for (const [name, value] of Object.entries(mod)) {
      if (value && typeof value === 'object' && typeof value.owner === 'string' && typeof value.error === 'function') {
        out.push({ file, name, owner: value.owner, entries: value.entries });
      }
    }
  }
  return out;
}

/** code → the source files (outside the tables) that name it. */
export function codeMentions(tables) {
  const tableSet = new Set(tables.map((t) => t.file));
  const used = new Map();
  for (const dir of SOURCE_DIRS) {
    for (const f of files(join(root, dir), ['.ts', '.js', '.mjs', '.cjs'])) {
      const rel = relative(root, f);
      if (tableSet.has(rel)) continue;
      for (const c of readFileSync(f, 'utf8').match(CODE) ?? []) {
        if (c.endsWith('_')) continue;
        if (!used.has(c)) used.set(c, new Set());
        used.get(c).add(rel);
      }
    }
  }
  return used;
}
