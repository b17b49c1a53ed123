// The byteor/plugin barrel (kernel/plugin-api.ts) loads the whole kernel: it is the entry of
// third-party plugins only. Kernel modules and built-in plugins import each name from the module
// that defines it (kernel/plugin-contract.ts for the contract), so a verb loads only what it
// uses (the cold start of `byteor validate`, bench micro_startup).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

function tsFiles(dir: string): string[] {
  return (readdirSync(join(root, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

test('no module in kernel/ or plugins/ imports kernel/plugin-api.ts', () => {
  const offenders = [...tsFiles('kernel'), ...tsFiles('plugins')]
    .filter((f) => f !== join('kernel', 'plugin-api.ts') && f !== join('kernel', 'index.ts'))
    .filter((f) => /from\s+'[./]*(kernel\/)?plugin-api\.ts'|import\(\s*'[./]*(kernel\/)?plugin-api\.ts'\s*\)/.test(readFileSync(join(root, f), 'utf8')));
  assert.equal(offenders, [], 'import the defining module (kernel/plugin-contract.ts for the contract) instead');
});

test('the contract module imports no kernel values (types only)', () => {
  const text = readFileSync(join(root, 'kernel', 'plugin-contract.ts'), 'utf8');
  const valueImports = [...text.matchAll(/^import\s+(?!type\b)[^;]*from\s+'(\.[^']+)'/gm)].map((m) => m[1]);
  assert.equal(valueImports, []);
});

test.run();
