// The byteor/plugin barrel (kernel/plugin-api.ts) loads the whole kernel: it is the entry of
// third-party plugins only. Kernel modules and built-in plugins import each name from the module
// that defines it (kernel/plugin-contract.ts for the contract), so a verb loads only what it
// uses (the cold start of `byteor validate`, bench micro_startup).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

function tsFiles(dir: string): string[] {
  return (readdirSync(join(root, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

test('no module in kernel/ or plugins/ imports kernel/plugin-api.ts or kernel/public-api.ts', () => {
  const offenders = [...tsFiles('kernel'), ...tsFiles('plugins')]
    .filter((f) => f !== join('kernel', 'plugin-api.ts') && f !== join('kernel', 'index.ts'))
    .filter((f) =>
      /from\s+'[./]*(kernel\/)?(plugin|public)-api\.ts'|import\(\s*'[./]*(kernel\/)?(plugin|public)-api\.ts'\s*\)/.test(
        readFileSync(join(root, f), 'utf8'),
      ),
    );
  assert.equal(offenders, [], 'import the defining module (kernel/plugin-contract.ts for the contract) instead');
});

// The contract may re-export values only from leaf modules (the error tables' defineErrors): a
// module whose own value imports stay within this set, so loading the contract loads nothing else.
const CONTRACT_LEAVES = ['kernel/errors/define-errors.ts', 'kernel/errors.ts', 'kernel/exit-codes.ts'];
const valueImports = (file: string) =>
  [...readFileSync(join(root, file), 'utf8').matchAll(/^(?:import|export)\s+(?!type\b)[^;]*from\s+'([^']+)'/gm)].map(
    (m) => m[1]!,
  );

test('the contract module imports no kernel values except leaf modules (types only otherwise)', () => {
  const seen = new Set<string>();
  const walk = (file: string) => {
    for (const spec of valueImports(file)) {
      assert.ok(spec.startsWith('.'), `${file} imports the package ${spec}`);
      const target = relative(root, join(root, dirname(file), spec));
      assert.ok(
        CONTRACT_LEAVES.includes(target),
        `${file} imports ${target}, which is not a leaf module of the contract`,
      );
      if (!seen.has(target)) {
        seen.add(target);
        walk(target);
      }
    }
  };
  walk('kernel/plugin-contract.ts');
  assert.ok(seen.has('kernel/errors/define-errors.ts'), 'the contract exports defineErrors');
});

// byteor/plugin is the contract, not the kernel: its value exports come from the contract and
// the few modules a plugin needs to follow it; the programmatic API is the main entry (`byteor`).
test('byteor/plugin exports only the contract and its helpers (no spec, policy, approval or runtime module)', () => {
  const allowed = [
    './plugin-contract.ts',
    './flags.ts',
    './adapter-health.ts',
    './errors.ts',
    './exit-codes.ts',
    './artifacts/json.ts',
    './hooks.ts',
    './artifacts/run-summary.ts',
    './spec/model.ts',
    'zod',
  ];
  const from = [
    ...readFileSync(join(root, 'kernel', 'plugin-api.ts'), 'utf8').matchAll(/^export[^;]*from\s+'([^']+)'/gm),
  ].map((m) => m[1]!);
  assert.ok(from.length > 0);
  assert.equal(
    from.filter((m) => !allowed.includes(m)),
    [],
    'move programmatic API to kernel/public-api.ts',
  );
});

test.run();
