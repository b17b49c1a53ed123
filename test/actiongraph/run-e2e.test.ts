import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { generateSigningKey, loadSpecFile, signApprovalCredential } from '../../kernel/index.ts';
import { actiongraphKernel } from './spec-fixtures.ts';
import { runCli } from './cli-run.ts';
import { startHttpTarget, type HttpTarget } from './http-target.ts';
import { e2eWorkspace, RECORDS, stageCounters, summaryOf } from './run-e2e-workspace.ts';

/**
 * ActionGraph end to end through the `run` verb: stage workers on a real ring, a real
 * node:http target on 127.0.0.1, real programs, real Ed25519 approvals.
 */

const { dir, input, writeSpec } = e2eWorkspace('byteor-ag-e2e-');
let target: HttpTarget;

async function mintBeside(
  specPath: string,
  environment: 'dev' | 'staging' | 'prod',
  capabilities: string[],
): Promise<void> {
  const { hash } = await loadSpecFile(specPath, await actiongraphKernel());
  const { privateKeyPem, entry } = generateSigningKey('ops-1');
  const d = join(specPath, '..');
  writeFileSync(join(d, 'signing_keys.json'), JSON.stringify({ keys: [entry] }));
  const now = Date.now();
  const t = (ms: number) => new Date(now + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  writeFileSync(
    join(d, 'approval.cred'),
    signApprovalCredential(
      {
        v: 1,
        kid: 'ops-1',
        org_id: 'org',
        project_id: 'p',
        environment_id: environment,
        environment_posture: environment,
        spec_hash: hash,
        capabilities,
        issued_at: t(-60_000),
        expires_at: t(3_600_000),
        issued_by: 'ops@example.com',
        approval_id: 'appr-e2e',
      },
      privateKeyPem,
    ),
  );
}

test.before(async () => {
  target = await startHttpTarget([(r) => (r.body.toString() === 'order-1013,45.50' && r.url === '/fail' ? 400 : 200)]);
});
test.before.each(() => {
  target.requests.length = 0;
});

test('dev: every record is POSTed with its Idempotency-Key and forwarded unchanged, in order', async () => {
  const spec = writeSpec('dev', ['identity', `http_post:${target.url}/hook`]);
  const output = join(dir, 'dev.out');
  const r = await runCli(
    ['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${output}`, '--env=dev', '--json'],
    { preload: ['actiongraph'] },
  );
  assert.is(r.code, 0, r.err);
  assert.is(readFileSync(output, 'utf8'), RECORDS.map((x) => `${x}\n`).join(''));
  assert.equal(target.requests.map((q) => q.body.toString()).sort(), [...RECORDS].sort());
  for (const q of target.requests)
    assert.is(q.headers['idempotency-key'], `sha256:${createHash('sha256').update(q.body).digest('hex')}`);
  const s = summaryOf(r.out);
  assert.equal([s.records_in, s.records_out, s.ok], [20, 20, true]);
  const c = stageCounters(s, 'http_post:');
  assert.equal([c.ok, c.failed, c.dry_run, c.records], [20, 0, 0, 20]);
});

test('prod without an approval refuses to start (exit 4) and lists the capabilities; nothing is sent', async () => {
  const spec = writeSpec('prod-refused', [`http_post:${target.url}/hook`, 'exec:/bin/true']);
  const r = await runCli(
    ['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${join(dir, 'x.out')}`, '--env=prod'],
    { preload: ['actiongraph'] },
  );
  assert.is(r.code, 4);
  assert.match(r.err, /error\[BYTEOR_E_POLICY_APPROVAL_REQUIRED\]/);
  assert.ok(r.err.includes(`must carry the capabilities: exec:/bin/true, http_post:${target.url}/hook`), r.err);
  assert.is(target.requests.length, 0);
});

test('prod with a verified approval next to the spec delivers', async () => {
  const spec = writeSpec('prod-approved', [`http_post:${target.url}/hook`]);
  await mintBeside(spec, 'prod', [`http_post:${target.url}/hook`]);
  const r = await runCli(
    ['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${join(dir, 'prod.out')}`, '--env=prod', '--json'],
    { preload: ['actiongraph'] },
  );
  assert.is(r.code, 0, r.err);
  assert.is(target.requests.length, 20);
  assert.is(stageCounters(summaryOf(r.out), 'http_post:').ok, 20);
});

test('prod --dry-run: runs without an approval, every side effect recorded and none performed', async () => {
  const spec = writeSpec('prod-dry', [`http_post:${target.url}/hook`, 'exec:/bin/sh|-c|exit 9']);
  const output = join(dir, 'dry.out');
  const r = await runCli(
    ['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${output}`, '--env=prod', '--dry-run', '--json'],
    { preload: ['actiongraph'] },
  );
  assert.is(r.code, 0, r.err);
  assert.is(target.requests.length, 0);
  assert.is(readFileSync(output, 'utf8').split('\n').length - 1, 20);
  const s = summaryOf(r.out);
  assert.equal(
    [stageCounters(s, 'http_post:').dry_run, stageCounters(s, 'exec:').dry_run, stageCounters(s, 'exec:').ok],
    [20, 20, 0],
  );
});

test.after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
