import { z } from 'zod';

/**
 * The fields every runtime state document shares, whatever its model
 * (`single_ring_snapshot.json`, `lane_graph_state.json`): which spec it runs, when and from
 * where it was captured, the runtime process, the record totals, the run's error and the
 * plugin sections. Each model's schema spreads these shapes in its own field order.
 */
const Int = z.number().int();

export const WaitName = z.enum(['spin', 'backoff', 'block']);

/** spec_hash … source */
export const RuntimeDocumentHeader = {
  spec_hash: z.string(),
  spec_name: z.string(),
  spec_path: z.string().nullable(),
  captured_unix_ms: Int,
  /** `live`: asked over the control socket; `state_file`: read from the run directory */
  source: z.enum(['live', 'state_file']),
  /**
   * Set by whoever read a state file (source `state_file`): whether the process it names is
   * still that runtime (pid and start time: kernel/rundir/process-identity.ts), why, and how old
   * the file was (now − captured_unix_ms).
   */
  liveness: z.object({ alive: z.boolean(), why: z.string(), state_file_age_ms: Int, checked_unix_ms: Int }).optional(),
};

/** The runtime process (each model adds its `wait`). */
export const RuntimeProcessFields = {
  pid: Int,
  run_dir: z.string().nullable(),
  started_unix_ms: Int,
  state: z.enum(['running', 'draining', 'stopped', 'failed']),
  one_shot: z.boolean(),
  /** the process's start time, clock ticks since boot (/proc/<pid>/stat field 22); null where unknown */
  start_ticks: Int.nullable().optional(),
};

/**
 * The run's records: `in` every record the source handed over (refused ones included),
 * `waiting` those of them not yet in the ring or ingress lanes (queued in front of a full one),
 * `out` written by egress, `dropped` by a stage or a lane, `refused` (larger than slot_bytes).
 * Documents written before `waiting` existed read as 0.
 */
export const RecordTotals = z.object({ in: Int, out: Int, dropped: Int, refused: Int, waiting: Int.default(0) });

/** The error a failed run reports (null while it has not failed). */
export const RunErrorField = z
  .object({ code: z.string(), message: z.string(), stage: z.string().optional(), sequence: Int.optional() })
  .nullable();

/** plugin sections (`PluginHost.registerSnapshotSection`), by name, sorted */
export const PluginSectionsField = z.record(z.string(), z.unknown());
