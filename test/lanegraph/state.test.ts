// lane_graph_state.json: its schema round-trips; a long-running LaneGraph runtime (a real child
// process) answers it live over the control socket, keeps it as its state file, the `snapshot`
// verb prints and exports it, {"op":"stop"} drains and exits 0, and an incident bundle carries it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryRuntime } from '../../kernel/rundir/control-client.ts';
import { readStateFile } from '../../kernel/rundir/state-file.ts';
import { LaneGraphState, LANE_GRAPH_STATE_FILE } from '../../kernel/artifacts/lane-graph-state.ts';
import { RuntimeStateDocument, runtimeStateFile } from '../../kernel/artifacts/runtime-state.ts';
import { stableJson } from '../../kernel/artifacts/json.ts';
import { cli, tempDir } from '../run/cli-harness.ts';

const sample: LaneGraphState = {
  state_v: 1,
  model: 'lane_graph',
  spec_hash: 'sha256:00',
  spec_name: 'g',
  spec_path: '/x/g.kv',
  captured_unix_ms: 1700000000000,
  source: 'live',
  runtime: {
    pid: 42,
    run_dir: '/run/byteor',
    started_unix_ms: 1699999999000,
    state: 'running',
    one_shot: false,
    wait: { requested: 'spin', applied: 'backoff' },
  },
  on_full: 'drop',
  records: { in: 10, out: 7, dropped: 3, refused: 0, waiting: 0 },
  lanes: [
    {
      name: 'a',
      kind: 'journal',
      capacity: 16,
      slot_bytes: 64,
      on_full: 'drop',
      writer: { kind: 'role', name: 'b' },
      cursor: 9,
      published: 10,
      depth: 2,
      drops_full: 0,
      readers: [{ reader: 0, name: 's', kind: 'role', sequence: 7, released: 8, lag: 2, overrun: 3 }],
      halt: 'running',
      health: 'degraded',
    },
  ],
  roles: [
    {
      name: 'r',
      kind: 'router',
      key: null,
      mode: 'work_queue',
      policy: null,
      inserted: true,
      inputs: ['x'],
      outputs: ['y', 'z'],
      records: 10,
      batches: 2,
      counters: { batches: 2, drops_all_full: 1, records: 10, 'routed.y': 5, 'routed.z': 4 },
      router: {
        consumers: [
          { lane: 'y', routed: 5, drops_full: 0, credit: 3 },
          { lane: 'z', routed: 4, drops_full: 0, credit: 0 },
        ],
        drops_all_full: 1,
      },
      merge: null,
      health: 'degraded',
      error: null,
    },
  ],
  endpoints: [{ name: 'in', kind: 'ingress', lane: 'x', records: 10, dropped: 0 }],
  stalled: [{ lane: 'a', reader: 0, name: 's', sequence: 7, lag: 2 }],
  error: null,
  sections: {},
};

