import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { DataguardErrors } from '../../plugins/dataguard/errors.ts';
import { DATAGUARD_RUN_OPTIONS } from '../../plugins/dataguard/run-flags.ts';
import { formatReport } from '../../plugins/dataguard/report.ts';
import { buildReport } from '../../plugins/dataguard/report-counts.ts';
import { resolveRunContract } from '../../plugins/dataguard/run-contract.ts';
import { ALL_RULES, EXAMPLE_FLAGS } from './stage-harness.ts';

const doc = readFileSync(new URL('../../docs/dataguard.md', import.meta.url), 'utf8');

test("every error code of the plugin's table is documented in docs/dataguard.md, with its exit code", () => {
  const entries = Object.entries(DataguardErrors.entries);
  assert.ok(entries.length >= 15);
  for (const [c, e] of entries)
    assert.match(doc, new RegExp(`\\| \`${c}\` \\| ${e.exit} \\|`), `${c} is in the error table, exit ${e.exit}`);
});

test('every run flag and every report key is documented', () => {
  for (const f of Object.keys(DATAGUARD_RUN_OPTIONS)) assert.ok(doc.includes(`\`--${f}`), `--${f}`);
  const flags = { ...EXAMPLE_FLAGS, rule: ALL_RULES, 'cost-sampling': 1 };
  const text = formatReport(
    buildReport({
      specHash: `sha256:${'0'.repeat(64)}`,
      runOk: true,
      stages: [{ index: 0, key: 'dataguard_fused', role: 'fused' }],
      counters: [],
      ...resolveRunContract(flags),
    }),
  );
  for (const line of text.trimEnd().split('\n')) {
    const key = line.slice(0, line.indexOf('=')).replace(/\.\d+(?=\.|$)/g, '.<i>');
    assert.ok(doc.includes(`\`${key}\``), `report key ${key}`);
  }
});

test.run();
