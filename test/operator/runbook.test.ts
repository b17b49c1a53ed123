import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DoctorReport, ReplayAuditV1, SingleRingSnapshot, verifyBundleDir } from '../../kernel/index.ts';
import { cli } from './bundle-helpers.ts';

/**
 * ByteOr's runbook end to end on the chain example with an http_post stage (ActionGraph):
 * validate → doctor → run (dev: side effects performed) → snapshot → incident-bundle --archive →
 * replay dry_run (nothing posted) → replay execute refused without / with wrong approvals →
 * replay execute with a minted approval (posted again, audited).
 */
const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-runbook-'));
const RECORDS = Array.from({ length: 6 }, (_, i) => `user-${i},event-${(i * 7) % 5},order-${1000 + i}`);

async function until(what: string, ok: () => boolean, ms = 30_000) {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const bodies: string[] = [];
const server: Server = createServer((req, res) => {
  let b = '';
  req.setEncoding('utf8');
  req.on('data', (d) => {
    b += d;
  });
  req.on('end', () => {
    bodies.push(b);
    res.writeHead(200).end('ok');
  });
});

test(
  'validate → doctor → run → snapshot → incident-bundle → ' + 'replay dry_run → replay execute with a minted approval',
  async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    const spec = join(dir, 'spec.kv');
    writeFileSync(
      spec,
      readFileSync(join(root, 'examples/chain.kv'), 'utf8')
        .replace('spec.name=chain', 'spec.name=notify\nplugins.0=actiongraph')
        .replace('single_ring.stages.2.key=identity', `single_ring.stages.2.key=http_post:${hook}`),
    );

    // 1. validate, doctor
    const v = await cli(['validate', `--spec=${spec}`, '--json']);
    assert.is(v.code, 0, v.err);
    const specHash = JSON.parse(v.out).spec_hash as string;
    const d = await cli(['doctor', `--spec=${spec}`, '--json', `--run-dir=${join(dir, 'run')}`]);
    const report = DoctorReport.parse(JSON.parse(d.out));
    assert.is(d.code, report.ok ? 0 : 5);
    assert.equal([report.demand.source, report.demand.stage_threads, report.demand.spec_hash], ['spec', 3, specHash]);

    // 2. run: a long-running runtime in dev, where http_post performs its side effect
    const runDir = join(dir, 'run');
    const child = spawn(
      process.execPath,
      [
        '--no-liftoff',
        '--conditions=source',
        '--import',
        'tsx',
        join(root, 'kernel/main.ts'),
        'run',
        `--spec=${spec}`,
        `--run-dir=${runDir}`,
        `--output=${join(dir, 'out.txt')}`,
      ],
      {
        cwd: root,
        stdio: ['pipe', 'ignore', 'pipe'],
        env: { ...process.env, BYTEOR_ENV: 'dev' },
      },
    );
    let stderr = '';
    child.stderr!.on('data', (x) => {
      stderr += x;
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      child.stdin!.write(RECORDS.map((r) => `${r}\n`).join(''));
      await until(`6 POSTs from the run (stderr: ${stderr})`, () => bodies.length === RECORDS.length);
      await until(
        'the records through egress',
        () =>
          existsSync(join(dir, 'out.txt')) &&
          readFileSync(join(dir, 'out.txt'), 'utf8').split('\n').filter(Boolean).length === RECORDS.length,
      );
      await until('the control socket', () => existsSync(join(runDir, 'control.sock')));

      // 3. snapshot of the live runtime
      const s = await cli(['snapshot', `--run-dir=${runDir}`, '--json']);
      assert.is(s.code, 0, s.err);
      const snap = SingleRingSnapshot.parse(JSON.parse(s.out));
      assert.is(snap.source, 'live');
      assert.is(snap.records.out, RECORDS.length);

      // 4. incident bundle (directory + archive) while it runs
      const bundle = join(dir, 'bundle');
      const b = await cli([
        'incident-bundle',
        `--out=${bundle}`,
        `--spec=${spec}`,
        `--run-dir=${runDir}`,
        '--archive',
        '--env=staging',
      ]);
      assert.is(b.code, 0, b.err);
      const m = verifyBundleDir(bundle);
      assert.equal([m.snapshot_source, m.journal_records, m.spec_hash], ['live', RECORDS.length, specHash]);
      assert.ok(
        m.files.some((f) => f.path === 'run_policy_audit.json'),
        'ActionGraph adds the record its gate enforced',
      );
    } finally {
      child.stdin!.end(); // end of input: the runtime drains and exits
    }
    assert.is(await exited, 0, stderr);
    assert.is(bodies.length, RECORDS.length);

    // 5. replay dry_run (staging): nothing is posted
    const archive = join(dir, 'bundle.tar.gz');
    const env = { BYTEOR_ENV: 'staging' };
    const dryAudit = join(dir, 'dry.json');
    const dry = await cli(['replay', `--bundle=${archive}`, `--out=${dryAudit}`], env);
    assert.is(dry.code, 0, dry.err);
    assert.is(bodies.length, RECORDS.length, 'a dry run performs no side effect');
    const da = ReplayAuditV1.parse(JSON.parse(readFileSync(dryAudit, 'utf8')));
    assert.equal(
      da.actions.map((x) => x.decision),
      ['Allow', 'Allow', 'DryRunOnly'],
    );
    assert.equal(da.actions[2], {
      action: 'http_post',
      role: 'stage-2',
      input_lane: 'ring',
      output_lane: 'ring',
      stage: '2',
      target: hook,
      decision: 'DryRunOnly',
    });
    assert.equal(da.policy, { env: 'staging', approval_provided: false, mode: 'dry_run' });
    assert.equal(da.result, { ok: true, records_in: 6, records_out: 6, dropped: 0, error: null });

    // 6. execute: refused without an approval, with one for another environment, or lacking the capability
    const n = await cli(['replay', `--bundle=${archive}`, '--mode=execute', `--out=${join(dir, 'none.json')}`], env);
    assert.is(n.code, 4);
    assert.match(n.err, 'BYTEOR_E_APPROVAL_MISSING');
    // the errors name where replay looked: next to the bundle (the extracted bundle's directory), not "next to the
    // spec"
    assert.match(n.err, join(dir, 'approval.cred'));
    assert.not.match(n.err, 'next to the spec');
    const nk = await cli(
      ['replay', `--bundle=${archive}`, '--mode=execute', `--out=${join(dir, 'nokeys.json')}`, '--approval=abc.def'],
      env,
    );
    assert.is(nk.code, 4);
    assert.match(nk.err, 'BYTEOR_E_APPROVAL_KEY_SET_MISSING');
    assert.match(nk.err, join(dir, 'signing_keys.json'));
    assert.not.match(nk.err, 'next to the spec');
    assert.is(
      ReplayAuditV1.parse(JSON.parse(readFileSync(join(dir, 'none.json'), 'utf8'))).actions[2]!.decision,
      'RequireApproval',
    );
    const keySet = join(dir, 'signing_keys.json');
    const pem = join(dir, 'ops.pem');
    assert.is((await cli(['approval', 'keygen', '--kid=ops', `--private-key=${pem}`, `--key-set=${keySet}`])).code, 0);
    const sign = async (file: string, ...args: string[]) => {
      const r = await cli([
        'approval',
        'sign',
        `--private-key=${pem}`,
        '--kid=ops',
        `--spec=${join(dir, 'bundle/spec.kv')}`,
        `--out=${join(dir, file)}`,
        ...args,
      ]);
      assert.is(r.code, 0, r.err);
      return join(dir, file);
    };
    const tryExec = (cred: string, out: string) =>
      cli(
        [
          'replay',
          `--bundle=${archive}`,
          '--mode=execute',
          `--out=${join(dir, out)}`,
          `--approval=${cred}`,
          `--approval-key-set=${keySet}`,
        ],
        env,
      );
    const wrongEnv = await tryExec(await sign('prod.cred', '--env=prod'), 'wrongenv.json');
    assert.is(wrongEnv.code, 4);
    assert.match(wrongEnv.err, 'BYTEOR_E_APPROVAL_ENVIRONMENT_MISMATCH');
    const wrongCap = await tryExec(await sign('cap.cred', '--env=staging', '--capability=exec:*'), 'wrongcap.json');
    assert.is(wrongCap.code, 4);
    assert.match(wrongCap.err, 'BYTEOR_E_APPROVAL_MISSING_CAPABILITY');
    assert.is(bodies.length, RECORDS.length, 'refused before anything ran');

    // 7. execute with a minted approval for this spec and staging: the side effects happen again
    const x = await tryExec(await sign('approval.cred', '--env=staging'), 'exec.json');
    assert.is(x.code, 0, x.err);
    // http_post stages post concurrently (an async pool): each record once per run, in any order
    const upper = RECORDS.map((r) => r.toUpperCase());
    assert.equal([...bodies.slice(0, RECORDS.length)].sort(), [...upper].sort(), 'the run posted every record once');
    assert.equal(
      [...bodies.slice(RECORDS.length)].sort(),
      [...upper].sort(),
      'the executed replay posted every record once',
    );
    const xa = ReplayAuditV1.parse(JSON.parse(readFileSync(join(dir, 'exec.json'), 'utf8')));
    assert.equal(xa.policy, { env: 'staging', approval_provided: true, mode: 'execute' });
    assert.equal(
      xa.actions.map((y) => y.decision),
      ['Allow', 'Allow', 'Allow'],
    );
    assert.is(xa.approval!.kid, 'ops');
    assert.is(xa.spec_sha256, specHash.slice('sha256:'.length));
    assert.equal(xa.result, { ok: true, records_in: 6, records_out: 6, dropped: 0, error: null });
  },
);

test.after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
