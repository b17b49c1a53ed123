// The control socket protocol and the snapshot document schema.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ControlServer } from '../../kernel/rundir/control-server.ts';
import { queryRuntime } from '../../kernel/rundir/control-client.ts';
import { readStateFile, writeStateFile } from '../../kernel/rundir/state-file.ts';
import { SingleRingSnapshot } from '../../kernel/artifacts/single-ring-snapshot.ts';
import { stableJson } from '../../kernel/artifacts/json.ts';
import { ByteorError } from '../../kernel/errors.ts';
import { tempDir } from './cli-harness.ts';

const sample: SingleRingSnapshot = {
  snapshot_v: 1,
  model: 'single_ring',
  spec_hash: 'sha256:00',
  spec_name: 'chain',
  spec_path: '/x/chain.kv',
  captured_unix_ms: 1700000000000,
  source: 'live',
  runtime: {
    pid: 42,
    run_dir: '/run/byteor',
    started_unix_ms: 1699999999000,
    state: 'running',
    one_shot: false,
    wait: 'backoff',
  },
  records: { in: 10, out: 7, dropped: 1, refused: 0, waiting: 0 },
  shards: [
    {
      shard: 0,
      capacity: 1024,
      slot_bytes: 256,
      cursor: 9,
      min_gating: 7,
      halt: 'running',
      stages: [
        { stage: 0, key: 'identity', sequence: 9, lag: 0, counters: { batches: 2, records: 10 } },
        { stage: 1, key: 'upper', sequence: 8, lag: 1, counters: { batches: 2, records: 9 } },
      ],
      egress: { sequence: 7, lag: 2 },
    },
  ],
  stalled: [{ shard: 0, stage: 1, key: 'upper', sequence: 8, lag: 1 }],
  error: null,
  sections: { adapters: [{ role: 'ingress' }] },
};

test('the snapshot document round-trips through its schema with a stable key order', () => {
  const text = stableJson(SingleRingSnapshot.parse(sample));
  assert.is(text, stableJson(SingleRingSnapshot.parse(JSON.parse(text))));
  assert.equal(Object.keys(JSON.parse(text)).slice(0, 6), [
    'snapshot_v',
    'model',
    'spec_hash',
    'spec_name',
    'spec_path',
    'captured_unix_ms',
  ]);
  assert.not.ok(SingleRingSnapshot.safeParse({ ...sample, source: 'guess' }).success);
  assert.not.ok(SingleRingSnapshot.safeParse({ ...sample, shards: [{ ...sample.shards[0], cursor: 1.5 }] }).success);
});

test('state file: written atomically with source state_file, read back validated; a broken one is exit 6', () => {
  const dir = tempDir('byteor-state-');
  writeStateFile(dir, sample);
  const back = readStateFile(dir);
  assert.is(back.source, 'state_file');
  assert.equal({ ...back, source: 'live' }, sample);
  writeFileSync(join(dir, 'state.json'), '{"snapshot_v":1}');
  try {
    readStateFile(dir);
    assert.unreachable();
  } catch (e) {
    assert.is((e as ByteorError).code, 'BYTEOR_E_STATE_INVALID');
    assert.is((e as ByteorError).exitCode, 6);
  }
  try {
    readStateFile(join(dir, 'nope'));
    assert.unreachable();
  } catch (e) {
    assert.is((e as ByteorError).code, 'BYTEOR_E_STATE_UNREADABLE');
  }
});

function rawExchange(path: string, lines: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    const want = lines.split('\n').filter((l) => l.trim()).length;
    s.setEncoding('utf8');
    s.on('connect', () => s.write(lines));
    s.on('data', (d: string) => {
      buf += d;
      const got = buf.split('\n').filter(Boolean);
      if (got.length >= want) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}

test(
  'control socket: ping, snapshot, stop, bad requests, ' + 'several requests on one connection, busy and stale sockets',
  async () => {
    const dir = tempDir('byteor-ctl-');
    const sock = join(dir, 'control.sock');
    let stops = 0;
    const server = new ControlServer(sock, {
      ping: () => ({ pid: process.pid, spec_hash: 'sha256:00', state: 'running' }),
      snapshot: async () => sample,
      stop: () => {
        stops++;
        return 'draining';
      },
    });
    await server.listen();
    const ping = await queryRuntime(dir, 'ping');
    assert.equal(ping, { ok: true, op: 'ping', pid: process.pid, spec_hash: 'sha256:00', state: 'running' });
    const snap = await queryRuntime(dir, 'snapshot');
    assert.ok(snap.ok && snap.op === 'snapshot');
    assert.equal((snap as { snapshot: unknown }).snapshot, sample);
    const lines = await rawExchange(sock, '{"op":"nope"}\nnot json\n{"op":"stop"}\n{"op":"ping"}\n');
    const res = lines.map((l) => JSON.parse(l));
    assert.is(res[0].error.code, 'BYTEOR_E_CONTROL_BAD_REQUEST');
    assert.is(res[1].error.code, 'BYTEOR_E_CONTROL_BAD_REQUEST');
    assert.equal(res[2], { ok: true, op: 'stop', state: 'draining' });
    assert.is(res[3].op, 'ping');
    assert.is(stops, 1);
    // a second runtime on the same directory is refused while the first answers
    const second = new ControlServer(sock, {
      ping: () => ({ pid: 1, spec_hash: 'x', state: 'running' }),
      snapshot: async () => ({}),
      stop: () => 'x',
    });
    try {
      await second.listen();
      assert.unreachable();
    } catch (e) {
      assert.is((e as ByteorError).code, 'BYTEOR_E_RUNDIR_BUSY');
    }
    await server.close();
    try {
      await queryRuntime(dir, 'ping', { timeoutMs: 500 });
      assert.unreachable();
    } catch (e) {
      assert.is((e as ByteorError).code, 'BYTEOR_E_RUNTIME_UNREACHABLE');
    }
    // a stale socket file (its runtime died) is removed and reused
    writeFileSync(sock, '');
    const third = new ControlServer(sock, {
      ping: () => ({ pid: 3, spec_hash: 'x', state: 'running' }),
      snapshot: async () => ({}),
      stop: () => 'x',
    });
    await third.listen();
    assert.is(((await queryRuntime(dir, 'ping')) as { pid: number }).pid, 3);
    await third.close();
  },
);

test.run();
