import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { main } from '../../kernel/cli.ts';
import { IDENTITY_SPEC, exampleConfig, startCli } from './cli.ts';
import { exitWhenDone, requireEnv, until } from './helpers.ts';

const NATS = requireEnv('BYTEOR_TEST_NATS_URL', 'nats-server');
const REDIS = requireEnv('BYTEOR_TEST_REDIS_URL', 'redis-server');
const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-bounded-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a bounded drain stops at N and leaves the rest in the source for the next run', async () => {
  const sfx = `_b${process.pid}`;
  const urls = { 'redis://127.0.0.1:6379': REDIS, 'nats://127.0.0.1:4222': NATS };
  const cfg = exampleConfig('redis-to-jetstream.conf', dir, urls, sfx);
  const redis = new Redis(REDIS);
  try {
    const p = redis.pipeline();
    for (let i = 0; i < 100; i++) p.xadd(`orders${sfx}`, '*', 'data', `x${i}`);
    await p.exec();
    const first = await startCli([
      'run',
      '--sp',
      '--plugin=edgeplane',
      `--spec=${IDENTITY_SPEC}`,
      `--config=${cfg}`,
      '--adapter-max-messages=30',
      '--json',
    ]).done;
    assert.is(first.code, 0, first.stderr);
    assert.is(JSON.parse(first.stdout).records_out, 30);
    const second = await startCli([
      'run',
      '--sp',
      '--plugin=edgeplane',
      `--spec=${IDENTITY_SPEC}`,
      `--config=${cfg}`,
      '--adapter-max-messages=70',
      '--json',
    ]).done;
    assert.is(second.code, 0, second.stderr);
    const nc = await connect({ servers: NATS });
    const jsm = await nc.jetstreamManager();
    await until(
      async () => (await jsm.streams.info(`ORDERS_OUT${sfx}`)).state.messages === 100,
      5_000,
      '100 messages in the stream',
    );
    const pending = (await redis.xpending(`orders${sfx}`, `byteor${sfx}`)) as [number];
    assert.is(Number(pending[0]), 0);
    await nc.close();
  } finally {
    redis.disconnect();
  }
});

test('a config error names the key and exits 2 before anything connects', async () => {
  const cfg = join(dir, 'bad.conf');
  writeFileSync(
    cfg,
    'ingress.kind=redis_streams\ningress.url=redis://127.0.0.1:1\ningress.stream=s\negress.kind=nats\n' +
      'egress.url=nats://127.0.0.1:1\n',
  );
  // in-process (the same CLI entry the binaries call), no child process needed for a refusal
  let out = '';
  let err = '';
  const code = await main(
    ['run', '--sp', '--plugin=edgeplane', `--spec=${IDENTITY_SPEC}`, `--config=${cfg}`, '--json'],
    {
      io: {
        out: (t) => {
          out += t;
        },
        err: (t) => {
          err += t;
        },
        tty: false,
        color: false,
      },
    },
  );
  assert.is(code, 2);
  assert.match(err, /error\[BYTEOR_E_EDGEPLANE_CONFIG\]: ingress\.group: required for adapter kind "redis_streams"/);
  assert.is(JSON.parse(out).error.code, 'BYTEOR_E_EDGEPLANE_CONFIG');
});

exitWhenDone(test);
test.run();
