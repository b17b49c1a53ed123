import type { InspectFinding, InspectStep } from '../../../kernel/artifacts/inspect-report.ts';
import type { LaneGraphState } from '../../../kernel/artifacts/lane-graph-state.ts';
import type { RuntimeStateDocument } from '../../../kernel/artifacts/runtime-state.ts';
import type { SingleRingSnapshot } from '../../../kernel/artifacts/single-ring-snapshot.ts';
import { SINGLE_RING_SNAPSHOT_FILE } from '../../../kernel/artifacts/single-ring-snapshot.ts';
import { LANE_GRAPH_STATE_FILE } from '../../../kernel/artifacts/lane-graph-state.ts';
import { adapterEntries, adapterFindings } from './adapters.ts';
import type { BundleView } from './bundle-view.ts';
import { anomaly, note, statusOf, step } from './finding.ts';

/**
 * Step 4: the runtime's state document. Anomalies name what the runbook lists: the lagging
 * stage (or lane reader), the gating sequence when the ring or lane is full, a failed adapter,
 * stalled or failed execution. A lag is an anomaly when it holds half the ring or more, or
 * when the runtime is no longer running (records left behind); smaller lags of a running
 * runtime are records in flight (a note).
 */

function common(s: RuntimeStateDocument, v: BundleView): InspectFinding[] {
  const out: InspectFinding[] = [];
  if (s.spec_hash !== v.manifest.spec_hash)
    out.push(
      anomaly(
        'other_spec',
        `the runtime ran spec ${s.spec_hash} (${s.spec_name}), the bundle's spec is ${v.manifest.spec_hash}`,
      ),
    );
  if (s.runtime.state === 'failed' || s.error) {
    const e = s.error;
    out.push(
      anomaly(
        'run_failed',
        e
          ? `the run failed: [${e.code}] ${e.message}` +
              `${e.stage !== undefined ? ` (stage ${e.stage}${e.sequence !== undefined ? `, sequence ${e.sequence}` : ''})` : ''}`
          : 'the runtime state is failed',
      ),
    );
  }
  if (s.source === 'state_file' && (s.runtime.state === 'running' || s.runtime.state === 'draining')) {
    out.push(
      note(
        'state_file',
        `read from the runtime's state file (it did not answer live), written at ` +
          `${new Date(s.captured_unix_ms).toISOString()} saying "${s.runtime.state}": the runtime may have died ` +
          `since`,
      ),
    );
  }
  if (s.records.dropped > 0) out.push(note('dropped', `${s.records.dropped} records dropped`));
  if (s.records.refused > 0)
    out.push(note('refused', `${s.records.refused} records refused (larger than a slot, or refused by a full lane)`));
  out.push(...adapterFindings(adapterEntries(s)));
  return out;
}

function singleRing(s: SingleRingSnapshot): InspectFinding[] {
  const out: InspectFinding[] = [];
  const running = s.runtime.state === 'running' || s.runtime.state === 'draining';
  for (const x of s.stalled)
    out.push(
      anomaly(
        'stalled_stage',
        `shard ${x.shard} stage ${x.stage} (${x.key}) is stalled at sequence ${x.sequence} with lag ${x.lag}: ` +
          `no progress between the runtime's last two samples`,
      ),
    );
  for (const sh of s.shards) {
    if (sh.halt === 'aborted')
      out.push(anomaly('halted', `shard ${sh.shard} was aborted (halt=aborted) at cursor ${sh.cursor}`));
    const worst = [...sh.stages].sort((a, b) => b.lag - a.lag || a.stage - b.stage)[0];
    if (worst && worst.lag > 0) {
      const msg =
        `shard ${sh.shard}: stage ${worst.stage} (${worst.key}) lags most, at sequence ${worst.sequence}, ` +
        `${worst.lag} behind cursor ${sh.cursor} (capacity ${sh.capacity})`;
      out.push(!running || worst.lag * 2 >= sh.capacity ? anomaly('lagging_stage', msg) : note('lagging_stage', msg));
    }
    const inFlight = sh.cursor - sh.min_gating;
    if (inFlight >= sh.capacity) {
      const slowest =
        worst && worst.lag > 0 ? `stage ${worst.stage} (${worst.key})` : `egress (sequence ${sh.egress.sequence})`;
      out.push(
        anomaly(
          'gated',
          `shard ${sh.shard}: the producer is gated at sequence ${sh.min_gating} (cursor ${sh.cursor}): the ` +
            `ring is full (${inFlight} of ${sh.capacity} slots in flight); the slowest reader is ${slowest}`,
        ),
      );
    } else if (!running && inFlight > 0) {
      out.push(
        anomaly(
          'undelivered',
          `shard ${sh.shard}: ${inFlight} records between the gating sequence ${sh.min_gating} and the cursor ` +
            `${sh.cursor} had not left through egress when the runtime stopped`,
        ),
      );
    }
  }
  return out;
}

