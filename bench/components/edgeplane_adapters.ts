/**
 * EdgePlane per adapter: records/s through `ingress adapter → ring → identity stage → egress
 * adapter` (the real SingleRing executor, one stage worker) next to the raw client doing the
 * same move by itself (read a batch, write it, acknowledge it; no ring, no adapter) in the same
 * process, against the same real servers, same records. The ratio runtime / raw is what the
 * runtime costs at the edge. Companion of the suite bench `edgeplane_identity_stage` (WebSocket,
 * `npm run bench`), which measures one transport with the suite's load generator and latency.
 *
 *   node --no-liftoff --conditions=source --import tsx bench/components/edgeplane_adapters.ts [--records=N]
 *   [--rounds=N] [--only=kind,kind] [--json]
 *
 * Servers: nats-server (JetStream), redis-server, PostgreSQL, rabbitmq-server and s3rver are started on free loopback
 * ports by scripts/test-servers.mjs, as for the tests. Pull sources (file, redis_streams,
 * nats_jetstream, rabbitmq_streams, s3, postgres) are filled before the clock starts; push sources (nats, http,
 * websocket) are fed by the same producer in both contenders, so their ratio compares like with
 * like but their absolute rate includes the producer. Each number is the median of the rounds,
 * contenders alternating.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import amqp, { type ConsumeMessage } from 'amqplib';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { AckPolicy, connect } from 'nats';
import pg from 'pg';
import { Pool } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { loadSpecText } from '../../kernel/spec/load.ts';
import { SingleRingRun } from '../../kernel/exec/single-ring-executor.ts';
import { writePrivateFileAsync } from '../../kernel/io/private-file.ts';
import type { EgressAdapter, IngressAdapter, RunInfo } from '../../kernel/plugin-api.ts';
import type { SingleRingPipeline } from '../../kernel/spec/model.ts';
import { startTestServers } from '../../scripts/test-servers.mjs';

try {
  v8.setFlagsFromString('--no-liftoff');
} catch {
  /* set on the command line too */
}

const SPEC = [
  'spec.version=1',
  'spec.model=single_ring',
  'spec.name=edgeplane_identity_stage',
  'single_ring.capacity=4096',
  'single_ring.slot_bytes=256',
  'single_ring.wait=backoff',
  'single_ring.stages.0.key=identity',
  '',
].join('\n');
const BATCH = 256;

