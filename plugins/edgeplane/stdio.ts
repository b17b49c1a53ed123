import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { LineEgress } from '../../kernel/io/line-egress.ts';
import { LineIngress } from '../../kernel/io/line-ingress.ts';
import type { AdapterFactory, EgressAdapter, IngressAdapter, IngressSink } from '../../kernel/plugin-contract.ts';
import { track, type LiveBinding } from './bindings.ts';
import { parseSettings } from './settings.ts';

/**
 * Line-oriented standard streams as an EdgePlane kind: the kernel's line adapters (the defaults
 * of `run`, kernel/io) over stdin and stdout, so `ingress.kind=stdio` behaves exactly like
 * `--input=-` and shows up in the `adapters` snapshot section. Ingress reads `\n`-terminated
 * records until EOF (the run then drains and ends); egress writes one line per record. No
 * source acknowledgement exists, so delivery is at-most-once. Stdio egress shares stdout with
 * `--json` output: use one or the other.
 */

export const StdioSettings = z.object({});

export class StdioIngress implements IngressAdapter, LiveBinding {
  readonly role = 'ingress';
  readonly kind = 'stdio';
  private readonly inner: LineIngress;

  /** `input`: read this stream instead of process.stdin (embedding, tests) */
  constructor(input?: Readable) {
    this.inner = new LineIngress({ input: '-', ...(input ? { stream: input } : {}) });
  }

  endpoint(): string {
    return 'stdin';
  }
  health() {
    return this.inner.health();
  }
  start(sink: IngressSink): Promise<void> {
    return this.inner.start(sink);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export class StdioEgress implements EgressAdapter, LiveBinding {
  readonly role = 'egress';
  readonly kind = 'stdio';
  private readonly inner: LineEgress;

  /** `output`: write this stream instead of process.stdout (embedding, tests) */
  constructor(output?: Writable) {
    this.inner = new LineEgress({ output: '-', ...(output ? { stream: output } : {}) });
  }

  endpoint(): string {
    return 'stdout';
  }
  health() {
    return this.inner.health();
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  write(records: Uint8Array[]): Promise<void> {
    return this.inner.write(records);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export const stdioAdapter: AdapterFactory = {
  kind: 'stdio',
  summary: 'line-oriented stdin (ingress) / stdout (egress); the kernel line adapters as an EdgePlane kind',
  direction: 'both',
  ingress: (settings) => {
    parseSettings(StdioSettings, settings, 'ingress', 'stdio');
    return track(new StdioIngress());
  },
  egress: (settings) => {
    parseSettings(StdioSettings, settings, 'egress', 'stdio');
    return track(new StdioEgress());
  },
};
