// Test helpers for the EdgePlane adapters: a recording ingress sink, a small adapter loop
// (ingress -> egress -> ack, as the run verb does it), and real servers started on free ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { EgressAdapter, EgressView, IngressAdapter, IngressSink } from '../../kernel/index.ts';

export function requireEnv(name: string, debianPackage: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(
      `${name} is not set: install the Debian package ${debianPackage} (apt-get install ${debianPackage}) and ` +
        `run the tests with "npm test", which starts it`,
    );
  return v;
}

export class RecordingSink implements IngressSink {
  readonly records: Buffer[] = [];
  readonly tokens: unknown[] = [];
  ended = false;
  failure: Error | null = null;
  private waiters: Array<() => void> = [];

  push(record: Uint8Array, ackToken?: unknown): void {
    this.records.push(Buffer.from(record));
    this.tokens.push(ackToken);
    this.notify();
  }
  end(): void {
    this.ended = true;
    this.notify();
  }
  fail(error: Error): void {
    this.failure = error;
    this.notify();
  }
  texts(): string[] {
    return this.records.map((r) => r.toString());
  }

  private notify() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** resolves when `pred` holds; rejects after `ms` */
  async until(pred: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    const until = Date.now() + ms;
    while (!pred()) {
      const left = until - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out after ${ms} ms waiting for ${what} (have ${this.records.length} records, ended=` +
            `${this.ended}, failure=${this.failure?.message ?? 'none'})`,
        );
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, Math.min(left, 100));
      });
    }
  }
}

/**
 * A minimal adapter loop: records pushed by the ingress are written to the egress in batches,
 * and acknowledged to the ingress once the egress accepted them (what `run` does around the ring).
 */
export class Pump implements IngressSink {
  private batch: Uint8Array[] = [];
  private tokens: unknown[] = [];
  private flushing: Promise<void> = Promise.resolve();
  moved = 0;
  ended = false;
  failure: Error | null = null;

  /** `delayMs`: extra time per egress write, to keep a run going while a test restarts a server */
  constructor(
    readonly ingress: IngressAdapter,
    readonly egress: EgressAdapter,
    readonly batchSize = 64,
    readonly delayMs = 0,
  ) {}

  async start(): Promise<void> {
    await this.egress.start();
    await this.ingress.start(this);
  }

  push(record: Uint8Array, ackToken?: unknown): Promise<void> | void {
    this.batch.push(record);
    this.tokens.push(ackToken);
    if (this.batch.length >= this.batchSize) return this.flush();
    // flush soon even if the batch is not full (like the executor's batch timeout)
    if (this.batch.length === 1)
      setTimeout(() => {
        void this.flush();
      }, 5);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.batch.length === 0) return;
      const records = this.batch;
      const tokens = this.tokens;
      this.batch = [];
      this.tokens = [];
      try {
        if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
        await this.egress.write(records);
        this.moved += records.length;
        await this.ingress.ack?.(tokens.filter((t) => t !== undefined));
      } catch (e) {
        this.failure = e as Error;
      }
    });
    return this.flushing;
  }

  end(): void {
    this.ended = true;
    void this.flush();
  }
  fail(error: Error): void {
    this.failure = error;
  }

  /** drain what was pushed (write + ack), then close the ingress, then the egress */
  async stop(): Promise<void> {
    await this.flush();
    await this.ingress.close();
    await this.flush();
    await this.egress.close();
  }
}

export async function until(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function waitPort(port: number, ms = 10_000): Promise<void> {
  await until(
    () =>
      new Promise<boolean>((r) => {
        const c = connect(port, '127.0.0.1');
        c.once('connect', () => {
          c.destroy();
          r(true);
        });
        c.once('error', () => r(false));
      }),
    ms,
    `port ${port}`,
  );
}

/** A server process this test owns (so it can kill and restart it). */
export class OwnServer {
  private proc: ChildProcess | null = null;
  constructor(
    readonly bin: string,
    readonly args: string[],
    readonly port: number,
  ) {}

  async start(): Promise<void> {
    this.proc = spawn(this.bin, this.args, { stdio: 'ignore' });
    const p = this.proc;
    await Promise.race([
      waitPort(this.port),
      new Promise((_, rej) =>
        p.once('error', (e) =>
          rej(new Error(`cannot start ${this.bin}: ${e.message}; install the Debian package ${this.bin}`)),
        ),
      ),
    ]);
  }

  /** kill -9: the server gets no chance to flush or say goodbye */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    this.proc = null;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGKILL');
    });
  }
}

/**
 * After the suite: a failed test can leave a client reconnecting to a server that is gone, which
 * would keep the process alive until the runner's timeout. Exit shortly after the last test
 * instead (uvu has already printed the result and set the exit code).
 */
export function exitWhenDone(suite: { after(fn: () => void): void }): void {
  suite.after(() => {
    setTimeout(() => process.exit(), 2_000).unref();
  });
}

/**
 * A producer-like sink for the line sources' chunk paths: pushSpans and push copy the records; one over `limit` is
 * refused and counted (its ack token is never acknowledged, as in the producer); every third pushSpans settles
 * later (a full ring). `tokens` are the tokens of the records taken, in order; `spanCalls()` counts the pushSpans
 * calls.
 */
export function producerSink(limit: number) {
  const events: Array<string | { refused: number }> = [];
  const tokens: unknown[] = [];
  let calls = 0;
  let ended = false;
  const take = (record: Uint8Array) =>
    events.push(record.length > limit ? { refused: record.length } : Buffer.from(record).toString('latin1'));
  const sink: IngressSink = {
    push(record, token) {
      take(record);
      if (record.length <= limit && token !== undefined) tokens.push(token);
    },
    pushSpans(bytes, spans, count) {
      const copy = () => {
        for (let i = 0; i < count; i++) take(bytes.subarray(spans[2 * i]!, spans[2 * i + 1]!));
      };
      if (++calls % 3 !== 0) return copy();
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          copy();
          resolve();
        }),
      );
    },
    maxRecordBytes: limit,
    refuse(n) {
      events.push({ refused: n });
    },
    end() {
      ended = true;
    },
  };
  return { sink, events, tokens, ended: () => ended, spanCalls: () => calls };
}

/**
 * An EgressView over `records` laid out in one memory, as the ring hands them to writeFrom (each record at its
 * own offset, with a gap, so an adapter that reads the wrong range shows it). `scribble()` overwrites the
 * memory, as the ring does once the slots are released.
 */
export function egressView(records: string[]): { view: EgressView; scribble(): void } {
  const gap = 8;
  const offsets: number[] = [];
  let at = gap;
  for (const r of records) {
    offsets.push(at);
    at += Buffer.byteLength(r) + gap;
  }
  const memory = new Uint8Array(at);
  records.forEach((r, i) => Buffer.from(memory.buffer).write(r, offsets[i]!));
  const lengths = records.map((r) => Buffer.byteLength(r));
  const view: EgressView = {
    memory,
    count: records.length,
    bytes: lengths.reduce((a, b) => a + b, 0),
    offset: (i) => offsets[i]!,
    length: (i) => lengths[i]!,
  };
  return { view, scribble: () => memory.fill(0x23) };
}

/**
 * Through `eg.writeFrom`: `n` records, then three more (one empty), each view scribbled over once its write
 * settled (the slots are reused). Returns the records that must arrive, in order.
 */
export async function writeFromTwice(eg: EgressAdapter, n: number): Promise<string[]> {
  const records = Array.from({ length: n }, (_, i) => `v${i}`);
  const tail = ['w0', '', 'w2'];
  for (const batch of [records, tail]) {
    const v = egressView(batch);
    await eg.writeFrom!(v.view);
    v.scribble();
  }
  return [...records, ...tail];
}
