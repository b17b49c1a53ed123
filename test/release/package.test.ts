/**
 * The release check: what a user installs is what this file runs. `npm pack` the checkout (its
 * build is what `npm ci` made; the test refuses a stale one), read the tarball's file list,
 * install the tarball into a fresh project outside the repository *with its install scripts*,
 * and there run every bin from node_modules/.bin: --help, one real example each, a third-party
 * plugin installed as a package beside byteor, and Deno on the installed package. Nothing here
 * runs the TypeScript sources. It fails on any file the package needs and does not carry (by
 * reading the shipped modules' imports, and by running them) and on files it should not carry.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const pkgJson = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};
const tmp = mkdtempSync(join(tmpdir(), 'byteor-release-'));
const project = join(tmp, 'project');
const installed = join(project, 'node_modules', 'byteor');
const DENO = join(repo, 'node_modules', '.bin', 'deno');
const records = readFileSync(join(repo, 'examples', 'records.txt'), 'latin1');

/** the environment of a user's shell: nothing inherited from `npm test` or tsx */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('npm_') || k === 'NODE_OPTIONS' || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function sh(
  cmd: string,
  args: string[],
  cwd: string,
  opts: { input?: string; env?: Record<string, string>; timeout?: number } = {},
): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    input: opts.input,
    env: userEnv(opts.env),
    timeout: opts.timeout ?? 120_000,
    maxBuffer: 64 << 20,
  });
}

