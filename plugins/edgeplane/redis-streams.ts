import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { redisClient } from './clients.ts';
import { z } from 'zod';
import type {
  AdapterFactory,
  EgressAdapter,
  EgressView,
  IngressAdapter,
  IngressSink,
} from '../../kernel/plugin-contract.ts';
import { Backoff, settle, sleep } from './backoff.ts';
import { CopiedBatch } from './view-batch.ts';
import { track, type LiveBinding } from './bindings.ts';
import { OutagePolicy, OutageSettings } from './egress-retry.ts';
import { HealthTracker, errorText } from './health.ts';
import { bool, configError, int, parseSettings, redactUrl, text, url } from './settings.ts';
import { failSource, transportError } from './source-failure.ts';

/**
 * Redis Streams (`ioredis`). Ingress reads as one consumer of a consumer group (XREADGROUP) and
 * XACKs an entry only after its record left through egress: at-least-once. The entries of one
 * reply go into the ring together: their values copied into a reused buffer and pushed as spans,
 * the last one that fits a slot pushed on its own with one ack token for the ids of the whole
 * reply (the runtime acknowledges tokens in push order, so it stands for every record before it);
 * an entry the sink refuses (larger than a slot) or one without the field is acknowledged at
 * once, as it is counted or reported. Entries delivered but
 * never acknowledged (a crashed runtime, a lost reply during a server restart) stay in the
 * group's pending list: on start and after every reconnect the binding re-reads its own pending
 * entries, and every `claim_interval_ms` it takes over other consumers' entries idle for longer
 * than `claim_idle_ms` (XAUTOCLAIM). Egress XADDs one entry per record (field `field`), a batch
 * in one pipeline.
 */

/** bytes of the buffer the values of a reply are copied into */
const READ_BYTES = 64 * 1024;
/** most values per pushSpans call */
const SPAN_BATCH = 1024;

const connection = {
  url: url(['redis', 'rediss']),
  stream: text(),
  field: text().default('data'),
  connect_timeout_ms: int(1, 3_600_000).default(10_000),
  backoff_ms: int(1, 600_000).default(100),
  backoff_max_ms: int(1, 600_000).default(2_000),
};

export const RedisIngressSettings = z.object({
  ...connection,
  group: text(),
  consumer: text().default(`byteor-${hostname()}`),
  create: bool().default(true),
  start_id: z
    .string()
    .regex(/^(\$|0|\d+-\d+|\d+)$/, 'must be 0, $ or an entry id')
    .default('0'),
  batch: int(1, 10_000).default(256),
  block_ms: int(1, 600_000).default(1_000),
  claim_idle_ms: int(0, 86_400_000).default(30_000),
  claim_interval_ms: int(10, 86_400_000).default(5_000),
  close_grace_ms: int(0, 3_600_000).default(5_000),
});

export const RedisEgressSettings = z.object({
  ...connection,
  /** approximate cap on the stream length (XADD MAXLEN ~); 0 = no cap */
  maxlen: int(0, Number.MAX_SAFE_INTEGER).default(0),
  write_timeout_ms: int(1, 3_600_000).default(30_000),
  ...OutageSettings,
});

type Entry = [id: Buffer, fields: Buffer[] | null];

async function openRedis(
  kind: string,
  s: { url: string; connect_timeout_ms: number; backoff_ms: number; backoff_max_ms: number },
  h: HealthTracker,
  onReady: () => void,
): Promise<Redis> {
  const RedisClient = await redisClient();
  const backoff = new Backoff(s.backoff_ms, s.backoff_max_ms);
  let closing = false;
  const redis = new RedisClient(s.url, {
    lazyConnect: true,
    maxRetriesPerRequest: null, // commands wait through a reconnect instead of failing
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: true,
    connectTimeout: Math.min(s.connect_timeout_ms, 5_000),
    retryStrategy: () => backoff.next(),
  });
  redis.on('ready', () => {
    backoff.reset();
    h.set('connected');
    onReady();
  });
  redis.on('reconnecting', () => h.set('reconnecting'));
  redis.on('error', (e: Error) => h.fail(errorText(e)));
  redis.on('end', () => {
    if (!closing) {
      h.fail('connection ended');
      h.set('failed');
    }
  });
  const quit = redis.quit.bind(redis);
  redis.quit = ((...a: Parameters<typeof redis.quit>) => {
    closing = true;
    return quit(...a);
  }) as typeof redis.quit;
  return new Promise<Redis>((resolve, reject) => {
    const timer = setTimeout(() => {
      closing = true;
      redis.disconnect();
      h.set('failed');
      reject(
        transportError(
          kind,
          `cannot connect to ${redactUrl(s.url)} within ${s.connect_timeout_ms} ms; check the url (is ` +
            `redis-server running?)`,
        ),
      );
    }, s.connect_timeout_ms);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(redis);
    });
    redis.connect().catch(() => {
      /* retried by retryStrategy until the timer fires */
    });
  });
}

