import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InspectReport } from '../../kernel/artifacts/inspect-report.ts';
import { BundleManifest } from '../../kernel/artifacts/bundle-manifest.ts';
import { writeJsonArtifact } from '../../kernel/artifacts/json.ts';
import { SingleRingSnapshot } from '../../kernel/artifacts/single-ring-snapshot.ts';
import { hashBundleFiles } from '../../kernel/bundle/manifest.ts';
import { ALL_RULES } from '../dataguard/stage-harness.ts';
import { EXAMPLE_REGISTRY } from '../dataguard/registry-fixture.ts';
import { cli } from './bundle-helpers.ts';

/**
 * `byteor inspect` on real bundles: each made by the real `run` (in process, a run directory)
 * and `incident-bundle` verbs, then read in the runbook's order.
 */
const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-inspect-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const ex = (f: string) => join(root, 'examples', f);
const ORDER = ['spec_validation', 'policy_audit', 'environment', 'runtime_state', 'product_artifacts'];

/** run the spec with a run directory, then bundle it; returns the bundle directory */
async function runAndBundle(
  name: string,
  spec: string,
  runFlags: string[] = [],
  bundleFlags: string[] = [],
): Promise<string> {
  const runDir = join(dir, `${name}-run`);
  const r = await cli(['run', `--spec=${spec}`, `--run-dir=${runDir}`, ...runFlags]);
  assert.is(r.code, 0, r.err);
  const bundle = join(dir, name);
  const b = await cli(['incident-bundle', `--out=${bundle}`, `--spec=${spec}`, `--run-dir=${runDir}`, ...bundleFlags]);
  assert.is(b.code, 0, b.err);
  return bundle;
}

async function inspect(bundle: string, extra: string[] = []) {
  const j = await cli(['inspect', `--bundle=${bundle}`, '--json', ...extra]);
  assert.is(j.code, 0, j.err);
  const t = await cli(['inspect', `--bundle=${bundle}`, ...extra]);
  assert.is(t.code, 0, t.err);
  return { report: InspectReport.parse(JSON.parse(j.out)), text: t.out };
}

/** the text names the steps in this order */
function inOrder(text: string, marks: string[]) {
  const at = marks.map((m) => text.indexOf(m));
  assert.ok(
    at.every((i) => i >= 0),
    `every mark in the text: ${marks.filter((_, i) => at[i]! < 0).join(', ')}\n${text}`,
  );
  assert.equal(
    at,
    [...at].sort((a, b) => a - b),
    `in order: ${marks.join(' < ')}\n${text}`,
  );
}