const show = (r: SpawnSyncReturns<string>) =>
  `exit ${r.status}${r.error ? ` (${r.error.message})` : ''}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** a bin as the user's shell finds it after `npm install byteor` */
const bin = (name: string, args: string[], opts: Parameters<typeof sh>[3] = {}) =>
  sh(join(project, 'node_modules', '.bin', name), args, project, opts);

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (e.name.endsWith(ext)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

let files: string[] = [];
let ready = false;

test.after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

test('the build is current, and npm pack packs it', () => {
  const main = join(repo, 'dist', 'kernel', 'main.js');
  const wasm = join(repo, 'build', 'core.wasm');
  assert.ok(
    existsSync(main) && existsSync(wasm),
    'dist/ or build/core.wasm is missing: run "npm run build" (npm ci does)',
  );
  const built = statSync(main).mtimeMs;
  const sources = Math.max(newestMtime(join(repo, 'kernel'), '.ts'), newestMtime(join(repo, 'plugins'), '.ts'));
  assert.ok(built >= sources, 'dist/ is older than kernel/ or plugins/: run "npm run build" before this test');
  assert.ok(
    statSync(wasm).mtimeMs >= newestMtime(join(repo, 'assembly'), '.ts'),
    'build/core.wasm is older than assembly/: run "npm run build"',
  );
  // --ignore-scripts: `prepare` would rebuild dist/ under the other tests running now; the check above
  // stands in for it (and CI's npm ci ran the same build)
  const r = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], repo);
  assert.is(r.status, 0, show(r));
  const [packed] = JSON.parse(r.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  assert.ok(existsSync(join(tmp, packed!.filename)), packed!.filename);
  files = packed!.files.map((f) => f.path).sort();
});

test('the tarball carries what the package needs and nothing of the checkout', () => {
  assert.ok(files.length > 0, 'npm pack failed: see the first failure');
  const has = new Set(files);
  const need = [
    'package.json',
    'README.md',
    'build/core.wasm',
    'build/sha256.wasm',
    'build/dataguard.wasm',
    'dist/kernel/main.js',
    'dist/kernel/plugin-api.d.ts',
    'dist/plugins/edgeplane/record-sink.proto',
    'docs/errors.md',
    'examples/chain.kv',
    'examples/records.txt',
  ];
  for (const f of [...need, ...Object.values(pkgJson.bin).map((b) => normalize(b))])
    assert.ok(has.has(f), `the tarball lacks ${f}`);
  for (const [sub, target] of Object.entries(pkgJson.exports)) {
    const conds = typeof target === 'string' ? { default: target } : target;
    for (const [cond, path] of Object.entries(conds)) {
      if (cond === 'source') continue; // the checkout's development condition (docs/plugins.md)
      assert.ok(has.has(normalize(path)), `export "${sub}" (${cond}) names ${path}, which the tarball lacks`);
    }
  }
  const superfluous = files.filter(
    (f) =>
      /^(test|bench|scripts|assembly|kernel|plugins|node_modules)\//.test(f) ||
      /\.tsbuildinfo$|^build\/core\.wat$|^tsconfig|^asconfig|^\.ci\//.test(f) ||
      /^dist\/examples\//.test(f),
  );
  assert.equal(superfluous, [], 'files a user does not need');
});

test('every module the package ships finds what it imports in the package or its dependencies', () => {
  assert.ok(files.length > 0, 'npm pack failed: see the first failure');
  const has = new Set(files);
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const deps = new Set(Object.keys(pkgJson.dependencies));
  const problems: string[] = [];
  for (const f of files.filter((x) => x.endsWith('.js'))) {
    const text = readFileSync(join(repo, f), 'utf8');
    const specs = [
      ...text.matchAll(
        /(?:^|[\s;})])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm,
      ),
    ].map((m) => m[1] ?? m[2]!);
    for (const s of specs) {
      if (s.startsWith('.')) {
        const target = normalize(join(dirname(f), s));
        if (!has.has(target)) problems.push(`${f} imports ${s}: ${target} is not in the tarball`);
      } else if (!builtins.has(s) && !s.startsWith('node:')) {
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
        if (!deps.has(name))
          problems.push(
            `${f} imports ${s}: "${name}" is not a dependency (a devDependency is not installed for users)`,
          );
      }
    }
    // the files it finds from the package root (kernel/package-paths.ts)
    for (const m of text.matchAll(/ownModuleUrl\(\s*["'`]([^"'`$]+)["'`]\s*\)/g)) {
      if (!has.has(`dist/${m[1]}.js`)) problems.push(`${f} starts dist/${m[1]}.js, which the tarball lacks`);
    }
    for (const m of text.matchAll(/(?:moduleAsset|packageFile)\(\s*["'`]([^"'`$]+)["'`]\s*\)/g)) {
      const p = m[0].startsWith('moduleAsset') ? `dist/${m[1]}` : m[1]!;
      if (!has.has(p)) problems.push(`${f} reads ${p}, which the tarball lacks`);
    }
  }
  for (const dir of readdirSync(join(repo, 'plugins'), { recursive: true }) as string[]) {
    if (dir.endsWith('index.ts') && !has.has(`dist/plugins/${dir.replace(/\.ts$/, '.js')}`))
      problems.push(`built-in plugin plugins/${dir} has no dist/ entry in the tarball`);
  }
  assert.equal(problems, []);
});

test('the tarball installs into a fresh project with its install scripts', () => {
  assert.ok(files.length > 0, 'npm pack failed: see the first failure');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'release-check', version: '1.0.0', private: true, type: 'module' }),
  );
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'))!;
  const r = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(tmp, tgz)], project, {
    timeout: 300_000,
  });
  assert.is(r.status, 0, show(r));
  for (const b of Object.keys(pkgJson.bin))
    assert.ok(existsSync(join(project, 'node_modules', '.bin', b)), `bin ${b} was not linked`);
  assert.not.ok(existsSync(join(installed, 'kernel')), 'the installed package carries TypeScript sources');
  ready = true;
});

const installedOk = () => assert.ok(ready, 'the package did not install: see the first failure');

test('every bin answers --help and --version from the installed package', () => {
  installedOk();
  for (const b of Object.keys(pkgJson.bin)) {
    const h = bin(b, ['--help']);
    assert.is(h.status, 0, `${b} --help: ${show(h)}`);
    assert.match(h.stdout, `usage: ${b} <verb>`);
    assert.match(h.stdout, 'validate');
    const v = bin(b, ['--version']);
    assert.is(v.stdout.trim(), pkgJson.version, `${b} --version: ${show(v)}`);
  }
  const e = bin('byteor-edgeplane', ['run', '--help']);
  assert.is(e.status, 0, show(e));
  assert.match(e.stdout, '--config');
});

test('byteor validate and run --sp: the SingleRing example, from another directory', () => {
  installedOk();
  const ex = join(installed, 'examples');
  const v = bin('byteor', ['validate', `--spec=${join(ex, 'chain.kv')}`]);
  assert.is(v.status, 0, show(v));
  const r = bin('byteor', ['run', '--sp', `--spec=${join(ex, 'chain.kv')}`, '--input=-'], { input: records });
  assert.is(r.status, 0, show(r));
  assert.is(r.stdout, records.toUpperCase());
  assert.match(r.stderr, 'run ok: records in 36, out 36');
});

test('byteor-edgeplane: file → file with absolute paths; --plugin=edgeplane capabilities', () => {
  installedOk();
  const out = join(tmp, 'edge.out');
  const conf = join(tmp, 'file-to-file.conf');
  writeFileSync(
    conf,
    `ingress.kind=file\ningress.path=${join(installed, 'examples', 'records.txt')}\negress.kind=file\n` +
      `egress.path=${out}\n`,
  );
  const r = bin('byteor-edgeplane', [
    'run',
    '--sp',
    `--spec=${join(installed, 'examples', 'edgeplane', 'identity.kv')}`,
    `--config=${conf}`,
  ]);
  assert.is(r.status, 0, show(r));
  assert.is(readFileSync(out, 'latin1'), records);
  const c = bin('byteor', ['--plugin=edgeplane', 'capabilities', '--json']);
  assert.is(c.status, 0, show(c));
  const doc = JSON.parse(c.stdout) as { adapters: Array<{ kind: string }> };
  for (const kind of ['file', 'http', 'grpc', 'nats', 'redis_streams', 'postgres'])
    assert.ok(
      doc.adapters.some((a) => a.kind === kind),
      `capabilities lacks adapter ${kind}`,
    );
});

test('byteor-actiongraph: the example as a prod dry run records every side effect and performs none', () => {
  installedOk();
  const r = bin('byteor-actiongraph', [
    'run',
    '--sp',
    `--spec=${join(installed, 'examples', 'actiongraph', 'notify.kv')}`,
    `--input=${join(installed, 'examples', 'records.txt')}`,
    `--output=${join(tmp, 'actiongraph.out')}`,
    '--env=prod',
    '--dry-run',
    '--json',
  ]);
  assert.is(r.status, 0, show(r));
  const summary = JSON.parse(r.stdout) as {
    ok: boolean;
    records_in: number;
    records_out: number;
    counters: Array<{ key: string; values: Record<string, number> }>;
  };
  assert.equal([summary.ok, summary.records_in, summary.records_out], [true, 36, 36]);
  for (const c of summary.counters.filter((x) => x.key !== 'identity'))
    assert.equal([c.values.dry_run, c.values.ok], [36, 0], c.key);
  assert.is(readFileSync(join(tmp, 'actiongraph.out'), 'latin1'), records);
});

test('byteor-dataguard: the fused example against its registry', () => {
  installedOk();
  const dg = join(installed, 'examples', 'dataguard');
  const report = join(tmp, 'dataguard_report.kv');
  const r = bin('byteor-dataguard', [
    'run',
    '--sp',
    `--spec=${join(dg, 'fused.kv')}`,
    `--input=${join(dg, 'input.b64')}`,
    `--registry-root=${join(dg, 'registry')}`,
    '--schema-id=7',
    '--msg-type=1',
    '--required-version=1',
    '--rule=card:mask=0:4:*',
    '--rule=email:hash',
    `--report=${report}`,
  ]);
  assert.is(r.status, 0, show(r));
  assert.is(r.stdout.trim().split('\n').length, 16);
  assert.match(readFileSync(report, 'utf8'), 'report.family=dataguard');
});

test(
  'a third-party plugin, built against the installed ' + 'types and installed as a package, runs in stage workers',
  () => {
    installedOk();
    const src = join(tmp, 'acme-audit');
    cpSync(join(installed, 'examples', 'plugins', 'acme-audit'), src, { recursive: true });
    // the author's project has byteor and @types/node installed; typescript from this checkout
    mkdirSync(join(src, 'node_modules', '@types'), { recursive: true });
    symlinkSync(installed, join(src, 'node_modules', 'byteor'), 'dir');
    symlinkSync(join(repo, 'node_modules', '@types', 'node'), join(src, 'node_modules', '@types', 'node'), 'dir');
    const tsc = sh(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], src);
    assert.is(tsc.status, 0, show(tsc));
    rmSync(join(src, 'node_modules'), { recursive: true });
    const pack = sh('npm', ['pack', '--json', '--pack-destination', tmp], src);
    assert.is(pack.status, 0, show(pack));
    const tgz = (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0]!.filename;
    const inst = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(tmp, tgz)], project, {
      timeout: 300_000,
    });
    assert.is(inst.status, 0, show(inst));

    const caps = bin('byteor', ['capabilities', '--plugin=acme-audit', '--json']);
    assert.is(caps.status, 0, show(caps));
    assert.match(caps.stdout, 'audit_tag:');
    const spec = join(tmp, 'tagging.kv');
    writeFileSync(
      spec,
      [
        'spec.version=1',
        'spec.model=single_ring',
        'spec.name=tagging',
        'single_ring.shards=1',
        'single_ring.ordering=strict',
        'single_ring.producer=single',
        'single_ring.scheduling=dedicated',
        'single_ring.slot_bytes=64',
        'single_ring.wait=block',
        'single_ring.stages.0.key=audit_tag:eu',
        'single_ring.stages.1.key=upper',
        'single_ring.stages.1.depends_on.0=0',
        '',
      ].join('\n'),
    );
    const r = bin(
      'byteor',
      ['run', '--sp', `--spec=${spec}`, '--input=-', '--plugin=acme-audit', '--audit-note=release'],
      { input: 'a\nbb\n' },
    );
    assert.is(r.status, 0, show(r));
    assert.is(r.stdout, 'EU:A\nEU:BB\n');
  },
);

test(
  'plugin init: the scaffold builds and passes its npm test against the installed byteor, then installed by name ' +
    'runs in stage workers and shows its section in the final state file',
  () => {
    installedOk();
    const dir = join(tmp, 'geo-tag');
    const init = bin('byteor', ['plugin', 'init', dir]);
    assert.is(init.status, 0, show(init));
    // the author's `npm install`: byteor is the packed one installed above; typescript and @types/node come from this
    // checkout (offline)
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    mkdirSync(join(dir, 'node_modules', '.bin'));
    symlinkSync(installed, join(dir, 'node_modules', 'byteor'), 'dir');
    symlinkSync(join(repo, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
    symlinkSync(join(repo, 'node_modules', 'typescript'), join(dir, 'node_modules', 'typescript'), 'dir');
    symlinkSync(join('..', 'typescript', 'bin', 'tsc'), join(dir, 'node_modules', '.bin', 'tsc'));
    const t = sh('npm', ['test'], dir, { timeout: 300_000 });
    assert.is(t.status, 0, show(t));
    assert.match(t.stdout, '# pass 2');
    assert.match(t.stdout, '# fail 0');
    rmSync(join(dir, 'node_modules'), { recursive: true });
    const pack = sh('npm', ['pack', '--json', '--pack-destination', tmp], dir);
    assert.is(pack.status, 0, show(pack));
    const tgz = (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0]!.filename;
    const inst = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(tmp, tgz)], project, {
      timeout: 300_000,
    });
    assert.is(inst.status, 0, show(inst));

    const spec = join(tmp, 'geo.kv');
    writeFileSync(
      spec,
      [
        'spec.version=1',
        'spec.model=single_ring',
        'spec.name=geo',
        'single_ring.shards=1',
        'single_ring.ordering=strict',
        'single_ring.producer=single',
        'single_ring.scheduling=dedicated',
        'single_ring.slot_bytes=64',
        'single_ring.wait=block',
        'single_ring.stages.0.key=geo_tag:eu',
        'single_ring.stages.1.key=upper',
        'single_ring.stages.1.depends_on.0=0',
        '',
      ].join('\n'),
    );
    const stateOut = join(tmp, 'geo-state.json');
    const r = bin(
      'byteor',
      [
        'run',
        '--sp',
        `--spec=${spec}`,
        '--input=-',
        '--plugin=geo-tag',
        '--geo-tag-note=release',
        `--state-out=${stateOut}`,
      ],
      { input: 'a\nbb\n' },
    );
    assert.is(r.status, 0, show(r));
    assert.is(r.stdout, 'EU:A\nEU:BB\n');
    const expected = {
      note: 'release',
      batches: 1,
      records: 2,
      outcome: { ok: true, records_in: 2, records_out: 2, dropped: 0 },
    };
    const doc = JSON.parse(readFileSync(stateOut, 'utf8')) as {
      runtime: { state: string };
      sections: Record<string, unknown>;
    };
    assert.is(doc.runtime.state, 'stopped');
    assert.equal(doc.sections.geo_tag, expected);
    // the long-running form: the run directory's last state.json, written after runStopped
    const runDir = join(tmp, 'geo-run');
    const lr = bin('byteor', [
      'run',
      `--spec=${spec}`,
      `--input=${join(installed, 'examples', 'records.txt')}`,
      `--output=${join(tmp, 'geo.out')}`,
      '--plugin=geo-tag',
      '--geo-tag-note=release',
      `--run-dir=${runDir}`,
    ]);
    assert.is(lr.status, 0, show(lr));
    const last = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as {
      sections: Record<string, { note: string; records: number; outcome: { records_out: number } | null }>;
    };
    assert.equal(
      [last.sections.geo_tag!.note, last.sections.geo_tag!.records, last.sections.geo_tag!.outcome?.records_out],
      ['release', 36, 36],
    );
  },
);

test('Deno 2 runs the installed package: the same bytes as Node', () => {
  installedOk();
  assert.ok(existsSync(DENO), `${DENO} is missing: run "npm ci" (the deno npm package ships the binary)`);
  const r = sh(
    DENO,
    [
      'run',
      '-A',
      join(installed, 'bin', 'byteor.js'),
      'run',
      '--sp',
      `--spec=${join(installed, 'examples', 'chain.kv')}`,
      `--input=${join(installed, 'examples', 'records.txt')}`,
    ],
    project,
  );
  assert.is(r.status, 0, show(r));
  assert.is(r.stdout, records.toUpperCase());
});

test.run();
