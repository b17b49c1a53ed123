import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ByteorError,
  decideAction,
  DEFAULT_POLICIES,
  overallDecision,
  policyAuditRecordForSpec,
  policyForEnvironment,
  PolicyAuditRecordV1,
  requiredCapabilities,
  resolveEnvironment,
  specActions,
  stableJson,
  type Decision,
  type EnvironmentPolicy,
} from '../../kernel/index.ts';
import { actiongraphKernel, fakeSpecHash, singleRing } from './spec-fixtures.ts';

const SIDE = { policyClass: 'side_effect', replay: 'supported' } as const;
const PURE = { policyClass: 'pure', replay: 'supported' } as const;

test('policy matrix for a side-effecting action in a run: environment x approval x dry run', () => {
  // [environment, approval verified, dry run] -> decision (defaults: dev allows, staging/prod need an approval)
  const table: Array<[keyof typeof DEFAULT_POLICIES, boolean, boolean, Decision]> = [
    ['dev', false, false, 'Allow'],
    ['dev', true, false, 'Allow'],
    ['dev', false, true, 'DryRunOnly'],
    ['dev', true, true, 'DryRunOnly'],
    ['staging', false, false, 'RequireApproval'],
    ['staging', true, false, 'Allow'],
    ['staging', false, true, 'DryRunOnly'],
    ['staging', true, true, 'DryRunOnly'],
    ['prod', false, false, 'RequireApproval'],
    ['prod', true, false, 'Allow'],
    ['prod', false, true, 'DryRunOnly'],
    ['prod', true, true, 'DryRunOnly'],
  ];
  for (const [env, approvalPresent, dryRun, want] of table) {
    const got = decideAction(SIDE, { policy: DEFAULT_POLICIES[env], mode: 'run', dryRun, approvalPresent });
    assert.is(got, want, `${env} approval=${approvalPresent} dryRun=${dryRun}`);
  }
});

test('a pure action is allowed everywhere, in every mode', () => {
  for (const env of ['dev', 'staging', 'prod'] as const) {
    for (const dryRun of [false, true]) {
      for (const mode of ['run', 'replay'] as const) {
        assert.is(decideAction(PURE, { policy: DEFAULT_POLICIES[env], mode, dryRun, approvalPresent: false }), 'Allow');
      }
    }
  }
});

test('policy matrix for replay: replay posture x family replay support x mode x approval', () => {
  const pol = (
    replay: EnvironmentPolicy['replay'],
    side_effects: EnvironmentPolicy['side_effects'] = 'require_approval',
  ): EnvironmentPolicy => ({ environment: 'prod', side_effects, replay });
  const cases: Array<
    [
      EnvironmentPolicy,
      typeof SIDE | { policyClass: 'side_effect'; replay: 'dry_run_only' | 'unsupported' } | typeof PURE,
      boolean,
      boolean,
      Decision,
    ]
  > = [
    // posture disabled: nothing replays
    [pol('disabled'), SIDE, true, false, 'Deny'],
    [pol('disabled'), PURE, true, false, 'Deny'],
    [pol('disabled'), SIDE, false, true, 'Deny'],
    // dry_run replay records, never performs
    [pol('allowed'), SIDE, true, false, 'DryRunOnly'],
    [pol('dry_run_only'), SIDE, true, false, 'DryRunOnly'],
    // execute replay: posture dry_run_only caps it, the approval gates it
    [pol('dry_run_only'), SIDE, false, true, 'DryRunOnly'],
    [pol('allowed'), SIDE, false, false, 'RequireApproval'],
    [pol('allowed'), SIDE, false, true, 'Allow'],
    [pol('allowed', 'allow_all'), SIDE, false, false, 'Allow'],
    [pol('allowed', 'deny_all'), SIDE, false, true, 'Deny'],
    // family replay support
    [pol('allowed'), { policyClass: 'side_effect', replay: 'dry_run_only' }, false, true, 'DryRunOnly'],
    [pol('allowed'), { policyClass: 'side_effect', replay: 'unsupported' }, true, true, 'Deny'],
    [pol('allowed'), PURE, false, false, 'Allow'],
  ];
  for (const [policy, action, dryRun, approvalPresent, want] of cases) {
    assert.is(
      decideAction(action, { policy, mode: 'replay', dryRun, approvalPresent }),
      want,
      JSON.stringify({ policy, action, dryRun, approvalPresent }),
    );
  }
});

