// Starts the real servers the tests talk to, each on a free 127.0.0.1 port with its own temp
// directory, and returns the env that tells tests where they are. A server whose binary is
// missing is not started; its env var is then unset and the tests that need it fail with the
// package to install (tests never skip silently).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function has(bin) { return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0; }

async function waitPort(port, ms = 10_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise((r) => { const c = connect(port, '127.0.0.1'); c.once('connect', () => { c.destroy(); r(true); }); c.once('error', () => r(false)); });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export async function startTestServers() {
  const env = {};
  const procs = [];
  const dirs = [];
  if (process.env.BYTEOR_TEST_NO_SERVERS) return { env, stop: async () => {} };
  if (has('nats-server')) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'byteor-nats-')); dirs.push(dir);
    const p = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    procs.push(p);
    if (await waitPort(port)) { env.BYTEOR_TEST_NATS_URL = `nats://127.0.0.1:${port}`; env.BYTEOR_TEST_NATS_STORE = dir; }
  }
  if (has('redis-server')) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'byteor-redis-')); dirs.push(dir);
    const p = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    procs.push(p);
    if (await waitPort(port)) env.BYTEOR_TEST_REDIS_URL = `redis://127.0.0.1:${port}`;
  }
  return {
    env,
    stop: async () => {
      for (const p of procs) { try { p.kill('SIGTERM'); } catch {} }
      await new Promise((r) => setTimeout(r, 100));
      for (const d of dirs) { try { rmSync(d, { recursive: true, force: true }); } catch {} }
    },
  };
}
