import { z } from 'zod';
import { AdapterHealth, type ConnectionState } from '../../kernel/adapter-health.ts';

/**
 * Adapter health as reported in snapshots (`adapters` section): the zod schema of one entry and
 * the tracker every adapter keeps. Updated per batch or per connection event; `count` is a plain
 * integer add, so it is also fine per record at the edges.
 */

export const RECENT_FAILURES_KEPT = 8;

/** the kernel's AdapterHealth, with the failures a HealthTracker keeps */
export const AdapterHealthSchema = AdapterHealth.extend({
  recent_failures: AdapterHealth.shape.recent_failures.max(RECENT_FAILURES_KEPT),
});

/** one binding in the `adapters` snapshot section */
export const AdapterEntrySchema = z.object({
  role: z.enum(['ingress', 'egress']),
  kind: z.string(),
  endpoint: z.string(),
  ...AdapterHealthSchema.shape,
});
export type AdapterEntry = z.infer<typeof AdapterEntrySchema>;

export const AdaptersSectionSchema = z.array(AdapterEntrySchema);

export class HealthTracker {
  state: ConnectionState = 'connecting';
  messages = 0;
  private lagValue: number | null = null;
  private readonly failures: Array<{ unix_ms: number; message: string }> = [];

  /** `lagUnit` names the source's own unit (`messages`, `entries`, `bytes`, ...); null: no lag measure */
  constructor(
    readonly transport: string,
    readonly lagUnit: string | null,
  ) {}

  set(state: ConnectionState): void {
    // closed and failed are final: a late event from a client library does not revive a
    // binding, and closing a failed binding keeps `failed` visible in the last snapshot
    if (this.state === 'closed' || this.state === 'failed') return;
    this.state = state;
  }

  count(n: number): void {
    this.messages += n;
  }

  lag(value: number): void {
    this.lagValue = value < 0 ? 0 : value;
  }

  fail(message: string): void {
    this.failures.push({ unix_ms: Date.now(), message });
    if (this.failures.length > RECENT_FAILURES_KEPT) this.failures.shift();
  }

  snapshot(): AdapterHealth {
    return {
      transport: this.transport,
      connection_state: this.state,
      message_count: this.messages,
      lag: this.lagUnit === null || this.lagValue === null ? null : { value: this.lagValue, unit: this.lagUnit },
      recent_failures: this.failures.map((f) => ({ ...f })),
    };
  }
}

export function errorText(e: unknown): string {
  if (e instanceof Error)
    return (e as Error & { code?: unknown }).code
      ? `${e.message} (${String((e as Error & { code?: unknown }).code)})`
      : e.message;
  return String(e);
}
