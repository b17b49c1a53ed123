import type pg from 'pg';
import { pgClient } from './clients.ts';
import { z } from 'zod';
import type { AdapterFactory, EgressAdapter, IngressAdapter, IngressSink } from '../../kernel/plugin-contract.ts';
import { Backoff, settle, sleep } from './backoff.ts';
import { track, type LiveBinding } from './bindings.ts';
import { OutagePolicy, OutageSettings } from './egress-retry.ts';
import { HealthTracker, errorText } from './health.ts';
import { ReceivedQueue } from './received-queue.ts';
import { int, parseSettings, redactUrl, text, url } from './settings.ts';
import { failSource, transportError } from './source-failure.ts';

/**
 * PostgreSQL (`pg`). Ingress either reads a table in id order (`mode=table`) and stores the
 * highest acknowledged id per `consumer` in an offsets table, so a restart resumes after the
 * last record that left through egress (at-least-once), or LISTENs on a channel
 * (`mode=notify`, at-most-once: NOTIFY keeps nothing). Egress INSERTs one row per record, one
 * multi-row statement per write (atomic: a write is stored whole or not at all).
 *
 * Table mode needs ids that become visible in increasing order (one writer at a time, or rows
 * written by this runtime's egress); a row committed later with a smaller id than one already
 * read would be skipped, which is why this is documented, not hidden, in docs/edgeplane.md.
 */

const ident = () =>
  z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/,
      'must be a plain SQL identifier (letters, digits, _; optionally schema.name)',
    );
const quote = (name: string) =>
  name
    .split('.')
    .map((p) => `"${p}"`)
    .join('.');

const connection = {
  url: url(['postgres', 'postgresql']),
  connect_timeout_ms: int(1, 3_600_000).default(10_000),
  backoff_ms: int(1, 600_000).default(100),
  backoff_max_ms: int(1, 600_000).default(2_000),
};

export const PostgresIngressSettings = z
  .object({
    ...connection,
    mode: z.enum(['table', 'notify']).default('table'),
    table: ident().optional(),
    id_column: ident().default('id'),
    payload_column: ident().default('payload'),
    consumer: text().default('byteor-edgeplane'),
    offsets_table: ident().default('byteor_edgeplane_offsets'),
    channel: ident().optional(),
    batch: int(1, 10_000).default(256),
    poll_ms: int(1, 600_000).default(200),
    close_grace_ms: int(0, 3_600_000).default(5_000),
  })
  .superRefine((s, ctx) => {
    if (s.mode === 'table' && !s.table)
      ctx.addIssue({ code: 'custom', path: ['table'], message: 'required with mode=table' });
    if (s.mode === 'notify' && !s.channel)
      ctx.addIssue({ code: 'custom', path: ['channel'], message: 'required with mode=notify' });
  });

export const PostgresEgressSettings = z.object({
  ...connection,
  table: ident(),
  payload_column: ident().default('payload'),
  payload_type: z.enum(['bytea', 'text']).default('bytea'),
  write_timeout_ms: int(1, 3_600_000).default(30_000),
  ...OutageSettings,
});

type ConnSettings = { url: string; connect_timeout_ms: number; backoff_ms: number; backoff_max_ms: number };

/** connect, retrying with backoff for connect_timeout_ms (first connect) or until stopped (reconnect) */
async function connectPg(
  kind: string,
  s: ConnSettings,
  h: HealthTracker,
  stop: AbortSignal,
  firstTime: boolean,
): Promise<pg.Client> {
  const { Client } = await pgClient();
  const backoff = new Backoff(s.backoff_ms, s.backoff_max_ms);
  const until = Date.now() + s.connect_timeout_ms;
  for (;;) {
    const c = new Client({ connectionString: s.url, connectionTimeoutMillis: Math.min(5_000, s.connect_timeout_ms) });
    try {
      await c.connect();
      c.on('error', (e) => h.fail(errorText(e)));
      h.set('connected');
      return c;
    } catch (e) {
      await c.end().catch(() => {});
      h.fail(`connect ${redactUrl(s.url)}: ${errorText(e)}`);
      if (stop.aborted || (firstTime && Date.now() >= until)) {
        if (firstTime) h.set('failed');
        throw transportError(
          kind,
          `cannot connect to ${redactUrl(s.url)} within ${s.connect_timeout_ms} ms: ${errorText(e)}; check the ` +
            `url (is PostgreSQL running?)`,
          e,
        );
      }
      await sleep(backoff.next(), stop);
    }
  }
}

function asBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v);
  return Buffer.from(JSON.stringify(v));
}