test(
  'lane_graph_state.json round-trips through its schema with a stable key order; the runtime-state union tells ' +
    'the models apart',
  () => {
    const text = stableJson(LaneGraphState.parse(sample));
    assert.is(text, stableJson(LaneGraphState.parse(JSON.parse(text))));
    assert.equal(Object.keys(JSON.parse(text)).slice(0, 4), ['state_v', 'model', 'spec_hash', 'spec_name']);
    assert.not.ok(LaneGraphState.safeParse({ ...sample, lanes: [{ ...sample.lanes[0], health: 'fine' }] }).success);
    assert.not.ok(LaneGraphState.safeParse({ ...sample, records: { ...sample.records, in: 1.5 } }).success);
    const doc = RuntimeStateDocument.parse(JSON.parse(text));
    assert.is(doc.model, 'lane_graph');
    assert.is(runtimeStateFile(doc), LANE_GRAPH_STATE_FILE);
  },
);

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(
  'a long-running LaneGraph runtime: live state over ' + 'the socket, state file, snapshot verb, stop drains',
  async () => {
    const dir = tempDir();
    const runDir = join(dir, 'rd');
    const out = join(dir, 'out.txt');
    const child = spawn(
      process.execPath,
      [
        '--no-liftoff',
        '--conditions=source',
        '--import',
        'tsx',
        'kernel/main.ts',
        'run',
        '--spec=examples/lanegraph_journal_tap.kv',
        '--input=-',
        `--output=${out}`,
        `--run-dir=${runDir}`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const lines = Array.from({ length: 50 }, (_, i) => `rec-${i}`);
      child.stdin!.write(`${lines.join('\n')}\n`); // stdin stays open: the runtime keeps running
      const live = await until('all 100 records out', async () => {
        const res = await queryRuntime(runDir, 'snapshot');
        if (!res.ok || res.op !== 'snapshot') return undefined;
        const s = LaneGraphState.parse(res.snapshot);
        return s.records.out === 100 ? s : undefined;
      });
      assert.is(live.source, 'live');
      assert.is(live.runtime.state, 'running');
      assert.is(live.runtime.pid, child.pid);
      assert.equal(live.runtime.wait, { requested: 'backoff', applied: 'backoff' });
      const j = live.lanes.find((l) => l.name === 'audit.journal')!;
      assert.equal(
        [j.published, j.readers[0]!.name, j.readers[0]!.released, j.readers[0]!.lag, j.halt, j.health],
        [50, 'archive', 50, 0, 'running', 'healthy'],
      );
      assert.equal(
        live.roles.map((r) => [r.name, r.records, r.health]),
        [
          ['parse', 50, 'healthy'],
          ['upper', 50, 'healthy'],
          ['tap', 50, 'healthy'],
          ['archive', 50, 'healthy'],
        ],
      );
      assert.equal(
        live.endpoints.map((e) => [e.name, e.records]),
        [
          ['in', 50],
          ['out', 50],
          ['audit', 50],
        ],
      );
      assert.equal(live.stalled, []);

      const state = await until('state file', () => {
        const s = readStateFile(runDir);
        return s.model === 'lane_graph' && s.records.out === 100 ? s : undefined;
      });
      assert.is(state.source, 'state_file');

      const exported = join(dir, LANE_GRAPH_STATE_FILE);
      const snapJson = await cli(['snapshot', `--run-dir=${runDir}`, '--json', `--out=${exported}`]);
      assert.is(snapJson.code, 0, snapJson.err);
      assert.is(LaneGraphState.parse(JSON.parse(snapJson.out)).model, 'lane_graph');
      assert.is(LaneGraphState.parse(JSON.parse(readFileSync(exported, 'utf8'))).records.in, 50);
      const snapText = await cli(['snapshot', `--run-dir=${runDir}`]);
      assert.is(snapText.code, 0, snapText.err);
      assert.match(snapText.out, /lane_graph state of journal_tap/);
      assert.match(snapText.out, /audit\.journal\s+journal\s+healthy/);

      const stop = await queryRuntime(runDir, 'stop');
      assert.ok(stop.ok);
      const code = await Promise.race([
        exited,
        new Promise<number | null>((_, rej) => setTimeout(() => rej(new Error(`no exit:\n${err}`)), 60_000).unref()),
      ]);
      assert.is(code, 0, err);
      const last = readStateFile(runDir);
      assert.is(last.model, 'lane_graph');
      assert.is(last.runtime.state, 'stopped');
      const after = await cli(['snapshot', `--run-dir=${runDir}`, '--json']);
      assert.is(after.code, 0);
      assert.match(after.err, /no live runtime/);
      assert.is(RuntimeStateDocument.parse(JSON.parse(after.out)).source, 'state_file');
      assert.is(readFileSync(out, 'utf8').split('\n').length - 1, 100);

      // an incident bundle of the dead runtime carries its last state as lane_graph_state.json
      const bundle = join(dir, 'bundle');
      const b = await cli([
        'incident-bundle',
        `--out=${bundle}`,
        '--spec=examples/lanegraph_journal_tap.kv',
        `--run-dir=${runDir}`,
      ]);
      assert.is(b.code, 0, b.err);
      const inBundle = LaneGraphState.parse(JSON.parse(readFileSync(join(bundle, LANE_GRAPH_STATE_FILE), 'utf8')));
      assert.equal([inBundle.source, inBundle.runtime.state, inBundle.records.out], ['state_file', 'stopped', 100]);
    } finally {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  },
);

test.run();
