import { closeSync, openSync, writeSync } from 'node:fs';
import {
  z,
  type AdapterFactory,
  type AdapterHealth,
  type EgressAdapter,
  type IngressAdapter,
  type IngressSink,
} from 'byteor/plugin';
import { AcmeErrors } from './errors.ts';

/**
 * Adapter kind `acme_seq`, in a run's `--config` file:
 *   ingress.kind=acme_seq   ingress.count=N   [ingress.text=TEXT]   → records "TEXT-0" … "TEXT-(N-1)"
 *   egress.kind=acme_seq    egress.path=FILE                         → one JSON line per record
 * Settings are checked with zod before anything starts; a bad setting names the key.
 */
const IngressSettings = z
  .object({
    count: z.coerce.number().int().min(1).max(10_000_000),
    text: z.string().min(1).max(64).default('acme'),
  })
  .strict();
const EgressSettings = z.object({ path: z.string().min(1) }).strict();

function settings<S extends z.ZodType>(schema: S, direction: string, raw: Record<string, string>): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = issue.path.length ? `${direction}.${issue.path.join('.')}` : direction;
  throw AcmeErrors.error('BYTEOR_E_ACME_SETTINGS', `acme_seq adapter: ${key}: ${issue.message}`, { key });
}

class Health {
  state: AdapterHealth['connection_state'] = 'connecting';
  count = 0;
  remaining: number | null = null;
  snapshot(): AdapterHealth {
    return {
      transport: 'acme_seq',
      connection_state: this.state,
      message_count: this.count,
      lag: this.remaining === null ? null : { value: this.remaining, unit: 'records' },
      recent_failures: [],
    };
  }
}

function ingress(raw: Record<string, string>): IngressAdapter {
  const s = settings(IngressSettings, 'ingress', raw);
  const h = new Health();
  let stopped = false;
  return {
    async start(sink: IngressSink) {
      h.state = 'connected';
      const enc = new TextEncoder();
      for (let i = 0; i < s.count && !stopped; i++) {
        h.remaining = s.count - i;
        await sink.push(enc.encode(`${s.text}-${i}`));
        h.count++;
      }
      h.remaining = 0;
      sink.end();
    },
    async close() {
      stopped = true;
      h.state = 'closed';
    },
    health: () => h.snapshot(),
  };
}

function egress(raw: Record<string, string>): EgressAdapter {
  const s = settings(EgressSettings, 'egress', raw);
  const h = new Health();
  const dec = new TextDecoder();
  let fd: number | null = null;
  return {
    async start() {
      fd = openSync(s.path, 'w');
      h.state = 'connected';
    },
    async write(records: Uint8Array[]) {
      let text = '';
      for (const r of records) text += `${JSON.stringify({ n: h.count++, text: dec.decode(r) })}\n`;
      writeSync(fd!, text);
    },
    async close() {
      if (fd !== null) closeSync(fd);
      fd = null;
      h.state = 'closed';
    },
    health: () => h.snapshot(),
  };
}

export const acmeSeq: AdapterFactory = {
  kind: 'acme_seq',
  summary: 'numbered test records in (ingress.count, ingress.text); JSON lines out (egress.path)',
  direction: 'both',
  ingress,
  egress,
};
