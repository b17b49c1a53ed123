import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../kernel/cli.ts';
import type { VerbIO } from '../../kernel/index.ts';
import { countIdentityProblems, parseReport } from '../../plugins/dataguard/report.ts';
import { ALL_RULES, body, EXAMPLE_FLAGS, runStage } from './stage-harness.ts';
import { EXAMPLE_REGISTRY } from './registry-fixture.ts';

/**
 * End to end through the real `run` verb and SingleRing executor (worker threads), as
 * `byteor-dataguard` runs it: the dataguard plugin preloaded, base64 lines in and out.
 */

const root = new URL('../../', import.meta.url).pathname;
const ex = (f: string) => join(root, 'examples/dataguard', f);
const tmp = mkdtempSync(join(tmpdir(), 'byteor-dg-run-'));
const REGISTRY = ['--registry-root', EXAMPLE_REGISTRY, '--schema-id=7', '--msg-type=1', '--required-version=1'];
const RULES = ALL_RULES.map((r) => `--rule=${r}`);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: VerbIO = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    tty: false,
    color: false,
  };
  const code = await main(args, {
    io,
    preload: ['dataguard'],
    prog: 'byteor-dataguard',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code, out, err };
}

function inputRecords(file: string): Uint8Array[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => new Uint8Array(Buffer.from(l, 'base64')));
}

test('run --sp (fused, mapkv) turns the sample input into the redacted output and a correct report', async () => {
  const out = join(tmp, 'fused.b64');
  const report = join(tmp, 'fused.kv');
  const r = await cli([
    'run',
    '--sp',
    `--spec=${ex('fused.kv')}`,
    `--input=${ex('input.b64')}`,
    `--output=${out}`,
    ...REGISTRY,
    ...RULES,
    `--report=${report}`,
  ]);
  assert.is(r.code, 0, r.err);
  // the same stage handler, in process, over the same records: the executor changes nothing
  const expected = runStage('fused', { ...EXAMPLE_FLAGS, rule: ALL_RULES }, inputRecords(ex('input.b64')));
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  assert.equal(
    lines,
    expected.out.filter((o): o is Uint8Array => o !== null).map((o) => Buffer.from(o).toString('base64')),
  );
  assert.is(lines.length, 16);
  const rep = parseReport(readFileSync(report, 'utf8'));
  assert.equal(countIdentityProblems(rep), []);
  assert.equal(
    { seen: rep.counts.seen, accepted: rep.counts.accepted, rejected: rep.counts.rejected },
    { seen: 20, accepted: 16, rejected: 4 },
  );
  assert.equal(
    [rep.counts.decode_err, rep.counts.codec_mismatch, rep.counts.schema_missing, rep.counts.schema_incompatible],
    [1, 1, 1, 1],
  );
  assert.is(rep.counts.redact_applied, 16);
  assert.is(rep.policy.active, true);
  assert.is(rep.report.run_ok, true);
  assert.match(rep.report.spec_hash, /^sha256:/);
  const secrets: string[] = [];
  for (const rec of inputRecords(ex('input.b64'))) {
    try {
      const b = body(rec) as Record<string, unknown>;
      for (const f of ['card', 'email', 'ip']) if (typeof b[f] === 'string') secrets.push(b[f] as string);
    } catch {
      /* an invalid sample record */
    }
  }
  assert.ok(secrets.length >= 30);
  const all = lines.map((l) => Buffer.from(l, 'base64').toString('utf8')).join('\n');
  for (const s of secrets) assert.not.ok(all.includes(s), `${s} survived redaction`);
});

test(
  'the chain (check → redact, two worker threads) gives the same bytes and counts as fused (a second run: ' +
    'byte-identical)',
  async () => {
    const out = join(tmp, 'chain.b64');
    const report = join(tmp, 'chain.kv');
    const r = await cli([
      'run',
      '--sp',
      `--spec=${ex('chain.kv')}`,
      `--input=${ex('input.b64')}`,
      `--output=${out}`,
      ...REGISTRY,
      ...[...RULES].reverse(),
      `--report=${report}`,
      '--cost-sampling=2',
    ]);
    assert.is(r.code, 0, r.err);
    assert.equal(readFileSync(out), readFileSync(join(tmp, 'fused.b64')));
    const chain = parseReport(readFileSync(report, 'utf8'));
    const fused = parseReport(readFileSync(join(tmp, 'fused.kv'), 'utf8'));
    assert.equal(chain.counts, fused.counts);
    assert.equal(chain.policy, fused.policy, 'rule order on the command line does not matter');
    assert.equal(chain.report.stages, ['dataguard_check', 'dataguard_redact']);
    assert.ok(chain.cost && chain.cost.samples > 0 && chain.cost.sample_every === 2);
    assert.equal(countIdentityProblems(chain), []);
  },
);

