import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplayAuditV1, stableJson } from '../../kernel/index.ts';
import { addJournalWindow, cli } from './bundle-helpers.ts';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-replay-'));
const CHAIN = join(root, 'examples/chain.kv');
const RECORDS = Array.from({ length: 40 }, (_, i) => `user-${i},event-${(i * 7) % 5},order-${1000 + i}`);
const hex = (s: string) => createHash('sha256').update(s).digest('hex');

async function bundle(name: string, spec: string, records: string[] = RECORDS, extra: string[] = []): Promise<string> {
  const out = join(dir, name);
  const r = await cli(['incident-bundle', `--out=${out}`, `--spec=${spec}`, ...extra]);
  assert.is(r.code, 0, r.err);
  addJournalWindow(out, records);
  return out;
}

const audit = (path: string) => ReplayAuditV1.parse(JSON.parse(readFileSync(path, 'utf8')));

test('bundle → replay dry_run: the pipeline consumes the window and the audit is right field by field', async () => {
  const b = await bundle('chain', CHAIN);
  const specHash = JSON.parse(readFileSync(join(b, 'manifest.json'), 'utf8')).spec_hash as string;
  const out = join(dir, 'chain-audit.json');
  const output = join(dir, 'chain-out.txt');
  const before = Date.now();
  const r = await cli(['replay', `--bundle=${b}`, `--out=${out}`, `--output=${output}`, '--last-n=25', '--json']);
  assert.is(r.code, 0, r.err);
  const text = readFileSync(out, 'utf8');
  assert.is(text, stableJson(ReplayAuditV1.parse(JSON.parse(text))), 'the audit round-trips its schema');
  const a = audit(out);
  assert.is(a.audit_v, 1);
  assert.ok(a.created_unix_ms >= before && a.created_unix_ms <= Date.now());
  assert.is(a.bundle_dir, b);
  assert.is(a.spec_sha256, specHash.slice('sha256:'.length));
  const selected = RECORDS.slice(-25);
  assert.equal(a.input, {
    journal_lane: 'ingress',
    journal_path: 'journal/ingress.records',
    last_n: 25,
    scanned_records: 40,
    selected_bytes: selected.reduce((n, s) => n + s.length, 0),
    sample_sha256: selected.slice(0, 16).map(hex),
  });
  assert.equal(a.policy, { env: 'prod', approval_provided: false, mode: 'dry_run' });
  assert.equal(
    a.actions,
    ['identity', 'upper', 'identity'].map((action, i) => ({
      action,
      role: `stage-${i}`,
      input_lane: 'ring',
      output_lane: 'ring',
      stage: String(i),
      target: '',
      decision: 'Allow',
    })),
  );
  assert.equal(a.result, { ok: true, records_in: 25, records_out: 25, dropped: 0, error: null });
  assert.is(a.approval, null);
  assert.is(readFileSync(output, 'utf8'), selected.map((s) => `${s.toUpperCase()}\n`).join(''));
  assert.equal(JSON.parse(r.out).audit, a);
});

test(
  'a .tar.gz bundle is opened and verified like a directory; ' + 'the default audit lands next to it, never inside',
  async () => {
    const b = await bundle('arch', CHAIN);
    const { writeBundleArchive } = await import('../../kernel/index.ts');
    await writeBundleArchive(b, `${b}.tar.gz`);
    // --max-actions=0 refuses before the pipeline starts: the archive is still opened, verified and audited
    const r = await cli(['replay', `--bundle=${b}.tar.gz`, '--max-actions=0']);
    assert.is(r.code, 4, r.err);
    const path = /replay audit written to (\S+)/.exec(r.err)![1]!;
    assert.match(path, new RegExp(`^${b}\\.replay-\\d+\\.json$`));
    const a = audit(path);
    assert.is(a.bundle_dir, `${b}.tar.gz`);
    assert.is(a.input.scanned_records, RECORDS.length);
    assert.is(a.result!.error!.code, 'BYTEOR_E_REPLAY_LIMIT');
  },
);

test("a journal window written under another spec is replayed through the bundle's spec, with a warning", async () => {
  const out = join(dir, 'foreign');
  assert.is((await cli(['incident-bundle', `--out=${out}`, `--spec=${CHAIN}`])).code, 0);
  const other = `sha256:${'0'.repeat(64)}`;
  addJournalWindow(out, RECORDS, 'ingress', {
    lane: 'ingress',
    records: RECORDS.length,
    last_n: 1000,
    run_ids: ['r1'],
    spec_hashes: [other],
    first_unix_ms: 1,
    last_unix_ms: 2,
    source_segments: ['segment-00000001.bjl'],
    torn: false,
  });
  const r = await cli(['replay', `--bundle=${out}`, `--out=${join(dir, 'foreign.json')}`, '--max-actions=0']);
  assert.is(r.code, 4);
  assert.match(r.err, `written by runtimes of other specs (${other})`);
});

test('a tampered bundle is refused with exit 6 and no audit', async () => {
  const b = await bundle('tampered', CHAIN);
  writeFileSync(
    join(b, 'journal/ingress.records'),
    Buffer.concat([readFileSync(join(b, 'journal/ingress.records')), Buffer.from([3, 0, 0, 0, 65, 66, 67])]),
  );
  const out = join(dir, 'tampered-audit.json');
  const r = await cli(['replay', `--bundle=${b}`, `--out=${out}`]);
  assert.is(r.code, 6);
  assert.match(r.err, 'BYTEOR_E_BUNDLE_TAMPERED');
  assert.not.ok(existsSync(out));
});

test('limits: more actions or input bytes than allowed are refused (exit 4), and the refusal is audited', async () => {
  const b = await bundle('limits', CHAIN);
  const out1 = join(dir, 'limit-actions.json');
  // 40 records × 3 stages = 120
  const r1 = await cli(['replay', `--bundle=` + `${b}`, `--out=` + `${out1}`, '--max-actions=119']);
  assert.is(r1.code, 4);
  assert.match(r1.err, 'BYTEOR_E_REPLAY_LIMIT');
  const a1 = audit(out1);
  assert.equal(a1.result, { ok: false, records_in: 0, records_out: 0, dropped: 0, error: a1.result!.error });
  assert.is(a1.result!.error!.code, 'BYTEOR_E_REPLAY_LIMIT');
  const r2 = await cli(['replay', `--bundle=${b}`, `--out=${join(dir, 'limit-bytes.json')}`, '--max-input-bytes=100']);
  assert.is(r2.code, 4);
  assert.match(r2.err, 'BYTEOR_E_REPLAY_LIMIT');
  // an existing audit is never overwritten
  const r3 = await cli(['replay', `--bundle=${b}`, `--out=${out1}`]);
  assert.is(r3.code, 2);
  assert.match(r3.err, 'BYTEOR_E_REPLAY_AUDIT_EXISTS');
});

test('an environment whose replay policy is disabled refuses even a dry run (exit 4)', async () => {
  const b = await bundle('disabled', CHAIN);
  const out = join(dir, 'disabled.json');
  const r = await cli(['replay', `--bundle=${b}`, `--out=${out}`, '--env=dev'], { BYTEOR_REPLAY_POLICY: 'disabled' });
  assert.is(r.code, 4);
  assert.match(r.err, 'BYTEOR_E_REPLAY_DENIED');
  assert.ok(audit(out).actions.every((x) => x.decision === 'Deny'));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