export class PostgresIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'postgres';
  private readonly h: HealthTracker;
  private readonly stop = new AbortController();
  private client: pg.Client | null = null;
  private offsets: pg.Client | null = null;
  private cursor = 0n;
  private acked = -1n;
  private loop: Promise<void> = Promise.resolve();
  private acking: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private readonly queue: ReceivedQueue;

  constructor(readonly settings: z.output<typeof PostgresIngressSettings>) {
    this.h = new HealthTracker('postgres', settings.mode === 'table' ? 'rows' : 'notifications');
    this.queue = new ReceivedQueue(this.h);
  }

  endpoint(): string {
    const s = this.settings;
    return (
      `${redactUrl(s.url)} ` +
      `${s.mode === 'table' ? `table ${s.table} consumer ${s.consumer}` : `channel ${s.channel}`}`
    );
  }
  health() {
    return this.h.snapshot();
  }

  async start(sink: IngressSink): Promise<void> {
    const s = this.settings;
    this.client = await connectPg('postgres', s, this.h, this.stop.signal, true);
    try {
      if (s.mode === 'table') {
        this.offsets = await connectPg('postgres', s, this.h, this.stop.signal, true);
        await this.offsets.query(
          `CREATE TABLE IF NOT EXISTS ${quote(s.offsets_table)} (consumer text PRIMARY KEY, last_id bigint NOT NULL)`,
        );
        const r = await this.offsets.query(`SELECT last_id FROM ${quote(s.offsets_table)} WHERE consumer = $1`, [
          s.consumer,
        ]);
        this.cursor = r.rows.length ? BigInt(r.rows[0].last_id) : 0n;
        this.acked = this.cursor;
        await this.client.query(
          `SELECT ${quote(s.id_column)}, ${quote(s.payload_column)} FROM ${quote(s.table!)} LIMIT 0`,
        );
      } else {
        await this.listen(this.client);
      }
    } catch (e) {
      await this.client.end().catch(() => {});
      await this.offsets?.end().catch(() => {});
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw e instanceof Error && String((e as { code?: string }).code ?? '').startsWith('BYTEOR_E_')
        ? e
        : transportError(
            'postgres',
            `cannot read ${s.mode === 'table' ? `table ${s.table}` : `channel ${s.channel}`}: ${errorText(e)}; ` +
              `check ingress.${s.mode === 'table' ? 'table and its columns' : 'channel'}`,
            e,
          );
    }
    this.h.lag(0);
    this.loop = (s.mode === 'table' ? this.pollTable(sink) : this.drainNotifications(sink)).catch((e) =>
      failSource(sink, this.h, 'postgres', e),
    );
  }

  private async listen(c: pg.Client): Promise<void> {
    c.on('notification', (n) => {
      this.queue.add(Buffer.from(n.payload ?? ''));
    });
    await c.query(`LISTEN ${quote(this.settings.channel!)}`);
  }

  /** replace a broken connection (reconnecting until closed) */
  private async reconnect(e: unknown): Promise<void> {
    this.h.fail(`connection lost: ${errorText(e)}`);
    this.h.set('reconnecting');
    await this.client?.end().catch(() => {});
    this.client = await connectPg('postgres', this.settings, this.h, this.stop.signal, false);
    if (this.settings.mode === 'notify') await this.listen(this.client);
  }

  private async pollTable(sink: IngressSink): Promise<void> {
    const s = this.settings;
    const q =
      `SELECT ${quote(s.id_column)} AS id, ${quote(s.payload_column)} AS payload FROM ${quote(s.table!)} WHERE ` +
      `${quote(s.id_column)} > $1 ORDER BY ${quote(s.id_column)} LIMIT $2`;
    let lastLag = 0;
    while (!this.stop.signal.aborted) {
      let rows: Array<{ id: string | number; payload: unknown }>;
      try {
        rows = (await this.client!.query(q, [this.cursor.toString(), s.batch])).rows;
        if (Date.now() - lastLag >= 1_000) {
          lastLag = Date.now();
          const c = await this.client!.query(
            `SELECT count(*) AS n FROM ${quote(s.table!)} WHERE ${quote(s.id_column)} > $1`,
            [this.acked.toString()],
          );
          this.h.lag(Number(c.rows[0].n));
        }
      } catch (e) {
        if (this.stop.signal.aborted) return;
        await this.reconnect(e);
        continue;
      }
      for (const row of rows) {
        if (this.stop.signal.aborted) return;
        const id = BigInt(row.id);
        {
          const p = sink.push(asBytes(row.payload), id);
          if (p) await p;
        }
        this.cursor = id;
        this.h.count(1);
      }
      if (rows.length < s.batch) await sleep(s.poll_ms, this.stop.signal);
    }
  }

  private async drainNotifications(sink: IngressSink): Promise<void> {
    let watching = true;
    const c0 = this.client!;
    const watch = (c: pg.Client) =>
      c.once('end', () => {
        if (!this.stop.signal.aborted && watching)
          void this.reconnect(new Error('connection ended'))
            .then(() => watch(this.client!))
            .catch(() => {});
      });
    watch(c0);
    await this.queue.drain(sink, this.stop.signal);
    watching = false;
  }

  /** table mode: tokens are row ids that left through egress; the highest is stored for `consumer` */
  ack(tokens: unknown[]): Promise<void> {
    if (this.settings.mode !== 'table' || !this.offsets) return this.acking;
    let max = this.acked;
    for (const t of tokens) if (typeof t === 'bigint' && t > max) max = t;
    if (max <= this.acked) return this.acking;
    this.acked = max;
    const s = this.settings;
    this.acking = this.acking.then(async () => {
      try {
        await this.offsets!.query(
          `INSERT INTO ${quote(s.offsets_table)} (consumer, last_id) VALUES ($1, $2) ON CONFLICT (consumer) DO ` +
            `UPDATE SET last_id = GREATEST(${quote(s.offsets_table)}.last_id, EXCLUDED.last_id)`,
          [s.consumer, max.toString()],
        );
      } catch (e) {
        // not stored: a restart reads these rows again (a duplicate, never a loss)
        this.h.fail(`store offset ${max}: ${errorText(e)}`);
        try {
          await this.offsets?.end();
        } catch {
          /* already broken */
        }
        this.offsets = await connectPg('postgres', s, this.h, this.stop.signal, false).catch(() => null);
      }
    });
    return this.acking;
  }

  /**
   * Stops reading, then (table mode) waits up to `close_grace_ms` for the rows already pushed to
   * be acknowledged, so their offset is stored. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      this.queue.wake();
      await this.loop;
      if (this.settings.mode === 'table') {
        const all = await settle(() => this.acked >= this.cursor, this.settings.close_grace_ms);
        if (!all)
          this.h.fail(
            `rows after id ${this.acked} were not acknowledged within ${this.settings.close_grace_ms} ms of ` +
              `close (ingress.close_grace_ms); they are read again next time`,
          );
      }
      await this.acking;
      if (this.queue.length)
        this.h.fail(`${this.queue.length} notifications were not pushed before close (NOTIFY is at-most-once)`);
      await this.client?.end().catch(() => {});
      await this.offsets?.end().catch(() => {});
      this.h.set('closed');
    })();
    return this.closing;
  }
}

export class PostgresEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'postgres';
  private readonly h = new HealthTracker('postgres', 'records');
  private readonly stop = new AbortController();
  private client: pg.Client | null = null;
  private readonly outage: OutagePolicy;

  constructor(readonly settings: z.output<typeof PostgresEgressSettings>) {
    this.outage = new OutagePolicy('postgres', settings, this.h);
  }

  /** the run aborted: stop retrying, and stop a reconnect in progress */
  interrupt(): void {
    this.outage.interrupt();
    this.stop.abort();
  }

  endpoint(): string {
    return `${redactUrl(this.settings.url)} table ${this.settings.table}`;
  }
  health() {
    return this.h.snapshot();
  }

  async start(): Promise<void> {
    const s = this.settings;
    this.client = await connectPg('postgres', s, this.h, this.stop.signal, true);
    try {
      await this.client.query(`SELECT ${quote(s.payload_column)} FROM ${quote(s.table)} LIMIT 0`);
    } catch (e) {
      await this.client.end().catch(() => {});
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw transportError(
        'postgres',
        `cannot write table ${s.table}: ${errorText(e)}; check egress.table and egress.payload_column`,
        e,
      );
    }
    this.h.lag(0);
  }

  async write(records: Uint8Array[]): Promise<void> {
    const s = this.settings;
    const until = Date.now() + s.write_timeout_ms;
    this.h.lag(records.length);
    for (let from = 0, attempt = 0; from < records.length; ) {
      const chunk = records.slice(from, from + 1000);
      const values = chunk.map((_, i) => `($${i + 1})`).join(',');
      const params = chunk.map((r) =>
        s.payload_type === 'text' ? Buffer.from(r).toString('utf8') : Buffer.from(r.buffer, r.byteOffset, r.byteLength),
      );
      try {
        if (!this.client) this.client = await connectPg('postgres', s, this.h, this.stop.signal, false);
        await this.client.query(`INSERT INTO ${quote(s.table)} (${quote(s.payload_column)}) VALUES ${values}`, params);
        from += chunk.length;
        attempt = 0;
        this.outage.ok();
        this.h.count(chunk.length);
        this.h.lag(records.length - from);
      } catch (e) {
        const broken = !(e as { severity?: string }).severity; // a server-side SQL error carries a severity
        if (broken) {
          await this.client?.end().catch(() => {});
          this.client = null;
        }
        await this.outage.failed(`cannot INSERT INTO ${s.table}: ${errorText(e)}`, attempt++, broken, until);
      }
    }
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.client?.end().catch(() => {});
    this.h.set('closed');
  }
}

export const postgresAdapter: AdapterFactory = {
  kind: 'postgres',
  summary: 'PostgreSQL: table in id order with stored offsets, or LISTEN/NOTIFY (ingress) / multi-row INSERT (egress)',
  direction: 'both',
  ingress: (settings) =>
    track(new PostgresIngress(parseSettings(PostgresIngressSettings, settings, 'ingress', 'postgres'))),
  egress: (settings) =>
    track(new PostgresEgress(parseSettings(PostgresEgressSettings, settings, 'egress', 'postgres'))),
};
