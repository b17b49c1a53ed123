import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar';
import { EnvironmentCapture, extractBundleArchive, verifyBundleDir } from '../../kernel/index.ts';

// issue 15 item 4: 9 of 13 planted secrets reached the bundle directory and its .tar.gz
// (runtime_config.txt verbatim, environment.json by name), and bundle files were 0644.
// Here the 13 are planted, incident-bundle runs in a real child process with umask 000, and
// the bundle directory, the archive's bytes and the extracted archive are searched.

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-bundle-secrets-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const CHAIN = join(root, 'examples/chain.kv');

const s = (i: number) => `pl4nted-s3cret-${String(i).padStart(2, '0')}`;
const CONFIG = [
  '# adapter bindings',
  'ingress.kind=postgres',
  `ingress.url=postgres://u:${s(1)}@db.internal:5432/app`,
  'egress.kind=redis_streams',
  `egress.url=redis://:${s(2)}@cache.internal:6379/0`,
  'egress.stream=orders',
  '',
].join('\n');
const SECRET_ENV: Record<string, string> = {
  DATABASE_URL: `postgres://app:${s(3)}@db.internal/app`,
  PGPASS: s(4),
  AUTH: s(5),
  GITHUB_PAT: s(6),
  PASSWD: s(7),
  MY_PWD: s(8),
  SESSION_COOKIE: s(9),
  MY_API_KEY: s(10),
  GITHUB_TOKEN: s(11),
  DB_PASSWORD: s(12),
  AWS_SECRET_ACCESS_KEY: s(13),
};
const PLAIN_ENV = {
  HOME: '/home/op',
  LANG: 'C.UTF-8',
  SERVICE_URL: 'https://api.example.com/v1?x=1',
  PATH: '/usr/bin:/bin',
};
const PLANTED = Array.from({ length: 13 }, (_, i) => s(i + 1));

function cliUmask0(args: string[], env: Record<string, string>) {
  return spawnSync(
    '/bin/sh',
    [
      '-c',
      'umask 000 && exec "$0" "$@"',
      process.execPath,
      '--conditions=source',
      '--import',
      'tsx',
      'kernel/main.ts',
      ...args,
    ],
    { cwd: root, env: { ...env, PATH: '/usr/bin:/bin' }, encoding: 'utf8' },
  );
}

function filesUnder(d: string): string[] {
  return readdirSync(d, { recursive: true, encoding: 'utf8' }).map((r) => join(d, r));
}
function leaksIn(files: string[]): string[] {
  const found: string[] = [];
  for (const f of files) {
    if (!statSync(f).isFile()) continue;
    const text = readFileSync(f).toString('latin1');
    for (const p of PLANTED) if (text.includes(p)) found.push(`${p} in ${f}`);
  }
  return found;
}

let bundle = '';
test.before(() => {
  // a real run directory with a journal, so the bundle has a subdirectory too
  const input = join(dir, 'in.txt');
  writeFileSync(input, 'a\nb\nc\n');
  const rd = join(dir, 'rd');
  // the runtime holds the planted secrets too: the bundle's environment.json is the one it
  // recorded in its run directory (issue 14 item 2), and must be as redacted as the bundler's
  const run = cliUmask0(
    ['run', `--spec=${CHAIN}`, `--input=${input}`, `--output=${join(dir, 'out.txt')}`, `--run-dir=${rd}`],
    { ...SECRET_ENV, ...PLAIN_ENV, TMPDIR: dir },
  );
  assert.is(run.status, 0, run.stderr);
  const cfg = join(dir, 'runtime_config.txt');
  writeFileSync(cfg, CONFIG);
  bundle = join(dir, 'bundle');
  const r = cliUmask0(
    ['incident-bundle', `--out=${bundle}`, `--spec=${CHAIN}`, `--config=${cfg}`, `--run-dir=${rd}`, '--archive'],
    { ...SECRET_ENV, ...PLAIN_ENV, TMPDIR: dir },
  );
  assert.is(r.status, 0, r.stderr);
});

test('the 13 planted secrets: none in the bundle directory, the .tar.gz bytes or the extracted archive', async () => {
  const leaked = leaksIn(filesUnder(bundle));
  const gz = gunzipSync(readFileSync(`${bundle}.tar.gz`)).toString('latin1');
  for (const p of PLANTED) if (gz.includes(p)) leaked.push(`${p} in the archive`);
  const extracted = await extractBundleArchive(`${bundle}.tar.gz`, join(dir, 'x'));
  leaked.push(...leaksIn(filesUnder(extracted)));
  assert.equal(leaked, [], `planted 13, leaked ${leaked.length}`);
  console.log(`bundle secrets: planted ${PLANTED.length}, leaked ${leaked.length}`);
  verifyBundleDir(bundle);
});

test('what is not secret is kept: plain variables, config keys and plain config lines', () => {
  const env = Object.fromEntries(
    EnvironmentCapture.parse(JSON.parse(readFileSync(join(bundle, 'environment.json'), 'utf8'))).env,
  );
  for (const [k, v] of Object.entries(PLAIN_ENV)) assert.is(env[k], v, k);
  assert.ok(env.PWD?.startsWith('/'), "the shell's PWD (set by sh) is not a secret");
  for (const k of Object.keys(SECRET_ENV)) assert.ok(env[k] !== undefined && env[k] !== SECRET_ENV[k], k);
  assert.is(env.DATABASE_URL, 'postgres://<redacted>@db.internal/app');
  const cfg = readFileSync(join(bundle, 'runtime_config.txt'), 'utf8');
  assert.is(cfg, CONFIG.replace(`u:${s(1)}@`, '<redacted>@').replace(`:${s(2)}@`, '<redacted>@'));
});

test(
  'bundle files are 0600 and directories 0700 under umask ' + '000, in the directory, the archive file and its entries',
  async () => {
    const wrong: string[] = [];
    const check = (p: string, want: number) => {
      const m = statSync(p).mode & 0o777;
      if (m !== want) wrong.push(`${p} ${m.toString(8)}`);
    };
    check(bundle, 0o700);
    for (const f of filesUnder(bundle)) check(f, statSync(f).isDirectory() ? 0o700 : 0o600);
    check(`${bundle}.tar.gz`, 0o600);
    await tar.t({
      file: `${bundle}.tar.gz`,
      onReadEntry: (e) => {
        const m = (e.mode ?? 0) & 0o777;
        const want = e.type === 'Directory' ? 0o700 : 0o600;
        if (m !== want) wrong.push(`entry ${e.path} ${m.toString(8)}`);
      },
    });
    assert.ok(
      filesUnder(bundle).some((f) => statSync(f).isDirectory()),
      'the bundle has a subdirectory (journal/)',
    );
    assert.equal(wrong, []);
  },
);

test.run();
