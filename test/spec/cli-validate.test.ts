import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecValidationReport } from '../../kernel/artifacts/spec-validation.ts';
import { byteor, byteorInProcess, repo } from './cli.ts';
import { kv, SR_HEADER } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'byteor-cli-validate-'));
const file = (name: string, text: string | Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

test(
  'validate: a valid spec (from BYTEOR_SPEC when --spec ' + 'is absent) is exit 0 with the verdict and hash on stdout',
  async () => {
    const a = await byteor(['validate'], { BYTEOR_SPEC: 'examples/chain.kv' });
    assert.is(a.code, 0, a.err);
    assert.is(
      a.out,
      'valid: examples/chain.kv (single_ring, ' +
        'sha256:001efa2faeb5eb3ba5ae5e2105aebb326d3e8ff4711532721935d688eb1f2f73)\n',
    );
    assert.is(a.err, '');
  },
);

test('validate: every example is valid (in process)', async () => {
  for (const f of [
    'chain.kv',
    'chain_authored.kv',
    'diamond.kv',
    'sharded.kv',
    'lanegraph_fanout_merge.kv',
    'lanegraph_plan.kv',
  ]) {
    const r = await byteorInProcess(['validate', `--spec=examples/${f}`]);
    assert.is(r.code, 0, r.err);
    assert.match(
      r.out,
      new RegExp(`^valid: examples/${f.replace('.', '\\.')} \\((single_ring|lane_graph), sha256:[0-9a-f]{64}\\)\n$`),
    );
  }
});

test(
  'validate --json on an invalid spec: exit 3 and {ok, spec_hash, model, errors, warnings} with codes, keys and ' +
    'lines',
  async () => {
    const p = file(
      'bad.kv',
      kv(
        ...SR_HEADER,
        'single_ring.shards=2',
        'single_ring.stages.0.key=identity',
        'single_ring.stages.1.key=mystery',
        'single_ring.stages.1.depends_on.0=0',
        'color=blue',
      ),
    );
    const r = await byteor(['validate', `--spec=${p}`, '--json']);
    assert.is(r.code, 3, r.err);
    const rep = SpecValidationReport.parse(JSON.parse(r.out));
    assert.is(rep.ok, false);
    assert.is(rep.model, 'single_ring');
    assert.match(rep.spec_hash!, /^sha256:/);
    assert.equal(
      rep.errors.map((e) => [e.code, e.key, e.line]),
      [
        ['BYTEOR_E_SPEC_SR_ORDERING', 'single_ring.ordering', undefined],
        ['BYTEOR_E_SPEC_UNKNOWN_STAGE', 'single_ring.stages.1.key', 6],
      ],
    );
    assert.is(rep.errors[0]!.message, 'single_ring ordering strict is not compatible with shards>1 in v1');
    assert.equal(
      rep.warnings.map((w) => [w.code, w.key, w.line]),
      [['BYTEOR_W_SPEC_UNKNOWN_KEY', 'color', 8]],
    );
  },
);

test(
  'validate: malformed input (non-ASCII, no "=") is exit 3 with the line on stderr; a missing file is exit 2; ' +
    'binary is exit 3',
  async () => {
    const nonAscii = file(
      'na.kv',
      Buffer.concat([
        Buffer.from('spec.version=1\nspec.name=caf'),
        Buffer.from([0xc3, 0xa9]),
        Buffer.from('\nno equals here\n'),
      ]),
    );
    const bin = file('bin.kv', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]));
    const a = await byteorInProcess(['validate', `--spec=${nonAscii}`]);
    const c = await byteor(['validate', `--spec=${join(tmp, 'missing.kv')}`]);
    const b = await byteorInProcess(['validate', `--spec=${bin}`, '--json']);
    assert.is(a.code, 3);
    assert.ok(
      a.err.includes(`${nonAscii}:2: error[BYTEOR_E_SPEC_KV_NON_ASCII]: line 2, column 14: byte 0xC3 (not ASCII)`),
      a.err,
    );
    assert.ok(a.err.includes(`${nonAscii}:3: error[BYTEOR_E_SPEC_KV_NO_EQUALS]`), a.err);
    assert.match(a.out, /^invalid: .*na\.kv: 2 errors\n$/);
    assert.is(b.code, 3);
    assert.equal(JSON.parse(b.out), {
      ok: false,
      spec_hash: null,
      model: null,
      errors: [JSON.parse(b.out).errors[0]],
      warnings: [],
    });
    assert.is(JSON.parse(b.out).errors[0].code, 'BYTEOR_E_SPEC_BINARY');
    assert.is(c.code, 2);
    assert.match(c.err, /error\[BYTEOR_E_SPEC_UNREADABLE\]: cannot read spec file .*missing\.kv: no such file/);
  },
);

test('validate: an unknown stage key suggests --plugin; loading the plugin makes the spec valid', async () => {
  const p = file('fx.kv', kv(...SR_HEADER, 'single_ring.stages.0.key=fixture_stage'));
  const a = await byteorInProcess(['validate', `--spec=${p}`]);
  const b = await byteorInProcess(['validate', `--spec=${p}`, '--plugin=./test/spec/fixtures/spec-plugin.ts']);
  assert.is(a.code, 3);
  assert.match(
    a.err,
    /error\[BYTEOR_E_SPEC_UNKNOWN_STAGE\]: single_ring\.stages\.0\.key=fixture_stage: unknown stage key: .*--plugin=NAME\|PATH/,
  );
  assert.is(b.code, 0, b.err);
});

test('validate, describe and dot --help (exit 0)', async () => {
  for (const v of ['validate', 'describe', 'dot']) {
    const h = await byteorInProcess([v, '--help']);
    assert.is(h.code, 0);
    assert.match(h.out, new RegExp(`^usage: byteor ${v}`));
    assert.match(h.out, /--spec=PATH/);
  }
});

test('validate under Deno 2 gives the same verdict and spec hash as under Node', async () => {
  const deno = join(repo, 'node_modules/.bin/deno');
  assert.ok(existsSync(deno), `deno is not installed at ${deno}; it comes with the npm devDependency "deno" (npm ci)`);
  const args = [
    'run',
    '-A',
    '--node-modules-dir=manual',
    'kernel/main.ts',
    'validate',
    '--spec=examples/lanegraph_plan.kv',
    '--json',
  ];
  const r = spawnSync(deno, args, {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.is(r.status, 0, r.stderr);
  const node = await byteorInProcess(['validate', '--spec=examples/lanegraph_plan.kv', '--json']);
  assert.equal(JSON.parse(r.stdout), JSON.parse(node.out));
  assert.is(JSON.parse(r.stdout).ok, true);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
