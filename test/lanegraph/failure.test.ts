// Failure and waiting: a role that throws stops the whole graph (stop_pipeline) and is reported
// with its lane and sequence; spin with more threads than cores falls back to backoff and says so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  coreKernel,
  laneGraph,
  lane,
  ingress,
  egress,
  stage,
  bridge,
  CollectingEgress,
  start,
  drive,
  roleOf,
  laneOf,
  withTimeout,
} from './harness.ts';

test(
  'a stage that throws aborts every lane; the summary names ' + 'the role, the lane and the sequence (exit 1 material)',
  async () => {
    const kernel = await coreKernel();
    const spec = laneGraph({
      lanes: [lane('a', 'events', 64), lane('b', 'events', 64), lane('c', 'events', 64)],
      endpoints: [ingress('in', 'a'), egress('out', 'c')],
      roles: [bridge('first', 'a', 'b'), stage('boom', 'fail_on:r500', 'b', 'c')],
    });
    const out = new CollectingEgress();
    const s = await withTimeout(drive(await start(kernel, spec, out), 2000), 60_000, 'failing run');
    assert.not.ok(s.ok);
    assert.is(s.error!.code, 'BYTEOR_E_STAGE_FAILED');
    assert.is(s.error!.stage, 'boom');
    assert.is(s.error!.sequence, 500, 'lane c sequence of the failing record (one record per sequence from 0)');
    assert.match(s.error!.message, /role "boom" failed at sequence 500 of lane "c".*stop_pipeline/);
    assert.ok(out.records.length <= 500, 'nothing after the failing record left');
    assert.is(roleOf(s, 'boom').health, 'failed');
    assert.is(roleOf(s, 'boom').error!.code, 'BYTEOR_E_STAGE_FAILED');
    for (const l of s.lane_graph!.lanes) {
      assert.is(l.halt, 'aborted', l.name);
      assert.is(l.health, 'failed', l.name);
    }
  },
);

test(
  'wait=spin with more role threads than cores falls back to backoff (BYTEOR_W_LG_SPIN_FALLBACK) and still ' +
    'delivers everything',
  async () => {
    const kernel = await coreKernel();
    const spec = laneGraph({
      wait: 'spin',
      lanes: [lane('a'), lane('b'), lane('c')],
      endpoints: [ingress('in', 'a'), egress('out', 'c')],
      roles: [bridge('x', 'a', 'b'), stage('y', 'upper', 'b', 'c')],
    });
    const warnings: string[] = [];
    const out = new CollectingEgress();
    const run = await start(kernel, spec, out, {
      cores: 2,
      onWarning: (code, message) => warnings.push(`${code}: ${message}`),
    });
    assert.equal(run.wait, { requested: 'spin', applied: 'backoff' });
    assert.is(warnings.length, 1);
    assert.match(warnings[0]!, /^BYTEOR_W_LG_SPIN_FALLBACK: .*3 threads \(2 roles \+ the main thread\) on 2 cores/);
    const s = await withTimeout(drive(run, 5000), 60_000, 'fallback run');
    assert.ok(s.ok);
    assert.is(out.records.length, 5000);
    assert.is(laneOf(s, 'c').published, 5000);
    assert.is(out.records[4999], 'R4999');
  },
);

test.run();
