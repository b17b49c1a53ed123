#!/usr/bin/env node
// The test command (`npm test`): runs every test/**/*.test.ts in its own process (uvu through
// tsx, with --no-liftoff as the runtime uses), two at a time, each under a timeout so that a
// hang (e.g. a regression of stack-notes G1) fails instead of stalling CI. Real servers the
// tests talk to (nats-server, redis-server) are started here on free 127.0.0.1 ports.
// Ends with one plain line: "N passed, N failed".
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startTestServers } from './test-servers.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const jobs = Number(process.env.BYTEOR_TEST_JOBS ?? 2);
const timeoutMs = Number(process.env.BYTEOR_TEST_TIMEOUT_MS ?? 180_000);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = walk(join(root, 'test')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
const servers = await startTestServers();
const env = { ...process.env, ...servers.env, MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true', NO_COLOR: '1' };

let passed = 0;
let failed = 0;
const failures = [];

function runFile(file) {
  return new Promise((resolve) => {
    const rel = relative(root, file);
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--no-liftoff', '--conditions=source', '--import', 'tsx', file], {
      cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { out += `\n[test runner] timed out after ${timeoutMs} ms\n`; try { process.kill(-child.pid, 'SIGKILL'); } catch {} }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const clean = out.replace(/\x1b\[[0-9;]*m/g, '');
      const total = Number(/Total:\s+(\d+)/.exec(clean)?.[1] ?? NaN);
      const ok = Number(/Passed:\s+(\d+)/.exec(clean)?.[1] ?? NaN);
      let p = 0; let f = 0;
      if (Number.isFinite(total) && Number.isFinite(ok)) { p = ok; f = total - ok; }
      if (code !== 0 && f === 0) f = 1; // crashed, timed out or failed outside a test
      passed += p; failed += f;
      const ms = Date.now() - t0;
      process.stderr.write(`${f ? 'FAIL' : 'ok  '} ${rel} (${p} passed, ${f} failed, ${ms} ms)\n`);
      if (f) { failures.push(rel); process.stderr.write(clean.split('\n').map((l) => `    ${l}`).join('\n') + '\n'); }
      resolve();
    });
  });
}

const queue = [...files];
await Promise.all(Array.from({ length: Math.max(1, jobs) }, async () => {
  while (queue.length) await runFile(queue.shift());
}));
await servers.stop();
if (failures.length) process.stderr.write(`failed files:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && files.length > 0 ? 0 : 1;
