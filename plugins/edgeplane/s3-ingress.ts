import { readFile } from 'node:fs/promises';
import { writePrivateFileAsync } from '../../kernel/io/private-file.ts';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { IngressAdapter, IngressSink } from '../../kernel/plugin-contract.ts';
import { Backoff, settle, sleep } from './backoff.ts';
import type { LiveBinding } from './bindings.ts';
import { s3Client } from './clients.ts';
import { CommitPoint } from './commit-point.ts';
import { HealthTracker, errorText } from './health.ts';
import { ChunkLines } from './chunk-lines.ts';
import { LineSplitter } from './lines.ts';
import { checkBucket, openS3, s3ConnectionSettings, s3Endpoint, s3Permanent, s3Status } from './s3-connection.ts';
import { bool, int, text } from './settings.ts';
import { failSource, transportError } from './source-failure.ts';

/**
 * S3 ingress: the objects under `prefix`, in key order (S3 lists keys in UTF-8 byte order), each
 * read as `\n`-terminated lines (a last line without `\n` ends at the object's end). With
 * `checkpoint=PATH` the position just past the last line that left through egress (object key
 * and byte offset) is kept in a local file and a restart resumes there: at-least-once. With
 * `follow=true` the prefix is listed again every `poll_ms` for keys after the last one read
 * (objects added with smaller keys are not seen); otherwise the run ends after the last object.
 * Into a producer (`pushSpans`) the lines of each chunk read go in as spans of it, with one ack token per chunk
 * (no object per line); the checkpoint is stored in the background, one write at a time.
 */

export const S3IngressSettings = z.object({
  ...s3ConnectionSettings,
  checkpoint: text().optional(),
  follow: bool().default(false),
  poll_ms: int(10, 3_600_000).default(1_000),
  close_grace_ms: int(0, 3_600_000).default(5_000),
});

const NL = 10;

interface Position {
  key: string;
  offset: number;
}

async function readCheckpoint(path: string): Promise<Position | null> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const p = JSON.parse(raw) as Position;
    if (typeof p.key === 'string' && Number.isSafeInteger(p.offset) && p.offset >= 0) return p;
  } catch {
    /* reported below */
  }
  throw transportError(
    's3',
    `checkpoint ${path} is not {"key":...,"offset":N}; delete it to read the prefix from the beginning`,
  );
}

