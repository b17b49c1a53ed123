// Starts the real servers the tests talk to (nats-server with JetStream, redis-server,
// PostgreSQL, RabbitMQ, an S3-compatible server: s3rver from npm), each on a free 127.0.0.1
// port with its own temp directory, and returns the env that tells tests where they are. The
// slow starters (RabbitMQ ~8 s, s3rver) are started first and awaited last, so they start
// while the others do. A server whose binary is
// missing is not started; its env var is then unset and the tests that need it fail with the
// package to install (tests never skip silently).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RabbitmqBroker, hasRabbitmq } from './rabbitmq-server.mjs';

const S3RVER = new URL('../node_modules/s3rver/bin/s3rver.js', import.meta.url).pathname;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function has(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

/** PostgreSQL server binaries: Debian keeps them in /usr/lib/postgresql/<major>/bin, off PATH */
function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const v of readdirSync(root).sort((a, b) => Number(b) - Number(a))) {
      const dir = join(root, v, 'bin');
      if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
    }
  }
  return has('initdb') && has('pg_ctl') ? '' : null;
}

/**
 * PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user that
 * the Debian package creates, and its commands run through runuser. Trust auth on 127.0.0.1 only.
 */
async function startPostgres(dirs) {
  const bin = postgresBin();
  if (bin === null) return null;
  const exe = (name) => (bin ? join(bin, name) : name);
  const root = process.getuid?.() === 0;
  let uid = null;
  let gid = null;
  if (root) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) return null;
    uid = Number(id.stdout.trim());
    gid = Number(g.stdout.trim());
  }
  const as = (cmd, args) =>
    root
      ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' })
      : spawnSync(cmd, args, { encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'byteor-pg-'));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  if (root) chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const init = as(exe('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  if (init.status !== 0) {
    process.stderr.write(`[test servers] initdb failed: ${init.stderr}\n`);
    return null;
  }
  const port = await freePort();
  const start = as(exe('pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-t',
    '30',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  if (start.status !== 0) {
    process.stderr.write(`[test servers] pg_ctl start failed: ${start.stderr}\n`);
    return null;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      as(exe('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    },
  };
}

async function waitPort(port, ms = 10_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise((r) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        r(true);
      });
      c.once('error', () => r(false));
    });
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
  let rabbit = null;
  let rabbitReady = Promise.resolve();
  if (hasRabbitmq()) {
    const dir = mkdtempSync(join(tmpdir(), 'byteor-rabbitmq-'));
    dirs.push(dir);
    rabbit = new RabbitmqBroker(dir, {
      amqpPort: await freePort(),
      distPort: await freePort(),
      epmdPort: await freePort(),
      name: `byteor-test-${process.pid}`,
    });
    rabbitReady = rabbit.start().then(
      () => {
        env.BYTEOR_TEST_RABBITMQ_URL = rabbit.url;
      },
      (e) => {
        process.stderr.write(`[test servers] ${e.message}\n`);
      },
    );
  }
  let s3Port = 0;
  if (existsSync(S3RVER)) {
    s3Port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'byteor-s3-'));
    dirs.push(dir);
    procs.push(
      spawn(process.execPath, [S3RVER, '-d', dir, '-a', '127.0.0.1', '-p', String(s3Port), '--silent'], {
        stdio: 'ignore',
      }),
    );
  }
  if (has('nats-server')) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'byteor-nats-'));
    dirs.push(dir);
    const p = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    procs.push(p);
    if (await waitPort(port)) {
      env.BYTEOR_TEST_NATS_URL = `nats://127.0.0.1:${port}`;
      env.BYTEOR_TEST_NATS_STORE = dir;
    }
  }
  if (has('redis-server')) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'byteor-redis-'));
    dirs.push(dir);
    const p = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    procs.push(p);
    if (await waitPort(port)) env.BYTEOR_TEST_REDIS_URL = `redis://127.0.0.1:${port}`;
  }
  const pg = await startPostgres(dirs);
  if (pg) env.BYTEOR_TEST_POSTGRES_URL = pg.url;
  if (s3Port && (await waitPort(s3Port))) env.BYTEOR_TEST_S3_URL = `http://127.0.0.1:${s3Port}`;
  await rabbitReady;
  return {
    env,
    stop: async () => {
      if (pg) pg.stop();
      await rabbit?.stop();
      for (const p of procs) {
        try {
          p.kill('SIGTERM');
        } catch {}
      }
      await new Promise((r) => setTimeout(r, 100));
      for (const d of dirs) {
        try {
          rmSync(d, { recursive: true, force: true });
        } catch {}
      }
    },
  };
}
