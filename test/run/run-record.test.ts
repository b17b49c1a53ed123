// The run records itself (issue 14 item 2): at start a long-running runtime writes its
// invocation (verb, flags, spec, adapter config, plugins with versions, host) and its own
// environment capture (redacted) into its run directory, mode 0600; incident-bundle copies
// them, so the bundle's environment.json is the runtime's, not the bundler's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EnvironmentCapture, verifyBundleDir } from '../../kernel/index.ts';
import { RunInvocation } from '../../kernel/artifacts/run-invocation.ts';
import { cli, tempDir, writeTemp, chainSpec } from './cli-harness.ts';
import { startRuntime, until, liveSnapshot, exitWithin, kill } from './runtime-process.ts';

const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test(
  'the runtime writes invocation.json and environment.json ' + "(0600, redacted); incident-bundle copies the runtime's",
  async () => {
    const dir = tempDir();
    dirs.push(dir);
    const runDir = join(dir, 'rd');
    const spec = writeTemp(dir, 'spec.kv', chainSpec(['identity']));
    const sink = join(dir, 'egress.txt');
    const config = writeTemp(dir, 'runtime_config.txt', `egress.kind=file\negress.path=${sink}\n`);
    const rt = startRuntime(
      [`--spec=${spec}`, '--input=-', `--config=${config}`, `--run-dir=${runDir}`, '--drain-timeout=45s'],
      { BYTEOR_TEST_API_TOKEN: 'hunter2' },
      ['--plugin=edgeplane'],
    );
    try {
      rt.child.stdin!.write('a\nb\n');
      await until('records out', async () => ((await liveSnapshot(runDir)).records.out === 2 ? true : undefined));
      for (const f of ['invocation.json', 'environment.json'])
        assert.is(statSync(join(runDir, f)).mode & 0o777, 0o600, `${f} is 0600`);

      const inv = RunInvocation.parse(JSON.parse(readFileSync(join(runDir, 'invocation.json'), 'utf8')));
      assert.is(inv.verb, 'run');
      assert.is(inv.flags.spec, spec);
      assert.is(inv.flags['drain-timeout'], '45s');
      assert.is(inv.spec.path, spec);
      assert.match(inv.spec.hash, /^sha256:/);
      assert.equal(inv.adapter_config, {
        path: config,
        ingress: null,
        egress: { kind: 'file', settings: { path: sink } },
      });
      assert.ok(inv.plugins.some((p) => p.name === 'edgeplane' && p.version.length > 0));
      assert.ok(inv.plugins.some((p) => p.name === 'run'));
      assert.is(inv.host.pid, rt.child.pid);
      assert.is(inv.host.hostname, hostname());
      assert.is(inv.host.js_runtime.name, 'node');
      assert.is(inv.host.js_runtime.version, process.versions.node);
      assert.ok(inv.argv.includes('run'));

      const envText = readFileSync(join(runDir, 'environment.json'), 'utf8');
      const env = EnvironmentCapture.parse(JSON.parse(envText));
      assert.is(env.pid, rt.child.pid);
      assert.ok(env.args.includes('run'));
      assert.not.match(envText, 'hunter2');
      assert.ok(env.env.some(([k]) => k === 'BYTEOR_TEST_API_TOKEN'));

      const b = join(dir, 'bundle');
      const r = await cli(['incident-bundle', `--out=${b}`, `--spec=${spec}`, `--run-dir=${runDir}`]);
      assert.is(r.code, 0, r.err);
      const m = verifyBundleDir(b);
      assert.ok(m.files.some((f) => f.path === 'invocation.json'));
      const bundled = EnvironmentCapture.parse(JSON.parse(readFileSync(join(b, 'environment.json'), 'utf8')));
      assert.is(bundled.pid, rt.child.pid, "the bundle's environment.json is the runtime's");
      assert.is.not(bundled.pid, process.pid);
      assert.equal(
        JSON.parse(readFileSync(join(b, 'invocation.json'), 'utf8')),
        JSON.parse(readFileSync(join(runDir, 'invocation.json'), 'utf8')),
      );
      rt.child.stdin!.end();
      assert.is(await exitWithin(rt), 0, rt.stderr());
    } finally {
      kill(rt.child);
    }
  },
);

test.run();
