import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, loadSpecFile, PolicyAuditRecordV1, signApprovalCredential } from '../../kernel/index.ts';
import { actiongraphKernel } from './spec-fixtures.ts';
import { runCli } from './cli-run.ts';
import { startHttpTarget, type HttpTarget } from './http-target.ts';

/**
 * An ActionGraph incident, end to end: a runtime POSTs records, an incident bundle is captured
 * from its run directory, and replay re-runs the captured input: dry_run performs nothing,
 * execute needs an approval for the bundle's spec in this environment, and then re-POSTs with
 * the same Idempotency-Keys.
 */

const dir = mkdtempSync(join(tmpdir(), 'byteor-ag-replay-'));
const RECORDS = Array.from({ length: 12 }, (_, i) => `event-${i}`);
let target: HttpTarget;
let specPath: string;
let bundle: string;
let firstKeys: string[];

test.before(async () => {
  target = await startHttpTarget([200]);
  mkdirSync(join(dir, 'spec'));
  specPath = join(dir, 'spec', 'spec.kv');
  writeFileSync(
    specPath,
    [
      'spec.version=1',
      'spec.model=single_ring',
      'spec.name=notify',
      'single_ring.capacity=64',
      'single_ring.wait=block',
      `single_ring.stages.0.key=http_post:${target.url}/hook`,
      '',
    ].join('\n'),
  );
  const input = join(dir, 'records.txt');
  writeFileSync(input, RECORDS.map((r) => `${r}\n`).join(''));
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  const run = await runCli(
    [
      'run',
      `--spec=${specPath}`,
      `--input=${input}`,
      `--output=${join(dir, 'run.out')}`,
      `--run-dir=${runDir}`,
      '--env=dev',
    ],
    { preload: ['actiongraph'] },
  );
  assert.is(run.code, 0, run.err);
  firstKeys = target.requests.map((r) => String(r.headers['idempotency-key'])).sort();
  assert.is(firstKeys.length, RECORDS.length);
  bundle = join(dir, 'incident', 'bundle');
  mkdirSync(join(dir, 'incident'));
  const cap = await runCli(
    ['incident-bundle', `--out=${bundle}`, `--spec=${specPath}`, `--run-dir=${runDir}`, '--env=prod'],
    { preload: ['actiongraph'] },
  );
  assert.is(cap.code, 0, cap.err);
});

test.before.each(() => {
  target.requests.length = 0;
});

test('the bundle carries the spec-level policy audit and the record the gate enforced on the run', () => {
  const atCapture = PolicyAuditRecordV1.parse(JSON.parse(readFileSync(join(bundle, 'policy_audit.json'), 'utf8')));
  assert.equal([atCapture.enforced, atCapture.environment, atCapture.decision], [false, 'prod', 'RequireApproval']);
  const enforced = PolicyAuditRecordV1.parse(JSON.parse(readFileSync(join(bundle, 'run_policy_audit.json'), 'utf8')));
  assert.equal(
    [enforced.enforced, enforced.environment, enforced.decision, enforced.mode],
    [true, 'dev', 'Allow', 'execute'],
  );
});

test('replay dry_run of the bundle performs nothing; the audit records DryRunOnly for the action', async () => {
  const out = join(dir, 'dry-audit.json');
  const r = await runCli(['replay', `--bundle=${bundle}`, '--mode=dry_run', '--env=prod', `--out=${out}`], {
    preload: ['actiongraph'],
  });
  assert.is(r.code, 0, r.err);
  assert.is(target.requests.length, 0);
  const audit = JSON.parse(readFileSync(out, 'utf8')) as {
    policy: { mode: string };
    actions: Array<{ stage: string; target: string; decision: string }>;
    result: { records_in: number };
  };
  assert.is(audit.policy.mode, 'dry_run');
  assert.is(audit.result.records_in, RECORDS.length);
  const post = audit.actions.find((a) => a.target.endsWith('/hook'));
  assert.ok(post, JSON.stringify(audit.actions));
  assert.is(post!.decision, 'DryRunOnly');
});

test('replay execute in prod without an approval is refused before anything runs', async () => {
  const out = join(dir, 'refused-audit.json');
  const r = await runCli(['replay', `--bundle=${bundle}`, '--mode=execute', '--env=prod', `--out=${out}`], {
    preload: ['actiongraph'],
  });
  assert.is(r.code, 4, r.err);
  assert.is(target.requests.length, 0);
  assert.ok(existsSync(out), 'a refused replay is audited too');
});

test('replay execute with an approval beside the bundle re-POSTs with the same Idempotency-Keys', async () => {
  const { hash } = await loadSpecFile(specPath, await actiongraphKernel());
  const { privateKeyPem, entry } = generateSigningKey('ops');
  const beside = join(dir, 'incident');
  writeFileSync(join(beside, 'signing_keys.json'), JSON.stringify({ keys: [entry] }));
  const t = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  writeFileSync(
    join(beside, 'approval.cred'),
    signApprovalCredential(
      {
        v: 1,
        kid: 'ops',
        org_id: 'o',
        project_id: 'p',
        environment_id: 'prod',
        environment_posture: 'prod',
        spec_hash: hash,
        capabilities: ['http_post:*'],
        issued_at: t(-60_000),
        expires_at: t(600_000),
        issued_by: 'oncall',
        approval_id: 'replay-1',
      },
      privateKeyPem,
    ),
  );
  const r = await runCli(
    ['replay', `--bundle=${bundle}`, '--mode=execute', '--env=prod', `--out=${join(dir, 'exec-audit.json')}`],
    { preload: ['actiongraph'] },
  );
  assert.is(r.code, 0, r.err);
  assert.equal(target.requests.map((q) => String(q.headers['idempotency-key'])).sort(), firstKeys);
});

test.after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
