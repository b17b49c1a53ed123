import { z } from 'zod';

/**
 * What an adapter reports of itself (`IngressAdapter.health()` / `EgressAdapter.health()`), as
 * snapshots carry it (edgeplane's `adapters` section adds the binding: plugins/edgeplane/health.ts).
 */

export const ConnectionState = z.enum(['connecting', 'connected', 'reconnecting', 'closed', 'failed']);
export type ConnectionState = z.output<typeof ConnectionState>;

export const AdapterHealth = z.object({
  transport: z.string(),
  connection_state: ConnectionState,
  message_count: z.number().int().nonnegative(),
  /** how far behind the source the adapter is, in the source's own unit; null: no lag measure */
  lag: z.object({ value: z.number().nonnegative(), unit: z.string() }).nullable(),
  recent_failures: z.array(z.object({ unix_ms: z.number().int(), message: z.string() })),
});
export type AdapterHealth = z.output<typeof AdapterHealth>;