test('side-effect policy overrides: deny_all denies (dry run still records), allow_all allows', () => {
  const deny = policyForEnvironment('dev', { BYTEOR_SIDE_EFFECTS_POLICY: 'deny_all' });
  assert.equal(deny, { environment: 'dev', side_effects: 'deny_all', replay: 'allowed' });
  assert.is(decideAction(SIDE, { policy: deny, mode: 'run', dryRun: false, approvalPresent: true }), 'Deny');
  assert.is(decideAction(SIDE, { policy: deny, mode: 'run', dryRun: true, approvalPresent: false }), 'DryRunOnly');
  const allow = policyForEnvironment('prod', {
    BYTEOR_SIDE_EFFECTS_POLICY: 'allow_all',
    BYTEOR_REPLAY_POLICY: 'dry_run_only',
  });
  assert.equal(allow, { environment: 'prod', side_effects: 'allow_all', replay: 'dry_run_only' });
  assert.is(decideAction(SIDE, { policy: allow, mode: 'run', dryRun: false, approvalPresent: false }), 'Allow');
  for (const env of [{ BYTEOR_SIDE_EFFECTS_POLICY: 'yes' }, { BYTEOR_REPLAY_POLICY: 'Allowed' }]) {
    try {
      policyForEnvironment('dev', env);
      assert.unreachable();
    } catch (e) {
      assert.is((e as ByteorError).code, 'BYTEOR_E_POLICY_BAD_SETTING');
      assert.is((e as ByteorError).exitCode, 2);
    }
  }
});

test('environment: --env wins over BYTEOR_ENV, which wins over the fail-closed default prod', () => {
  assert.equal(resolveEnvironment('staging', { BYTEOR_ENV: 'dev' }), { environment: 'staging', source: 'flag' });
  assert.equal(resolveEnvironment(undefined, { BYTEOR_ENV: 'dev' }), { environment: 'dev', source: 'BYTEOR_ENV' });
  assert.equal(resolveEnvironment(undefined, {}), { environment: 'prod', source: 'default' });
  assert.equal(resolveEnvironment(undefined, { BYTEOR_ENV: '' }), { environment: 'prod', source: 'default' });
  for (const [flag, env] of [
    ['production', {}],
    [undefined, { BYTEOR_ENV: 'PROD' }],
  ] as const) {
    try {
      resolveEnvironment(flag, env);
      assert.unreachable();
    } catch (e) {
      assert.is((e as ByteorError).code, 'BYTEOR_E_POLICY_BAD_ENVIRONMENT');
      assert.is((e as ByteorError).exitCode, 2);
      assert.match((e as ByteorError).message, /dev, staging, prod/);
    }
  }
});

test(
  'specActions: every stage classified by its family, ' + 'capabilities, decisions; the run decision is the strictest',
  async () => {
    const k = await actiongraphKernel();
    const spec = singleRing([
      'identity',
      'http_post:https://hooks.example.com/a',
      'exec:/bin/cat|-u',
      'http_post:https://hooks.example.com/a',
    ]);
    const actions = specActions(spec, k, {
      policy: DEFAULT_POLICIES.prod,
      mode: 'run',
      dryRun: false,
      approvalPresent: false,
    });
    assert.equal(
      actions.map((a) => [a.stage, a.action, a.target, a.plugin, a.policy_class, a.replay, a.decision]),
      [
        ['0', 'identity', '', 'core-stages', 'pure', 'supported', 'Allow'],
        ['1', 'http_post', 'https://hooks.example.com/a', 'actiongraph', 'side_effect', 'supported', 'RequireApproval'],
        ['2', 'exec', '/bin/cat|-u', 'actiongraph', 'side_effect', 'dry_run_only', 'RequireApproval'],
        ['3', 'http_post', 'https://hooks.example.com/a', 'actiongraph', 'side_effect', 'supported', 'RequireApproval'],
      ],
    );
    assert.equal(requiredCapabilities(actions), ['exec:/bin/cat|-u', 'http_post:https://hooks.example.com/a']);
    assert.is(overallDecision(actions), 'RequireApproval');
    assert.is(overallDecision(actions.slice(0, 1)), 'Allow');
    // a key no plugin resolves is never assumed harmless
    const unknown = specActions(singleRing(['mystery:thing']), k, {
      policy: DEFAULT_POLICIES.dev,
      mode: 'replay',
      dryRun: false,
      approvalPresent: true,
    });
    assert.equal(
      [unknown[0]!.policy_class, unknown[0]!.replay, unknown[0]!.decision, unknown[0]!.capabilities],
      ['side_effect', 'unsupported', 'Deny', ['mystery:thing']],
    );
  },
);

