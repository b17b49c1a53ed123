import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ByteorError,
  type Diagnostic,
  type PipelineSpecV1,
  type RunInfo,
  type RunSummary,
} from '../../kernel/index.ts';
import { Kernel } from '../../kernel/plugin-host.ts';
import dataguard from '../../plugins/dataguard/index.ts';
import { parseReport, countIdentityProblems } from '../../plugins/dataguard/report.ts';
import { sampleRecords } from '../../scripts/dataguard-records.ts';
import { ALL_RULES, asSummaryCounters, EXAMPLE_FLAGS, runStages } from './stage-harness.ts';

function kernel(): Kernel {
  const k = new Kernel();
  k.install(dataguard, 'file:///dataguard');
  return k;
}

function spec(keys: string[], deps?: number[][]): PipelineSpecV1 {
  return {
    version: 1,
    name: 'dg',
    model: 'single_ring',
    single_ring: {
      shards: 1,
      ordering: 'strict',
      producer: 'single',
      scheduling: 'dedicated',
      shard_key: 'record',
      capacity: 64,
      slot_bytes: 512,
      wait: 'backoff',
      stage_failure_policy: 'stop_pipeline',
      stages: keys.map((key, i) => ({ key, depends_on: deps?.[i] ?? (i === 0 ? [] : [i - 1]) })),
    },
  };
}

function runInfo(s: PipelineSpecV1, flags: Record<string, unknown>, runDir: string | null = null): RunInfo {
  return {
    spec: s,
    specHash: `sha256:${'0'.repeat(64)}`,
    specPath: null,
    runDir,
    oneShot: true,
    dryRun: false,
    flags,
    env: {},
  };
}

async function refused(p: Promise<unknown>, code: string, exit: number, text?: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ByteorError);
    assert.is((e as ByteorError).code, code, (e as Error).message);
    assert.is((e as ByteorError).exitCode, exit);
    if (text) assert.match((e as Error).message, text);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

function validate(k: Kernel, s: PipelineSpecV1): Diagnostic[] {
  const errors: Diagnostic[] = [];
  k.hooks.validateSpec.call(s, { error: (d) => errors.push(d), warning: () => {} });
  return errors;
}

test('the plugin registers the three stage keys and extends run with its flags', () => {
  const k = kernel();
  for (const key of ['dataguard_check', 'dataguard_redact', 'dataguard_fused']) assert.ok(k.resolveStage(key), key);
  const flags = Object.keys(k.verbExtensions('run')[0]!.ext.flags.options);
  assert.equal(flags, [
    'registry-root',
    'schema-id',
    'msg-type',
    'required-version',
    'mode',
    'rule',
    'report',
    'cost-sampling',
    'framing',
  ]);
});

test('validateSpec: at most one of each key, fused alone, redact directly after check, SingleRing only', () => {
  const k = kernel();
  assert.equal(validate(k, spec(['identity', 'dataguard_check', 'dataguard_redact'])), []);
  assert.equal(validate(k, spec(['dataguard_fused', 'identity'])), []);
  const cases: Array<[PipelineSpecV1, RegExp]> = [
    [spec(['dataguard_check', 'dataguard_check']), /repeats dataguard_check/],
    [spec(['dataguard_check', 'dataguard_fused']), /already checks and redacts/],
    [spec(['dataguard_check', 'identity', 'dataguard_redact']), /must depend directly on stage 0/],
    [spec(['dataguard_check', 'dataguard_redact'], [[], []]), /must depend directly on stage 0/],
  ];
  for (const [s, why] of cases) {
    const errs = validate(k, s);
    assert.is(errs.length, 1);
    assert.is(errs[0]!.code, 'BYTEOR_E_DATAGUARD_STAGES');
    assert.match(errs[0]!.message, why);
  }
  const lg: PipelineSpecV1 = {
    version: 1,
    name: 'lg',
    model: 'lane_graph',
    lane_graph: {
      on_full: 'block',
      wait: 'backoff',
      slot_bytes: 256,
      features: [],
      lanes: [],
      endpoints: [],
      roles: [{ name: 'g', kind: 'stage', key: 'dataguard_fused', inputs: [], outputs: [] }],
    },
  };
  assert.match(validate(k, lg)[0]!.message, /SingleRing specs only/);
});

