import { z } from 'zod';
import { RecordTotals, RunErrorField } from '../../kernel/artifacts/runtime-document-fields.ts';
import { RuntimeStateDocument } from '../../kernel/artifacts/runtime-state.ts';

/**
 * The control-plane API a runtime reports to (ByteOr does not publish one; this is byteor-ts's,
 * documented in docs/operator-flow.md). Every request carries `Authorization: Bearer <key>`.
 *   POST {base}/v1/agents/{agent_id}/heartbeats     AgentHeartbeat   → any 2xx
 *   POST {base}/v1/agents/{agent_id}/snapshots      AgentSnapshot    → any 2xx
 *   GET  {base}/v1/agents/{agent_id}/signing-keys   → 200 signing_keys.json (approval key set), or 304 with
 *   If-None-Match
 */
export const agentPaths = (agentId: string) => {
  const base = `/v1/agents/${encodeURIComponent(agentId)}`;
  return { heartbeats: `${base}/heartbeats`, snapshots: `${base}/snapshots`, signingKeys: `${base}/signing-keys` };
};

/** A heartbeat: who is running what, and how it is doing — fields of the runtime's snapshot document. */
export const AgentHeartbeat = z.object({
  heartbeat_v: z.literal(1),
  agent_id: z.string(),
  /** increases by one per heartbeat of this runtime process */
  sequence: z.number().int(),
  sent_unix_ms: z.number().int(),
  byteor_version: z.string(),
  hostname: z.string(),
  model: z.enum(['single_ring', 'lane_graph']),
  spec_name: z.string(),
  spec_hash: z.string(),
  pid: z.number().int(),
  run_dir: z.string().nullable(),
  started_unix_ms: z.number().int(),
  state: z.string(),
  /** live: the runtime answered its control socket; state_file: the last state it wrote (at stop) */
  source: z.enum(['live', 'state_file']),
  records: RecordTotals,
  stalled: z.number().int(),
  error: RunErrorField,
});
export type AgentHeartbeat = z.infer<typeof AgentHeartbeat>;

/** A snapshot report: the whole document `byteor snapshot --json` prints. */
export const AgentSnapshot = z.object({
  snapshot_report_v: z.literal(1),
  agent_id: z.string(),
  sequence: z.number().int(),
  sent_unix_ms: z.number().int(),
  document: RuntimeStateDocument,
});
export type AgentSnapshot = z.infer<typeof AgentSnapshot>;
