// examples/systemd/: each unit passes `systemd-analyze verify`, stops with SIGTERM within a
// TimeoutStopSec above run's 30 s drain timeout, runs in the run directory systemd makes for it,
// and every ${VAR} its ExecStart uses is set by its env file; its flags are run's flags.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, repo } from './live-runtime.ts';

const dir = join(repo, 'examples/systemd');
const UNITS = [
  ['byteor-single-ring.service', 'byteor-single-ring.env'],
  ['byteor-lane-graph.service', 'byteor-lane-graph.env'],
] as const;
const DRAIN_TIMEOUT_S = 30;

const directive = (text: string, name: string) =>
  [...text.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((m) => m[1]!);

test('systemd-analyze verify accepts every unit', () => {
  const which = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (which.error) {
    console.log(`skipped: systemd-analyze is not installed (${which.error.message})`);
    return;
  }
  for (const [unit] of UNITS) {
    const r = spawnSync('systemd-analyze', ['verify', join(dir, unit)], { encoding: 'utf8' });
    assert.is(r.status, 0, `${unit}: ${r.stderr}`);
    assert.is(r.stderr.trim(), '', `${unit} verifies without warnings: ${r.stderr}`);
  }
});

test('stop signal, stop timeout above the drain timeout, run directory, env file, run flags', () => {
  const help = execFileSync(CLI[0]!, [...CLI.slice(1), 'run', '--help'], { cwd: repo, encoding: 'utf8' });
  for (const [unit, envFile] of UNITS) {
    const text = readFileSync(join(dir, unit), 'utf8');
    assert.equal(directive(text, 'KillSignal'), ['SIGTERM'], unit);
    assert.ok(
      Number(directive(text, 'TimeoutStopSec')[0]) > DRAIN_TIMEOUT_S,
      `${unit}: TimeoutStopSec above ${DRAIN_TIMEOUT_S} s`,
    );
    const [runtimeDir] = directive(text, 'RuntimeDirectory');
    assert.equal(
      directive(text, 'RuntimeDirectoryMode'),
      ['0700'],
      'the run directory must be 0700 (run refuses another mode)',
    );
    assert.equal(directive(text, 'RuntimeDirectoryPreserve'), ['yes'], 'the last state file outlives the service');
    const exec = directive(text, 'ExecStart')[0]!;
    assert.match(exec, new RegExp(` --run-dir=/run/${runtimeDir}( |$)`), unit);
    const env = readFileSync(join(dir, envFile), 'utf8');
    assert.equal(directive(text, 'EnvironmentFile'), [`/etc/byteor/${envFile.replace(/^byteor-/, '')}`], unit);
    for (const [, v] of exec.matchAll(/\$\{(\w+)\}/g))
      assert.match(env, new RegExp(`^${v}=.+$`, 'm'), `${envFile} sets ${v}`);
    for (const [, flag] of exec.matchAll(/ (--[a-z-]+)=/g))
      assert.ok(help.includes(`  ${flag}=`) || help.includes(`  ${flag} `), `run has ${flag}`);
  }
});

test.run();
