import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { IDENTITY_SPEC, exampleConfig, startCli } from './cli.ts';
import { exitWhenDone, requireEnv } from './helpers.ts';

const REDIS = requireEnv('BYTEOR_TEST_REDIS_URL', 'redis-server');
const PG = requireEnv('BYTEOR_TEST_POSTGRES_URL', 'postgresql');
const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-examples-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('postgres -> redis example: every row reaches the stream, the offset is stored', async () => {
  const sfx = `_${process.pid}`;
  const db = new pg.Client({ connectionString: PG });
  await db.connect();
  const redis = new Redis(REDIS);
  try {
    await db.query(`CREATE TABLE events${sfx} (id bigserial PRIMARY KEY, payload bytea NOT NULL)`);
    await db.query(
      `INSERT INTO events${sfx} (payload) SELECT convert_to('event-' || g, 'UTF8') FROM generate_series(0, 299) g`,
    );
    const cfg = exampleConfig(
      'postgres-to-redis.conf',
      dir,
      { 'postgres://postgres@127.0.0.1:5432/postgres': PG, 'redis://127.0.0.1:6379': REDIS },
      sfx,
    );
    const r = await startCli([
      'run',
      '--sp',
      '--plugin=edgeplane',
      `--spec=${IDENTITY_SPEC}`,
      `--config=${cfg}`,
      '--adapter-max-messages=300',
      '--json',
    ]).done;
    assert.is(r.code, 0, r.stderr);
    assert.is(JSON.parse(r.stdout).records_out, 300);
    const out = await redis.xrange(`events${sfx}`, '-', '+');
    assert.equal(
      out.map(([, f]) => f[1]),
      Array.from({ length: 300 }, (_, i) => `event-${i}`),
    );
    const off = await db.query('SELECT last_id FROM byteor_edgeplane_offsets WHERE consumer = $1', [`to-redis${sfx}`]);
    assert.is(Number(off.rows[0].last_id), 300);
  } finally {
    await db.end();
    redis.disconnect();
  }
});

exitWhenDone(test);
test.run();