test(
  'runStarting: a missing registry flag, a malformed rule, a missing schema are hard failures before anything ' +
    'runs',
  async () => {
    const k = kernel();
    const s = spec(['dataguard_fused']);
    await refused(
      k.hooks.runStarting.promise(runInfo(s, {})),
      'BYTEOR_E_DATAGUARD_FLAG_MISSING',
      2,
      /missing: --registry-root, --schema-id, --msg-type, --required-version/,
    );
    await refused(
      k.hooks.runStarting.promise(runInfo(s, { ...EXAMPLE_FLAGS, 'msg-type': undefined })),
      'BYTEOR_E_DATAGUARD_FLAG_MISSING',
      2,
      /missing: --msg-type$/,
    );
    await refused(
      k.hooks.runStarting.promise(runInfo(s, { ...EXAMPLE_FLAGS, rule: ['card:mask=1:2'] })),
      'BYTEOR_E_DATAGUARD_RULE_MALFORMED',
      2,
      /--rule="card:mask=1:2"/,
    );
    await refused(
      k.hooks.runStarting.promise(runInfo(s, { ...EXAMPLE_FLAGS, rule: ['cvv:drop'] })),
      'BYTEOR_E_DATAGUARD_RULE_FIELD',
      2,
      /--rule="cvv:drop"/,
    );
    await refused(
      k.hooks.runStarting.promise(runInfo(s, { ...EXAMPLE_FLAGS, 'schema-id': 99 })),
      'BYTEOR_E_DATAGUARD_SCHEMA_MISSING',
      3,
    );
    await refused(
      k.hooks.runStarting.promise(runInfo(s, { ...EXAMPLE_FLAGS, 'required-version': 5 })),
      'BYTEOR_E_DATAGUARD_SCHEMA_OLDER',
      3,
    );
    await refused(
      k.hooks.runStarting.promise(
        runInfo(s, { ...EXAMPLE_FLAGS, rule: Array.from({ length: 13 }, (_, i) => `f${i}:drop`) }),
      ),
      'BYTEOR_E_DATAGUARD_TOO_MANY_RULES',
      2,
    );
    await refused(
      k.hooks.runStarting.promise(runInfo(spec(['dataguard_check']), { ...EXAMPLE_FLAGS, rule: ['card:hash'] })),
      'BYTEOR_E_DATAGUARD_RULES_UNUSED',
      2,
    );
    await refused(
      k.hooks.runStarting.promise(runInfo(spec(['identity']), { 'schema-id': 7 })),
      'BYTEOR_E_DATAGUARD_FLAGS_UNUSED',
      2,
      /--schema-id given/,
    );
    await refused(
      k.hooks.runStarting.promise(runInfo(s, { ...EXAMPLE_FLAGS, report: '/nonexistent/dir/r.kv' })),
      'BYTEOR_E_DATAGUARD_REPORT_PATH',
      2,
    );
    await k.hooks.runStarting.promise(runInfo(spec(['identity']), {}));
    await k.hooks.runStarting.promise(runInfo(s, { ...EXAMPLE_FLAGS, rule: ALL_RULES }));
  },
);

test(
  'runStopped writes the kv/v1 report to --report and ' + 'the run directory; the bundle artifact copies it',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byteor-dg-hooks-'));
    try {
      const k = kernel();
      const runDir = join(dir, 'run');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(runDir);
      const s = spec(['identity', 'dataguard_check', 'dataguard_redact']);
      const flags = { ...EXAMPLE_FLAGS, rule: ALL_RULES, report: join(dir, 'report.kv'), 'cost-sampling': 10 };
      const run = runInfo(s, flags, runDir);
      await k.hooks.runStarting.promise(run);
      const records = sampleRecords({ mode: 'mapkv', count: 100, seed: 4, badEvery: 9 });
      const { stages } = runStages(['check', 'redact'], flags, records);
      const summary: RunSummary = {
        records_in: 100,
        records_out: 0,
        dropped: 0,
        refused: 0,
        undelivered: 0,
        elapsed_ms: 1,
        ok: true,
        counters: [
          { stage: 0, shard: 0, key: 'identity', values: { batches: 1, records: 100 } },
          ...asSummaryCounters(stages, ['check', 'redact'], 1),
        ],
      };
      await k.hooks.runStopped.promise(run, summary);
      const text = readFileSync(join(dir, 'report.kv'), 'utf8');
      assert.is(readFileSync(join(runDir, 'dataguard_report.kv'), 'utf8'), text);
      const r = parseReport(text);
      assert.equal(r.report.stages, ['dataguard_check', 'dataguard_redact']);
      assert.is(r.counts.seen, 100);
      assert.is(r.counts.rejected, 11);
      assert.equal(countIdentityProblems(r), []);
      assert.ok(r.cost && r.cost.samples > 0);
      assert.match(r.schema.registry_root, /^\//);

      const art = k.bundleArtifacts().find((a) => a.artifact.file === 'dataguard_report.kv')!;
      const out = join(dir, 'bundle');
      mkdirSync(out);
      const ctx = { outDir: out, specPath: 'x', specText: '', runDir, configPath: null, flags: {} };
      assert.is(await art.artifact.write(ctx), true);
      assert.is(readFileSync(join(out, 'dataguard_report.kv'), 'utf8'), text);
      assert.is(await art.artifact.write({ ...ctx, runDir: join(dir, 'other') }), false);
      assert.is(await art.artifact.write({ ...ctx, runDir: null }), false);

      // counts that do not add up on a run that finished are a loud failure (after writing the report)
      const broken: RunSummary = {
        ...summary,
        counters: summary.counters.map((c) =>
          c.stage === 1 ? { ...c, values: { ...c.values, seen: c.values.seen! + 1 } } : c,
        ),
      };
      await refused(
        k.hooks.runStopped.promise(run, broken),
        'BYTEOR_E_DATAGUARD_COUNTS_INCONSISTENT',
        1,
        /seen \(101\)/,
      );
      assert.ok(existsSync(join(dir, 'report.kv')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test.run();
