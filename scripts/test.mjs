#!/usr/bin/env node
// The test command (`npm test`): runs every test/**/*.test.ts in its own process (uvu through
// tsx, with --no-liftoff as the runtime uses), two at a time, each under a timeout (5 min: the
// release check installs the packed package from the registry) so that a hang (e.g. a
// regression of the --no-liftoff bug, docs/runtime.md) fails instead of stalling CI. Real servers
// the tests talk to (nats-server, redis-server, postgres, rabbitmq-server, s3rver) are started
// here on free 127.0.0.1 ports.
// Each file runs with a TMPDIR of its own, removed when it ends (a test killed by its timeout
// leaves nothing either); what a file left there is named on stderr so it can be fixed.
// First, the source checks: `biome check` (lint and format, biome.json) and the line-length check
// (scripts/line-length.mjs), each counted as one test (with a filter, only a check whose name the
// filter names runs, e.g. `node scripts/test.mjs biome`); `npm run format` fixes what they report.
// Ends with one plain line: "N passed, N failed".
// Stopped by SIGINT or SIGTERM (Ctrl-C, a CI timeout), it kills the test files still running and
// stops the servers before it exits (130 / 143): the files run detached, in process groups of
// their own, and would outlive it, as would the servers.
// BYTEOR_TEST_DIR: where the *.test.ts files are (default test/; the runner's own test points it
// at a fixture); BYTEOR_TEST_SERVERS=none: start no server.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startTestServers } from './test-servers.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const jobs = Number(process.env.BYTEOR_TEST_JOBS ?? 2);
const timeoutMs = Number(process.env.BYTEOR_TEST_TIMEOUT_MS ?? 300_000);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// filters match the path from the repository root (not the checkout's own folder name)
const files = walk(process.env.BYTEOR_TEST_DIR ?? join(root, 'test')).filter(
  (f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)),
);
const checks = [
  {
    name: 'biome check',
    command: join(root, 'node_modules', '.bin', 'biome'),
    args: ['check', '--error-on-warnings', '--colors=off'],
  },
  { name: 'line-length check', command: process.execPath, args: [join(root, 'scripts', 'line-length.mjs'), '--check'] },
].filter((c) => filters.length === 0 || filters.some((x) => c.name.includes(x)));
const noServers = { env: {}, stop: async () => {} };
const servers = files.length && process.env.BYTEOR_TEST_SERVERS !== 'none' ? await startTestServers() : noServers;
const env = { ...process.env, ...servers.env, MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true', NO_COLOR: '1' };

// short: unix socket paths under it must stay within 108 bytes
const tmpRoot = mkdtempSync(join(tmpdir(), 'byteor-test-'));
// tsx keeps its transform cache in $TMPDIR/tsx-<euid>: every file's TMPDIR links to the usual one
const tsxCacheName = `tsx-${process.geteuid?.() ?? 'user'}`;
const tsxCache = join(tmpdir(), tsxCacheName);
mkdirSync(tsxCache, { recursive: true, mode: 0o700 });
let passed = 0;
let finished = 0;
/** the process groups of the test files running now */
const running = new Set();
let stopping = false;
async function stopOnSignal(signal) {
  if (stopping) return;
  stopping = true;
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  await servers.stop();
  rmSync(tmpRoot, { recursive: true, force: true });
  process.stderr.write(`[test runner] ${signal}: stopped ${running.size} running test file(s) and the test servers\n`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);
let failed = 0;
const failures = [];

for (const check of checks) {
  const t0 = Date.now();
  const r = spawnSync(check.command, check.args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ok = r.status === 0;
  if (ok) passed++;
  else {
    failed++;
    failures.push(check.name);
  }
  process.stderr.write(
    `${ok ? 'ok  ' : 'FAIL'} ${check.name} (${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed, ${Date.now() - t0} ms)\n`,
  );
  const out = `${r.error ? String(r.error) : ''}${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (!ok)
    process.stderr.write(
      out
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n') + '\n',
    );
}

function runFile(file) {
  return new Promise((resolve) => {
    const rel = relative(root, file);
    const t0 = Date.now();
    const fileTmp = mkdtempSync(join(tmpRoot, 't'));
    symlinkSync(tsxCache, join(fileTmp, tsxCacheName));
    const child = spawn(process.execPath, ['--no-liftoff', '--conditions=source', '--import', 'tsx', file], {
      cwd: root,
      env: { ...env, TMPDIR: fileTmp },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child.pid);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => {
      out += `\n[test runner] timed out after ${timeoutMs} ms\n`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child.pid);
      const clean = out.replace(/\x1b\[[0-9;]*m/g, '');
      const total = Number(/Total:\s+(\d+)/.exec(clean)?.[1] ?? NaN);
      const ok = Number(/Passed:\s+(\d+)/.exec(clean)?.[1] ?? NaN);
      let p = 0;
      let f = 0;
      if (Number.isFinite(total) && Number.isFinite(ok)) {
        p = ok;
        f = total - ok;
      }
      if (code !== 0 && f === 0) f = 1; // crashed, timed out or failed outside a test
      passed += p;
      failed += f;
      const ms = Date.now() - t0;
      finished++;
      process.stderr.write(
        `${f ? 'FAIL' : 'ok  '} ${rel} (${p} passed, ${f} failed, ${ms} ms) [${finished}/${files.length} files]\n`,
      );
      let left = [];
      try {
        left = readdirSync(fileTmp).filter((n) => n !== tsxCacheName);
      } catch {}
      if (left.length)
        process.stderr.write(
          `note: ${rel} left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in its TMPDIR (removed): ` +
            `${left.slice(0, 5).join(', ')}${left.length > 5 ? ', …' : ''}\n`,
        );
      try {
        rmSync(fileTmp, { recursive: true, force: true });
      } catch {}
      if (f) {
        failures.push(rel);
        process.stderr.write(
          clean
            .split('\n')
            .map((l) => `    ${l}`)
            .join('\n') + '\n',
        );
      }
      resolve();
    });
  });
}

const queue = [...files];
await Promise.all(
  Array.from({ length: Math.max(1, jobs) }, async () => {
    while (queue.length) await runFile(queue.shift());
  }),
);
await servers.stop();
rmSync(tmpRoot, { recursive: true, force: true });
if (failures.length) process.stderr.write(`failed files:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && files.length + checks.length > 0 ? 0 : 1;
