// `run --metrics`: a live runtime's /metrics scraped with a real HTTP client (fetch), the values
// read at scrape time, /healthz, the bound address on stderr, --sp and a busy address refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../run/cli-harness.ts';
import { CLI, exitWithin, kill, repo, startLive, until } from './live-runtime.ts';

function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('scrape a live SingleRing runtime: conventional names, values at scrape time, healthz', async () => {
  const rt = await startLive({ extra: ['--metrics=127.0.0.1:0'] });
  try {
    const m = /metrics: serving http:\/\/(127\.0\.0\.1:\d+)\/metrics and \/healthz/.exec(rt.stderr());
    assert.ok(m, rt.stderr());
    const base = `http://${m![1]}`;
    const first = await fetch(`${base}/metrics`);
    assert.is(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const before = await first.text();
    assert.is(sample(before, 'byteor_records_in_total'), 0);
    assert.match(before, /^# TYPE byteor_stage_records_total counter$/m);
    assert.match(before, /^# TYPE byteor_ring_lag_records gauge$/m);
    assert.match(before, /^process_resident_memory_bytes \d+/m);
    rt.feed(300);
    const after = await until('300 records counted', async () => {
      const t = await (await fetch(`${base}/metrics`)).text();
      return sample(t, 'byteor_records_out_total') === 300 ? t : undefined;
    });
    assert.is(sample(after, 'byteor_records_in_total'), 300);
    assert.is(sample(after, 'byteor_stage_records_total', 'stage="1",shard="0",key="upper",kind="stage"'), 300);
    assert.is(sample(after, 'byteor_ring_lag_records', 'stage="2",shard="0",key="identity",kind="stage"'), 0);
    assert.is(sample(after, 'byteor_stage_sequence', 'stage="egress",shard="0",key="",kind="egress"'), 299);
    assert.is(sample(after, 'byteor_ring_cursor', 'shard="0"'), 299);
    assert.is(sample(after, 'byteor_runtime_up'), 1);
    assert.is(sample(after, 'byteor_runtime_state', 'state="running"'), 1);
    assert.match(
      after,
      /^byteor_runtime_info\{version="[^"]+",model="single_ring",spec_name="test",spec_hash="sha256:[0-9a-f]{64}"\} 1$/m,
    );
    const dashboard = readFileSync(join(repo, 'examples/grafana/byteor-dashboard.json'), 'utf8');
    const queried = new Set(dashboard.match(/\b(?:byteor|process)_[a-z_]+/g));
    assert.ok(queried.size >= 10);
    for (const name of queried)
      assert.match(
        after,
        new RegExp(`^# TYPE ${name} `, 'm'),
        `the Grafana dashboard queries ${name}, which the runtime exports`,
      );
    const health = await fetch(`${base}/healthz`);
    assert.is(health.status, 200);
    assert.is(await health.text(), 'ok running\n');
    assert.is((await fetch(`${base}/nope`)).status, 404);
    rt.child.stdin!.end();
    assert.is(await exitWithin(rt), 0, rt.stderr());
    await fetch(`${base}/metrics`).then(
      () => assert.unreachable('the server closes with the run'),
      () => {},
    );
  } finally {
    kill(rt.child);
  }
});

test('LaneGraph: lanes and roles', async () => {
  const rt = await startLive({
    spec: join(repo, 'examples/lanegraph_fanout_merge.kv'),
    extra: ['--metrics=127.0.0.1:0'],
  });
  try {
    const base = `http://${/serving http:\/\/([\d.:]+)\/metrics/.exec(rt.stderr())![1]}`;
    rt.feed(10);
    // the role's counter moves when its worker has handled the records, after ingress counted
    // them: wait for both (sampling right after records_in reached 10 raced the role under load);
    // and the fanout role releases its input lane after it has published to the roles after it,
    // which may count the records first: wait for that lane to drain too (CI once saw it at 1)
    const role = 'stage="upper",shard="",key="upper",kind="role"';
    const t = await until('10 records in, through the upper role, the fanout lane drained', async () => {
      const x = await (await fetch(`${base}/metrics`)).text();
      return sample(x, 'byteor_records_in_total') === 10 &&
        sample(x, 'byteor_stage_records_total', role) === 10 &&
        /^byteor_lane_depth_records\{lane="parse\.fanout"\} 0$/m.test(x)
        ? x
        : undefined;
    });
    assert.is(sample(t, 'byteor_stage_records_total', role), 10);
    assert.match(t, /^byteor_lane_published_records_total\{lane="in\.parse"\} 10$/m);
    assert.match(t, /^byteor_lane_depth_records\{lane="parse\.fanout"\} 0$/m);
  } finally {
    kill(rt.child);
  }
});

test('--metrics with --sp is refused (exit 2); a busy address is refused before anything starts (exit 5)', async () => {
  const run = (...args: string[]) =>
    spawnSync(CLI[0]!, [...CLI.slice(1), 'run', '--spec=examples/chain.kv', '--input=examples/records.txt', ...args], {
      cwd: repo,
      encoding: 'utf8',
    });
  const sp = run('--sp', '--metrics=127.0.0.1:0');
  assert.is(sp.status, 2, sp.stderr);
  assert.match(sp.stderr, /BYTEOR_E_METRICS_NEEDS_RUN_DIR/);
  const bad = run('--sp', '--metrics=nope');
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /HOST:PORT/);
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  try {
    const port = (busy.address() as { port: number }).port;
    const r = run(`--run-dir=${join(tempDir(), 'rd')}`, `--metrics=127.0.0.1:${port}`);
    assert.is(r.status, 5, r.stderr);
    assert.match(r.stderr, /BYTEOR_E_METRICS_BIND.*EADDRINUSE/);
  } finally {
    busy.close();
  }
});

test.run();
