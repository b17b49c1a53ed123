import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyAuditRecordV1 } from '../../kernel/index.ts';
import { runCli } from './cli-run.ts';
import { startHttpTarget, type HttpTarget } from './http-target.ts';
import { e2eWorkspace, RECORDS, stageCounters, summaryOf } from './run-e2e-workspace.ts';

/**
 * ActionGraph end to end through the `run` verb (failures, exec, the run directory): stage workers on a real ring, a
 * real node:http target on 127.0.0.1, real programs.
 */

const { dir, input, writeSpec } = e2eWorkspace('byteor-ag-e2e2-');
let target: HttpTarget;

test.before(async () => {
  target = await startHttpTarget([(r) => (r.body.toString() === 'order-1013,45.50' && r.url === '/fail' ? 400 : 200)]);
});
test.before.each(() => {
  target.requests.length = 0;
});

test('a refused record stops the pipeline (stop_pipeline): exit 1 naming the stage and the sequence', async () => {
  const spec = writeSpec('fail', [`http_post:${target.url}/fail`]);
  const r = await runCli(
    ['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${join(dir, 'fail.out')}`, '--env=dev', '--json'],
    { preload: ['actiongraph'], env: { BYTEOR_ACTION_CONCURRENCY: '1' } },
  );
  assert.is(r.code, 1, r.err);
  assert.match(r.err, /error\[BYTEOR_E_ACTION_HTTP_POST_FAILED\]/);
  assert.match(r.err, /failed on record 13: POST http:\/\/127\.0\.0\.1:\d+\/fail gave HTTP 400 after 1 attempt/);
  const s = summaryOf(r.out);
  assert.is(s.ok, false);
  assert.equal([s.error?.code, s.error?.sequence], ['BYTEOR_E_ACTION_HTTP_POST_FAILED', 13]);
  assert.is(stageCounters(s, 'http_post:').failed, 1);
});

test('exec: each record on the stdin of an allowlisted program (cat into a file), records forwarded', async () => {
  const sink = join(dir, 'exec-sink.txt');
  const spec = writeSpec('exec', [`exec:/bin/sh|-c|cat >> ${sink}; echo >> ${sink}`]);
  const r = await runCli(
    ['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${join(dir, 'exec.out')}`, '--env=dev', '--json'],
    { preload: ['actiongraph'], env: { BYTEOR_EXEC_ALLOWLIST: '/bin/sh', BYTEOR_ACTION_CONCURRENCY: '1' } },
  );
  assert.is(r.code, 0, r.err);
  assert.is(readFileSync(sink, 'utf8'), RECORDS.map((x) => `${x}\n`).join(''));
  assert.is(stageCounters(summaryOf(r.out), 'exec:').ok, 20);
});

test('exec not on BYTEOR_EXEC_ALLOWLIST: refused before start (exit 4)', async () => {
  const spec = writeSpec('exec-refused', ['exec:/bin/cat']);
  const r = await runCli(
    ['run', '--sp', `--spec=${spec}`, `--input=${input}`, `--output=${join(dir, 'e.out')}`, '--env=dev'],
    { preload: ['actiongraph'], env: { BYTEOR_EXEC_ALLOWLIST: '/bin/sh' } },
  );
  assert.is(r.code, 4);
  assert.match(r.err, /BYTEOR_E_ACTION_NOT_ALLOWLISTED/);
});

test('the long-running form writes policy_audit.json (enforced) into its run directory', async () => {
  const spec = writeSpec('rundir', [`http_post:${target.url}/hook`]);
  const runDir = join(dir, 'run-dir');
  mkdirSync(runDir);
  const r = await runCli(
    ['run', `--spec=${spec}`, `--input=${input}`, `--output=${join(dir, 'rd.out')}`, `--run-dir=${runDir}`],
    { preload: ['actiongraph'], env: { BYTEOR_ENV: 'dev' } },
  );
  assert.is(r.code, 0, r.err);
  const audit = PolicyAuditRecordV1.parse(JSON.parse(readFileSync(join(runDir, 'policy_audit.json'), 'utf8')));
  assert.equal(
    [audit.ok, audit.enforced, audit.mode, audit.environment, audit.decision, audit.spec?.model],
    [true, true, 'execute', 'dev', 'Allow', 'SingleRing'],
  );
  assert.equal(
    audit.actions?.map((a) => a.key),
    [`http_post:${target.url}/hook`],
  );
});

test.after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
