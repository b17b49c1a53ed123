import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplayAuditV1 } from '../../kernel/plugin-api.ts';
import { addJournalWindow, cli } from './bundle-helpers.ts';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-replay-exec-'));
const CHAIN = join(root, 'examples/chain.kv');
const RECORDS = Array.from({ length: 6 }, (_, i) => `user-${i},event-${(i * 7) % 5},order-${1000 + i}`);

async function bundle(name: string, spec: string, records: string[]): Promise<string> {
  const out = join(dir, name);
  const r = await cli(['incident-bundle', `--out=${out}`, `--spec=${spec}`]);
  assert.is(r.code, 0, r.err);
  addJournalWindow(out, records);
  return out;
}

const audit = (path: string) => ReplayAuditV1.parse(JSON.parse(readFileSync(path, 'utf8')));

// -- side effects: http_post through ActionGraph --------------------------------------------

async function hookServer(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let b = ''; req.setEncoding('utf8'); req.on('data', (d) => { b += d; });
    req.on('end', () => { bodies.push(b); res.writeHead(200).end('ok'); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

test('http_post spec in staging: dry_run posts nothing; execute needs a verified approval; with one it posts every record', async () => {
  const hook = await hookServer();
  try {
    const spec = join(dir, 'notify.kv');
    writeFileSync(spec, readFileSync(CHAIN, 'utf8').replace('spec.name=chain', 'spec.name=notify\nplugins.0=actiongraph').replace('single_ring.stages.2.key=identity', `single_ring.stages.2.key=http_post:${hook.url}`));
    const recs = RECORDS;
    const b = await bundle('notify', spec, recs);
    const env = { BYTEOR_ENV: 'staging' };

    const dry = join(dir, 'notify-dry.json');
    const d = await cli(['replay', `--bundle=${b}`, `--out=${dry}`], env);
    assert.is(d.code, 0, d.err);
    assert.is(hook.bodies.length, 0, 'a dry run performs no side effect');
    const da = audit(dry);
    assert.equal(da.actions.map((x) => x.decision), ['Allow', 'Allow', 'DryRunOnly']);
    assert.equal(da.actions[2], { action: 'http_post', role: 'stage-2', input_lane: 'ring', output_lane: 'ring', stage: '2', target: hook.url, decision: 'DryRunOnly' });
    assert.is(da.policy.mode, 'dry_run');

    const noApproval = join(dir, 'notify-noapproval.json');
    const n = await cli(['replay', `--bundle=${b}`, '--mode=execute', `--out=${noApproval}`], env);
    assert.is(n.code, 4); assert.match(n.err, 'BYTEOR_E_APPROVAL_MISSING');
    assert.is(audit(noApproval).result!.error!.code, 'BYTEOR_E_APPROVAL_MISSING');
    assert.is(audit(noApproval).actions[2]!.decision, 'RequireApproval');
    assert.is(hook.bodies.length, 0);

    // mint a key and approvals with the approval verb
    const keySet = join(dir, 'signing_keys.json'); const pem = join(dir, 'ops.pem');
    assert.is((await cli(['approval', 'keygen', '--kid=ops', `--private-key=${pem}`, `--key-set=${keySet}`])).code, 0);
    const specHash = JSON.parse(readFileSync(join(b, 'manifest.json'), 'utf8')).spec_hash as string;
    const sign = async (file: string, envName: string, cap: string) => {
      const s = await cli(['approval', 'sign', `--private-key=${pem}`, '--kid=ops', `--spec-hash=${specHash}`, `--env=${envName}`, `--capability=${cap}`, `--out=${join(dir, file)}`]);
      assert.is(s.code, 0, s.err);
      return join(dir, file);
    };
    const wrongEnv = await sign('prod.cred', 'prod', 'http_post:*');
    const w = await cli(['replay', `--bundle=${b}`, '--mode=execute', `--out=${join(dir, 'notify-wrongenv.json')}`, `--approval=${wrongEnv}`, `--approval-key-set=${keySet}`], env);
    assert.is(w.code, 4); assert.match(w.err, 'BYTEOR_E_APPROVAL_ENVIRONMENT_MISMATCH');
    const wrongCap = await sign('cap.cred', 'staging', 'exec:*');
    const c = await cli(['replay', `--bundle=${b}`, '--mode=execute', `--out=${join(dir, 'notify-wrongcap.json')}`, `--approval=${wrongCap}`, `--approval-key-set=${keySet}`], env);
    assert.is(c.code, 4); assert.match(c.err, 'BYTEOR_E_APPROVAL_MISSING_CAPABILITY');
    assert.is(hook.bodies.length, 0, 'refused before anything ran');

    const good = await sign('staging.cred', 'staging', 'http_post:*');
    const execOut = join(dir, 'notify-exec.json');
    const x = await cli(['replay', `--bundle=${b}`, '--mode=execute', `--out=${execOut}`, `--approval=${good}`, `--approval-key-set=${keySet}`], env);
    assert.is(x.code, 0, x.err);
    assert.equal(hook.bodies, recs.map((s) => s.toUpperCase()));
    const xa = audit(execOut);
    assert.equal(xa.policy, { env: 'staging', approval_provided: true, mode: 'execute' });
    assert.equal(xa.actions.map((y) => y.decision), ['Allow', 'Allow', 'Allow']);
    assert.is(xa.approval!.kid, 'ops');
    assert.equal(xa.result, { ok: true, records_in: 6, records_out: 6, dropped: 0, error: null });
  } finally {
    await hook.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
