import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main, globalHelp } from '../../kernel/cli.ts';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import type { z } from 'zod';
import { BUILTIN_PLUGINS, DEFAULT_PLUGINS } from '../../kernel/builtin-plugins.ts';
import { GLOBAL_FLAGS } from '../../kernel/global-options.ts';
import { EXIT_CODE_TABLE, ExitCode } from '../../kernel/exit-codes.ts';
import { packageVersion } from '../../kernel/version.ts';
import { captureIO } from './capture-io.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const ECHO = './test/kernel/fixtures/echo-verb-plugin.ts';
const ECHO_EXT = './test/kernel/fixtures/echo-extension-plugin.ts';

async function cli(args: string[]) {
  const io = captureIO();
  const code = await main(args, { io, cwd: repo, env: {} });
  return { code, out: io.stdout(), err: io.stderr() };
}

function hasExitTable(text: string) {
  for (const [c, m] of EXIT_CODE_TABLE) assert.ok(text.includes(`${c}  ${m}`), `exit code ${c} missing from help`);
}

test('global --help: usage, every verb, global flags and the exit-code table on stdout, exit 0', async () => {
  const r = await cli(['--help', `--plugin=${ECHO}`]);
  assert.is(r.code, ExitCode.OK);
  assert.match(r.out, /^usage: byteor <verb>/);
  assert.match(r.out, /\n  echo +print the parsed flags \(test fixture\)  \[echo-verb\]/);
  assert.match(r.out, /\n  capabilities +/);
  assert.match(r.out, /--plugin=NAME\|PATH\|PACKAGE/);
  hasExitTable(r.out);
  assert.is(r.err, '');
});

test('no verb: help on stderr, exit 2', async () => {
  const r = await cli([]);
  assert.is(r.code, ExitCode.USAGE);
  assert.is(r.out, '');
  assert.match(r.err, /^usage: byteor <verb>/);
});

test('--version prints the package version', async () => {
  const r = await cli(['--version']);
  assert.is(r.code, 0);
  assert.is(r.out, `${packageVersion()}\n`);
});

test(
  '<verb> --help for every verb of the default plugins: ' + 'its flags, the global flags and the exit codes',
  async () => {
    const k = new Kernel();
    await loadPlugins(k, [...DEFAULT_PLUGINS], repo);
    const verbs = k.verbs();
    assert.ok(verbs.length >= 1);
    for (const { verb } of verbs) {
      for (const h of ['--help', '-h']) {
        const r = await cli([verb.name, h]);
        assert.is(r.code, ExitCode.OK, `${verb.name} ${h}`);
        assert.ok(r.out.startsWith(`usage: byteor ${verb.name} `), verb.name);
        assert.ok(r.out.includes(verb.summary), verb.name);
        for (const flag of Object.keys(verb.flags.options))
          assert.ok(r.out.includes(`--${flag}`), `${verb.name} --help lists --${flag}`);
        assert.ok(r.out.includes('--json'), verb.name);
        hasExitTable(r.out);
      }
    }
    assert.ok(globalHelp(k, 'byteor').includes('exit codes:'));
  },
);

/** The flag names a help text lists in its "flags:" section, in order. */
function helpFlags(text: string): string[] {
  const section = text.slice(text.indexOf('\nflags:\n'), text.indexOf('\nexit codes:\n'));
  return [...section.matchAll(/^ {2}--([a-z0-9-]+)/gm)].map((m) => m[1]!);
}

test(
  "<verb> --help of every built-in verb lists exactly the flags its schemas parse (its own, its extensions', the " +
    'global ones)',
  async () => {
    const all = Object.keys(BUILTIN_PLUGINS);
    const k = new Kernel();
    await loadPlugins(k, all, repo);
    const shapeKeys = (s: unknown) => Object.keys((s as z.ZodObject).shape);
    for (const { verb } of k.verbs()) {
      const r = await cli([verb.name, '--help', ...all.map((p) => `--plugin=${p}`)]);
      assert.is(r.code, ExitCode.OK, verb.name);
      const expected = [
        ...shapeKeys(verb.flags.schema),
        ...k.verbExtensions(verb.name).flatMap(({ ext }) => shapeKeys(ext.flags.schema)),
        ...shapeKeys(GLOBAL_FLAGS.schema),
      ];
      assert.equal(helpFlags(r.out), expected, `${verb.name} --help`);
      // and each line shows what parsing expects: a value for a string flag, none for a switch
      for (const [name, o] of Object.entries(verb.flags.options)) {
        assert.ok(
          r.out.includes(`  --${name}${o.type === 'string' ? `=${o.value ?? 'VALUE'}` : ' '}`),
          `${verb.name} --${name}`,
        );
      }
    }
    assert.ok(k.verbExtensions('run').length >= 3, 'run has the extensions of metrics, actiongraph and dataguard');
  },
);

test('verb --help includes flags that other plugins add with extendVerb', async () => {
  const r = await cli(['echo', '--help', `--plugin=${ECHO}`, `--plugin=${ECHO_EXT}`]);
  assert.is(r.code, 0);
  assert.match(r.out, /--count=N/);
  assert.match(r.out, /--tag=TAG \(repeatable\)/);
  assert.match(r.out, /--region=eu\|us +where \(added by echo-extension\)/);
});

