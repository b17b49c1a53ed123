// A private RabbitMQ broker for the tests (Debian's rabbitmq-server, 3.9+ for stream queues):
// its own temp directory (mnesia, logs, Erlang cookie), its own node name and ports, and its
// own epmd (ERL_EPMD_PORT), so it never meets a system broker or another test run. AMQP
// 0-9-1 only (no plugins). Start takes ~8 s on a 2-core machine: start it early, await later.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export function hasRabbitmq() {
  return existsSync(RABBITMQ_SERVER);
}

function portOpen(port) {
  return new Promise((r) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      r(true);
    });
    c.once('error', () => r(false));
  });
}

/**
 * A broker in `dir` (created) on the given ports. `start()` resolves once its AMQP port accepts
 * connections; `kill()` is SIGKILL (no flush, for restart tests); `stop()` ends it and its epmd.
 */
export class RabbitmqBroker {
  constructor(dir, { amqpPort, distPort, epmdPort, name }) {
    this.dir = dir;
    this.amqpPort = amqpPort;
    this.epmdPort = epmdPort;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    this.env = {
      ...process.env,
      HOME: dir,
      RABBITMQ_NODENAME: `${name}@localhost`,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(amqpPort),
      RABBITMQ_DIST_PORT: String(distPort),
      ERL_EPMD_PORT: String(epmdPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    };
    this.proc = null;
    this.url = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
    // a test process that dies (an uncaught error) must not leave its broker running
    this.onExit = () => {
      try {
        if (this.proc) process.kill(-this.proc.pid, 'SIGKILL');
      } catch {}
      this.killEpmd();
    };
    process.once('exit', this.onExit);
  }

  killEpmd() {
    spawnSync('epmd', ['-kill'], { env: { ...process.env, ERL_EPMD_PORT: String(this.epmdPort) }, stdio: 'ignore' });
  }

  async start(ms = 60_000) {
    const p = spawn(RABBITMQ_SERVER, [], { env: this.env, stdio: 'ignore', detached: true });
    this.proc = p;
    let exited = false;
    p.once('exit', () => {
      exited = true;
    });
    p.once('error', () => {
      exited = true;
    });
    const until = Date.now() + ms;
    while (Date.now() < until && !exited) {
      if (await portOpen(this.amqpPort)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.signal('SIGKILL');
    throw new Error(
      `rabbitmq-server did not accept AMQP connections on 127.0.0.1:${this.amqpPort} within ${ms} ms (logs in ` +
        `${join(this.dir, 'log')})`,
    );
  }

  signal(sig) {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    const gone = new Promise((r) => p.once('exit', () => r()));
    try {
      process.kill(-p.pid, sig);
    } catch {
      return Promise.resolve();
    }
    return gone;
  }

  /** SIGKILL: the broker gets no chance to flush or close connections */
  async kill() {
    await this.signal('SIGKILL');
    this.proc = null;
  }

  /** end the broker (SIGTERM, SIGKILL after 10 s) and its epmd */
  async stop() {
    const t = setTimeout(() => {
      void this.signal('SIGKILL');
    }, 10_000);
    await this.signal('SIGTERM');
    clearTimeout(t);
    this.proc = null;
    this.killEpmd();
    process.removeListener('exit', this.onExit);
  }
}
