// Replay covers every model and product (issue 14 item 3): a LaneGraph bundle replays (dry run
// and execute) the records its runtime took in; a DataGuard run's bundle replays with the
// settings the run recorded (its invocation.json), byte for byte, with no DataGuard flag given;
// --set replaces one, and the audit says where each setting came from.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReplayAuditV1 } from '../../kernel/artifacts/replay-audit.ts';
import { cli, tempDir } from '../run/cli-harness.ts';

const dir = tempDir('byteor-replay-models-');
const ex = (p: string) => join(process.cwd(), 'examples', p);

async function runAndBundle(name: string, spec: string, runFlags: string[]): Promise<{ bundle: string; out: string }> {
  const out = join(dir, `${name}.out`);
  const r = await cli([
    'run',
    `--spec=${spec}`,
    `--run-dir=${join(dir, `${name}-run`)}`,
    `--output=${out}`,
    ...runFlags,
  ]);
  assert.is(r.code, 0, r.err);
  const bundle = join(dir, name);
  const b = await cli([
    'incident-bundle',
    `--out=${bundle}`,
    `--spec=${spec}`,
    `--run-dir=${join(dir, `${name}-run`)}`,
  ]);
  assert.is(b.code, 0, b.err);
  return { bundle, out };
}

const audit = (path: string) => ReplayAuditV1.parse(JSON.parse(readFileSync(path, 'utf8')));
const sortedLines = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean).sort();

test('a LaneGraph bundle replays: a dry run counts, an execute run delivers what the runtime delivered', async () => {
  const { bundle, out } = await runAndBundle('lanes', ex('lanegraph_fanout_merge.kv'), [
    `--input=${ex('records.txt')}`,
  ]);
  const dry = await cli(['replay', `--bundle=${bundle}`, `--out=${join(dir, 'lanes-dry.json')}`]);
  assert.is(dry.code, 0, dry.err);
  const d = audit(join(dir, 'lanes-dry.json'));
  assert.equal([d.result!.ok, d.result!.records_in, d.result!.records_out, d.policy.mode], [true, 36, 72, 'dry_run']);
  const replayed = join(dir, 'lanes-replayed.out');
  const x = await cli([
    'replay',
    `--bundle=${bundle}`,
    '--mode=execute',
    '--env=dev',
    `--output=${replayed}`,
    `--out=${join(dir, 'lanes-exec.json')}`,
  ]);
  assert.is(x.code, 0, x.err);
  assert.equal(sortedLines(replayed), sortedLines(out), 'merge order may differ; the records do not');
});

const dg = (p: string) => join(process.cwd(), 'examples', 'dataguard', p);
// the registry relative to the runtime's working directory, as an operator types it
const DG_FLAGS = [
  '--plugin=dataguard',
  `--input=${dg('input.b64')}`,
  '--registry-root=examples/dataguard/registry',
  '--schema-id=7',
  '--msg-type=1',
  '--required-version=1',
  '--rule=card:mask=0:4:*',
  '--rule=email:hash',
  `--report=${join(dir, 'run-report.kv')}`,
];

test(
  'a DataGuard bundle replays with the recorded settings ' + '(none given), byte for byte; the audit names each source',
  async () => {
    const { bundle, out } = await runAndBundle('dg', dg('fused.kv'), DG_FLAGS);
    const replayed = join(dir, 'dg-replayed.out');
    const x = await cli([
      'replay',
      `--bundle=${bundle}`,
      '--mode=execute',
      '--env=dev',
      `--output=${replayed}`,
      `--out=${join(dir, 'dg-exec.json')}`,
    ]);
    assert.is(x.code, 0, x.err);
    assert.is(readFileSync(replayed, 'utf8'), readFileSync(out, 'utf8'));
    const a = audit(join(dir, 'dg-exec.json'));
    const by = Object.fromEntries(a.settings!.map((s) => [s.flag, s]));
    assert.equal(by['schema-id'], { flag: 'schema-id', value: '7', source: 'recorded' });
    assert.equal(by.rule!.value, ['card:mask=0:4:*', 'email:hash']);
    assert.is(by['registry-root']!.value, join(process.cwd(), 'examples', 'dataguard', 'registry'));
    assert.match(by['registry-root']!.source, /^recorded \(resolved by dataguard/);
    assert.is(by.report, undefined, "the run's report is its output: a replay does not write it again");
    assert.equal(
      readdirSync(dir).filter((f) => f.startsWith('run-report')),
      ['run-report.kv'],
    );
  },
);

test('--set replaces a recorded setting (the audit says command_line); an unknown one is a usage error', async () => {
  const { bundle } = await runAndBundle('dg2', dg('fused.kv'), DG_FLAGS);
  const replayed = join(dir, 'dg2-replayed.out');
  const x = await cli([
    'replay',
    `--bundle=${bundle}`,
    '--mode=execute',
    '--env=dev',
    `--output=${replayed}`,
    `--out=${join(dir, 'dg2-exec.json')}`,
    '--set=rule=email:drop',
  ]);
  assert.is(x.code, 0, x.err);
  const by = Object.fromEntries(audit(join(dir, 'dg2-exec.json')).settings!.map((s) => [s.flag, s]));
  assert.equal(by.rule, { flag: 'rule', value: ['email:drop'], source: 'command_line' });
  assert.not.match(
    readFileSync(replayed, 'utf8'),
    readFileSync(join(dir, 'dg2.out'), 'utf8').split('\n')[0]!,
    'other rules, other records',
  );
  const bad = await cli(['replay', `--bundle=${bundle}`, `--out=${join(dir, 'dg2-bad.json')}`, '--set=colour=blue']);
  assert.is(bad.code, 2, bad.err);
  assert.match(
    bad.err,
    /error\[BYTEOR_E_REPLAY_SETTING_UNKNOWN\]: --set=colour=blue: no loaded plugin adds --colour to run \(settings here: .*registry-root/,
  );
});

test.run();
