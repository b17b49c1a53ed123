import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { EgressAdapter, EgressView } from '../../kernel/plugin-contract.ts';
import { dataViewOf } from '../../kernel/io/byte-copy.ts';
import { ViewLines } from '../../kernel/io/view-lines.ts';
import type { LiveBinding } from './bindings.ts';
import { s3Client } from './clients.ts';
import { OutagePolicy, OutageSettings } from './egress-retry.ts';
import { HealthTracker, errorText } from './health.ts';
import { checkBucket, openS3, s3ConnectionSettings, s3Endpoint, s3Permanent } from './s3-connection.ts';
import { bool, int, text } from './settings.ts';
import { transportError } from './source-failure.ts';

/**
 * S3 egress: records as lines (record bytes + `\n`) batched into objects by size
 * (`max_object_bytes`) and time (`max_object_ms`). A write resolves once its records are in the
 * local spool file of the object being filled (`spool_dir`, fsynced): the spool, not S3, is
 * what the run acknowledges against, so records are batched across writes without holding
 * the ring. Full spool files are uploaded in order, in the background (PutObject, or a
 * multipart upload in `part_bytes` parts when larger), and deleted once S3 has them. Object keys
 * are deterministic: `<prefix><20-digit sequence><suffix>`, the sequence kept in the spool
 * directory, so an upload retried (after a failure or a crash, on the next start) overwrites the
 * same key instead of adding a duplicate object. One writer per prefix and spool directory. `writeFrom` copies a
 * batch from the ring slots as lines into one reused buffer (no object per record) and fsyncs once per write.
 */

export const S3EgressSettings = z.object({
  ...s3ConnectionSettings,
  spool_dir: text(),
  suffix: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"')
    .default('.txt'),
  max_object_bytes: int(1, 5 * 1024 ** 4).default(8 * 1024 * 1024),
  max_object_ms: int(1, 86_400_000).default(5_000),
  part_bytes: int(5 * 1024 * 1024, 5 * 1024 ** 3).default(8 * 1024 * 1024),
  create: bool().default(false),
  fsync: bool().default(true),
  /** how long uploads may keep failing before the run fails (the spool keeps the records) */
  write_timeout_ms: int(1, 3_600_000).default(30_000),
  ...OutageSettings,
});

const SEQ_DIGITS = 20;
const SPOOL = /^(\d{20})\.spool$/;
const NEXT_SEQ = 'next-seq';
const pad = (n: number) => String(n).padStart(SEQ_DIGITS, '0');

