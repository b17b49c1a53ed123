import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ByteorError } from '../../kernel/index.ts';
import { buildReport } from '../../plugins/dataguard/report-counts.ts';
import { countIdentityProblems, DataguardReport, formatReport, parseReport } from '../../plugins/dataguard/report.ts';
import { resolveRunContract } from '../../plugins/dataguard/run-contract.ts';
import type { DataguardRole, DataguardStageRef } from '../../plugins/dataguard/spec-rules.ts';
import { sampleRecords } from '../../scripts/dataguard-records.ts';
import { ALL_RULES, asSummaryCounters, EXAMPLE_FLAGS, runStages } from './stage-harness.ts';

const HASH = `sha256:${'ab'.repeat(32)}`;

function reportFor(
  roles: DataguardRole[],
  flags: Record<string, unknown>,
  records: Uint8Array[],
  firstIndex = 1,
): DataguardReport {
  const { stages } = runStages(roles, flags, records);
  const rc = resolveRunContract(flags);
  const refs: DataguardStageRef[] = roles.map((role, i) => ({ index: firstIndex + i, key: `dataguard_${role}`, role }));
  // one non-DataGuard stage (index 0) in front, as in the example spec; its counters are ignored
  const counters = [
    { stage: 0, shard: 0, key: 'identity', values: { seen: 999 } },
    ...asSummaryCounters(stages, roles, firstIndex),
  ];
  return buildReport({ specHash: HASH, runOk: true, stages: refs, counters, ...rc });
}

test('the report is kv/v1 text in the documented order and reads back to the same report', () => {
  const r = reportFor(
    ['fused'],
    { ...EXAMPLE_FLAGS, rule: ALL_RULES, 'cost-sampling': 5 },
    sampleRecords({ mode: 'mapkv', count: 50, seed: 1, badEvery: 7 }),
  );
  const text = formatReport(r);
  const keys = text
    .trimEnd()
    .split('\n')
    .map((l) => l.slice(0, l.indexOf('=')));
  assert.equal(keys.slice(0, 5), [
    'report.family',
    'report.version',
    'report.spec_hash',
    'report.stages',
    'report.run_ok',
  ]);
  const groups = keys.map((k) => k.slice(0, k.indexOf('.')));
  assert.equal(
    [...new Set(groups)],
    ['report', 'schema', 'policy', 'counts', 'cost'],
    'read order report → schema → policy → counts → cost',
  );
  assert.ok(text.includes('\ncounts.seen=50\n'));
  assert.ok(text.includes('\npolicy.active=true\npolicy.rules=6\npolicy.rule.0=card:mask=0:4:*\n'));
  assert.ok(text.includes('\ncounts.rule.0.applied='));
  assert.ok(text.endsWith('\n'));
  assert.equal(parseReport(text), r);
  assert.is(formatReport(parseReport(text)), text);
});

test('cost.* appears only with cost sampling on; policy.active is false without rules', () => {
  const r = reportFor(['check'], EXAMPLE_FLAGS, sampleRecords({ mode: 'mapkv', count: 10, seed: 1, badEvery: 0 }));
  const text = formatReport(r);
  assert.not.ok(text.includes('cost.'));
  assert.ok(
    text.includes(
      'policy.active=false\npolicy.rules=0\n' +
        'policy.digest=sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n',
    ),
  );
  assert.equal(parseReport(text), r);
});

test('a report that is not valid kv/v1 is BYTEOR_E_DATAGUARD_REPORT_INVALID (exit 6)', () => {
  const good = formatReport(
    reportFor(
      ['fused'],
      { ...EXAMPLE_FLAGS, rule: ['card:hash'] },
      sampleRecords({ mode: 'mapkv', count: 5, seed: 1, badEvery: 0 }),
    ),
  );
  const broken = [
    good.replace('report.family=dataguard', 'report.family=other'),
    good.replace(/counts\.seen=\d+/, 'counts.seen=-1'),
    good.replace(/counts\.seen=\d+\n/, ''),
    `${good}extra.key=1\n`,
    good.replace('policy.rules=1', 'policy.rules=2'),
    `${good}counts.seen=5\n`,
    good.replace('schema.mode=mapkv', 'schema.mode=json'),
  ];
  for (const t of broken) {
    try {
      parseReport(t);
      assert.unreachable(t);
    } catch (e) {
      assert.instance(e, ByteorError);
      assert.is((e as ByteorError).code, 'BYTEOR_E_DATAGUARD_REPORT_INVALID');
      assert.is((e as ByteorError).exitCode, 6);
    }
  }
});

