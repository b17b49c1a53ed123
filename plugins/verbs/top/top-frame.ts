import { z } from 'zod';

/**
 * One refresh of `byteor top --json` (one JSON line each): the runtime's state document
 * flattened per worker (kernel/snapshot/runtime-view.ts) with rates since the previous refresh
 * and the process's CPU and memory. `alive` is false when the live runtime did not answer and
 * the frame shows the state file it left (`source: state_file`, `live_error` says why).
 */
export const TOP_FRAME_VERSION = 1;

const Int = z.number().int();
/** records per second since the previous refresh; null on the first */
const Rate = z.number().nonnegative().nullable();

export const TopRow = z.object({
  id: z.string(),
  kind: z.enum(['stage', 'role', 'ingress', 'egress']),
  name: z.string(),
  shard: Int.nullable(),
  key: z.string().nullable(),
  records: Int,
  records_per_s: Rate,
  sequence: Int.nullable(),
  lag: Int,
  stalled: z.boolean(),
  dropped: Int,
  counters: z.record(z.string(), z.number()),
});
export type TopRow = z.infer<typeof TopRow>;

export const TopAdapter = z.object({
  role: z.string(),
  kind: z.string(),
  transport: z.string(),
  connection_state: z.string(),
  message_count: z.number(),
  lag: z.object({ value: z.number(), unit: z.string() }).nullable(),
  recent_failures: z.array(z.object({ unix_ms: z.number(), message: z.string() })),
});

export const TopFrame = z.object({
  top_v: z.literal(TOP_FRAME_VERSION),
  captured_unix_ms: Int,
  source: z.enum(['live', 'state_file']),
  alive: z.boolean(),
  live_error: z.string().nullable(),
  model: z.enum(['single_ring', 'lane_graph']),
  spec_name: z.string(),
  spec_hash: z.string(),
  pid: Int,
  state: z.string(),
  uptime_ms: Int,
  records: z.object({ in: Int, out: Int, dropped: Int, refused: Int }),
  rates: z.object({ in_per_s: Rate, out_per_s: Rate }),
  /** null when /proc/<pid> cannot be read, or the runtime is not alive */
  process: z.object({ cpu_percent: z.number().nonnegative().nullable(), rss_bytes: Int }).nullable(),
  /** sorted by lag, largest first */
  rows: z.array(TopRow),
  adapters: z.array(TopAdapter),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type TopFrame = z.infer<typeof TopFrame>;
