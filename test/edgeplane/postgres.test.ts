import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { postgresAdapter } from '../../plugins/edgeplane/postgres.ts';
import { Pump, RecordingSink, freePort, requireEnv, until, exitWhenDone } from './helpers.ts';

const PG = requireEnv('BYTEOR_TEST_POSTGRES_URL', 'postgresql');
const db = new pg.Client({ connectionString: PG });
const t = (s: string) => `ep_${process.pid}_${s}`;
test.before(async () => {
  await db.connect();
});
test.after(async () => {
  await db.end();
});

async function table(name: string, type = 'bytea') {
  await db.query(`CREATE TABLE ${name} (id bigserial PRIMARY KEY, payload ${type} NOT NULL)`);
}

test('table mode reads rows in id order and resumes after the last acknowledged id', async () => {
  const src = t('src');
  await table(src, 'text');
  for (let i = 0; i < 50; i++) await db.query(`INSERT INTO ${src} (payload) VALUES ($1)`, [`row${i}`]);
  const settings = { url: PG, table: src, consumer: 'c1', batch: '16', poll_ms: '20' };
  const first = postgresAdapter.ingress!({ ...settings, close_grace_ms: '0' }, {});
  const s1 = new RecordingSink();
  await first.start(s1);
  await s1.until(() => s1.records.length === 50, 5_000, '50 rows');
  assert.equal(
    s1.texts(),
    Array.from({ length: 50 }, (_, i) => `row${i}`),
  );
  await first.ack!(s1.tokens.slice(0, 30));
  await first.close();
  const stored = await db.query('SELECT last_id FROM byteor_edgeplane_offsets WHERE consumer = $1', ['c1']);
  assert.is(String(stored.rows[0].last_id), String(s1.tokens[29]));

  const second = postgresAdapter.ingress!(settings, {});
  const s2 = new RecordingSink();
  await second.start(s2);
  await s2.until(() => s2.records.length === 20, 5_000, 'the 20 unacknowledged rows');
  await db.query(`INSERT INTO ${src} (payload) VALUES ('late')`);
  await s2.until(() => s2.records.length === 21, 5_000, 'a row inserted while running');
  assert.equal(s2.texts(), [...Array.from({ length: 20 }, (_, i) => `row${i + 30}`), 'late']);
  await second.ack!(s2.tokens);
  await until(() => second.health().lag?.value === 0, 5_000, 'lag 0 rows');
  assert.equal(second.health().lag?.unit, 'rows');
  await second.close();
});

test('notify mode delivers NOTIFY payloads', async () => {
  const ing = postgresAdapter.ingress!({ url: PG, mode: 'notify', channel: t('chan') }, {});
  const sink = new RecordingSink();
  await ing.start(sink);
  for (let i = 0; i < 20; i++) await db.query(`SELECT pg_notify($1, $2)`, [t('chan'), `n${i}`]);
  await sink.until(() => sink.records.length === 20, 5_000, '20 notifications');
  assert.equal(
    sink.texts(),
    Array.from({ length: 20 }, (_, i) => `n${i}`),
  );
  await ing.close();
});

test('egress inserts one row per record; pump table -> table; bad table is named', async () => {
  const src = t('a');
  const dst = t('b');
  await table(src);
  await table(dst);
  const p = Array.from({ length: 1200 }, (_, i) => `v${i}`);
  await db.query(`INSERT INTO ${src} (payload) SELECT convert_to('v' || g, 'UTF8') FROM generate_series(0, 1199) g`);
  const pump = new Pump(
    postgresAdapter.ingress!({ url: PG, table: src, consumer: 'relay', poll_ms: '20' }, {}),
    postgresAdapter.egress!({ url: PG, table: dst }, {}),
    256,
  );
  await pump.start();
  await until(() => pump.moved === 1200, 10_000, '1200 moved');
  await pump.stop();
  const rows = await db.query(`SELECT convert_from(payload, 'UTF8') AS v FROM ${dst} ORDER BY id`);
  assert.equal(
    rows.rows.map((r) => r.v),
    p,
  );

  const eg = postgresAdapter.egress!({ url: PG, table: t('missing') }, {});
  try {
    await eg.start();
    assert.unreachable();
  } catch (e) {
    assert.is((e as { code: string }).code, 'BYTEOR_E_EDGEPLANE_TRANSPORT');
    assert.match((e as Error).message, /egress\.table/);
  }
  try {
    postgresAdapter.ingress!({ url: PG, table: 'x; drop table y' }, {});
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /^ingress\.table: must be a plain SQL identifier/);
  }
  const port = await freePort();
  const none = postgresAdapter.egress!(
    { url: `postgres://postgres@127.0.0.1:${port}/x`, table: 'x', connect_timeout_ms: '300', backoff_ms: '50' },
    {},
  );
  try {
    await none.start();
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /within 300 ms/);
  }
  assert.is(none.health().connection_state, 'failed');
});

exitWhenDone(test);
test.run();