test(
  'property: over random inputs the counts add up (seen = accepted + rejected, reasons sum to rejected) for ' +
    'fused, chain and check',
  () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom('mapkv', 'row'),
        fc.constantFrom<DataguardRole[]>(['fused'], ['check', 'redact'], ['check'], ['redact']),
        fc.subarray(ALL_RULES),
        (seed, badEvery, mode, roles, rules) => {
          const records = sampleRecords({ mode, count: 40, seed, badEvery });
          const flags = {
            ...EXAMPLE_FLAGS,
            mode,
            ...(roles.length === 1 && roles[0] === 'check' ? {} : { rule: rules }),
          };
          const r = reportFor(roles, flags, records);
          assert.equal(countIdentityProblems(r), []);
          const c = r.counts;
          assert.is(c.seen, 40);
          assert.is(c.seen, c.accepted + c.rejected);
          assert.is(
            c.decode_err + c.codec_mismatch + c.schema_missing + c.schema_incompatible + c.redact_overflow,
            c.rejected,
          );
          assert.is(c.unfinished, 0);
          if (badEvery > 0) assert.is(c.rejected, Math.floor(40 / badEvery));
          assert.equal(parseReport(formatReport(r)), r);
        },
      ),
      { seed: 17, numRuns: 60 },
    );
  },
);

test(
  'a stopped chain reports the records between its stages ' + 'as unfinished, and the identities name what is off',
  () => {
    const records = sampleRecords({ mode: 'mapkv', count: 20, seed: 5, badEvery: 5 });
    const flags = { ...EXAMPLE_FLAGS, rule: ['card:hash'] };
    const check = runStages(['check'], flags, records).stages[0]!;
    const redact = runStages(['redact'], flags, records.slice(0, 6)).stages[0]!;
    const rc = resolveRunContract(flags);
    const r = buildReport({
      specHash: HASH,
      runOk: false,
      ...rc,
      stages: [
        { index: 0, key: 'dataguard_check', role: 'check' },
        { index: 1, key: 'dataguard_redact', role: 'redact' },
      ],
      counters: asSummaryCounters([check, redact], ['check', 'redact']),
    });
    assert.is(r.report.run_ok, false);
    assert.is(r.counts.seen, 20);
    assert.is(r.counts.unfinished, check.get('accepted')! - redact.get('seen')!);
    assert.ok(r.counts.unfinished > 0);
    assert.equal(
      countIdentityProblems(r).filter((p) => p.startsWith('seen')),
      [],
      'unfinished closes the identity',
    );
    const bad = { ...r, counts: { ...r.counts, rejected: r.counts.rejected + 1 } };
    assert.ok(countIdentityProblems(bad).some((p) => p.startsWith('seen')));
    assert.ok(countIdentityProblems(bad).some((p) => p.startsWith('reject reasons sum')));
  },
);

test('shards of one stage are summed', () => {
  const records = sampleRecords({ mode: 'mapkv', count: 30, seed: 8, badEvery: 3 });
  const a = runStages(['fused'], { ...EXAMPLE_FLAGS, rule: ['email:hash'] }, records.slice(0, 10)).stages[0]!;
  const b = runStages(['fused'], { ...EXAMPLE_FLAGS, rule: ['email:hash'] }, records.slice(10)).stages[0]!;
  const rc = resolveRunContract({ ...EXAMPLE_FLAGS, rule: ['email:hash'] });
  const r = buildReport({
    specHash: HASH,
    runOk: true,
    ...rc,
    stages: [{ index: 0, key: 'dataguard_fused', role: 'fused' }],
    counters: [
      { stage: 0, shard: 0, key: 'dataguard_fused', values: Object.fromEntries(a) },
      { stage: 0, shard: 1, key: 'dataguard_fused', values: Object.fromEntries(b) },
    ],
  });
  assert.is(r.counts.seen, 30);
  assert.is(r.counts.rejected, 10);
  assert.equal(countIdentityProblems(r), []);
});

test.run();