export interface EdgeBenchResult {
  kind: string;
  records: number;
  runtime_records_per_s: number;
  raw_records_per_s: number;
  /** runtime / raw */
  ratio: number;
  rounds: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const payload = (i: number) => `{"order":${i},"amount":${i % 1000}.25,"pad":"xxxxxxxxxxxxxxxx"}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(2);
  }
}

/**
 * ingress → ring → identity → egress; resolves records/s from ingress start to the last record accepted by the
 * destination
 */
async function throughRuntime(
  kernel: Kernel,
  ingress: IngressAdapter,
  egress: EgressAdapter,
  n: number,
  produce?: () => Promise<void>,
  /**
   * a source that ends by itself (s3 without follow): the move is done when the run drained and both adapters
   * closed (s3 egress uploads its last spool file at close), as the raw contender's time includes its last write
   */
  untilEnd = false,
): Promise<number> {
  const loaded = await loadSpecText(SPEC, kernel);
  const spec = loaded.spec as SingleRingPipeline;
  const info: RunInfo = {
    spec,
    specHash: loaded.hash,
    specPath: null,
    runDir: null,
    oneShot: true,
    dryRun: false,
    flags: {},
    env: {},
  };
  await egress.start();
  const run = await SingleRingRun.start({ kernel, spec, run: info, egress, ingress });
  const t0 = performance.now();
  await ingress.start(run.sink);
  const producing = produce?.();
  if (untilEnd) {
    const summary = await run.done;
    await ingress.close();
    await egress.close();
    const s = (performance.now() - t0) / 1000;
    if (!summary.ok) throw new Error(`runtime failed: ${summary.error?.message}`);
    const delivered = egress.health().message_count;
    if (summary.records_out !== n || delivered !== n)
      throw new Error(`runtime moved ${summary.records_out} records, delivered ${delivered}, expected ${n}`);
    return n / s;
  }
  await until(() => egress.health().message_count >= n, 300_000, `${n} records through the runtime`);
  const s = (performance.now() - t0) / 1000;
  await producing;
  await ingress.close();
  run.stop();
  const summary = await run.done;
  await egress.close();
  if (!summary.ok) throw new Error(`runtime failed: ${summary.error?.message}`);
  return n / s;
}

interface Case {
  kind: string;
  records: number;
  /** make a fresh source/destination pair for one round; returns the contenders */
  round(
    r: number,
    who: 'runtime' | 'raw',
  ): Promise<{ runtime?: () => Promise<number>; raw?: () => Promise<number>; cleanup?: () => Promise<void> }>;
}

function cases(kernel: Kernel, env: Record<string, string>, dir: string, n: number): Case[] {
  const factory = (kind: string) => kernel.adapter(kind)!.adapter;
  const NATS = env.BYTEOR_TEST_NATS_URL!;
  const REDIS = env.BYTEOR_TEST_REDIS_URL!;
  const PG = env.BYTEOR_TEST_POSTGRES_URL!;
  const RABBIT = env.BYTEOR_TEST_RABBITMQ_URL!;
  const S3 = env.BYTEOR_TEST_S3_URL!;
  const records = Array.from({ length: n }, (_, i) => payload(i));
  const fileRecords = n * 50;
  // 5x for core NATS (100 000 by default), for the reason given at `file`: 20 000 messages are some 70 ms of
  // either contender, and the raw relay's rate swung 181-333 k/s between runs of that length
  const natsRecords = n * 5;
  let fileBody: Buffer | null = null;
  return [
    {
      // 50x the records of the other kinds (1 M by default): 20 000 lines are some 7 ms of the raw copy, shorter
      // than the runtime's start-up transients (the fresh stage worker's JIT warm-up, a scheduler slice on a
      // loaded machine), so the ratio measured those instead of the throughput
      kind: 'file',
      records: fileRecords,
      async round(r, who) {
        const src = join(dir, `in-${r}-${who}.txt`);
        const dst = join(dir, `out-${r}-${who}.txt`);
        fileBody ??= Buffer.from(Array.from({ length: fileRecords }, (_, i) => payload(i)).join('\n') + '\n');
        writeFileSync(src, fileBody);
        // removed at once: no dirty pages of this round are written back during the next one
        const cleanup = async () => {
          rmSync(src, { force: true });
          rmSync(dst, { force: true });
        };
        if (who === 'runtime')
          return {
            cleanup,
            runtime: () =>
              throughRuntime(
                kernel,
                factory('file').ingress!({ path: src }, {}),
                factory('file').egress!({ path: dst }, {}),
                fileRecords,
              ),
          };
        return {
          cleanup,
          raw: async () => {
            const t0 = performance.now();
            const inp = await open(src, 'r');
            const out = await open(dst, 'a');
            const buf = Buffer.alloc(64 * 1024);
            let carry = Buffer.alloc(0);
            let pos = 0;
            let moved = 0;
            for (;;) {
              const { bytesRead } = await inp.read(buf, 0, buf.length, pos);
              if (bytesRead === 0) break;
              pos += bytesRead;
              const chunk = Buffer.concat([carry, buf.subarray(0, bytesRead)]);
              const last = chunk.lastIndexOf(10);
              const lines = chunk.subarray(0, last + 1);
              carry = Buffer.from(chunk.subarray(last + 1));
              let c = 0;
              for (let i = 0; i < lines.length; i++) if (lines[i] === 10) c++;
              await out.write(lines);
              moved += c;
            }
            await inp.close();
            await out.close();
            if (moved !== fileRecords) throw new Error(`raw file moved ${moved}`);
            return fileRecords / ((performance.now() - t0) / 1000);
          },
        };
      },
    },
    {
      kind: 'redis_streams',
      records: n,
      async round(r, who) {
        const redis = new Redis(REDIS);
        const src = `bench:in:${r}:${who}`;
        const dst = `bench:out:${r}:${who}`;
        for (let i = 0; i < n; i += 1000) {
          const p = redis.pipeline();
          for (let j = i; j < Math.min(n, i + 1000); j++) p.xadd(src, '*', 'data', records[j]!);
          await p.exec();
        }
        const cleanup = async () => {
          await redis.del(src, dst);
          redis.disconnect();
        };
        if (who === 'runtime') {
          return {
            cleanup,
            runtime: () =>
              throughRuntime(
                kernel,
                factory('redis_streams').ingress!(
                  { url: REDIS, stream: src, group: 'g', batch: String(BATCH), block_ms: '100' },
                  {},
                ),
                factory('redis_streams').egress!({ url: REDIS, stream: dst }, {}),
                n,
              ),
          };
        }
        return {
          cleanup,
          raw: async () => {
            const rd = new Redis(REDIS);
            const wr = new Redis(REDIS);
            await wr.xgroup('CREATE', src, 'g', '0', 'MKSTREAM');
            const t0 = performance.now();
            let moved = 0;
            while (moved < n) {
              const got = (await rd.callBuffer('XREADGROUP', [
                'GROUP',
                'g',
                'c',
                'COUNT',
                BATCH,
                'BLOCK',
                100,
                'STREAMS',
                src,
                '>',
              ])) as [Buffer, [Buffer, Buffer[]][]][] | null;
              const entries = got?.[0]?.[1] ?? [];
              if (!entries.length) continue;
              const p = wr.pipeline();
              for (const [, f] of entries) p.callBuffer('XADD', [dst, '*', 'data', f[1]!]);
              await p.exec();
              await wr.xack(src, 'g', ...entries.map(([id]) => id.toString()));
              moved += entries.length;
            }
            const rps = n / ((performance.now() - t0) / 1000);
            rd.disconnect();
            wr.disconnect();
            return rps;
          },
        };
      },
    },
    {
      kind: 'nats_jetstream',
      records: n,
      async round(r, who) {
        const nc = await connect({ servers: NATS });
        const jsm = await nc.jetstreamManager();
        const src = `BIN_${r}_${who}`;
        const dst = `BOUT_${r}_${who}`;
        await jsm.streams.add({ name: src, subjects: [`bin.${r}.${who}`] });
        await jsm.streams.add({ name: dst, subjects: [`bout.${r}.${who}`] });
        const js = nc.jetstream();
        for (let i = 0; i < n; i += 1000)
          await Promise.all(records.slice(i, i + 1000).map((p) => js.publish(`bin.${r}.${who}`, Buffer.from(p))));
        const cleanup = async () => {
          await jsm.streams.delete(src);
          await jsm.streams.delete(dst);
          await nc.close();
        };
        if (who === 'runtime') {
          return {
            cleanup,
            runtime: () =>
              throughRuntime(
                kernel,
                factory('nats_jetstream').ingress!({ url: NATS, stream: src, durable: 'd', batch: String(BATCH) }, {}),
                factory('nats_jetstream').egress!({ url: NATS, subject: `bout.${r}.${who}` }, {}),
                n,
              ),
          };
        }
        return {
          cleanup,
          raw: async () => {
            await jsm.consumers.add(src, { durable_name: 'd', ack_policy: AckPolicy.Explicit });
            const c = await js.consumers.get(src, 'd');
            const t0 = performance.now();
            let moved = 0;
            while (moved < n) {
              const batch: Awaited<ReturnType<typeof c.next>>[] = [];
              const it = await c.fetch({ max_messages: BATCH, expires: 1000 });
              for await (const m of it) batch.push(m);
              await Promise.all(batch.map((m) => js.publish(`bout.${r}.${who}`, m!.data)));
              for (const m of batch) m!.ack();
              moved += batch.length;
            }
            await nc.flush();
            return n / ((performance.now() - t0) / 1000);
          },
        };
      },
    },
    {
      kind: 'rabbitmq_streams',
      records: n,
      async round(r, who) {
        const conn = await amqp.connect(RABBIT);
        const src = `bench.in.${r}.${who}`;
        const dst = `bench.out.${r}.${who}`;
        const pub = await conn.createConfirmChannel();
        for (const q of [src, dst])
          await pub.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'stream' } });
        for (const p of records) pub.sendToQueue(src, Buffer.from(p));
        await pub.waitForConfirms();
        const cleanup = async () => {
          await pub.deleteQueue(src);
          await pub.deleteQueue(dst);
          await pub.deleteQueue(`${src}.offsets.c`).catch(() => {});
          await conn.close();
        };
        if (who === 'runtime') {
          return {
            cleanup,
            runtime: () =>
              throughRuntime(
                kernel,
                factory('rabbitmq_streams').ingress!(
                  { url: RABBIT, queue: src, consumer: 'c', batch: String(BATCH) },
                  {},
                ),
                factory('rabbitmq_streams').egress!({ url: RABBIT, queue: dst }, {}),
                n,
              ),
          };
        }
        return {
          cleanup,
          raw: async () => {
            // consume with prefetch, publish each batch with confirms, then store the offset (as the adapter does)
            const rd = await conn.createChannel();
            await rd.prefetch(BATCH);
            const wr = await conn.createConfirmChannel();
            await wr.assertQueue(`${src}.offsets.c`, {
              durable: true,
              arguments: { 'x-max-length': 1, 'x-overflow': 'drop-head' },
            });
            const t0 = performance.now();
            let moved = 0;
            let batch: ConsumeMessage[] = [];
            let wake: (() => void) | null = null;
            await rd.consume(
              src,
              (m) => {
                if (m) {
                  batch.push(m);
                  wake?.();
                }
              },
              { arguments: { 'x-stream-offset': 'first' } },
            );
            while (moved < n) {
              if (!batch.length) {
                await new Promise<void>((res) => {
                  wake = res;
                });
                wake = null;
                continue;
              }
              const got = batch;
              batch = [];
              for (const m of got) wr.sendToQueue(dst, m.content, { persistent: true });
              await wr.waitForConfirms();
              const last = Number(got[got.length - 1]!.properties.headers?.['x-stream-offset']);
              wr.sendToQueue(`${src}.offsets.c`, Buffer.from(`next=${last + 1}`), { persistent: true });
              await wr.waitForConfirms();
              for (const m of got) rd.ack(m);
              moved += got.length;
            }
            const rps = n / ((performance.now() - t0) / 1000);
            await rd.close();
            await wr.close();
            return rps;
          },
        };
      },
    },
    {
      kind: 's3',
      records: n,
      async round(r, who) {
        const client = () =>
          new S3Client({
            endpoint: S3,
            region: 'us-east-1',
            forcePathStyle: true,
            credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
          });
        const s3 = client();
        const bucket = `bench-${r}-${who}`;
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        // the source: objects of 1000 lines each
        let objects = 0;
        let bytes = 0;
        for (let i = 0; i < n; i += 1000) {
          const body = records.slice(i, i + 1000).join('\n') + '\n';
          bytes += Buffer.byteLength(body);
          objects++;
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `in/${String(i).padStart(10, '0')}`, Body: body }));
        }
        const cleanup = async () => {
          s3.destroy();
        };
        const conn = { endpoint: S3, bucket, access_key_id: 'S3RVER', secret_access_key: 'S3RVER' };
        if (who === 'runtime') {
          return {
            cleanup,
            runtime: () =>
              throughRuntime(
                kernel,
                factory('s3').ingress!({ ...conn, prefix: 'in/', checkpoint: join(dir, `s3-ck-${r}`) }, {}),
                factory('s3').egress!(
                  {
                    ...conn,
                    prefix: 'out/',
                    spool_dir: join(dir, `s3-spool-${r}`),
                    // as many objects out as in (an object closes once it reaches this size), as the raw writes
                    max_object_bytes: String(Math.ceil(bytes / objects)),
                  },
                  {},
                ),
                n,
                undefined,
                true,
              ),
          };
        }
        return {
          cleanup,
          raw: async () => {
            // like the adapters: the writing client is set up before the clock (egress.start), the reading one
            // (a fresh client, HeadBucket, the checkpoint read) inside it (ingress.start); each object is read,
            // its lines put as one object, and the checkpoint (key, offset) written atomically once S3 has them
            const out = client();
            await out.send(new HeadBucketCommand({ Bucket: bucket }));
            const ck = join(dir, `s3-raw-ck-${r}`);
            const t0 = performance.now();
            const inp = client();
            await inp.send(new HeadBucketCommand({ Bucket: bucket }));
            await readFile(ck, 'utf8').catch(() => null);
            let moved = 0;
            let seq = 0;
            const list = await inp.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'in/' }));
            for (const o of list.Contents ?? []) {
              const body = await (
                await inp.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))
              ).Body!.transformToByteArray();
              await out.send(
                new PutObjectCommand({
                  Bucket: bucket,
                  Key: `out/${String(seq++).padStart(20, '0')}.txt`,
                  Body: body,
                  ContentLength: body.byteLength,
                  ContentType: 'text/plain',
                }),
              );
              await writePrivateFileAsync(ck, JSON.stringify({ key: o.Key, offset: body.byteLength }) + '\n');
              for (let i = 0; i < body.length; i++) if (body[i] === 10) moved++;
            }
            const rps = n / ((performance.now() - t0) / 1000);
            inp.destroy();
            out.destroy();
            if (moved !== n) throw new Error(`raw s3 moved ${moved}`);
            return rps;
          },
        };
      },
    },
    {
      kind: 'postgres',
      records: Math.min(n, 20_000),
      async round(r, who) {
        const m = Math.min(n, 20_000);
        const db = new pg.Client({ connectionString: PG });
        await db.connect();
        const src = `bench_in_${r}_${who}`;
        const dst = `bench_out_${r}_${who}`;
        await db.query(`CREATE TABLE ${src} (id bigserial PRIMARY KEY, payload bytea NOT NULL)`);
        await db.query(`CREATE TABLE ${dst} (id bigserial PRIMARY KEY, payload bytea NOT NULL)`);
        await db.query(
          `INSERT INTO ${src} (payload) SELECT convert_to('{"order":' || g || ` +
            `',"amount":1.25,"pad":"xxxxxxxxxxxxxxxx"}', 'UTF8') FROM generate_series(0, ${m - 1}) g`,
        );
        const cleanup = async () => {
          await db.query(`DROP TABLE ${src}; DROP TABLE ${dst}`);
          await db.end();
        };
        if (who === 'runtime') {
          return {
            cleanup,
            runtime: () =>
              throughRuntime(
                kernel,
                factory('postgres').ingress!(
                  { url: PG, table: src, consumer: `c_${r}`, batch: String(BATCH), poll_ms: '5' },
                  {},
                ),
                factory('postgres').egress!({ url: PG, table: dst }, {}),
                m,
              ),
          };
        }
        return {
          cleanup,
          raw: async () => {
            const rd = new pg.Client({ connectionString: PG });
            const wr = new pg.Client({ connectionString: PG });
            await rd.connect();
            await wr.connect();
            await wr.query(
              'CREATE TABLE IF NOT EXISTS bench_offsets (consumer text PRIMARY KEY, last_id bigint NOT NULL)',
            );
            const t0 = performance.now();
            let moved = 0;
            let cursor = '0';
            while (moved < m) {
              const rows = (
                await rd.query(`SELECT id, payload FROM ${src} WHERE id > $1 ORDER BY id LIMIT $2`, [cursor, BATCH])
              ).rows as Array<{ id: string; payload: Buffer }>;
              if (!rows.length) continue;
              await wr.query(
                `INSERT INTO ${dst} (payload) VALUES ${rows.map((_, i) => `($${i + 1})`).join(',')}`,
                rows.map((x) => x.payload),
              );
              cursor = rows[rows.length - 1]!.id;
              await wr.query(
                'INSERT INTO bench_offsets VALUES ($1, $2) ON CONFLICT (consumer) DO UPDATE SET last_id = ' +
                  'EXCLUDED.last_id',
                [`raw_${r}`, cursor],
              );
              moved += rows.length;
            }
            const rps = m / ((performance.now() - t0) / 1000);
            await rd.end();
            await wr.end();
            return rps;
          },
        };
      },
    },
    {
      kind: 'nats',
      records: natsRecords,
      async round(r, who) {
        const pubConn = await connect({ servers: NATS });
        const sinkConn = await connect({ servers: NATS });
        let got = 0;
        const sinkSub = sinkConn.subscribe(`nout.${r}.${who}`, {
          callback: () => {
            got++;
          },
        });
        await sinkConn.flush();
        const produce = async () => {
          for (let i = 0; i < natsRecords; i++) {
            pubConn.publish(`nin.${r}.${who}`, Buffer.from(records[i % n]!));
            if (i % 1000 === 999) await pubConn.flush();
          }
          await pubConn.flush();
        };
        const cleanup = async () => {
          sinkSub.unsubscribe();
          await pubConn.close();
          await sinkConn.close();
        };
        if (who === 'runtime') {
          return {
            cleanup,
            runtime: async () => {
              const rps = await throughRuntime(
                kernel,
                factory('nats').ingress!({ url: NATS, subject: `nin.${r}.${who}` }, {}),
                factory('nats').egress!({ url: NATS, subject: `nout.${r}.${who}` }, {}),
                natsRecords,
                produce,
              );
              await until(() => got >= natsRecords, 60_000, 'sink');
              return rps;
            },
          };
        }
        return {
          cleanup,
          raw: async () => {
            const relay = await connect({ servers: NATS });
            const sub = relay.subscribe(`nin.${r}.${who}`, {
              callback: (_e, m) => relay.publish(`nout.${r}.${who}`, m.data),
            });
            await relay.flush();
            const t0 = performance.now();
            await produce();
            await until(() => got >= natsRecords, 120_000, 'raw nats relay');
            const rps = natsRecords / ((performance.now() - t0) / 1000);
            sub.unsubscribe();
            await relay.close();
            return rps;
          },
        };
      },
    },
    {
      kind: 'http',
      records: Math.min(n, 10_000),
      async round(_r, who) {
        const m = Math.min(n, 10_000);
        let got = 0;
        const sink: Server = createServer((req, res) => {
          req.resume();
          req.on('end', () => {
            got++;
            res.end();
          });
        });
        await new Promise<void>((ok) => sink.listen(0, '127.0.0.1', () => ok()));
        const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/sink`;
        const cleanup = async () => {
          sink.close();
        };
        /** 16 client connections, one record per POST (what a request-driven source looks like) */
        const produce = async (url: string) => {
          const pool = new Pool(new URL(url).origin, { connections: 16 });
          let next = 0;
          await Promise.all(
            Array.from({ length: 16 }, async () => {
              while (next < m) {
                const i = next++;
                const res = await pool.request({ path: new URL(url).pathname, method: 'POST', body: records[i]! });
                await res.body.dump();
              }
            }),
          );
          await pool.close();
        };
        if (who === 'runtime') {
          return {
            cleanup,
            runtime: async () => {
              const ing = factory('http').ingress!({ port: '0', path: '/in' }, {});
              let port = 0;
              return throughRuntime(
                kernel,
                ing,
                factory('http').egress!({ url: sinkUrl, concurrency: '16' }, {}),
                m,
                async () => {
                  port = (ing as unknown as { port: number }).port;
                  await produce(`http://127.0.0.1:${port}/in`);
                },
              );
            },
          };
        }
        return {
          cleanup,
          raw: async () => {
            // as the adapters with reply=accepted (the default): the relay answers 202 (the same JSON) once the
            // record is queued (as deep as the ring, 4096 records; a full queue holds the reply back, as a full
            // ring does), and 16 connections forward the queue, one POST per record
            const out = new Pool(new URL(sinkUrl).origin, { connections: 16 });
            const queue: Buffer[] = [];
            let head = 0;
            let taken = 0;
            const room: Array<() => void> = [];
            const more: Array<() => void> = [];
            const relay = createServer((req, res) => {
              const chunks: Buffer[] = [];
              req.on('data', (c: Buffer) => chunks.push(c));
              req.on('end', async () => {
                while (queue.length - head >= 4096) await new Promise<void>((ok) => room.push(ok));
                queue.push(Buffer.concat(chunks));
                more.shift()?.();
                res.writeHead(202, { 'content-type': 'application/json' });
                res.end('{"accepted":1}\n');
              });
            });
            const forward = async () => {
              while (taken < m) {
                if (head === queue.length) {
                  await new Promise<void>((ok) => more.push(ok));
                  continue;
                }
                const body = queue[head++]!;
                if (++taken === m) for (const w of more.splice(0)) w();
                room.shift()?.();
                const resp = await out.request({
                  path: '/sink',
                  method: 'POST',
                  body,
                  headers: { 'content-type': 'application/octet-stream' },
                });
                await resp.body.dump();
              }
            };
            await new Promise<void>((ok) => relay.listen(0, '127.0.0.1', () => ok()));
            const t0 = performance.now();
            const forwarding = Promise.all(Array.from({ length: 16 }, forward));
            await produce(`http://127.0.0.1:${(relay.address() as AddressInfo).port}/in`);
            await until(() => got >= m, 60_000, 'raw http relay');
            const rps = m / ((performance.now() - t0) / 1000);
            await forwarding;
            relay.close();
            await out.close();
            return rps;
          },
        };
      },
    },
    {
      kind: 'websocket',
      records: n,
      async round(_r, who) {
        let got = 0;
        const sink = new WebSocketServer({ host: '127.0.0.1', port: 0 });
        await new Promise<void>((ok) => sink.once('listening', () => ok()));
        sink.on('connection', (ws) =>
          ws.on('message', () => {
            got++;
          }),
        );
        const sinkUrl = `ws://127.0.0.1:${(sink.address() as AddressInfo).port}/`;
        const cleanup = async () => {
          for (const c of sink.clients) c.terminate();
          await new Promise<void>((ok) => sink.close(() => ok()));
        };
        const produce = async (url: string) => {
          const ws = new WebSocket(url);
          await new Promise((ok) => ws.once('open', ok));
          for (let i = 0; i < n; i++) {
            ws.send(Buffer.from(records[i]!));
            if (ws.bufferedAmount > 1 << 20) while (ws.bufferedAmount > 1 << 18) await sleep(1);
          }
          await until(() => got >= n, 120_000, 'websocket sink');
          ws.close();
        };
        if (who === 'runtime') {
          return {
            cleanup,
            runtime: async () => {
              const ing = factory('websocket').ingress!({ mode: 'server', port: '0' }, {});
              return throughRuntime(kernel, ing, factory('websocket').egress!({ url: sinkUrl }, {}), n, () =>
                produce(`ws://127.0.0.1:${(ing as unknown as { port: number }).port}/`),
              );
            },
          };
        }
        return {
          cleanup,
          raw: async () => {
            const out = new WebSocket(sinkUrl);
            await new Promise((ok) => out.once('open', ok));
            const relay = new WebSocketServer({ host: '127.0.0.1', port: 0 });
            await new Promise<void>((ok) => relay.once('listening', () => ok()));
            relay.on('connection', (ws) => ws.on('message', (d) => out.send(d as Buffer)));
            const t0 = performance.now();
            await produce(`ws://127.0.0.1:${(relay.address() as AddressInfo).port}/`);
            const rps = n / ((performance.now() - t0) / 1000);
            out.close();
            for (const c of relay.clients) c.terminate();
            await new Promise<void>((ok) => relay.close(() => ok()));
            return rps;
          },
        };
      },
    },
  ];
}

