import { ByteorError } from '../errors.ts';
import { RuntimeStateDocument, runtimeStateFile } from '../artifacts/runtime-state.ts';
import { queryRuntime } from '../rundir/control-client.ts';
import { readStateFile } from '../rundir/state-file.ts';
import { processAlive } from '../rundir/process-identity.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/**
 * Capture a runtime's state from its run directory: ask the live runtime over its control
 * socket, and when no runtime answers fall back to the state file it left, saying which was
 * used (`source: live | state_file`). A state file's document gets its `liveness`: whether the
 * process it names is still that runtime (pid and start time) and how old the file is. Used by
 * the `snapshot` and `incident-bundle` verbs.
 */
export interface CapturedSnapshot {
  source: 'live' | 'state_file';
  /** the artifact's file name in a bundle (`single_ring_snapshot.json`, `lane_graph_state.json`) */
  file: string;
  /** a SingleRing snapshot or a LaneGraph state document (`model` tells which) */
  snapshot: RuntimeStateDocument;
  /** why the live runtime was not used (state_file only) */
  liveError: string | null;
}

function invalid(what: string, why: string): ByteorError {
  return KernelErrors.error('BYTEOR_E_SNAPSHOT_INVALID', `${what} fails the snapshot schema: ${why}`);
}

/**
 * Throws BYTEOR_E_SNAPSHOT_UNAVAILABLE (exit 6) when neither source is readable, BYTEOR_E_SNAPSHOT_INVALID (exit 6)
 * when the answer fails its schema.
 */
export async function captureSnapshot(runDir: string, opts: { timeoutMs?: number } = {}): Promise<CapturedSnapshot> {
  let liveError: string;
  try {
    const res = await queryRuntime(runDir, 'snapshot', { timeoutMs: opts.timeoutMs ?? 3000 });
    if (!res.ok)
      throw KernelErrors.relay(
        res.error.code,
        'BYTEOR_E_CONTROL_FAILED',
        `the runtime refused the snapshot: ${res.error.message}`,
      );
    if (res.op !== 'snapshot') throw invalid(`the live runtime in ${runDir}`, `it answered op ${res.op}`);
    const parsed = RuntimeStateDocument.safeParse(res.snapshot);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw invalid(`the live snapshot from ${runDir}`, `${i.path.join('.') || '(root)'} ${i.message}`);
    }
    return {
      source: 'live',
      file: runtimeStateFile(parsed.data),
      snapshot: { ...parsed.data, source: 'live' },
      liveError: null,
    };
  } catch (e) {
    if (!(e instanceof ByteorError) || e.code !== 'BYTEOR_E_RUNTIME_UNREACHABLE') throw e;
    liveError = e.message;
  }
  try {
    const doc = readStateFile(runDir);
    const now = Date.now();
    const { alive, why } = processAlive(doc.runtime.pid, doc.runtime.start_ticks);
    const liveness = { alive, why, state_file_age_ms: Math.max(0, now - doc.captured_unix_ms), checked_unix_ms: now };
    return {
      source: 'state_file',
      file: runtimeStateFile(doc),
      snapshot: { ...doc, source: 'state_file', liveness },
      liveError,
    };
  } catch (e) {
    if (e instanceof ByteorError && e.code === 'BYTEOR_E_STATE_INVALID')
      throw Object.assign(e, { message: `${e.message} (and ${liveError})` });
    throw KernelErrors.error(
      'BYTEOR_E_SNAPSHOT_UNAVAILABLE',
      `no snapshot for run directory ${runDir}: ${liveError}, and ${e instanceof Error ? e.message : String(e)}` +
        `; is --run-dir the directory the runtime was started with?`,
      { run_dir: runDir },
    );
  }
}
