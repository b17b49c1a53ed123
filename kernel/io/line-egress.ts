/**
 * Line-oriented egress (the default of `run`): each record followed by `\n`, to stdout or to a
 * file (`--output=FILE`, created or truncated). One write per batch; `write` resolves once the
 * bytes were handed to the OS (stream callback), so the ring slots are released only then.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { ByteorError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import type { AdapterHealth, ConnectionState, EgressAdapter } from '../plugin-api.ts';

export interface LineEgressOptions {
  /** a file path, or `-` / undefined for stdout */
  output?: string;
  /** write to this stream instead (tests, embedding); it is not ended by close() */
  stream?: Writable;
}

export class LineEgress implements EgressAdapter {
  private state: ConnectionState = 'connecting';
  private count = 0;
  private readonly failures: Array<{ unix_ms: number; message: string }> = [];
  private stream: Writable | null = null;
  private owned = false;

  constructor(private readonly opts: LineEgressOptions = {}) {}

  get toStdout(): boolean { return !this.opts.stream && (this.opts.output === undefined || this.opts.output === '-'); }
  get transport(): string { return this.opts.stream ? 'stream' : this.toStdout ? 'stdout' : 'file'; }

  async start(): Promise<void> {
    if (this.opts.stream) this.stream = this.opts.stream;
    else if (this.toStdout) this.stream = process.stdout;
    else {
      const path = this.opts.output!;
      const s = createWriteStream(path);
      await new Promise<void>((resolve, reject) => {
        s.once('open', () => resolve());
        s.once('error', (e) => reject(new ByteorError('BYTEOR_E_OUTPUT_UNWRITABLE', `--output=${path}: cannot open for writing (${e.message})`, ExitCode.USAGE, { output: path })));
      });
      this.stream = s;
      this.owned = true;
    }
    this.state = 'connected';
  }

  async write(records: Uint8Array[]): Promise<void> {
    let total = 0;
    for (const r of records) total += r.length + 1;
    const buf = Buffer.allocUnsafe(total);
    let o = 0;
    for (const r of records) { buf.set(r, o); o += r.length; buf[o++] = 10; }
    const s = this.stream!;
    await new Promise<void>((resolve, reject) => {
      s.write(buf, (e) => {
        if (e) {
          this.state = 'failed';
          this.failures.push({ unix_ms: Date.now(), message: e.message });
          reject(new ByteorError('BYTEOR_E_OUTPUT_WRITE', `writing ${this.transport === 'file' ? this.opts.output : this.transport} failed: ${e.message}`, ExitCode.RUNTIME_FAILURE));
        } else resolve();
      });
    });
    this.count += records.length;
  }

  async close(): Promise<void> {
    const s = this.stream;
    this.state = 'closed';
    if (!s) return;
    if (this.owned) await new Promise<void>((resolve) => s.end(() => resolve()));
  }

  health(): AdapterHealth {
    return { transport: this.transport, connection_state: this.state, message_count: this.count, lag: null, recent_failures: this.failures.slice(-5) };
  }
}
