// Stop means drain, bounded (issue 14 item 1): a long-running SingleRing runtime under
// backpressure (a slow stage, a full ring, a large input file) is stopped once; ingress stops
// reading at once and every record it accepted is delivered, and the summary accounts for
// every record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { queryRuntime } from '../../kernel/rundir/control-client.ts';
import { tempDir, writeTemp, chainSpec } from './cli-harness.ts';
import { startRuntime, until, liveSnapshot, exitWithin, kill } from './runtime-process.ts';

const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** TOTAL records of 200 bytes each: far more than the runtime can take before it is stopped. */
const TOTAL = 20_000;
function bigInput(dir: string): string {
  const pad = 'x'.repeat(190);
  return writeTemp(
    dir,
    'in.txt',
    Array.from({ length: TOTAL }, (_, i) => `${String(i).padStart(9, '0')}${pad}\n`).join(''),
  );
}

/**
 * A runtime behind a slow stage (20 ms per batch) and a ring of 16, reading a large file; resolves once the ring is
 * full.
 */
async function startBackpressured() {
  const dir = tempDir();
  dirs.push(dir);
  const runDir = join(dir, 'rd');
  const out = join(dir, 'out.txt');
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity', 'sleep_us:20000'], { capacity: 16, wait: 'block' }));
  const rt = startRuntime([
    `--spec=${spec}`,
    `--input=${bigInput(dir)}`,
    `--output=${out}`,
    `--run-dir=${runDir}`,
    '--json',
  ]);
  let stdout = '';
  rt.child.stdout!.on('data', (d) => {
    stdout += d;
  });
  const full = await until('a full ring with records waiting in front of it', async () => {
    const s = await liveSnapshot(runDir);
    const sh = s.shards[0]!;
    return sh.cursor - sh.min_gating === 16 && s.records.waiting > 0 ? s : undefined;
  });
  return { rt, runDir, out, full, summary: () => JSON.parse(stdout) as Record<string, number> };
}

test('one SIGTERM under backpressure: ingress stops reading, every accepted record is delivered, exit 0', async () => {
  const { rt, out, full, summary } = await startBackpressured();
  try {
    assert.ok(full.records.in < TOTAL, 'the runtime is still reading when it is stopped');
    assert.is(
      full.records.in,
      full.records.out +
        full.records.dropped +
        full.records.refused +
        (full.shards[0]!.cursor - full.shards[0]!.egress.sequence) +
        full.records.waiting,
      'snapshot: in = out + dropped + refused + in the ring + waiting in front of it',
    );
    rt.child.kill('SIGTERM');
    assert.is(await exitWithin(rt, 90_000), 0, rt.stderr());
    const s = summary();
    const written = readFileSync(out, 'utf8').split('\n').length - 1;
    process.stderr.write(
      `    drain: accepted ${s.records_in} of ${TOTAL}, delivered ${s.records_out}, undelivered ${s.undelivered}\n`,
    );
    assert.ok(s.records_in < TOTAL, `ingress stopped reading at the stop (${s.records_in} of ${TOTAL} read)`);
    assert.ok(s.records_in >= full.records.in, 'every record accepted before the stop is counted');
    assert.is(s.records_out, s.records_in, 'every accepted record was delivered');
    assert.is(s.undelivered, 0);
    assert.is(written, s.records_in, 'the output holds every accepted record');
    assert.match(rt.stderr(), /SIGTERM: draining/);
  } finally {
    kill(rt.child);
  }
});

test(
  '{"op":"stop"} under backpressure answers "draining", ' + 'snapshot says draining, and the run drains (exit 0)',
  async () => {
    const { rt, runDir, out, summary } = await startBackpressured();
    try {
      const res = await queryRuntime(runDir, 'stop', { timeoutMs: 10_000 });
      assert.ok(res.ok && res.op === 'stop');
      assert.is(res.ok && res.op === 'stop' ? res.state : '', 'draining');
      const snap = await liveSnapshot(runDir).catch(() => null); // the runtime may already be gone
      if (snap) assert.ok(['draining', 'stopped'].includes(snap.runtime.state), snap.runtime.state);
      assert.is(await exitWithin(rt, 90_000), 0, rt.stderr());
      const s = summary();
      assert.ok(s.records_in < TOTAL, `ingress stopped reading at the stop (${s.records_in} of ${TOTAL} read)`);
      assert.is(s.records_out, s.records_in);
      assert.is(readFileSync(out, 'utf8').split('\n').length - 1, s.records_in);
    } finally {
      kill(rt.child);
    }
  },
);

test(
  'a stage that blocks past --drain-timeout: exit 1 BYTEOR_E_DRAIN_TIMEOUT, the undelivered counted and located, ' +
    'in = out + dropped + refused + undelivered',
  async () => {
    const dir = tempDir();
    dirs.push(dir);
    const runDir = join(dir, 'rd');
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['sleep_us:9999999'], { capacity: 4, wait: 'block' }));
    const rt = startRuntime([
      `--spec=${spec}`,
      `--input=${bigInput(dir)}`,
      `--output=${join(dir, 'out.txt')}`,
      `--run-dir=${runDir}`,
      '--json',
      '--drain-timeout=500ms',
    ]);
    let stdout = '';
    rt.child.stdout!.on('data', (d) => {
      stdout += d;
    });
    try {
      await until('a full ring', async () => {
        const s = await liveSnapshot(runDir);
        const sh = s.shards[0]!;
        return sh.cursor - sh.min_gating === 4 ? s : undefined;
      });
      rt.child.kill('SIGTERM');
      assert.is(await exitWithin(rt, 90_000), 1, rt.stderr());
      const docs = stdout.split(/\n(?=\{)/); // the summary, then the error (both --json)
      const s = JSON.parse(docs[0]!) as {
        records_in: number;
        records_out: number;
        dropped: number;
        refused: number;
        undelivered: number;
        error: { code: string; message: string };
      };
      process.stderr.write(
        `    drain timeout: accepted ${s.records_in}, delivered ${s.records_out}, undelivered ${s.undelivered}\n`,
      );
      assert.is(s.error.code, 'BYTEOR_E_DRAIN_TIMEOUT');
      assert.ok(s.undelivered >= 4, `at least the ring's records were not delivered (${s.undelivered})`);
      assert.is(
        s.records_in,
        s.records_out + s.dropped + s.refused + s.undelivered,
        'in = out + dropped + refused + undelivered',
      );
      assert.ok(s.records_in < TOTAL);
      assert.match(s.error.message, new RegExp(`${s.undelivered} records were not delivered`));
      assert.match(s.error.message, /shard 0 sequences \d+\.\.\d+/);
      assert.match(s.error.message, new RegExp(join(runDir, 'journal').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.match(docs[1] ?? '', /BYTEOR_E_DRAIN_TIMEOUT/, 'the error follows the summary');
    } finally {
      kill(rt.child);
    }
  },
);

test.run();