export class S3Ingress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 's3';
  private readonly h = new HealthTracker('s3', 'bytes');
  private readonly stop = new AbortController();
  private readonly commit = new CommitPoint<Position>();
  private client: S3Client | null = null;
  private resume: Position | null = null;
  /** the acknowledged position not stored yet, and the loop storing checkpoints while there is one */
  private toStore: Position | null = null;
  private checkpointing: Promise<void> | null = null;
  private loop: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;
  /** bytes listed and not yet read */
  private listedBytes = 0;
  /** the lines of a chunk into a producer (reused for every object) */
  private chunkLines: ChunkLines | null = null;

  constructor(readonly settings: z.output<typeof S3IngressSettings>) {}

  endpoint(): string {
    return s3Endpoint(this.settings);
  }
  health() {
    return this.h.snapshot();
  }

  async start(sink: IngressSink): Promise<void> {
    const s = this.settings;
    try {
      this.client = await openS3(s, 'ingress');
      await checkBucket(this.client, s.bucket, 'ingress', false);
      this.resume = s.checkpoint ? await readCheckpoint(s.checkpoint) : null;
    } catch (e) {
      this.h.fail(errorText(e));
      this.h.set('failed');
      this.client?.destroy();
      throw e instanceof Error && String((e as { code?: unknown }).code ?? '').startsWith('BYTEOR_E_')
        ? e
        : transportError(
            's3',
            `cannot read bucket "${s.bucket}": ${errorText(e)}; check ingress.endpoint, the credentials and the bucket`,
            e,
          );
    }
    this.h.set('connected');
    this.loop = this.run(sink).catch((e) => failSource(sink, this.h, 's3', e));
  }

  /** retry `op` with backoff while it fails for a transient reason (health `reconnecting`) */
  private async retrying<T>(what: string, op: () => Promise<T>): Promise<T> {
    const s = this.settings;
    const backoff = new Backoff(s.backoff_ms, s.backoff_max_ms);
    for (;;) {
      try {
        const r = await op();
        if (this.h.state === 'reconnecting') this.h.set('connected');
        return r;
      } catch (e) {
        if (this.stop.signal.aborted) throw e;
        if (s3Permanent(e)) throw e;
        this.h.fail(`${what}: ${errorText(e)}`);
        this.h.set('reconnecting');
        await sleep(backoff.next(), this.stop.signal);
      }
    }
  }

  private async run(sink: IngressSink): Promise<void> {
    const s = this.settings;
    const { ListObjectsV2Command } = await s3Client();
    let after: string | undefined;
    if (this.resume) {
      if (!(await this.readObject(sink, this.resume.key, this.resume.offset, null))) return;
      after = this.resume.key;
    }
    while (!this.stop.signal.aborted) {
      let token: string | undefined;
      let any = false;
      do {
        const page = await this.retrying(`list ${s.bucket}/${s.prefix ?? ''}`, () =>
          this.client!.send(
            new ListObjectsV2Command({
              Bucket: s.bucket,
              Prefix: s.prefix,
              ContinuationToken: token,
              ...(token ? {} : { StartAfter: after }),
            }),
            { abortSignal: this.stop.signal },
          ),
        );
        const objects = page.Contents ?? [];
        this.listedBytes = objects.reduce((n, o) => n + (o.Size ?? 0), 0);
        for (const o of objects) {
          if (this.stop.signal.aborted) return;
          any = true;
          if (!(await this.readObject(sink, o.Key!, 0, o.Size ?? null))) return;
          this.listedBytes -= o.Size ?? 0;
          after = o.Key!;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token && !this.stop.signal.aborted);
      this.h.lag(0);
      if (!s.follow) {
        if (!this.stop.signal.aborted) sink.end();
        return;
      }
      if (!any) await sleep(s.poll_ms, this.stop.signal);
    }
  }

  /** push the lines of `key` from byte `from`; false when the binding was closed meanwhile */
  private async readObject(sink: IngressSink, key: string, from: number, size: number | null): Promise<boolean> {
    const s = this.settings;
    const { GetObjectCommand } = await s3Client();
    let pos = from;
    for (;;) {
      if (size !== null && pos >= size) return true;
      let body: Readable;
      try {
        const got = await this.retrying(`get ${key}`, () =>
          this.client!.send(
            new GetObjectCommand({
              Bucket: s.bucket,
              Key: key,
              ...(pos > 0 ? { Range: `bytes=${pos}-` } : {}),
            }),
            { abortSignal: this.stop.signal },
          ),
        );
        body = got.Body as Readable;
      } catch (e) {
        if (this.stop.signal.aborted) return false;
        if (s3Status(e) === 416) return true; // nothing after `pos`: the object was read to its end
        if (s3Status(e) === 404) {
          this.h.fail(`${key} was deleted before it was read to its end; skipped`);
          return true;
        }
        throw e;
      }
      const at = { pos };
      try {
        const whole = sink.pushSpans
          ? await this.pushChunks(sink, body, key, at)
          : await this.pushLines(sink, body, key, at);
        return whole && !this.stop.signal.aborted;
      } catch (e) {
        if (this.stop.signal.aborted) return false;
        // the connection broke mid-object: read it again after the last line pushed
        this.h.fail(`read ${key}: ${errorText(e)}`);
        body.destroy();
      } finally {
        pos = at.pos;
      }
    }
  }

  /**
   * Into a sink without pushSpans: each line pushed with its own ack token (its end in the object); `at.pos`
   * follows the last line pushed. False when the binding was closed meanwhile.
   */
  private async pushLines(sink: IngressSink, body: Readable, key: string, at: { pos: number }): Promise<boolean> {
    const lines = new LineSplitter(at.pos);
    for await (const chunk of body) {
      for (const { line, end } of lines.feed(chunk as Buffer)) {
        if (this.stop.signal.aborted) {
          body.destroy();
          return false;
        }
        {
          const p = sink.push(line, this.commit.push({ key, offset: end }));
          if (p) await p;
        }
        this.h.count(1);
        at.pos = end;
      }
      this.h.lag(this.listedBytes - at.pos + lines.pending);
    }
    const last = lines.rest();
    if (last && !this.stop.signal.aborted) {
      {
        const p = sink.push(last.line, this.commit.push({ key, offset: last.end }));
        if (p) await p;
      }
      this.h.count(1);
      at.pos = last.end;
    }
    return true;
  }

  /**
   * Into a producer (pushSpans): the complete lines of each chunk the body yields go in through ChunkLines (spans,
   * one ack token per chunk). A chunk is pushed whole, then `at.pos` moves past it; the binding stops between
   * chunks. The unfinished last line of a chunk is carried into the next one.
   */
  private async pushChunks(sink: IngressSink, body: Readable, key: string, at: { pos: number }): Promise<boolean> {
    const lines = (this.chunkLines ??= new ChunkLines(sink));
    let carry: Buffer | null = null;
    for await (const chunk of body) {
      if (this.stop.signal.aborted) {
        body.destroy();
        return false;
      }
      const buf: Buffer = carry === null ? (chunk as Buffer) : Buffer.concat([carry, chunk as Buffer]);
      const end = buf.lastIndexOf(NL) + 1; // the complete lines are buf[0, end)
      if (end > 0) {
        const base = at.pos;
        const r = lines.push(buf, end, (to) => this.commit.push({ key, offset: base + to + 1 }));
        this.h.count(typeof r === 'number' ? r : await r);
        at.pos += end;
      }
      carry = end === buf.length ? null : buf.subarray(end);
      this.h.lag(this.listedBytes - at.pos + (carry?.length ?? 0));
    }
    if (carry !== null && !this.stop.signal.aborted) {
      // a last line without `\n` ends at the object's end
      const p = sink.push(carry, this.commit.push({ key, offset: at.pos + carry.length }));
      if (p) await p;
      this.h.count(1);
      at.pos += carry.length;
    }
    return true;
  }

  /**
   * Tokens are from CommitPoint.push; the checkpoint keeps the end of the acknowledged prefix. It is stored in the
   * background, without holding up egress (the run's next write waits for a returned promise): one write at a
   * time, the next one with the newest position acknowledged meanwhile; close() waits for the last.
   */
  ack(tokens: unknown[]): void {
    const path = this.settings.checkpoint;
    if (!this.commit.ack(tokens) || !path) return;
    this.toStore = this.commit.position!;
    this.checkpointing ??= this.storeCheckpoints(path);
  }

  private async storeCheckpoints(path: string): Promise<void> {
    while (this.toStore !== null) {
      const at = this.toStore;
      this.toStore = null;
      try {
        await writePrivateFileAsync(path, JSON.stringify(at) + '\n');
      } catch (e) {
        this.h.fail(`checkpoint ${path}: ${errorText(e)}`);
      }
    }
    this.checkpointing = null;
  }

  /** stop reading, wait up to close_grace_ms for pushed lines to be acknowledged; idempotent */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      await this.loop;
      await settle(() => this.commit.inFlight === 0, this.settings.close_grace_ms);
      await this.checkpointing;
      if (this.commit.inFlight && this.settings.checkpoint)
        this.h.fail(
          `${this.commit.inFlight} lines were not acknowledged within ${this.settings.close_grace_ms} ms of ` +
            `close (ingress.close_grace_ms); they are read again after the checkpoint`,
        );
      this.client?.destroy();
      this.h.set('closed');
    })();
    return this.closing;
  }
}