test('row mode end to end', async () => {
  const out = join(tmp, 'row.b64');
  const r = await cli([
    'run',
    '--sp',
    `--spec=${ex('fused.kv')}`,
    `--input=${ex('input-row.b64')}`,
    `--output=${out}`,
    ...REGISTRY,
    ...RULES,
    '--mode=row',
    `--report=${join(tmp, 'row.kv')}`,
  ]);
  assert.is(r.code, 0, r.err);
  const expected = runStage(
    'fused',
    { ...EXAMPLE_FLAGS, mode: 'row', rule: ALL_RULES },
    inputRecords(ex('input-row.b64')),
  );
  assert.equal(
    readFileSync(out, 'utf8').split('\n').filter(Boolean),
    expected.out.filter((o): o is Uint8Array => o !== null).map((o) => Buffer.from(o).toString('base64')),
  );
  const rep = parseReport(readFileSync(join(tmp, 'row.kv'), 'utf8'));
  assert.is(rep.schema.mode, 'row');
  assert.is(rep.counts.seen, 20);
  assert.equal(countIdentityProblems(rep), []);
});

test('start-time failures: exit code and stable code, nothing runs', async () => {
  const base = [
    'run',
    '--sp',
    `--spec=${ex('fused.kv')}`,
    `--input=${ex('input.b64')}`,
    `--output=${join(tmp, 'never.b64')}`,
  ];
  const cases: Array<[string[], number, string]> = [
    [[...base, ...REGISTRY, '--rule=card:mask=1:2'], 2, 'BYTEOR_E_DATAGUARD_RULE_MALFORMED'],
    [[...base, ...REGISTRY, '--rule=cvv:drop'], 2, 'BYTEOR_E_DATAGUARD_RULE_FIELD'],
    [[...base, '--schema-id=7'], 2, 'BYTEOR_E_DATAGUARD_FLAG_MISSING'],
    [
      [...base, '--registry-root', EXAMPLE_REGISTRY, '--schema-id=8', '--msg-type=1', '--required-version=1'],
      3,
      'BYTEOR_E_DATAGUARD_SCHEMA_MISSING',
    ],
    [
      [...base, '--registry-root', EXAMPLE_REGISTRY, '--schema-id=7', '--msg-type=1', '--required-version=3'],
      3,
      'BYTEOR_E_DATAGUARD_SCHEMA_OLDER',
    ],
    [[...base, ...REGISTRY, '--mode=json'], 2, 'BYTEOR_E_USAGE_BAD_FLAG'],
  ];
  for (const [args, exit, code] of cases) {
    const r = await cli([...args, '--json']);
    assert.is(r.code, exit, `${code}: ${r.err}`);
    assert.is(JSON.parse(r.out).error.code, code);
    assert.ok(r.err.includes(`error[${code}]`));
    if (code === 'BYTEOR_E_DATAGUARD_RULE_MALFORMED')
      assert.ok(r.err.includes('--rule="card:mask=1:2"'), 'the malformed rule is quoted');
  }
});

test('the long-running form writes the report into the run directory; incident-bundle carries it', async () => {
  const runDir = join(tmp, 'rundir');
  const r = await cli([
    'run',
    `--spec=${ex('fused.kv')}`,
    `--input=${ex('input.b64')}`,
    `--output=${join(tmp, 'long.b64')}`,
    `--run-dir=${runDir}`,
    '--adapter-max-messages=20',
    ...REGISTRY,
    ...RULES,
  ]);
  assert.is(r.code, 0, r.err);
  const text = readFileSync(join(runDir, 'dataguard_report.kv'), 'utf8');
  assert.is(parseReport(text).counts.seen, 20);
  const bundle = join(tmp, 'bundle');
  const b = await cli(['incident-bundle', `--spec=${ex('fused.kv')}`, `--run-dir=${runDir}`, `--out=${bundle}`]);
  assert.is(b.code, 0, b.err);
  assert.is(readFileSync(join(bundle, 'dataguard_report.kv'), 'utf8'), text);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