test('flags are parsed with the verb schema; extension flags are merged into ctx.flags', async () => {
  const r = await cli([
    'echo',
    `--plugin=${ECHO}`,
    `--plugin=${ECHO_EXT}`,
    '--count=3',
    '-t',
    'a',
    '--tag=b',
    '--loud',
    '--region=us',
    'pos1',
    '--json',
  ]);
  assert.is(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out), {
    flags: { count: 3, tag: ['a', 'b'], loud: true, region: 'us' },
    positionals: ['pos1'],
    json: true,
  });
  const d = await cli(['echo', `--plugin=${ECHO}`, `--plugin=${ECHO_EXT}`]);
  assert.equal(JSON.parse(d.out), {
    flags: { count: 1, tag: [], loud: false, region: 'eu' },
    positionals: [],
    json: false,
  });
  // --plugin in the space-separated form, and the verb's own exit code is returned
  const s = await cli(['echo', '--plugin', ECHO, '--count=7']);
  assert.is(s.code, ExitCode.RUNTIME_FAILURE);
});

test('unknown verb: exit 2, BYTEOR_E_USAGE_UNKNOWN_VERB; with --json a JSON error on stdout', async () => {
  const r = await cli(['frobnicate']);
  assert.is(r.code, ExitCode.USAGE);
  assert.is(r.out, '');
  assert.match(r.err, /^error\[BYTEOR_E_USAGE_UNKNOWN_VERB\]: unknown verb "frobnicate"; run "byteor --help"/);
  const j = await cli(['frobnicate', '--json']);
  assert.is(j.code, ExitCode.USAGE);
  const body = JSON.parse(j.out);
  assert.equal(Object.keys(body), ['ok', 'error']);
  assert.is(body.ok, false);
  assert.equal(Object.keys(body.error), ['code', 'message', 'exit_code']);
  assert.is(body.error.code, 'BYTEOR_E_USAGE_UNKNOWN_VERB');
  assert.is(body.error.exit_code, 2);
  assert.ok(j.out.endsWith('}\n'));
});

test('unknown flag and bad flag values: exit 2, BYTEOR_E_USAGE_BAD_FLAG naming the flag', async () => {
  const u = await cli(['echo', `--plugin=${ECHO}`, '--nope']);
  assert.is(u.code, ExitCode.USAGE);
  assert.match(u.err, /error\[BYTEOR_E_USAGE_BAD_FLAG\]: .*--nope.*; run "byteor echo --help"/);
  const v = await cli(['echo', `--plugin=${ECHO}`, '--count=zero', '--json']);
  assert.is(v.code, ExitCode.USAGE);
  const body = JSON.parse(v.out);
  assert.is(body.error.code, 'BYTEOR_E_USAGE_BAD_FLAG');
  assert.match(body.error.message, /^--count: /);
  const e = await cli(['echo', `--plugin=${ECHO}`, `--plugin=${ECHO_EXT}`, '--region=mars']);
  assert.is(e.code, ExitCode.USAGE);
  assert.match(e.err, /--region: /);
  const b = await cli(['echo', `--plugin=${ECHO}`, '--loud=yes']);
  assert.is(b.code, ExitCode.USAGE);
  const p = await cli(['echo', '--plugin']);
  assert.is(p.code, ExitCode.USAGE);
  assert.match(p.err, /--plugin needs a value/);
  const pe = await cli(['echo', '--plugin=']);
  assert.is(pe.code, ExitCode.USAGE);
});

test(
  'a plugin that adds a global flag to a verb is refused ' + 'when it loads, naming the plugin, whatever the flags',
  async () => {
    for (const args of [['--json'], []]) {
      const r = await cli([
        'echo',
        `--plugin=${ECHO}`,
        '--plugin=./test/kernel/fixtures/json-flag-clash-plugin.ts',
        ...args,
      ]);
      assert.is(r.code, ExitCode.RUNTIME_FAILURE);
      assert.match(
        r.err,
        /BYTEOR_E_PLUGIN_DUPLICATE.*plugin "json-flag-clash" adds flag --json to verb "echo", which already has it/,
      );
    }
  },
);

test('plugin load failures are reported with the plugin named, exit 2 (not found) or 1', async () => {
  const nf = await cli(['capabilities', '--plugin=./does/not/exist.ts', '--json']);
  assert.is(nf.code, ExitCode.USAGE);
  const body = JSON.parse(nf.out);
  assert.is(body.error.code, 'BYTEOR_E_PLUGIN_NOT_FOUND');
  assert.equal(body.error.details, { plugin: './does/not/exist.ts' });
  const dep = await cli(['capabilities', `--plugin=${ECHO_EXT}`, '--json']);
  assert.is(dep.code, ExitCode.RUNTIME_FAILURE);
  assert.equal(JSON.parse(dep.out).error.details, { plugin: 'echo-extension', hook: 'load', dependency: 'echo-verb' });
});

test('the real process: exit status, JSON error on stdout, message on stderr', () => {
  const r = spawnSync(
    process.execPath,
    ['--no-liftoff', '--conditions=source', '--import', 'tsx', 'kernel/main.ts', 'frobnicate', '--json'],
    {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  assert.is(r.status, 2, r.stderr);
  assert.is(JSON.parse(r.stdout).error.code, 'BYTEOR_E_USAGE_UNKNOWN_VERB');
  assert.match(r.stderr, /^error\[BYTEOR_E_USAGE_UNKNOWN_VERB\]/);
  const ok = spawnSync(
    process.execPath,
    [
      '--no-liftoff',
      '--conditions=source',
      '--import',
      'tsx',
      'kernel/main.ts',
      'echo',
      `--plugin=${ECHO}`,
      '--count=2',
    ],
    {
      cwd: repo,
      encoding: 'utf8',
    },
  );
  assert.is(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).flags.count, 2);
});

test.run();
