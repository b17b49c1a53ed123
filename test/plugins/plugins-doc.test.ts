/** docs/plugins.md stays complete: every error code the plugin machinery throws, every hook, every registry. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHookTable } from '../../kernel/hooks.ts';
import { KernelErrors } from '../../kernel/errors/kernel-errors.ts';
import { AcmeErrors } from '../../examples/plugins/acme-audit/errors.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(join(repo, 'docs', 'plugins.md'), 'utf8');

const SOURCES = [
  'kernel/plugin-host.ts',
  'kernel/plugin-definition.ts',
  'kernel/plugin-loader.ts',
  'kernel/plugin-module-resolution.ts',
  'kernel/stage-catalog.ts',
  'kernel/cli.ts',
  'kernel/artifacts/json.ts',
  ...['plugins/verbs/capabilities', 'plugins/verbs/compatibility', 'examples/plugins/acme-audit'].flatMap((d) =>
    readdirSync(join(repo, d))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `${d}/${f}`),
  ),
];

test('every BYTEOR_E_* code thrown by the plugin machinery, its verbs and the example is documented', () => {
  const codes = new Set<string>();
  for (const f of SOURCES)
    for (const m of readFileSync(join(repo, f), 'utf8').matchAll(/'(BYTEOR_E_[A-Z0-9_]+)'/g)) codes.add(m[1]!);
  // the plugin machinery's codes of the kernel's table, and the example's table
  for (const c of Object.keys(KernelErrors.entries)) if (c.startsWith('BYTEOR_E_PLUGIN_')) codes.add(c);
  for (const c of Object.keys(AcmeErrors.entries)) codes.add(c);
  assert.ok(codes.size >= 15, `found only ${codes.size} codes`);
  const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``));
  assert.equal(missing, [], `undocumented codes: ${missing.join(', ')}`);
});

test('every hook of the hook table is in the hook table of the doc', () => {
  for (const name of Object.keys(createHookTable())) assert.match(doc, new RegExp(`\\n\\| \`${name}\` \\|`), name);
});

test('every registration method of the plugin host is explained', () => {
  for (const m of [
    'registerStage',
    'registerAdapter',
    'registerVerb',
    'extendVerb',
    'registerSnapshotSection',
    'registerBundleArtifact',
  ]) {
    assert.ok(doc.includes(m), m);
  }
});

test.run();
