import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import type { AdapterFactory, EgressAdapter, IngressAdapter, IngressSink } from '../../kernel/plugin-api.ts';
import { track, type LiveBinding } from './bindings.ts';
import { HealthTracker, errorText } from './health.ts';
import { LineSplitter } from './lines.ts';
import { parseSettings } from './settings.ts';
import { failSource, transportError } from './source-failure.ts';

/**
 * Line-oriented standard streams: ingress reads `\n`-terminated records from stdin until EOF
 * (the run then drains and ends); egress writes one line per record to stdout. No source
 * acknowledgement exists, so delivery is at-most-once: what was read before a crash is gone.
 * Stdio egress shares stdout with `--json` output: use one or the other.
 */

export const StdioSettings = z.object({});

export class StdioIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'stdio';
  private readonly h = new HealthTracker('stdio', null);
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly input: Readable = process.stdin) {}

  endpoint(): string { return 'stdin'; }
  health() { return this.h.snapshot(); }

  async start(sink: IngressSink): Promise<void> {
    this.h.set('connected');
    this.loop = this.run(sink).catch((e) => failSource(sink, this.h, 'stdio', e));
  }

  private async run(sink: IngressSink): Promise<void> {
    const lines = new LineSplitter();
    // async iteration pauses the stream while a record is being pushed (backpressure)
    for await (const chunk of this.input) {
      for (const { line } of lines.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Buffer)) {
        if (this.stopped) return;
        await sink.push(line);
        this.h.count(1);
      }
      if (this.stopped) return;
    }
    const last = lines.rest();
    if (last && !this.stopped) { await sink.push(last.line); this.h.count(1); }
    this.h.set('closed');
    sink.end();
  }

  async close(): Promise<void> {
    this.stopped = true;
    // stop reading without destroying process.stdin for the rest of the process
    this.input.pause();
    this.h.set('closed');
  }
}

export class StdioEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'stdio';
  private readonly h = new HealthTracker('stdio', 'records');

  constructor(private readonly output: Writable = process.stdout) {}

  endpoint(): string { return 'stdout'; }
  health() { return this.h.snapshot(); }

  async start(): Promise<void> { this.h.set('connected'); this.h.lag(0); }

  async write(records: Uint8Array[]): Promise<void> {
    const parts: Uint8Array[] = [];
    for (const r of records) parts.push(r, NEWLINE);
    this.h.lag(records.length);
    await new Promise<void>((resolve, reject) => {
      this.output.write(Buffer.concat(parts), (err) => {
        if (err) {
          this.h.fail(errorText(err)); this.h.set('failed');
          reject(transportError('stdio', `cannot write to stdout: ${errorText(err)}`, err));
        } else resolve();
      });
    });
    this.h.lag(0);
    this.h.count(records.length);
  }

  async close(): Promise<void> { this.h.set('closed'); }
}

const NEWLINE = new Uint8Array([10]);

export const stdioAdapter: AdapterFactory = {
  kind: 'stdio',
  summary: 'line-oriented stdin (ingress) / stdout (egress)',
  direction: 'both',
  ingress: (settings) => { parseSettings(StdioSettings, settings, 'ingress', 'stdio'); return track(new StdioIngress()); },
  egress: (settings) => { parseSettings(StdioSettings, settings, 'egress', 'stdio'); return track(new StdioEgress()); },
};