export async function benchEdgeplaneAdapters(
  opts: { records?: number; rounds?: number; only?: string[] } = {},
): Promise<EdgeBenchResult[]> {
  const n = opts.records ?? 20_000;
  const rounds = opts.rounds ?? 3;
  // the file, http and websocket cases need no server: --only=file starts none
  const serverless = ['file', 'http', 'websocket'];
  const needServers = !opts.only?.every((k) => serverless.includes(k));
  const servers = needServers ? await startTestServers() : { env: {}, stop: async () => {} };
  const env = servers.env as Record<string, string>;
  for (const [k, pkg] of needServers
    ? [
        ['BYTEOR_TEST_NATS_URL', 'nats-server'],
        ['BYTEOR_TEST_REDIS_URL', 'redis-server'],
        ['BYTEOR_TEST_POSTGRES_URL', 'postgresql'],
      ]
    : []) {
    if (!env[k!]) throw new Error(`${pkg} could not be started: install the Debian package ${pkg}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'byteor-bench-edge-'));
  const kernel = new Kernel();
  await loadPlugins(kernel, ['core-stages', 'edgeplane']);
  const results: EdgeBenchResult[] = [];
  try {
    for (const c of cases(kernel, env, dir, n)) {
      if (opts.only && !opts.only.includes(c.kind)) continue;
      const rt: number[] = [];
      const raw: number[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const who of (r % 2 ? ['raw', 'runtime'] : ['runtime', 'raw']) as Array<'runtime' | 'raw'>) {
          const x = await c.round(r, who);
          try {
            if (who === 'runtime') rt.push(await x.runtime!());
            else raw.push(await x.raw!());
          } finally {
            await x.cleanup?.();
          }
        }
      }
      const a = median(rt);
      const b = median(raw);
      results.push({
        kind: c.kind,
        records: c.records,
        runtime_records_per_s: Math.round(a),
        raw_records_per_s: Math.round(b),
        ratio: Math.round((a / b) * 100) / 100,
        rounds,
      });
      appendFileSync(join(dir, 'progress'), `${c.kind}\n`);
    }
  } finally {
    await servers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const load0 = loadavg();
  const results = await benchEdgeplaneAdapters({
    records: arg('records') ? Number(arg('records')) : undefined,
    rounds: arg('rounds') ? Number(arg('rounds')) : undefined,
    only: arg('only')?.split(','),
  });
  const machine = {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    node: process.version,
    load_avg_start: load0,
    load_avg_end: loadavg(),
  };
  if (process.argv.includes('--json'))
    console.log(JSON.stringify({ bench: 'edgeplane_identity_stage (per adapter)', machine, results }, null, 2));
  else {
    console.log(
      `edgeplane_identity_stage per adapter — ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ` +
        `load ${load0.map((x) => x.toFixed(1)).join('/')}`,
    );
    console.log(
      `  ${'kind'.padEnd(16)} ${'records'.padStart(8)} ${'runtime rec/s'.padStart(14)} ` +
        `${'raw rec/s'.padStart(12)} ${'ratio'.padStart(6)}`,
    );
    for (const r of results)
      console.log(
        `  ${r.kind.padEnd(16)} ${String(r.records).padStart(8)} ${String(r.runtime_records_per_s).padStart(14)}` +
          ` ${String(r.raw_records_per_s).padStart(12)} ${r.ratio.toFixed(2).padStart(6)}`,
      );
  }
  process.exit(0);
}