/** rewrite a bundle file and re-seal the manifest (a bundle as a runtime in trouble would have left it) */
function reseal(bundle: string, file: string, text: string) {
  writeFileSync(join(bundle, file), text);
  const m = BundleManifest.parse(JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')));
  writeJsonArtifact(join(bundle, 'manifest.json'), BundleManifest, { ...m, files: hashBundleFiles(bundle) });
}

test(
  "a SingleRing bundle: the five steps in the runbook's order, a clean state, the dry-run replay next; after it, " +
    'execute',
  async () => {
    const bundle = await runAndBundle('ring', ex('chain.kv'), [
      `--input=${ex('records.txt')}`,
      `--output=${join(dir, 'ring.out')}`,
    ]);
    const { report, text } = await inspect(bundle);
    assert.equal(
      report.steps.map((s) => s.name),
      ORDER,
    );
    assert.equal(
      report.steps.map((s) => s.step),
      [1, 2, 3, 4, 5],
    );
    assert.is(report.model, 'single_ring');
    assert.equal(report.products, []);
    assert.is(report.stopped_at, null);
    const [spec, policy, , state] = report.steps;
    assert.equal([spec!.status, policy!.status, state!.status], ['ok', 'ok', 'ok']);
    assert.equal(state!.files, ['single_ring_snapshot.json']);
    assert.match(state!.summary, 'records in 36, out 36');
    assert.is(report.steps[4]!.status, 'missing');
    assert.is(report.next_step.kind, 'replay_dry_run');
    assert.is(report.next_step.command, `byteor replay --bundle=${bundle} --mode=dry_run --env=prod`);
    inOrder(text, [
      'manifest: verified',
      '1. spec_validation.json',
      '2. policy_audit.json',
      '3. environment.json',
      '4. single_ring_snapshot.json',
      '5. product artifacts',
      'next: replay the bundle as a dry run',
    ]);

    // run and incident-bundle ran in this one process: environment.json is the runtime's own
    assert.not.ok(report.steps[2]!.findings.some((f) => f.what === 'not_the_runtime'));
    assert.match(report.steps[2]!.summary, `pid ${process.pid}`);
    // low-latency asks for locked memory and spin waits: chain.kv (wait=backoff) and this process differ
    const ll = (await inspect(bundle, ['--profile=low-latency'])).report.steps[2]!;
    assert.is(ll.status, 'anomaly');
    assert.ok(
      ll.findings.some((f) => f.what === 'memlock' && f.severity === 'anomaly'),
      JSON.stringify(ll.findings),
    );
    assert.ok(ll.findings.some((f) => f.what === 'wait_strategy' && /wait=backoff.*wait=spin/.test(f.message)));
    assert.is(
      ll.interpretation,
      'an environment mismatch means the host posture may differ from the assumed tuning contract',
    );

    // the dry run's audit is read in step 5, and the next step becomes execute
    const r = await cli(['replay', `--bundle=${bundle}`, '--mode=dry_run', '--env=prod']);
    assert.is(r.code, 0, r.err);
    const after = (await inspect(bundle)).report;
    assert.ok(
      after.steps[4]!.findings.some(
        (f) => f.what === 'replay_audit' && /replay dry_run in prod.*36 in, 36 out/.test(f.message),
      ),
      JSON.stringify(after.steps[4]),
    );
    assert.is(after.next_step.kind, 'replay_execute');
    assert.is(after.next_step.command, `byteor replay --bundle=${bundle} --mode=execute --env=prod`);
  },
);

test('snapshot anomalies name the lagging stage, the gating sequence and the stalled stage', async () => {
  const bundle = await runAndBundle('ring-lag', ex('chain.kv'), [
    `--input=${ex('records.txt')}`,
    `--output=${join(dir, 'lag.out')}`,
  ]);
  const snap = SingleRingSnapshot.parse(JSON.parse(readFileSync(join(bundle, 'single_ring_snapshot.json'), 'utf8')));
  // the same run as its stage 1 (upper) would have left it stuck: the ring full behind it
  const sh = snap.shards[0]!;
  const stuck = {
    ...snap,
    runtime: { ...snap.runtime, state: 'running' as const },
    shards: [
      {
        ...sh,
        capacity: 16,
        cursor: 35,
        min_gating: 19,
        stages: sh.stages.map((s) =>
          s.stage === 0 ? { ...s, sequence: 35, lag: 0 } : { ...s, sequence: 19, lag: 16 },
        ),
        egress: { sequence: 19, lag: 16 },
      },
    ],
    stalled: [{ shard: 0, stage: 1, key: 'upper', sequence: 19, lag: 16 }],
  };
  reseal(bundle, 'single_ring_snapshot.json', JSON.stringify(stuck));
  const { report, text } = await inspect(bundle);
  const state = report.steps[3]!;
  assert.is(state.status, 'anomaly');
  assert.is(
    state.interpretation,
    'snapshot anomalies point to lag, gating, adapter failures, or stalled execution state',
  );
  const by = (w: string) => state.findings.find((f) => f.what === w)?.message ?? '';
  assert.match(by('lagging_stage'), 'stage 1 (upper) lags most, at sequence 19, 16 behind cursor 35');
  assert.match(
    by('gated'),
    'the producer is gated at sequence 19 (cursor 35): the ring is full (16 of 16 slots in flight); the slowest ' +
      'reader is stage 1 (upper)',
  );
  assert.match(by('stalled_stage'), 'stage 1 (upper) is stalled at sequence 19');
  assert.match(text, '=> snapshot anomalies point to lag, gating, adapter failures, or stalled execution state');
});

test('a LaneGraph bundle: lane_graph_state.json at step 4, read per lane and role', async () => {
  const bundle = await runAndBundle('lanes', ex('lanegraph_journal_tap.kv'), [
    `--input=${ex('records.txt')}`,
    `--output=${join(dir, 'lanes.out')}`,
  ]);
  const { report, text } = await inspect(bundle);
  assert.equal(
    report.steps.map((s) => s.name),
    ORDER,
  );
  assert.is(report.model, 'lane_graph');
  const state = report.steps[3]!;
  assert.equal([state.files, state.status], [['lane_graph_state.json'], 'ok']);
  assert.match(state.summary, 'lane_graph runtime');
  assert.match(state.summary, 'records in 36, out 72');
  inOrder(text, [
    '1. spec_validation.json',
    '2. policy_audit.json',
    '3. environment.json',
    '4. lane_graph_state.json',
    '5. product artifacts',
  ]);
  assert.is(report.next_step.kind, 'replay_dry_run');

  // a role that failed is named
  const doc = JSON.parse(readFileSync(join(bundle, 'lane_graph_state.json'), 'utf8'));
  doc.runtime.state = 'failed';
  doc.roles[1].health = 'failed';
  doc.roles[1].error = { code: 'BYTEOR_E_STAGE_FAILED', message: 'upper threw' };
  doc.error = { code: 'BYTEOR_E_STAGE_FAILED', message: 'upper threw' };
  reseal(bundle, 'lane_graph_state.json', JSON.stringify(doc));
  const failed = (await inspect(bundle)).report.steps[3]!;
  assert.is(failed.status, 'anomaly');
  assert.ok(
    failed.findings.some(
      (f) =>
        f.what === 'failed_role' &&
        f.message === `role ${doc.roles[1].name} (${doc.roles[1].key}) failed: [BYTEOR_E_STAGE_FAILED] upper threw`,
    ),
    JSON.stringify(failed.findings),
  );
});

test("a spec that failed validation stops the walk at step 1 with the runbook's words", async () => {
  const bad = join(dir, 'bad.kv');
  writeFileSync(bad, readFileSync(ex('chain.kv'), 'utf8').replace('single_ring.shards=1', 'single_ring.shards=0'));
  const bundle = join(dir, 'invalid');
  assert.is((await cli(['incident-bundle', `--out=${bundle}`, `--spec=${bad}`])).code, 0);
  const { report, text } = await inspect(bundle);
  assert.equal(
    report.steps.map((s) => s.name),
    ['spec_validation'],
  );
  assert.is(report.stopped_at, 1);
  assert.is(report.steps[0]!.status, 'anomaly');
  assert.is(
    report.steps[0]!.interpretation,
    'a spec-validation failure means you are not debugging runtime behaviour yet',
  );
  assert.ok(
    report.steps[0]!.findings.some((f) => f.what === 'spec_invalid' && f.message.includes('single_ring.shards')),
    JSON.stringify(report.steps[0]!.findings),
  );
  assert.is(report.next_step.kind, 'fix_spec');
  assert.is(report.next_step.command, `byteor validate --spec=${bundle}/spec.kv`);
  assert.match(text, 'you are not debugging runtime behaviour yet');
  assert.not.match(text, '2. policy_audit.json');
});

test('a tampered bundle exits 6 before anything is read; a bundle archive is read like its directory', async () => {
  const bundle = join(dir, 'tamper');
  assert.is((await cli(['incident-bundle', `--out=${bundle}`, `--spec=${ex('chain.kv')}`, '--archive'])).code, 0);
  const ok = await cli(['inspect', `--bundle=${bundle}.tar.gz`, '--json']);
  assert.is(ok.code, 0, ok.err);
  assert.is(InspectReport.parse(JSON.parse(ok.out)).bundle, `${bundle}.tar.gz`);
  writeFileSync(
    join(bundle, 'policy_audit.json'),
    readFileSync(join(bundle, 'policy_audit.json'), 'utf8').replace('"prod"', '"dev"'),
  );
  const r = await cli(['inspect', `--bundle=${bundle}`, '--json']);
  assert.is(r.code, 6);
  assert.is(JSON.parse(r.out).error.code, 'BYTEOR_E_BUNDLE_TAMPERED');
  assert.is((await cli(['inspect', `--bundle=${join(dir, 'nope')}`])).code, 6);
  assert.is((await cli(['inspect'])).code, 2);
  assert.is((await cli(['inspect', `--bundle=${bundle}`, '--profile=turbo'])).code, 2);
});

test(
  'ActionGraph: the policy audit and the approval outcome for http_post lead; an unverified approval is a posture ' +
    'mismatch',
  async () => {
    const bundle = join(dir, 'notify');
    const b = await cli([
      'incident-bundle',
      `--out=${bundle}`,
      `--spec=${ex('actiongraph/notify.kv')}`,
      '--env=staging',
    ]);
    assert.is(b.code, 0, b.err);
    const { report, text } = await inspect(bundle);
    assert.equal(report.products, ['byteor-actiongraph']);
    const f = report.focus[0]!;
    assert.ok(f.product === 'byteor-actiongraph');
    if (f.product !== 'byteor-actiongraph') return;
    assert.ok(
      f.actions.length > 0 &&
        f.actions.every((a) => /^(http_post|exec):/.test(a.key) && a.decision === 'RequireApproval'),
      JSON.stringify(f.actions),
    );
    assert.equal(
      f.approvals.map((a) => [a.record, a.environment, a.required, a.provided, a.verified]),
      [['policy_audit.json', 'staging', true, false, false]],
    );
    const policy = report.steps[1]!;
    assert.is(policy.status, 'anomaly');
    assert.is(policy.interpretation, 'a policy-audit mismatch means the environment or approval posture is wrong');
    assert.ok(policy.findings.some((x) => x.what === 'approval_unverified'));
    inOrder(text, [
      'product shortcut (read first):',
      'byteor-actiongraph: policy audit plus approval verification outcome',
      '1. spec_validation.json',
      '2. policy_audit.json',
    ]);
    // no run directory: nothing to replay
    assert.is(report.steps[3]!.status, 'missing');
    assert.is(report.next_step.kind, 'recapture');
  },
);

test(
  'EdgePlane: the adapter entries lead (transport, connection_state, message_count, lag, recent_failures); a ' +
    'failed adapter is named',
  async () => {
    const cfg = join(dir, 'ep.conf');
    writeFileSync(
      cfg,
      `ingress.kind=file\ningress.path=${ex('records.txt')}\negress.kind=file\negress.path=${join(dir, 'ep.out')}\n`,
    );
    const bundle = await runAndBundle(
      'edge',
      ex('edgeplane/identity.kv'),
      ['--plugin=edgeplane', `--config=${cfg}`, '--adapter-max-messages=36'],
      ['--plugin=edgeplane', `--config=${cfg}`],
    );
    const { report, text } = await inspect(bundle);
    assert.is(report.products[0], 'byteor-edgeplane');
    const f = report.focus[0]!;
    if (f.product !== 'byteor-edgeplane') {
      assert.unreachable('EdgePlane leads');
      return;
    }
    assert.is(f.status, 'ok');
    assert.equal(
      f.adapters.map((a) => [a.role, a.transport, a.message_count, a.recent_failures.length]),
      [
        ['ingress', 'file', 36, 0],
        ['egress', 'file', 36, 0],
      ],
    );
    inOrder(text, [
      'byteor-edgeplane: adapter snapshot entries',
      'ingress file',
      'transport=file connection_state=',
      'message_count=36',
      '1. spec_validation.json',
    ]);

    const doc = JSON.parse(readFileSync(join(bundle, 'single_ring_snapshot.json'), 'utf8'));
    doc.sections.adapters[1].connection_state = 'failed';
    doc.sections.adapters[1].recent_failures = [{ unix_ms: 1, message: 'EACCES: permission denied' }];
    reseal(bundle, 'single_ring_snapshot.json', JSON.stringify(doc));
    const again = (await inspect(bundle)).report;
    const msg =
      `egress adapter file (${join(dir, 'ep.out')}) is failed after 36 messages; 1 recent failure, last: EACCES: ` +
      `permission denied`;
    assert.ok(
      again.focus[0]!.findings.some((x) => x.what === 'failed_adapter' && x.message === msg),
      JSON.stringify(again.focus[0]!.findings),
    );
    assert.ok(again.steps[3]!.findings.some((x) => x.what === 'failed_adapter' && x.message === msg));
    assert.is(again.steps[3]!.status, 'anomaly');
  },
);

test('DataGuard: schema.*, policy.* and counts.* of the kv/v1 report lead', async () => {
  const flags = [
    '--plugin=dataguard',
    '--registry-root',
    EXAMPLE_REGISTRY,
    '--schema-id=7',
    '--msg-type=1',
    '--required-version=1',
    ...ALL_RULES.map((r) => `--rule=${r}`),
  ];
  const bundle = await runAndBundle(
    'dg',
    ex('dataguard/fused.kv'),
    [`--input=${ex('dataguard/input.b64')}`, `--output=${join(dir, 'dg.b64')}`, '--adapter-max-messages=20', ...flags],
    ['--plugin=dataguard'],
  );
  const { report, text } = await inspect(bundle);
  assert.is(report.products[0], 'byteor-dataguard');
  const f = report.focus[0]!;
  if (f.product !== 'byteor-dataguard') {
    assert.unreachable('DataGuard leads');
    return;
  }
  assert.equal([f.schema?.schema_id, f.schema?.msg_type, f.counts?.seen], [7, 1, 20]);
  assert.ok(Array.isArray(f.policy?.rules) && (f.policy!.rules as string[]).length === ALL_RULES.length);
  assert.ok(report.steps[4]!.files.includes('dataguard_report.kv'));
  inOrder(text, [
    'byteor-dataguard: DataGuard kv/v1 report fields',
    'schema.schema_id=7',
    'counts.seen=20',
    '1. spec_validation.json',
    '5. product artifacts',
  ]);
});

test.run();