export class S3Egress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 's3';
  private readonly h = new HealthTracker('s3', 'records');
  private client: S3Client | null = null;
  private seq = 0;
  private fh: FileHandle | null = null;
  private size = 0;
  private records = 0;
  private firstAt = 0;
  /** spooled records per sequence, counted as delivered once uploaded */
  private readonly spooled = new Map<number, number>();
  private uploads: Promise<void> = Promise.resolve();
  private waiting = 0;
  /** set when uploads kept failing past write_timeout_ms (or for good): the next write throws it */
  private uploadError: Error | null = null;
  private lock: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  /** the filling spool file was written since its last fsync (fsync=true) */
  private unsynced = false;
  /** full spool files being fsynced and closed by rotate, for the write that rotated to await */
  private closingFull: Promise<void>[] = [];
  /** the lines of the write being spooled (reused) and the DataView the ring slots are copied into it with */
  private out: Buffer | null = null;
  private outView: DataView | null = null;
  private readonly lines = new ViewLines();
  private closed = false;
  private closing: Promise<void> | null = null;

  private readonly outage: OutagePolicy;

  constructor(readonly settings: z.output<typeof S3EgressSettings>) {
    this.outage = new OutagePolicy('s3', settings, this.h);
  }

  interrupt(): void {
    this.outage.interrupt();
  }

  endpoint(): string {
    return `${s3Endpoint(this.settings)} spool ${this.settings.spool_dir}`;
  }
  health() {
    return this.h.snapshot();
  }

  key(seq: number): string {
    return `${this.settings.prefix ?? ''}${pad(seq)}${this.settings.suffix}`;
  }

  private spoolPath(seq: number): string {
    return join(this.settings.spool_dir, `${pad(seq)}.spool`);
  }

  async start(): Promise<void> {
    const s = this.settings;
    try {
      this.client = await openS3(s, 'egress');
      await checkBucket(this.client, s.bucket, 'egress', s.create);
      await mkdir(s.spool_dir, { recursive: true });
      // spool files left by an earlier run hold acknowledged records: upload them first
      const left = (await readdir(s.spool_dir))
        .map((n) => SPOOL.exec(n))
        .filter((m) => m !== null)
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b);
      for (const seq of left) {
        if ((await stat(this.spoolPath(seq))).size === 0) {
          await unlink(this.spoolPath(seq));
          continue;
        }
        this.spooled.set(seq, 0);
        await this.upload(seq);
      }
      this.seq = Math.max(
        left.length ? left[left.length - 1]! + 1 : 0,
        (await this.storedNextSeq()) ?? (await this.nextSeqFromBucket()),
      );
      await this.writeNextSeq(this.seq);
      this.fh = await open(this.spoolPath(this.seq), 'w');
    } catch (e) {
      this.h.fail(errorText(e));
      this.h.set('failed');
      this.client?.destroy();
      throw e instanceof Error && String((e as { code?: unknown }).code ?? '').startsWith('BYTEOR_E_')
        ? e
        : transportError(
            's3',
            `cannot set up bucket "${s.bucket}" / spool ${s.spool_dir}: ${errorText(e)}; check egress.endpoint, ` +
              `the credentials, the bucket and egress.spool_dir`,
            e,
          );
    }
    this.h.set('connected');
    this.h.lag(0);
    this.timer = setInterval(
      () => {
        if (this.size && Date.now() - this.firstAt >= s.max_object_ms) void this.locked(() => this.rotate());
      },
      Math.min(s.max_object_ms, 200),
    );
    this.timer.unref();
  }

  private async storedNextSeq(): Promise<number | null> {
    try {
      return Number((await readFile(join(this.settings.spool_dir, NEXT_SEQ), 'utf8')).trim());
    } catch {
      return null;
    }
  }

  /** a fresh spool directory: continue after the highest key of this naming under the prefix */
  private async nextSeqFromBucket(): Promise<number> {
    const { ListObjectsV2Command } = await s3Client();
    const s = this.settings;
    const prefix = s.prefix ?? '';
    const mine = new RegExp(
      `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d{${SEQ_DIGITS}})${s.suffix.replace(/\./g, '\\.')}$`,
    );
    let next = 0;
    let token: string | undefined;
    do {
      const page = await this.client!.send(
        new ListObjectsV2Command({ Bucket: s.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        const m = mine.exec(o.Key ?? '');
        if (m) next = Math.max(next, Number(m[1]) + 1);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return next;
  }

  private async writeNextSeq(seq: number): Promise<void> {
    const p = join(this.settings.spool_dir, NEXT_SEQ);
    await writeFile(`${p}.tmp`, `${seq}\n`);
    await rename(`${p}.tmp`, p);
  }

  /** writes, rotations and the timer one at a time */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.lock.then(fn);
    this.lock = r.then(
      () => {},
      () => {},
    );
    return r;
  }

  write(records: Uint8Array[]): Promise<void> {
    return this.locked(async () => {
      this.writable();
      const n = records.length;
      let total = n;
      for (let i = 0; i < n; i++) total += records[i]!.byteLength;
      const buf = this.lineBuffer(total);
      let o = 0;
      for (let i = 0; i < n; i++) {
        const r = records[i]!;
        buf.set(r, o);
        o += r.byteLength;
        buf[o++] = NL;
      }
      await this.spool(buf, n, { length: (i) => records[i]!.byteLength });
    });
  }

  /** The batch in place: its records copied from the ring slots as lines into one reused buffer, then spooled. */
  writeFrom(view: EgressView): Promise<void> {
    return this.locked(async () => {
      this.writable();
      const buf = this.lineBuffer(view.bytes + view.count);
      this.lines.copy(view, buf, this.outView!, 0);
      await this.spool(buf, view.count, view);
    });
  }

  private writable(): void {
    if (this.uploadError) throw this.uploadError;
    if (!this.fh || this.closed) throw transportError('s3', 'write before start or after close');
  }

  /** the reused buffer the lines of a write are copied into (inside the lock: one write uses it at a time) */
  private lineBuffer(bytes: number): Buffer {
    if (this.out === null || this.out.length < bytes) {
      this.out = Buffer.allocUnsafeSlow(Math.max(bytes, 64 * 1024));
      this.outView = dataViewOf(this.out);
    }
    return this.out;
  }

  /**
   * Append the `n` lines in `buf` (record i is `lengths.length(i)` bytes and its `\n`) to the spool, closing the
   * object as soon as it reaches max_object_bytes (also in the middle of a write); resolves once they are all in
   * spool files, fsynced (fsync=true): one fsync per write, and one more per object closed within it.
   */
  private async spool(buf: Buffer, n: number, lengths: { length(i: number): number }): Promise<void> {
    const max = this.settings.max_object_bytes;
    this.h.lag(this.pendingRecords() + n);
    let at = 0;
    let i = 0;
    while (i < n) {
      const from = i;
      let bytes = 0;
      while (i < n && (i === from || this.size + bytes < max)) {
        bytes += lengths.length(i) + 1;
        i++;
      }
      await this.append(buf, at, bytes, i - from);
      at += bytes;
      if (this.size >= max) await this.rotate();
    }
    const closing = this.closingFull;
    if (closing.length) this.closingFull = [];
    const sync = this.unsynced ? this.fh!.sync() : null;
    this.unsynced = false;
    const seq = this.seq;
    try {
      if (sync) await sync;
    } catch (e) {
      throw this.spoolFailed(seq, e);
    } finally {
      for (const c of closing) await c.catch(() => {});
    }
    for (const c of closing) await c; // throws the first failure (a spoolFailed error)
  }

  private async append(buf: Buffer, at: number, bytes: number, records: number): Promise<void> {
    try {
      for (let done = 0; done < bytes; ) done += (await this.fh!.write(buf, at + done, bytes - done)).bytesWritten;
    } catch (e) {
      throw this.spoolFailed(this.seq, e);
    }
    if (this.settings.fsync) this.unsynced = true;
    if (this.size === 0) this.firstAt = Date.now();
    this.size += bytes;
    this.records += records;
  }

  private spoolFailed(seq: number, e: unknown): Error {
    this.h.fail(errorText(e));
    this.h.set('failed');
    return transportError(
      's3',
      `cannot write the spool ${this.spoolPath(seq)}: ${errorText(e)}; check egress.spool_dir (disk full?)`,
      e,
    );
  }

  private pendingRecords(): number {
    let n = this.records;
    for (const v of this.spooled.values()) n += v;
    return n;
  }

  /**
   * Close the filling spool file, queue its upload, start the next one (inside the lock). When a write left the
   * full file unsynced, its fsync and close run on while the next sequence is stored, the next file is created and
   * written: `spool` awaits them (`closingFull`) with the fsync of the next file, so the waits overlap.
   */
  private async rotate(): Promise<void> {
    if (!this.fh || this.size === 0) return;
    const fh = this.fh;
    const unsynced = this.unsynced;
    this.fh = null;
    this.unsynced = false;
    const seq = this.seq;
    this.spooled.set(seq, this.records);
    this.seq = seq + 1;
    this.size = 0;
    this.records = 0;
    const full = (async () => {
      try {
        if (unsynced) await fh.sync();
      } catch (e) {
        throw this.spoolFailed(seq, e);
      } finally {
        await fh.close();
      }
    })();
    full.catch(() => {}); // reported by spool (or by the upload chain when the timer or close rotated)
    this.closingFull.push(full);
    await this.writeNextSeq(this.seq);
    if (!this.closed) this.fh = await open(this.spoolPath(this.seq), 'w');
    this.waiting++;
    this.uploads = this.uploads
      .then(() => full)
      .then(() => this.upload(seq))
      .catch((e) => {
        this.uploadError ??= e as Error;
      })
      .finally(() => {
        this.waiting--;
      });
    // backpressure: at most two objects wait for their upload
    if (this.waiting > 2) await this.uploads;
  }

  /** upload spool file `seq` to its key, retrying transient failures for write_timeout_ms */
  private async upload(seq: number): Promise<void> {
    const s = this.settings;
    const path = this.spoolPath(seq);
    const key = this.key(seq);
    const until = Date.now() + s.write_timeout_ms;
    for (let attempt = 0; ; attempt++) {
      try {
        const size = (await stat(path)).size;
        if (size <= s.part_bytes) await this.put(key, await readFile(path));
        else await this.multipart(key, path, size);
        break;
      } catch (e) {
        await this.outage.failed(
          `cannot upload ${key}: ${errorText(e)}; its records stay in ${path} and are uploaded on the next start`,
          attempt,
          !s3Permanent(e),
          until,
        );
      }
    }
    this.outage.ok();
    await unlink(path);
    this.h.count(this.spooled.get(seq) ?? 0);
    this.spooled.delete(seq);
    this.h.lag(this.pendingRecords());
  }

  private async put(key: string, body: Buffer): Promise<void> {
    const { PutObjectCommand } = await s3Client();
    await this.client!.send(
      new PutObjectCommand({
        Bucket: this.settings.bucket,
        Key: key,
        Body: body,
        ContentLength: body.byteLength,
        ContentType: 'text/plain',
      }),
    );
  }

  private async multipart(key: string, path: string, size: number): Promise<void> {
    const {
      CreateMultipartUploadCommand,
      UploadPartCommand,
      CompleteMultipartUploadCommand,
      AbortMultipartUploadCommand,
    } = await s3Client();
    const s = this.settings;
    const { UploadId } = await this.client!.send(
      new CreateMultipartUploadCommand({ Bucket: s.bucket, Key: key, ContentType: 'text/plain' }),
    );
    const fh = await open(path, 'r');
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let off = 0, n = 1; off < size; off += s.part_bytes, n++) {
        const len = Math.min(s.part_bytes, size - off);
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, off);
        const { ETag } = await this.client!.send(
          new UploadPartCommand({ Bucket: s.bucket, Key: key, UploadId, PartNumber: n, Body: buf }),
        );
        parts.push({ ETag: ETag!, PartNumber: n });
      }
      await this.client!.send(
        new CompleteMultipartUploadCommand({ Bucket: s.bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
      );
    } catch (e) {
      await this.client!.send(new AbortMultipartUploadCommand({ Bucket: s.bucket, Key: key, UploadId })).catch(
        () => {},
      );
      throw e;
    } finally {
      await fh.close();
    }
  }

  /** upload what is spooled (the last object may be smaller than max_object_bytes), then stop */
  close(): Promise<void> {
    return (this.closing ??= this.finish());
  }

  private async finish(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.locked(async () => {
      this.closed = true;
      if (this.size > 0) await this.rotate();
      else if (this.fh) {
        await this.fh.close();
        this.fh = null;
        await unlink(this.spoolPath(this.seq)).catch(() => {});
      }
    });
    await this.uploads;
    this.client?.destroy();
    if (this.uploadError) {
      this.h.set('failed');
      throw this.uploadError;
    }
    this.h.set('closed');
  }
}

const NL = 10;
