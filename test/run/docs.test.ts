// Every error code the runtime (core, executor, line adapters, run directory, journal, run verb)
// emits is documented in docs/runtime.md.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(join(repo, 'docs/runtime.md'), 'utf8');
const files = [
  'kernel/core/wasm.ts',
  'kernel/core/region.ts',
  'kernel/core/layout.ts',
  'kernel/core/ring.ts',
  'kernel/core/counters.ts',
  'kernel/exec/single-ring-executor.ts',
  'kernel/exec/stage-worker.ts',
  'kernel/exec/producer.ts',
  'kernel/exec/egress-reader.ts',
  'kernel/exec/record-batch.ts',
  'kernel/io/line-ingress.ts',
  'kernel/io/line-egress.ts',
  'kernel/rundir/run-dir.ts',
  'kernel/rundir/control-server.ts',
  'kernel/rundir/control-client.ts',
  'kernel/rundir/state-file.ts',
  'kernel/journal/journal-writer.ts',
  'kernel/journal/journal-reader.ts',
  'plugins/verbs/run/adapter-config.ts',
  'plugins/verbs/run/index.ts',
  'plugins/stages/index.ts',
];

test('every code the runtime emits is documented in docs/runtime.md', () => {
  const codes = new Set<string>();
  for (const f of files)
    for (const m of readFileSync(join(repo, f), 'utf8').matchAll(/'(BYTEOR_E_[A-Z0-9_]+)'/g)) codes.add(m[1]!);
  assert.ok(codes.size > 30, `found only ${codes.size} codes`);
  const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``));
  assert.equal(missing, [], `undocumented codes: ${missing.join(', ')}`);
});

test.run();
