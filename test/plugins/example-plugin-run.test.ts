/**
 * The example third-party plugin end to end, loaded with --plugin=./examples/plugins/acme-audit:
 * its stage runs inside the stage worker threads (`run --sp`), a long-running runtime shows its
 * snapshot section live and in the state file, and `incident-bundle` carries its artifact.
 * Plus a plugin whose stage can only be created inside a worker. Needs build/core.wasm
 * (`npm run build`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../kernel/cli.ts';
import { captureIO } from '../kernel/capture-io.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'byteor-example-run-'));
const EXAMPLE = './examples/plugins/acme-audit';
const WORKER_ONLY = './test/plugins/fixtures/worker-only-plugin.ts';

async function cli(args: string[]) {
  const io = captureIO();
  const code = await main(args, { io, cwd: repo, env: { ...process.env } });
  return { code, out: io.stdout(), err: io.stderr() };
}

function spec(name: string, keys: string[], slotBytes = 16): string {
  const lines = [
    'spec.version=1',
    'spec.model=single_ring',
    `spec.name=${name}`,
    'single_ring.shards=1',
    'single_ring.ordering=strict',
    'single_ring.producer=single',
    'single_ring.scheduling=dedicated',
    `single_ring.slot_bytes=${slotBytes}`,
    'single_ring.wait=block',
  ];
  keys.forEach((k, i) => {
    lines.push(`single_ring.stages.${i}.key=${k}`);
    if (i > 0) lines.push(`single_ring.stages.${i}.depends_on.0=${i - 1}`);
  });
  const path = join(tmp, `${name}.kv`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

async function until(what: string, cond: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const tagging = spec('acme_tagging', ['audit_tag:eu', 'upper']);

test(
  'run --sp: the plugin stage rewrites records in the ' + 'workers; what does not fit is dropped and counted',
  async () => {
    const input = join(tmp, 'records.txt');
    const output = join(tmp, 'out.txt');
    writeFileSync(input, 'a\nbb\n0123456789abcdef\nccc\n');
    const r = await cli([
      'run',
      '--sp',
      `--spec=${tagging}`,
      `--input=${input}`,
      `--output=${output}`,
      `--plugin=${EXAMPLE}`,
      '--json',
    ]);
    assert.is(r.code, 0, r.err);
    assert.is(readFileSync(output, 'utf8'), 'EU:A\nEU:BB\nEU:CCC\n');
    const summary = JSON.parse(r.out);
    assert.equal([summary.records_in, summary.records_out, summary.dropped, summary.ok], [4, 3, 1, true]);
    const tagStage = summary.counters.find((c: { key: string }) => c.key === 'audit_tag:eu');
    assert.equal([tagStage.values.tagged, tagStage.values.too_long], [3, 1]);
  },
);

test('a plugin whose stage is created only inside stage workers', async () => {
  const s = spec('worker_only', ['identity', 'where_am_i'], 64);
  const input = join(tmp, 'w.txt');
  const output = join(tmp, 'w.out');
  writeFileSync(input, 'one\ntwo\nthree\n');
  const r = await cli([
    'run',
    '--sp',
    `--spec=${s}`,
    `--input=${input}`,
    `--output=${output}`,
    `--plugin=${WORKER_ONLY}`,
    '--json',
  ]);
  assert.is(r.code, 0, r.err);
  assert.is(readFileSync(output, 'utf8'), 'worker\nworker\nworker\n');
  const counters = JSON.parse(r.out).counters.find((c: { key: string }) => c.key === 'where_am_i').values;
  assert.is(counters.setups_in_this_thread, 1, 'the worker imported the plugin module itself and ran its setup once');
  // without the plugin the same spec is refused before anything starts
  const without = await cli(['run', '--sp', `--spec=${s}`, `--input=${input}`, `--output=${output}`, '--json']);
  assert.is(without.code, 3);
  assert.is(JSON.parse(without.out).error.code, 'BYTEOR_E_SPEC_INVALID');
});

test(
  'long-running run: the section in live and state-file snapshots, the state in the run directory, the artifact ' +
    'in the bundle',
  async () => {
    const runDir = join(tmp, 'rd');
    mkdirSync(runDir);
    const output = join(tmp, 'live.out');
    const child = spawn(
      process.execPath,
      [
        '--no-liftoff',
        '--conditions=source',
        '--import',
        'tsx',
        'kernel/main.ts',
        'run',
        `--spec=${tagging}`,
        `--run-dir=${runDir}`,
        `--output=${output}`,
        `--plugin=${EXAMPLE}`,
        '--audit-note=drill-7',
      ],
      { cwd: repo, stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    try {
      child.stdin.write('x\nyy\n');
      await until(
        'the runtime to deliver two records',
        () => existsSync(output) && readFileSync(output, 'utf8') === 'EU:X\nEU:YY\n',
      );

      const live = await cli(['snapshot', `--run-dir=${runDir}`, '--json']);
      assert.is(live.code, 0, live.err);
      const doc = JSON.parse(live.out);
      assert.is(doc.source, 'live');
      assert.equal(doc.sections.acme_audit, {
        audit_v: 1,
        spec_hash: doc.spec_hash,
        note: 'drill-7',
        batches: doc.sections.acme_audit.batches,
        records: 2,
        outcome: null,
      });
      assert.ok(doc.sections.acme_audit.batches >= 1 && doc.sections.acme_audit.batches <= 2);
      const st = doc.shards[0].stages.find((s: { key: string }) => s.key === 'audit_tag:eu');
      assert.is(st.counters.tagged, 2);
    } finally {
      child.stdin.end();
    }
    assert.is(await exited, 0, stderr);

    const state = JSON.parse(readFileSync(join(runDir, 'acme_audit_state.json'), 'utf8'));
    assert.equal(state.outcome, { ok: true, records_in: 2, records_out: 2, dropped: 0, tagged: 2, too_long: 0 });
    assert.is(state.note, 'drill-7');
    const dead = await cli(['snapshot', `--run-dir=${runDir}`, '--json']);
    assert.is(dead.code, 0, dead.err);
    const ddoc = JSON.parse(dead.out);
    assert.is(ddoc.source, 'state_file');
    assert.is(ddoc.sections.acme_audit.records, 2);

    const bundle = join(tmp, 'bundle');
    const b = await cli([
      'incident-bundle',
      `--out=${bundle}`,
      `--spec=${tagging}`,
      `--run-dir=${runDir}`,
      `--plugin=${EXAMPLE}`,
      '--json',
    ]);
    assert.is(b.code, 0, b.err);
    assert.equal(JSON.parse(readFileSync(join(bundle, 'acme_audit.json'), 'utf8')), state);
    const manifest = JSON.parse(b.out).manifest;
    assert.equal(
      manifest.artifacts.find((a: { file: string }) => a.file === 'acme_audit.json'),
      { file: 'acme_audit.json', plugin: 'acme-audit', outcome: 'written', error: null },
    );
    // the bundle's own spec validation knows the plugin's stage family
    assert.is(JSON.parse(readFileSync(join(bundle, 'spec_validation.json'), 'utf8')).ok, true);

    // without a run directory the artifact does not apply
    const b2 = join(tmp, 'bundle2');
    const r2 = await cli(['incident-bundle', `--out=${b2}`, `--spec=${tagging}`, `--plugin=${EXAMPLE}`, '--json']);
    assert.is(r2.code, 0, r2.err);
    assert.is(
      JSON.parse(r2.out).manifest.artifacts.find((a: { file: string }) => a.file === 'acme_audit.json').outcome,
      'not_applicable',
    );
    assert.not.ok(existsSync(join(b2, 'acme_audit.json')));
  },
);

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