function laneGraph(s: LaneGraphState): InspectFinding[] {
  const out: InspectFinding[] = [];
  const running = s.runtime.state === 'running' || s.runtime.state === 'draining';
  for (const r of s.roles) {
    if (r.health === 'failed')
      out.push(
        anomaly(
          'failed_role',
          `role ${r.name}${r.key ? ` (${r.key})` : ''} failed` +
            `${r.error ? `: [${r.error.code}] ${r.error.message}` : ''}`,
        ),
      );
  }
  for (const x of s.stalled)
    out.push(
      anomaly(
        'stalled_reader',
        `${x.name} is stalled on lane ${x.lane} at sequence ${x.sequence} with lag ${x.lag}: no progress ` +
          `between the runtime's last two samples`,
      ),
    );
  for (const l of s.lanes) {
    if (l.health === 'failed')
      out.push(anomaly('failed_lane', `lane ${l.name} was stopped (halt=${l.halt}): the graph aborted`));
    if (l.drops_full > 0)
      out.push(
        anomaly(
          'drops_full',
          `lane ${l.name} refused ${l.drops_full} records because it was full (on_full=${l.on_full})`,
        ),
      );
    for (const r of l.readers)
      if (r.overrun > 0)
        out.push(anomaly('overrun', `${r.name} lost ${r.overrun} records on lane ${l.name} (overrun)`));
    const worst = [...l.readers].sort((a, b) => b.lag - a.lag || a.reader - b.reader)[0];
    if (worst && worst.lag > 0) {
      const msg =
        `lane ${l.name}: ${worst.kind} ${worst.name} lags most, at sequence ${worst.sequence}, ${worst.lag} ` +
        `behind cursor ${l.cursor} (capacity ${l.capacity})`;
      out.push(!running || worst.lag * 2 >= l.capacity ? anomaly('lagging_reader', msg) : note('lagging_reader', msg));
      if (worst.lag >= l.capacity && l.on_full === 'block')
        out.push(
          anomaly(
            'gated',
            `lane ${l.name} is full: its writer ${l.writer.kind} ${l.writer.name} is gated at sequence ` +
              `${worst.sequence} by ${worst.name} (cursor ${l.cursor})`,
          ),
        );
    }
  }
  return out;
}

export function stateStep(v: BundleView): InspectStep {
  const file = v.stateFile ?? (v.spec?.model === 'lane_graph' ? LANE_GRAPH_STATE_FILE : SINGLE_RING_SNAPSHOT_FILE);
  if (v.state.status === 'missing') {
    const why = v.manifest.capture_errors.find((c) => c.what === 'snapshot');
    return step(
      'runtime_state',
      [file],
      'missing',
      why
        ? `no runtime state was captured: [${why.code}] ${why.message}`
        : `no runtime state was captured: the bundle was exported without --run-dir; export one with ` +
            `incident-bundle --run-dir=DIR`,
      [],
    );
  }
  if (v.state.status === 'unreadable')
    return step('runtime_state', [file], 'unreadable', `${file} fails its schema: ${v.state.why}`, []);
  const s = v.state.value;
  const findings = [...common(s, v), ...(s.model === 'single_ring' ? singleRing(s) : laneGraph(s))];
  const summary =
    `${s.model} runtime pid ${s.runtime.pid}, state ${s.runtime.state} (${s.source}, ` +
    `${new Date(s.captured_unix_ms).toISOString()}); ` +
    `records in ${s.records.in}, out ${s.records.out}, dropped ${s.records.dropped}, refused ${s.records.refused}`;
  return step('runtime_state', [file], statusOf(findings), summary, findings);
}
