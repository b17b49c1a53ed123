// docs/lanegraph.md keeps up with the code: every code the LaneGraph runtime reports, every field
// of lane_graph_state.json, and the numbers the docs quote.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import {
  LaneGraphState,
  LaneState,
  LaneReaderState,
  RoleState,
  EndpointState,
  StalledReader,
  RouterConsumerState,
} from '../../kernel/artifacts/lane-graph-state.ts';
import { MERGE_QUANTUM } from '../../kernel/lanegraph/merge-role.ts';
import { EGRESS_BATCH } from '../../kernel/lanegraph/egress-reader.ts';
import { DEFAULT_ROLE_BATCH } from '../../kernel/lanegraph/executor.ts';
import { LaneHandle } from '../../kernel/core/lane.ts';

const doc = readFileSync(new URL('../../docs/lanegraph.md', import.meta.url), 'utf8');
const root = new URL('../../', import.meta.url);

test('every BYTEOR_E_* / BYTEOR_W_* code of the LaneGraph runtime is documented', () => {
  const files = [
    ...readdirSync(new URL('kernel/lanegraph/', root)).map((f) => `kernel/lanegraph/${f}`),
    'kernel/core/lane.ts',
    'kernel/core/doorbells.ts',
  ];
  const codes = new Set<string>();
  for (const f of files)
    for (const m of readFileSync(new URL(f, root), 'utf8').matchAll(/BYTEOR_[EW]_[A-Z0-9_]+/g)) codes.add(m[0]);
  assert.ok(codes.size >= 8, `found ${codes.size} codes`);
  for (const c of codes) assert.ok(doc.includes(`\`${c}\``), `${c} is documented in docs/lanegraph.md`);
});

test('every field of lane_graph_state.json is documented', () => {
  for (const schema of [
    LaneGraphState,
    LaneState,
    LaneReaderState,
    RoleState,
    EndpointState,
    StalledReader,
    RouterConsumerState,
  ]) {
    for (const key of Object.keys(schema.shape)) assert.ok(doc.includes(`\`${key}\``), `field ${key} is documented`);
  }
});

test("the numbers the docs quote are the code's", () => {
  assert.match(doc, new RegExp(`\`MERGE_QUANTUM\` = ${MERGE_QUANTUM} records`));
  assert.match(doc, new RegExp(`up to ${EGRESS_BATCH} records per turn`));
  assert.match(doc, new RegExp(`\`maxBatch\` \\(${DEFAULT_ROLE_BATCH}\\)`));
  assert.match(doc, new RegExp(`1\\.\\.${LaneHandle.maxReaders()} \\(\`FANOUT_V1_MAX_CONSUMERS\`\\)`));
});

test.run();
