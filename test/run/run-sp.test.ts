// `byteor run --sp`: the one-shot bring-up through the real CLI entry (in this process), with
// real stage workers. Output order and bytes, summaries, refusals, failures, policy refusal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir, writeTemp, chainSpec } from './cli-harness.ts';

const FIXTURE = new URL('./fixtures/run-fixture-plugin.ts', import.meta.url).pathname;

test('--json: the summary as JSON on stdout when records go to a file, with per-stage counters', async () => {
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
  const s = JSON.parse(r.out);
  assert.equal(Object.keys(s), [
    'records_in',
    'records_out',
    'dropped',
    'refused',
    'undelivered',
    'elapsed_ms',
    'ok',
    'counters',
  ]);
  assert.is(s.records_in, 3);
  assert.is(s.records_out, 2);
  assert.is(s.dropped, 1);
  assert.is(s.undelivered, 0);
  assert.is(s.counters[1].values.dropped, 1);
  assert.is(readFileSync(join(dir, 'o.txt'), 'utf8'), 'a\nb\n');
});

test('a record larger than slot_bytes is refused with a clear error, counted, never truncated; exit 1', async () => {
  const dir = tempDir();
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity'], { slot_bytes: 8 }));
  const input = writeTemp(dir, 'in.txt', 'short\nthis one is too long\nok\n');
  const out = join(dir, 'o.txt');
  const r = await cli(['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${out}`]);
  assert.is(r.code, 1);
  assert.match(
    r.err,
    /error\[BYTEOR_E_RECORD_TOO_LARGE\]: record 1 is 20 bytes, more than single_ring.slot_bytes=8; refused/,
  );
  assert.match(r.err, /refused 1/);
  assert.match(r.err, /error\[BYTEOR_E_RECORDS_REFUSED\]/);
  assert.is(readFileSync(out, 'utf8'), 'short\nok\n');
});

test('a failing stage stops the run: exit 1 naming the stage and the sequence', async () => {
  const dir = tempDir();
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity', 'fail_on:boom', 'identity']));
  const input = writeTemp(dir, 'in.txt', 'a\nb\nboom\nc\n');
  const r = await cli(['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${join(dir, 'o.txt')}`]);
  assert.is(r.code, 1);
  assert.match(r.err, /error\[BYTEOR_E_STAGE_FAILED\]: stage 1 \(fail_on:boom\) of shard 0 failed at sequence 2/);
  assert.match(r.err, /run failed \(BYTEOR_E_STAGE_FAILED\)/);
});

test('a runStarting tap that refuses (policy, exit 4) stops everything before any worker starts', async () => {
  const dir = tempDir();
  const marker = join(dir, 'marker.json');
  const spec = writeTemp(dir, 'spec.kv', chainSpec([`marker:${marker}`]));
  const input = writeTemp(dir, 'in.txt', 'a\n');
  const refused = await cli(
    ['run', '--sp', `--plugin=${FIXTURE}`, `--spec=${spec}`, `--input=${input}`, `--output=${join(dir, 'o.txt')}`],
    { BYTEOR_TEST_REFUSE: '1' },
  );
  assert.is(refused.code, 4);
  assert.match(refused.err, /BYTEOR_E_TEST_POLICY_DENIED/);
  assert.not.ok(existsSync(marker), 'no stage worker was started');
  const ok = await cli([
    'run',
    '--sp',
    '--dry-run',
    `--plugin=${FIXTURE}`,
    `--spec=${spec}`,
    `--input=${input}`,
    `--output=${join(dir, 'o.txt')}`,
  ]);
  assert.is(ok.code, 0, ok.err);
  assert.equal(
    JSON.parse(readFileSync(marker, 'utf8')),
    { dryRun: true, stageIndex: 0, shard: 0, flagSp: true },
    '--dry-run and the flags reach the worker',
  );
});

test('--adapter-max-messages stops the source after N records, then drains', async () => {
  const dir = tempDir();
  const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
  const input = writeTemp(dir, 'in.txt', Array.from({ length: 50 }, (_, i) => `r${i}`).join('\n'));
  const out = join(dir, 'o.txt');
  const r = await cli([
    'run',
    '--sp',
    `--spec=${spec}`,
    `--input=${input}`,
    `--output=${out}`,
    '--adapter-max-messages=7',
  ]);
  assert.is(r.code, 0, r.err);
  assert.is(readFileSync(out, 'utf8'), 'r0\nr1\nr2\nr3\nr4\nr5\nr6\n');
});

test(
  '--config: an unknown adapter kind or a malformed ' + 'line is a usage error (exit 2) before anything runs',
  async () => {
    const dir = tempDir();
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
    const unknown = await cli([
      'run',
      '--sp',
      `--spec=${spec}`,
      `--config=${writeTemp(dir, 'a.conf', 'ingress.kind=carrier_pigeon\n')}`,
    ]);
    assert.is(unknown.code, 2);
    assert.match(unknown.err, /BYTEOR_E_ADAPTER_UNKNOWN.*carrier_pigeon.*--plugin=edgeplane/);
    const bad = await cli([
      'run',
      '--sp',
      `--spec=${spec}`,
      `--config=${writeTemp(dir, 'b.conf', '# c\ningress.kind=x\nbogus=1\n')}`,
    ]);
    assert.is(bad.code, 2);
    assert.match(bad.err, /BYTEOR_E_CONFIG_INVALID.*b.conf:3: unknown key "bogus"/);
    const badWait = await cli(['run', '--sp', `--spec=${spec}`, '--wait=sometimes']);
    assert.is(badWait.code, 2);
  },
);

test.run();
