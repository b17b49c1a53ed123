import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ByteorError,
  generateSigningKey,
  PolicyAuditRecordV1,
  signApprovalCredential,
  type PipelineSpecV1,
  type RunInfo,
} from '../../kernel/index.ts';
import type { Kernel } from '../../kernel/plugin-host.ts';
import { actiongraphKernel, fakeSpecHash, singleRing } from './spec-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'byteor-gate-test-'));
const HOOK = 'http_post:https://hooks.example.com/orders';
const EXEC = 'exec:/bin/cat';
let kernel: Kernel;
let seq = 0;

interface Fixture {
  dir: string;
  specPath: string;
  runDir: string;
  spec: PipelineSpecV1;
  hash: string;
}

function fixture(keys: string[]): Fixture {
  const dir = join(root, `case-${++seq}`);
  const runDir = join(dir, 'run');
  mkdirSync(runDir, { recursive: true });
  const specPath = join(dir, 'spec.kv');
  writeFileSync(
    specPath,
    '# the gate reads the decoded spec from RunInfo; this file only anchors approval.cred / signing_keys.json\n',
  );
  const spec = singleRing(keys, `gate-${seq}`);
  return { dir, specPath, runDir, spec, hash: fakeSpecHash(spec) };
}

function mint(
  f: Fixture,
  opts: {
    environment?: 'dev' | 'staging' | 'prod';
    capabilities?: string[];
    expiresInMs?: number;
    hash?: string;
    keySetFile?: string;
    credFile?: string;
  } = {},
) {
  const { privateKeyPem, entry } = generateSigningKey('k1');
  writeFileSync(opts.keySetFile ?? join(f.dir, 'signing_keys.json'), JSON.stringify({ keys: [entry] }));
  const now = Date.now();
  const cred = signApprovalCredential(
    {
      v: 1,
      kid: 'k1',
      org_id: 'org',
      project_id: 'proj',
      environment_id: 'env-1',
      environment_posture: opts.environment ?? 'prod',
      spec_hash: opts.hash ?? f.hash,
      capabilities: opts.capabilities ?? [HOOK],
      issued_at: new Date(now - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      expires_at: new Date(now + (opts.expiresInMs ?? 3_600_000)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      issued_by: 'ops@example.com',
      approval_id: 'appr-1',
    },
    privateKeyPem,
  );
  writeFileSync(opts.credFile ?? join(f.dir, 'approval.cred'), cred);
  return cred;
}

function runInfo(
  f: Fixture,
  flags: Record<string, unknown> = {},
  env: Record<string, string> = {},
  dryRun = false,
): RunInfo {
  return { spec: f.spec, specHash: f.hash, specPath: f.specPath, runDir: f.runDir, oneShot: true, dryRun, flags, env };
}

async function gate(run: RunInfo): Promise<ByteorError | undefined> {
  try {
    await kernel.hooks.runStarting.promise(run);
    return undefined;
  } catch (e) {
    assert.instance(e, ByteorError);
    return e as ByteorError;
  }
}

function audit(f: Fixture): PolicyAuditRecordV1 {
  return PolicyAuditRecordV1.parse(JSON.parse(readFileSync(join(f.runDir, 'policy_audit.json'), 'utf8')));
}

test.before(async () => {
  kernel = await actiongraphKernel();
});

test('dev allows side effects without an approval; the audit is written into the run directory', async () => {
  const f = fixture(['identity', HOOK]);
  assert.is(await gate(runInfo(f, { env: 'dev' })), undefined);
  const a = audit(f);
  assert.equal(
    [a.ok, a.mode, a.enforced, a.environment, a.decision, a.approval?.required],
    [true, 'execute', true, 'dev', 'Allow', false],
  );
  assert.equal(
    a.actions!.map((x) => x.decision),
    ['Allow', 'Allow'],
  );
});

test(
  'prod without an approval refuses to start: exit 4, the ' + 'message lists the capabilities a credential must carry',
  async () => {
    const f = fixture(['identity', HOOK, EXEC]);
    const err = await gate(runInfo(f, { env: 'prod' }));
    assert.ok(err);
    assert.is(err!.code, 'BYTEOR_E_POLICY_APPROVAL_REQUIRED');
    assert.is(err!.exitCode, 4);
    assert.match(err!.message, /environment "prod" \(from --env\) requires an approval/);
    assert.match(
      err!.message,
      /must carry the capabilities: exec:\/bin\/cat, http_post:https:\/\/hooks\.example\.com\/orders\./,
    );
    assert.match(err!.message, /--dry-run/);
    assert.equal(err!.details?.capabilities, [EXEC, HOOK]);
    const a = audit(f);
    assert.equal([a.decision, a.approval?.required, a.approval?.provided], ['RequireApproval', true, false]);
  },
);

test('the environment defaults to prod (fail closed) and comes from BYTEOR_ENV when --env is absent', async () => {
  const f = fixture([HOOK]);
  const err = await gate(runInfo(f));
  assert.match(err!.message, /environment "prod" \(the default; set --env or BYTEOR_ENV\)/);
  assert.is(await gate(runInfo(f, {}, { BYTEOR_ENV: 'dev' })), undefined);
  const err2 = await gate(runInfo(f, {}, { BYTEOR_ENV: 'staging' }));
  assert.match(err2!.message, /"staging" \(from BYTEOR_ENV\)/);
});

test('prod with a verified approval next to the spec starts; the audit names the approval', async () => {
  const f = fixture(['identity', HOOK]);
  mint(f);
  assert.is(await gate(runInfo(f, { env: 'prod' })), undefined);
  const a = audit(f);
  assert.equal(a.approval, {
    required: true,
    provided: true,
    verified: true,
    source: join(f.dir, 'approval.cred'),
    approval_id: 'appr-1',
    kid: 'k1',
    error: null,
  });
  assert.is(a.decision, 'Allow');
});

test('--approval and --approval-key-set point elsewhere (a file, or the token itself)', async () => {
  const f = fixture([HOOK]);
  const elsewhere = join(f.dir, 'elsewhere');
  mkdirSync(elsewhere);
  const cred = mint(f, {
    environment: 'staging',
    keySetFile: join(elsewhere, 'keys.json'),
    credFile: join(elsewhere, 'my.cred'),
  });
  const flags = {
    env: 'staging',
    approval: join(elsewhere, 'my.cred'),
    'approval-key-set': join(elsewhere, 'keys.json'),
  };
  assert.is(await gate(runInfo(f, flags)), undefined);
  assert.is(await gate(runInfo(f, { ...flags, approval: cred })), undefined);
  assert.is(audit(f).approval?.source, 'inline');
});

test('a credential that does not verify refuses with the approval code, plus the capabilities needed', async () => {
  const cases: Array<[string, Parameters<typeof mint>[1]]> = [
    ['BYTEOR_E_APPROVAL_ENVIRONMENT_MISMATCH', { environment: 'staging' }],
    ['BYTEOR_E_APPROVAL_SPEC_MISMATCH', { hash: `sha256:${'0'.repeat(64)}` }],
    ['BYTEOR_E_APPROVAL_MISSING_CAPABILITY', { capabilities: ['http_post:https://hooks.example.com/other'] }],
    ['BYTEOR_E_APPROVAL_EXPIRED', { expiresInMs: -1000 }],
  ];
  for (const [code, opts] of cases) {
    const f = fixture([HOOK]);
    if (code === 'BYTEOR_E_APPROVAL_EXPIRED') {
      // expired: issued two hours ago, expired a second ago
      const { privateKeyPem, entry } = generateSigningKey('k1');
      writeFileSync(join(f.dir, 'signing_keys.json'), JSON.stringify({ keys: [entry] }));
      writeFileSync(
        join(f.dir, 'approval.cred'),
        signApprovalCredential(
          {
            v: 1,
            kid: 'k1',
            org_id: 'o',
            project_id: 'p',
            environment_id: 'e',
            environment_posture: 'prod',
            spec_hash: f.hash,
            capabilities: [HOOK],
            issued_at: new Date(Date.now() - 7_200_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            expires_at: new Date(Date.now() - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            issued_by: 'x',
            approval_id: 'a',
          },
          privateKeyPem,
        ),
      );
    } else mint(f, opts);
    const err = await gate(runInfo(f, { env: 'prod' }));
    assert.ok(err, code);
    assert.is(err!.code, code);
    assert.is(err!.exitCode, 4);
    assert.match(
      err!.message,
      /A credential for this run must carry the capabilities: http_post:https:\/\/hooks\.example\.com\/orders$/,
    );
    const a = audit(f);
    assert.equal([a.approval?.provided, a.approval?.verified, a.approval?.error?.code], [true, false, code]);
  }
});

test('a family wildcard capability covers the stage', async () => {
  const f = fixture([HOOK]);
  mint(f, { capabilities: ['http_post:*'] });
  assert.is(await gate(runInfo(f, { env: 'prod' })), undefined);
});

test('--dry-run runs without an approval: every side effect is DryRunOnly', async () => {
  const f = fixture([HOOK, EXEC]);
  assert.is(await gate(runInfo(f, { env: 'prod' }, {}, true)), undefined);
  const a = audit(f);
  assert.equal([a.mode, a.decision, a.approval?.required], ['dry_run', 'DryRunOnly', false]);
  assert.equal(
    a.actions!.map((x) => x.decision),
    ['DryRunOnly', 'DryRunOnly'],
  );
});

test('a spec without side effects starts in prod without an approval', async () => {
  const f = fixture(['identity', 'upper']);
  assert.is(await gate(runInfo(f, { env: 'prod' })), undefined);
  assert.equal(audit(f).required_capabilities, []);
});

test('BYTEOR_SIDE_EFFECTS_POLICY=deny_all refuses even with an approval (exit 4)', async () => {
  const f = fixture([HOOK]);
  mint(f);
  const err = await gate(runInfo(f, { env: 'prod' }, { BYTEOR_SIDE_EFFECTS_POLICY: 'deny_all' }));
  assert.is(err!.code, 'BYTEOR_E_POLICY_DENIED');
  assert.is(err!.exitCode, 4);
  assert.is(audit(f).decision, 'Deny');
});

test('allowlists are checked before start for the actions that will be performed', async () => {
  const f = fixture([HOOK, EXEC]);
  const off = await gate(runInfo(f, { env: 'dev' }, { BYTEOR_HTTP_POST_ALLOWLIST: 'https://other.example.com/' }));
  assert.is(off!.code, 'BYTEOR_E_ACTION_NOT_ALLOWLISTED');
  assert.is(off!.exitCode, 4);
  const disabled = await gate(runInfo(f, { env: 'dev' }, { BYTEOR_HTTP_POST_ALLOWLIST: 'https://hooks.example.com/' }));
  assert.is(disabled!.code, 'BYTEOR_E_ACTION_EXEC_DISABLED');
  assert.is(
    await gate(
      runInfo(
        f,
        { env: 'dev' },
        { BYTEOR_HTTP_POST_ALLOWLIST: 'https://hooks.example.com/', BYTEOR_EXEC_ALLOWLIST: '/bin/cat' },
      ),
    ),
    undefined,
  );
  // a dry run performs nothing, so no allowlist is needed
  assert.is(await gate(runInfo(f, { env: 'dev' }, {}, true)), undefined);
});

test('bad settings are usage errors (exit 2) before anything starts', async () => {
  const f = fixture([HOOK]);
  assert.is((await gate(runInfo(f, {}, { BYTEOR_ENV: 'production' })))!.code, 'BYTEOR_E_POLICY_BAD_ENVIRONMENT');
  assert.is((await gate(runInfo(f, { env: 'dev' }, { BYTEOR_ACTION_MAX_RETRIES: 'lots' })))!.exitCode, 2);
});

test('the run verb gets --env, --approval and --approval-key-set from the plugin', () => {
  const ext = kernel.verbExtensions('run').find((e) => e.plugin === 'actiongraph');
  assert.ok(ext);
  assert.equal(Object.keys(ext!.ext.flags.options), ['env', 'approval', 'approval-key-set']);
  assert.not.ok(ext!.ext.flags.schema.safeParse({ env: 'qa' }).success);
  assert.ok(
    ext!.ext.flags.schema.safeParse({ env: 'staging', approval: 'a.cred', 'approval-key-set': 'k.json' }).success,
  );
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
