import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FANOUT_V1_MAX_CONSUMERS,
  SEQUENCED_SLOTS_V1_GATING,
  SINGLE_RING_MAX_SHARDS,
} from '../../kernel/spec/limits.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(join(repo, 'docs/spec-kv.md'), 'utf8');
const sources = [
  ...readdirSync(join(repo, 'kernel/spec')).map((f) => join(repo, 'kernel/spec', f)),
  ...['validate', 'describe', 'dot'].flatMap((v) =>
    readdirSync(join(repo, 'plugins/verbs', v)).map((f) => join(repo, 'plugins/verbs', v, f)),
  ),
].filter((f) => f.endsWith('.ts'));

test('every code the spec toolchain emits is documented in docs/spec-kv.md', () => {
  const codes = new Set<string>();
  for (const f of sources)
    for (const m of readFileSync(f, 'utf8').matchAll(/'(BYTEOR_[EWL]_[A-Z0-9_]+)'/g)) codes.add(m[1]!);
  assert.ok(codes.size > 50, `found only ${codes.size} codes`);
  const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``));
  assert.equal(missing, [], `undocumented codes: ${missing.join(', ')}`);
});

test("ByteOr's verbatim messages and the limits are in the normative doc", () => {
  for (const m of [
    'single_ring.shards must be >= 1',
    'single_ring producer mpmc is not supported in v1',
    'single_ring scheduling work_queue is not supported in v1',
    'single_ring ordering strict is not compatible with shards>1 in v1',
  ]) {
    assert.ok(doc.includes(`\`${m}\``), m);
  }
  assert.ok(doc.includes(`| \`FANOUT_V1_MAX_CONSUMERS\` | ${FANOUT_V1_MAX_CONSUMERS} |`));
  assert.ok(doc.includes(`| \`SEQUENCED_SLOTS_V1_GATING\` | ${SEQUENCED_SLOTS_V1_GATING} |`));
  assert.ok(doc.includes(`| \`SINGLE_RING_MAX_SHARDS\` | ${SINGLE_RING_MAX_SHARDS} |`));
});

test.run();