export class RedisStreamsIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'redis_streams';
  private readonly h = new HealthTracker('redis_streams', 'entries');
  private readonly stop = new AbortController();
  private reader: Redis | null = null;
  private cmd: Redis | null = null;
  /**
   * ack tokens pushed and not yet acknowledged, each the ids of one reply's pushed entries: not pushed again
   * when the pending list is re-read or claimed
   */
  private readonly inFlight = new Set<Buffer[]>();
  /** ids in the tokens of inFlight */
  private inFlightIds = 0;
  /** the buffer values are copied into for pushSpans (lent by the sink, or our own) */
  private readBuf: Uint8Array | null = null;
  private readonly spans = new Uint32Array(2 * SPAN_BATCH);
  /** each entry's value of the reply being delivered (reused): null without the field, undefined in flight */
  private readonly values: Array<Buffer | null | undefined> = [];
  private readonly fieldName: Buffer;
  private rereadOwn = true;
  private readyCount = 0;
  private loop: Promise<void> = Promise.resolve();
  private acking: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;

  constructor(readonly settings: z.output<typeof RedisIngressSettings>) {
    this.fieldName = Buffer.from(settings.field);
  }

  endpoint(): string {
    return (
      `${redactUrl(this.settings.url)} stream ${this.settings.stream} group ${this.settings.group} consumer ` +
      `${this.settings.consumer}`
    );
  }
  health() {
    return this.h.snapshot();
  }

  async start(sink: IngressSink): Promise<void> {
    const s = this.settings;
    // after a reconnect a reply may have been lost: entries the server delivered are only in the pending list
    const onReady = () => {
      if (this.readyCount++ > 0) this.rereadOwn = true;
    };
    this.reader = await openRedis('redis_streams', s, this.h, onReady);
    try {
      this.cmd = await openRedis('redis_streams', s, this.h, () => {});
      if (s.create) {
        try {
          await this.cmd.xgroup('CREATE', s.stream, s.group, s.start_id, 'MKSTREAM');
        } catch (e) {
          if (!/BUSYGROUP/.test(errorText(e))) throw e;
        }
      } else {
        const groups = (await this.cmd.xinfo('GROUPS', s.stream).catch(() => [])) as unknown[][];
        if (!groups.some((g) => fieldOf(g, 'name') === s.group)) {
          throw configError(
            `ingress.group: consumer group "${s.group}" does not exist on stream "${s.stream}"; create it ` +
              `(XGROUP CREATE) or set ingress.create=true`,
          );
        }
      }
    } catch (e) {
      this.reader.disconnect();
      this.cmd?.disconnect();
      this.h.fail(errorText(e));
      this.h.set('failed');
      throw e instanceof Error && String((e as { code?: string }).code ?? '').startsWith('BYTEOR_E_')
        ? e
        : transportError('redis_streams', `cannot set up group "${s.group}" on "${s.stream}": ${errorText(e)}`, e);
    }
    this.loop = this.run(sink).catch((e) => failSource(sink, this.h, 'redis_streams', e));
  }

  private async run(sink: IngressSink): Promise<void> {
    const s = this.settings;
    const r = this.reader!;
    let lastClaim = 0;
    let lastLag = 0;
    const backoff = new Backoff(s.backoff_ms, s.backoff_max_ms);
    while (!this.stop.signal.aborted) {
      try {
        if (this.rereadOwn) {
          this.rereadOwn = false;
          // our own pending entries, from the start of the list
          for (let from = '0'; ; ) {
            const got = (await r.callBuffer('XREADGROUP', [
              'GROUP',
              s.group,
              s.consumer,
              'COUNT',
              s.batch,
              'STREAMS',
              s.stream,
              from,
            ])) as [Buffer, Entry[]][] | null;
            const entries = got?.[0]?.[1] ?? [];
            if (entries.length === 0) break;
            if (!(await this.deliver(sink, entries, true))) return;
            from = entries[entries.length - 1]![0].toString();
          }
        }
        if (Date.now() - lastClaim >= s.claim_interval_ms) {
          lastClaim = Date.now();
          for (let cursor = '0-0'; ; ) {
            const got = (await r.callBuffer('XAUTOCLAIM', [
              s.stream,
              s.group,
              s.consumer,
              s.claim_idle_ms,
              cursor,
              'COUNT',
              s.batch,
            ])) as [Buffer, Entry[], Buffer[]?];
            const entries = (got[1] ?? []).filter((e) => e !== null);
            const deleted = got[2]?.length ?? 0;
            if (deleted)
              this.h.fail(
                `${deleted} pending entries were deleted from ${s.stream} before they could be claimed (trimmed)`,
              );
            if (entries.length && !(await this.deliver(sink, entries, true))) return;
            cursor = got[0].toString();
            if (cursor === '0-0') break;
          }
        }
        const got = (await r.callBuffer('XREADGROUP', [
          'GROUP',
          s.group,
          s.consumer,
          'COUNT',
          s.batch,
          'BLOCK',
          s.block_ms,
          'STREAMS',
          s.stream,
          '>',
        ])) as [Buffer, Entry[]][] | null;
        const entries = got?.[0]?.[1] ?? [];
        if (entries.length && !(await this.deliver(sink, entries, false))) return;
        if (Date.now() - lastLag >= 1_000) {
          lastLag = Date.now();
          await this.updateLag();
        }
        backoff.reset();
      } catch (e) {
        if (this.stop.signal.aborted) return;
        if (/NOGROUP/.test(errorText(e)))
          throw transportError('redis_streams', `group "${s.group}" on "${s.stream}" disappeared: ${errorText(e)}`, e);
        this.h.fail(`read ${s.stream}: ${errorText(e)}`);
        await sleep(backoff.next(), this.stop.signal);
      }
    }
  }

  /**
   * Push the entries of one reply in order: the values as spans over the read buffer, the last one that fits a
   * slot on its own with the reply's ack token (the ids of the entries pushed). Entries refused by the sink (too
   * large) and entries without the field are acknowledged once their push settled (counted or reported).
   * `again`: the entries may have been delivered before (the pending list, XAUTOCLAIM), so those still in flight
   * are skipped. False when the binding was closed meanwhile (entries pushed without their token stay pending
   * and come back: a duplicate, never a loss).
   */
  private async deliver(sink: IngressSink, entries: Entry[], again: boolean): Promise<boolean> {
    const s = this.settings;
    if (this.stop.signal.aborted) return false;
    const limit = sink.maxRecordBytes ?? Number.POSITIVE_INFINITY;
    const skip = again && this.inFlight.size ? this.idsInFlight() : null;
    const values = this.values;
    const n = entries.length;
    values.length = n;
    /** the entry pushed with the token: the last whose value fits a slot */
    let last = -1;
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      const fields = e[1];
      const v = skip?.has(e[0].toString()) ? undefined : fields ? valueOf(fields, this.fieldName) : null;
      values[i] = v;
      if (v && v.length <= limit) last = i;
    }
    let loose: Buffer[] | null = null;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === undefined || (v && v.length <= limit)) continue;
      const id = entries[i]![0];
      // refused by the sink (larger than a slot) and counted, or nothing to deliver: acknowledged once the
      // pushes of this reply settled, so it does not come back
      (loose ??= []).push(id);
      if (v === null)
        this.h.fail(
          entries[i]![1]
            ? `entry ${id.toString()} has no field "${s.field}" (ingress.field); acknowledged and skipped`
            : `entry ${id.toString()} was deleted from the stream before delivery; acknowledged`,
        );
    }
    const pushed = sink.pushSpans
      ? await this.pushReply(sink, entries, last, limit)
      : await this.pushEach(sink, entries, limit);
    if (pushed < 0) return false;
    this.h.count(pushed);
    if (loose) await this.cmd!.callBuffer('XACK', [s.stream, s.group, ...loose]);
    return true;
  }

  /**
   * The values of a reply as spans over the read buffer, entry `last` (the last that fits a slot) on its own with
   * the reply's token, the ids of the entries that fit. Returns the records pushed, or -1 when the binding was
   * closed meanwhile.
   */
  private async pushReply(sink: IngressSink, entries: Entry[], last: number, limit: number): Promise<number> {
    const values = this.values;
    const ids: Buffer[] = [];
    for (let i = 0; i <= last; i++) if (values[i] && values[i]!.length <= limit) ids.push(entries[i]![0]);
    if (last >= 0) {
      this.inFlight.add(ids);
      this.inFlightIds += ids.length;
    }
    const buf = (this.readBuf ??= sink.readBuffer?.(READ_BYTES) ?? new Uint8Array(READ_BYTES));
    const spans = this.spans;
    let used = 0;
    let k = 0;
    let pushed = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!v) continue;
      if (i === last || v.length > limit || v.length > buf.length || k === SPAN_BATCH || used + v.length > buf.length) {
        // the spans so far go in first (the buffer is reused once their push settled)
        if (k > 0) {
          const p = sink.pushSpans!(buf, spans, k);
          pushed += k;
          used = 0;
          k = 0;
          if (p) await p;
          if (this.stop.signal.aborted) return this.abandon(ids);
        }
        if (i === last || v.length > limit || v.length > buf.length) {
          // on its own: the token's entry, a refused one, one larger than the buffer
          const p = i === last ? sink.push(v, ids) : sink.push(v);
          pushed++;
          if (p) await p;
          if (this.stop.signal.aborted && i < last) return this.abandon(ids);
          continue;
        }
      }
      buf.set(v, used);
      spans[2 * k] = used;
      spans[2 * k + 1] = used + v.length;
      used += v.length;
      k++;
    }
    if (k > 0) {
      const p = sink.pushSpans!(buf, spans, k);
      pushed += k;
      if (p) await p;
    }
    return pushed;
  }

  /**
   * A sink without pushSpans (a wrapping one, e.g. the bounded drain's, which may stop taking records after any
   * of them): one push per entry, each with its own token. Returns the records pushed, or -1 when closed.
   */
  private async pushEach(sink: IngressSink, entries: Entry[], limit: number): Promise<number> {
    const values = this.values;
    let pushed = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!v) continue;
      if (this.stop.signal.aborted) return -1;
      let token: Buffer[] | undefined;
      if (v.length <= limit) {
        token = [entries[i]![0]];
        this.inFlight.add(token);
        this.inFlightIds++;
      }
      const p = sink.push(v, token);
      pushed++;
      if (p) await p;
    }
    return pushed;
  }

  /** closed in the middle of a reply: its token (not pushed) will never be acknowledged */
  private abandon(ids: Buffer[]): -1 {
    if (this.inFlight.delete(ids)) this.inFlightIds -= ids.length;
    return -1;
  }

  /** the ids of the entries in flight (for a re-read of the pending list: rare) */
  private idsInFlight(): Set<string> {
    const set = new Set<string>();
    for (const ids of this.inFlight) for (const id of ids) set.add(id.toString());
    return set;
  }

  private async updateLag(): Promise<void> {
    const groups = (await this.cmd!.xinfo('GROUPS', this.settings.stream)) as unknown[][];
    const g = groups.find((x) => fieldOf(x, 'name') === this.settings.group);
    if (!g) return;
    const lag = fieldOf(g, 'lag');
    const pending = fieldOf(g, 'pending');
    // undelivered entries (Redis 7 `lag`) plus delivered-but-unacknowledged ones
    if (typeof lag === 'number' && typeof pending === 'number') this.h.lag(lag + pending);
    else if (typeof pending === 'number') this.h.lag(pending);
  }

  /** tokens are the ids of replies' entries that left through egress (one token per reply) */
  ack(tokens: unknown[]): Promise<void> {
    let mine: Buffer[][] | null = null;
    for (const t of tokens) if (this.inFlight.has(t as Buffer[])) (mine ??= []).push(t as Buffer[]);
    if (mine === null || !this.cmd) return this.acking.then(() => {});
    const tokensOf = mine;
    this.acking = this.acking.then(async () => {
      const s = this.settings;
      const args: Array<string | Buffer> = [s.stream, s.group];
      for (const ids of tokensOf) for (const id of ids) args.push(id);
      try {
        await this.cmd!.callBuffer('XACK', args);
      } catch (e) {
        // the entries stay pending and are delivered again: a duplicate, never a loss
        this.h.fail(`XACK: ${errorText(e)}`);
      }
      for (const ids of tokensOf) if (this.inFlight.delete(ids)) this.inFlightIds -= ids.length;
    });
    return this.acking.then(() => {});
  }

  /**
   * Stops reading, then waits up to `close_grace_ms` for the entries already pushed to be
   * acknowledged (the run drains them meanwhile). Entries still unacknowledged stay in the
   * group's pending list: this consumer re-reads them on its next start, another one claims them
   * after `claim_idle_ms`. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      this.reader?.disconnect(); // interrupts a blocked XREADGROUP
      await this.loop;
      await settle(() => this.inFlight.size === 0, this.settings.close_grace_ms);
      await this.acking;
      if (this.inFlight.size)
        this.h.fail(
          `${this.inFlightIds} entries were not acknowledged within ${this.settings.close_grace_ms} ms of ` +
            `close (ingress.close_grace_ms); they stay pending`,
        );
      await this.cmd?.quit().catch(() => {});
      this.h.set('closed');
    })();
    return this.closing;
  }
}

export class RedisStreamsEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'redis_streams';
  private readonly h = new HealthTracker('redis_streams', 'records');
  private redis: Redis | null = null;
  private readonly outage: OutagePolicy;

  constructor(readonly settings: z.output<typeof RedisEgressSettings>) {
    this.outage = new OutagePolicy('redis_streams', settings, this.h);
  }

  interrupt(): void {
    this.outage.interrupt();
  }

  endpoint(): string {
    return `${redactUrl(this.settings.url)} stream ${this.settings.stream}`;
  }
  health() {
    return this.h.snapshot();
  }

  async start(): Promise<void> {
    this.redis = await openRedis('redis_streams', this.settings, this.h, () => {});
    this.h.lag(0);
  }

  write(records: Uint8Array[]): Promise<void> {
    return this.send(records.length, (i) => {
      const r = records[i]!;
      return Buffer.from(r.buffer, r.byteOffset, r.byteLength);
    });
  }

  /**
   * The batch from the ring slots, copied into one buffer of this write (one copy of the batch, no copy per
   * record): a pipeline that timed out keeps its commands (ioredis resends them after a reconnect), so their
   * values must not be the slots, which the runtime reuses once the write settled.
   */
  writeFrom(view: EgressView): Promise<void> {
    const batch = CopiedBatch.of(view);
    return this.send(view.count, (i) => batch.record(i));
  }

  /** XADD records 0..n-1 (`record(i)`) in one pipeline, retried from the first without a reply */
  private async send(n: number, record: (i: number) => Buffer): Promise<void> {
    const redis = this.redis;
    if (!redis) throw transportError('redis_streams', 'write before start or after close');
    const s = this.settings;
    const until = Date.now() + s.write_timeout_ms;
    let from = 0;
    this.h.lag(n);
    for (let attempt = 0; from < n; attempt++) {
      const p = redis.pipeline();
      if (s.maxlen > 0)
        for (let i = from; i < n; i++)
          p.callBuffer('XADD', [s.stream, 'MAXLEN', '~', s.maxlen, '*', s.field, record(i)]);
      else for (let i = from; i < n; i++) p.callBuffer('XADD', [s.stream, '*', s.field, record(i)]);
      let timer: NodeJS.Timeout | undefined;
      let results: [Error | null, unknown][] | null;
      try {
        results = await Promise.race([
          p.exec(),
          new Promise<never>((_, rej) => {
            timer = setTimeout(
              () => rej(new Error('no reply from the server')),
              this.outage.ridesOut ? s.write_timeout_ms : Math.max(1, until - Date.now()),
            );
          }),
        ]);
      } catch (e) {
        results = [[e as Error, null]];
      } finally {
        clearTimeout(timer);
      }
      const bad = (results ?? [[new Error('pipeline discarded'), null]]).findIndex(([err]) => err);
      if (bad === -1) {
        from = n;
        this.outage.ok();
        break;
      }
      // retry from the first record without a reply (records after it may be stored twice)
      const why = errorText(results![bad]![0]);
      from += bad;
      this.h.lag(n - from);
      await this.outage.failed(`XADD ${s.stream}: ${why}`, attempt, true, until);
    }
    this.h.count(n);
    this.h.lag(0);
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => {});
    this.h.set('closed');
  }
}

function fieldOf(flat: unknown[], name: string): unknown {
  for (let i = 0; i + 1 < flat.length; i += 2) if (String(flat[i]) === name) return flat[i + 1];
  return undefined;
}

/** the value of field `name` (no string per field compared) */
function valueOf(fields: Buffer[], name: Buffer): Buffer | null {
  for (let i = 0; i + 1 < fields.length; i += 2) if (name.equals(fields[i]!)) return fields[i + 1]!;
  return null;
}

export const redisStreamsAdapter: AdapterFactory = {
  kind: 'redis_streams',
  summary: 'Redis Streams: consumer group, XACK after egress, pending entries reclaimed (XAUTOCLAIM) / XADD',
  direction: 'both',
  ingress: (settings) =>
    track(new RedisStreamsIngress(parseSettings(RedisIngressSettings, settings, 'ingress', 'redis_streams'))),
  egress: (settings) =>
    track(new RedisStreamsEgress(parseSettings(RedisEgressSettings, settings, 'egress', 'redis_streams'))),
};