test('policy audit record v1: ByteOr field order first, round trip through stable JSON, both variants', async () => {
  const k = await actiongraphKernel();
  const spec = singleRing(['identity', 'http_post:https://hooks.example.com/a']);
  const hash = fakeSpecHash(spec);
  const actions = specActions(spec, k, {
    policy: DEFAULT_POLICIES.staging,
    mode: 'run',
    dryRun: true,
    approvalPresent: false,
  });
  const record = policyAuditRecordForSpec({
    specPath: '/etc/byteor/spec.kv',
    parsed: { spec, hash },
    mode: 'dry_run',
    enforced: true,
    policy: DEFAULT_POLICIES.staging,
    actions,
    approval: {
      required: false,
      provided: false,
      verified: false,
      source: null,
      approval_id: null,
      kid: null,
      error: null,
    },
  });
  assert.equal(Object.keys(record).slice(0, 10), [
    'ok',
    'policy_version',
    'mode',
    'enforced',
    'stage_failure_policy',
    'spec_path',
    'lane_path',
    'wait',
    'runtime_crate',
    'spec',
  ]);
  assert.equal(Object.keys(record.spec!).slice(0, 1), ['model']);
  assert.is(record.spec!.model, 'SingleRing');
  assert.is(record.ok, true);
  assert.is(record.policy_version, 1);
  assert.is(record.stage_failure_policy, 'stop_pipeline');
  assert.is(record.wait, 'backoff');
  assert.is(record.lane_path, null);
  assert.is(record.runtime_crate.name, 'byteor');
  assert.is(record.decision, 'DryRunOnly');
  assert.equal(record.required_capabilities, ['http_post:https://hooks.example.com/a']);
  const text = stableJson(record);
  assert.ok(text.endsWith('}\n'));
  assert.is(stableJson(PolicyAuditRecordV1.parse(JSON.parse(text))), text, 'round trip is byte-identical');

  const failed = policyAuditRecordForSpec({
    specPath: 'bad.kv',
    parsed: { error: 'line 3: duplicate key spec.name' },
    mode: 'execute',
    enforced: false,
  });
  assert.equal(failed, {
    ok: false,
    policy_version: 1,
    mode: 'execute',
    enforced: false,
    stage_failure_policy: 'stop_pipeline',
    spec_path: 'bad.kv',
    lane_path: null,
    wait: null,
    runtime_crate: failed.runtime_crate,
    error: 'line 3: duplicate key spec.name',
  });
  assert.is(stableJson(PolicyAuditRecordV1.parse(JSON.parse(stableJson(failed)))), stableJson(failed));
});

test(
  'policy audit schema: a record with only ByteOr fields reads; unknown additive fields are kept; contradictions ' +
    'are refused',
  () => {
    const byteor = {
      ok: true,
      policy_version: 1,
      mode: 'execute',
      enforced: true,
      stage_failure_policy: 'stop_pipeline',
      spec_path: '/etc/byteor/spec.kv',
      lane_path: '/run/byteor/lanes',
      wait: 'spin',
      runtime_crate: { name: 'byteor-runtime', version: '0.9.0' },
      spec: {
        model: 'LaneGraph',
        name: 'g',
        spec_hash: 'sha256:00',
        on_full: 'block',
        wait: 'spin',
        lanes: [],
        roles: [],
      },
      future_field: { x: 1 },
    };
    const parsed = PolicyAuditRecordV1.parse(byteor);
    assert.equal((parsed as Record<string, unknown>).future_field, { x: 1 });
    assert.not.ok(PolicyAuditRecordV1.safeParse({ ...byteor, error: 'both' }).success);
    assert.not.ok(PolicyAuditRecordV1.safeParse({ ...byteor, ok: false }).success);
    assert.not.ok(PolicyAuditRecordV1.safeParse({ ...byteor, policy_version: 2 }).success);
    assert.not.ok(PolicyAuditRecordV1.safeParse({ ...byteor, stage_failure_policy: 'continue' }).success);
  },
);

test('LaneGraph specs: stage roles are the actions, named by role with their lanes', async () => {
  const k = await actiongraphKernel();
  const spec = {
    version: 1 as const,
    name: 'g',
    model: 'lane_graph' as const,
    lane_graph: {
      on_full: 'block' as const,
      wait: 'backoff' as const,
      slot_bytes: 256,
      features: [],
      lanes: [
        { name: 'in', kind: 'events' as const, capacity: 64 },
        { name: 'out', kind: 'events' as const, capacity: 64 },
      ],
      endpoints: [],
      roles: [
        { name: 'notify', kind: 'stage' as const, key: 'http_post:http://h/x', inputs: ['in'], outputs: ['out'] },
        { name: 'b', kind: 'bridge' as const, inputs: ['out'], outputs: ['in'] },
      ],
    },
  };
  const actions = specActions(spec, k, {
    policy: DEFAULT_POLICIES.dev,
    mode: 'replay',
    dryRun: true,
    approvalPresent: false,
  });
  assert.equal(
    actions.map((a) => [a.stage, a.role, a.input_lanes, a.output_lanes, a.decision]),
    [['notify', 'notify', ['in'], ['out'], 'DryRunOnly']],
  );
  const record = policyAuditRecordForSpec({
    specPath: 'g.kv',
    parsed: { spec, hash: 'sha256:ab' },
    mode: 'dry_run',
    enforced: false,
    lanePath: '/run/byteor/g',
  });
  assert.is(record.spec!.model, 'LaneGraph');
  assert.is(record.lane_path, '/run/byteor/g');
});

test.run();
