// RunSummary and AdapterHealth are zod schemas (kernel/artifacts/run-summary.ts,
// kernel/adapter-health.ts) with the types inferred from them: real summaries and adapter health
// entries, as runs produce them, parse strictly and come back unchanged (nothing unknown, nothing
// missing, nothing added by a default).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RunSummary, StageCounters } from '../../kernel/artifacts/run-summary.ts';
import { AdapterHealth } from '../../kernel/adapter-health.ts';
import { AdapterEntrySchema } from '../../plugins/edgeplane/health.ts';
import { LineIngress } from '../../kernel/io/line-ingress.ts';
import { LineEgress } from '../../kernel/io/line-egress.ts';
import { cli, tempDir, writeTemp, chainSpec } from './cli-harness.ts';

const FIXTURE = new URL('./fixtures/run-fixture-plugin.ts', import.meta.url).pathname;

/** Parse with unknown keys refused (also inside), and check that nothing changed on the way. */
function roundTrip<S extends z.ZodObject>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.strict().safeParse(value);
  assert.ok(r.success, `${what}: ${r.error?.message}`);
  assert.equal(r.data, value, `${what} round-trips`);
  return r.data as z.output<S>;
}

test('RunSummary: a single_ring run --sp --json summary, with stage counters', async () => {
  const dir = tempDir();
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity', 'drop_if:skip']));
  const input = writeTemp(dir, 'in.txt', 'a\nskip\nb\n');
  const r = await cli([
    'run',
    '--sp',
    `--spec=${spec}`,
    `--input=${input}`,
    `--output=${join(dir, 'o.txt')}`,
    '--json',
  ]);
  assert.is(r.code, 0, r.err);
  const s = roundTrip(RunSummary, JSON.parse(r.out), 'single_ring summary');
  assert.ok(s.counters.length >= 2);
  for (const c of s.counters) roundTrip(StageCounters, c, 'stage counters');
});

test("RunSummary: a LaneGraph summary (lane_graph) and a failed run's (error)", async () => {
  const dir = tempDir();
  const lg = await cli([
    'run',
    '--sp',
    '--spec=examples/lanegraph_fanout_merge.kv',
    '--input=examples/records.txt',
    `--output=${join(dir, 'lg.txt')}`,
    '--json',
  ]);
  assert.is(lg.code, 0, lg.err);
  const s = roundTrip(RunSummary, JSON.parse(lg.out), 'lane_graph summary');
  assert.ok(s.lane_graph && s.lane_graph.lanes.length > 0);

  const spec = writeTemp(dir, 'fail.kv', chainSpec(['identity', 'fail_on:boom']));
  const input = writeTemp(dir, 'in.txt', 'a\nboom\nc\n');
  const f = await cli([
    'run',
    '--sp',
    `--spec=${spec}`,
    `--input=${input}`,
    `--output=${join(dir, 'f.txt')}`,
    `--plugin=${FIXTURE}`,
    '--json',
  ]);
  assert.is(f.code, 1);
  const failed = roundTrip(RunSummary, JSON.parse(f.out.split(/\n(?=\{)/)[0]!), 'failed summary');
  assert.is(failed.ok, false);
  assert.ok(failed.error?.code);
});

test("AdapterHealth: the line adapters' health, and edgeplane's adapters section of a real run", async () => {
  const dir = tempDir();
  const input = writeTemp(dir, 'in.txt', 'a\nb\n');
  const ingress = new LineIngress({ input });
  await ingress.start({ push() {}, end() {} });
  roundTrip(AdapterHealth, ingress.health(), 'LineIngress health');
  await ingress.close();
  const egress = new LineEgress({ output: join(dir, 'e.txt') });
  await egress.start();
  await egress.write([new TextEncoder().encode('x')]);
  roundTrip(AdapterHealth, egress.health(), 'LineEgress health');
  await egress.close();

  const cfg = writeTemp(
    dir,
    'file.conf',
    `ingress.kind=file\ningress.path=${input}\negress.kind=file\negress.path=${join(dir, 'out.txt')}\n`,
  );
  const stateOut = join(dir, 'state.json');
  const r = await cli([
    'run',
    '--sp',
    '--plugin=edgeplane',
    '--spec=examples/edgeplane/identity.kv',
    `--config=${cfg}`,
    '--adapter-max-messages=2',
    `--state-out=${stateOut}`,
  ]);
  assert.is(r.code, 0, r.err);
  const entries = JSON.parse(readFileSync(stateOut, 'utf8')).sections.adapters as unknown[];
  assert.is(entries.length, 2);
  for (const e of entries) {
    roundTrip(AdapterEntrySchema, e, 'adapters entry');
    const { role: _r, kind: _k, endpoint: _e, ...health } = e as Record<string, unknown>;
    roundTrip(AdapterHealth, health, 'adapter health');
  }
});

test.run();
