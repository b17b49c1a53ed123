// Stop means drain, bounded, for a LaneGraph runtime (issue 14 item 1): behind a slow stage role
// with full lanes and a large input file, one SIGTERM stops ingress reading and every record
// accepted is delivered (exit 0); a role that blocks past --drain-timeout ends the run with
// BYTEOR_E_DRAIN_TIMEOUT, and in = out + dropped + refused + undelivered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { queryRuntime } from '../../kernel/rundir/control-client.ts';
import { LaneGraphState } from '../../kernel/artifacts/lane-graph-state.ts';
import { tempDir, writeTemp } from '../run/cli-harness.ts';
import { startRuntime, until, exitWithin, kill } from '../run/runtime-process.ts';

const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const TOTAL = 20_000;

function linearSpec(key: string, capacity: number): string {
  return `${[
    'spec.version=1',
    'spec.model=lane_graph',
    'spec.name=drain',
    'lane_graph.on_full=block',
    'lane_graph.wait=block',
    'lane_graph.slot_bytes=256',
    'lane_graph.lanes.0.name=in.slow',
    'lane_graph.lanes.0.kind=events',
    `lane_graph.lanes.0.capacity=${capacity}`,
    'lane_graph.lanes.1.name=slow.out',
    'lane_graph.lanes.1.kind=events',
    `lane_graph.lanes.1.capacity=${capacity}`,
    'lane_graph.endpoints.0.name=in',
    'lane_graph.endpoints.0.kind=ingress',
    'lane_graph.endpoints.0.lane=in.slow',
    'lane_graph.endpoints.1.name=out',
    'lane_graph.endpoints.1.kind=egress',
    'lane_graph.endpoints.1.lane=slow.out',
    'lane_graph.roles.0.name=slow',
    'lane_graph.roles.0.kind=stage',
    `lane_graph.roles.0.key=${key}`,
    'lane_graph.roles.0.inputs.0=in.slow',
    'lane_graph.roles.0.outputs.0=slow.out',
  ].join('\n')}\n`;
}

async function start(key: string, capacity: number, extra: string[] = []) {
  const dir = tempDir();
  dirs.push(dir);
  const runDir = join(dir, 'rd');
  const out = join(dir, 'out.txt');
  const pad = 'x'.repeat(190);
  const input = writeTemp(
    dir,
    'in.txt',
    Array.from({ length: TOTAL }, (_, i) => `${String(i).padStart(9, '0')}${pad}\n`).join(''),
  );
  const spec = writeTemp(dir, 'spec.kv', linearSpec(key, capacity));
  const rt = startRuntime([
    `--spec=${spec}`,
    `--input=${input}`,
    `--output=${out}`,
    `--run-dir=${runDir}`,
    '--json',
    ...extra,
  ]);
  let stdout = '';
  rt.child.stdout!.on('data', (d) => {
    stdout += d;
  });
  const full = await until('a full ingress lane with records waiting in front of it', async () => {
    const res = await queryRuntime(runDir, 'snapshot');
    if (!res.ok || res.op !== 'snapshot') return undefined;
    const s = LaneGraphState.parse(res.snapshot);
    return s.records.waiting > 0 && s.lanes[0]!.depth === capacity ? s : undefined;
  });
  return { rt, out, full, docs: () => stdout.split(/\n(?=\{)/) };
}

test('LaneGraph: one SIGTERM under backpressure delivers every accepted record and exits 0', async () => {
  const { rt, out, full, docs } = await start('sleep_us:20000', 16);
  try {
    assert.ok(full.records.in < TOTAL);
    rt.child.kill('SIGTERM');
    assert.is(await exitWithin(rt, 90_000), 0, rt.stderr());
    const s = JSON.parse(docs()[0]!) as Record<string, number>;
    process.stderr.write(
      `    lanegraph drain: accepted ${s.records_in} of ${TOTAL}, delivered ${s.records_out}, undelivered ` +
        `${s.undelivered}\n`,
    );
    assert.ok(s.records_in < TOTAL, `ingress stopped reading at the stop (${s.records_in} of ${TOTAL})`);
    assert.ok(s.records_in >= full.records.in);
    assert.is(s.records_out, s.records_in);
    assert.is(s.undelivered, 0);
    assert.is(readFileSync(out, 'utf8').split('\n').length - 1, s.records_in);
  } finally {
    kill(rt.child);
  }
});

test(
  'LaneGraph: a role that blocks past --drain-timeout: exit 1 BYTEOR_E_DRAIN_TIMEOUT, in = out + dropped + ' +
    'refused + undelivered',
  async () => {
    const { rt, docs } = await start('sleep_us:9999999', 4, ['--drain-timeout=500ms']);
    try {
      rt.child.kill('SIGTERM');
      assert.is(await exitWithin(rt, 90_000), 1, rt.stderr());
      const s = JSON.parse(docs()[0]!) as {
        records_in: number;
        records_out: number;
        dropped: number;
        refused: number;
        undelivered: number;
        error: { code: string; message: string };
      };
      assert.is(s.error.code, 'BYTEOR_E_DRAIN_TIMEOUT');
      assert.ok(s.undelivered > 0);
      assert.is(s.records_in, s.records_out + s.dropped + s.refused + s.undelivered);
      assert.match(
        s.error.message,
        new RegExp(
          `${s.undelivered} records were not delivered: lane "in.slow" \\(reader slow\\) sequences \\d+\\.\\.\\d+`,
        ),
      );
    } finally {
      kill(rt.child);
    }
  },
);

test.run();
