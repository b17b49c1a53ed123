// scripts/test.mjs stopped by a signal (Ctrl-C, a CI job's timeout): the test files it runs are
// detached process groups and would outlive it; it kills them, removes their temporary
// directories and exits 143 (SIGTERM) / 130 (SIGINT). Driven with a fixture directory holding
// one test file that never ends (BYTEOR_TEST_DIR) and no servers (BYTEOR_TEST_SERVERS=none).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const) {
  test(`${signal}: the running test file is killed, its TMPDIR removed, exit ${code}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byteor-runner-'));
    let pid = 0;
    try {
      const report = join(dir, 'sleeper.json');
      writeFileSync(
        join(dir, 'sleeper.test.ts'),
        "import { writeFileSync } from 'node:fs';\n" +
          'const report = { pid: process.pid, tmp: process.env.TMPDIR };\n' +
          'writeFileSync(process.env.SLEEPER_REPORT!, JSON.stringify(report));\n' +
          'setInterval(() => {}, 1000);\n',
      );
      const runner = spawn(process.execPath, [join(root, 'scripts/test.mjs'), 'sleeper'], {
        cwd: root,
        env: { ...process.env, BYTEOR_TEST_DIR: dir, BYTEOR_TEST_SERVERS: 'none', SLEEPER_REPORT: report },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      runner.stderr.on('data', (d) => {
        err += d;
      });
      const exited = new Promise<number | null>((r) => runner.on('exit', (c) => r(c)));
      await until('the test file to start', () => existsSync(report));
      const got = JSON.parse(readFileSync(report, 'utf8')) as { pid: number; tmp: string };
      pid = got.pid;
      const tmp = got.tmp;
      assert.ok(alive(pid));
      runner.kill(signal);
      assert.is(await exited, code, err);
      await until('the test file to die', () => !alive(pid), 5_000);
      assert.not.ok(existsSync(tmp), 'its TMPDIR is removed');
      assert.match(err, `${signal}: stopped 1 running test file(s)`);
    } finally {
      if (pid !== 0 && alive(pid)) process.kill(pid, 'SIGKILL'); // the runner failed to: do not leak it
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
