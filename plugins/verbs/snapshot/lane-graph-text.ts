import type { LaneGraphState } from '../../../kernel/artifacts/lane-graph-state.ts';

/** The human form of a `lane_graph_state.json` document (`byteor snapshot` without --json). */
export function laneGraphText(s: LaneGraphState, liveError: string | null): string {
  const lines = [
    `lane_graph state of ${s.spec_name} (${s.spec_hash}), source ${s.source}` +
      `${s.source === 'state_file' ? ` (no live runtime: ${liveError})` : ''}`,
    `runtime pid ${s.runtime.pid}, state ${s.runtime.state}, wait ${s.runtime.wait.applied}` +
      `${s.runtime.wait.applied !== s.runtime.wait.requested ? ` (requested ${s.runtime.wait.requested})` : ''}, ` +
      `on_full ${s.on_full}, captured ${new Date(s.captured_unix_ms).toISOString()}`,
    `records in ${s.records.in}, out ${s.records.out}, dropped ${s.records.dropped}, refused ` +
      `${s.records.refused}, waiting in front of the ingress lanes ${s.records.waiting}`,
    'lanes:',
  ];
  for (const l of s.lanes) {
    lines.push(
      `  ${l.name.padEnd(20)} ${l.kind.padEnd(16)} ${l.health.padEnd(8)} capacity ${l.capacity}, cursor ` +
        `${l.cursor}, published ${l.published}, depth ${l.depth}, drops_full ${l.drops_full}, writer ` +
        `${l.writer.name}`,
    );
    for (const r of l.readers)
      lines.push(
        `    reader ${r.reader} ${r.name.padEnd(16)} sequence ${r.sequence}, lag ${r.lag}` +
          `${r.overrun ? `, OVERRUN ${r.overrun}` : ''}`,
      );
  }
  lines.push('roles:');
  for (const r of s.roles) {
    const what =
      r.kind === 'stage'
        ? `stage ${r.key}`
        : r.kind === 'router'
          ? `router ${r.mode}`
          : r.kind === 'merge'
            ? `merge ${r.policy}`
            : 'bridge';
    lines.push(
      `  ${r.name.padEnd(20)} ${what.padEnd(24)} ${r.health.padEnd(8)} records ${r.records}, batches ` +
        `${r.batches}${r.inserted ? ' (inserted)' : ''}`,
    );
    if (r.router) {
      for (const c of r.router.consumers)
        lines.push(`    -> ${c.lane.padEnd(18)} routed ${c.routed}, drops_full ${c.drops_full}, credit ${c.credit}`);
      lines.push(`    drops_all_full ${r.router.drops_all_full}`);
    }
    if (r.merge) for (const i of r.merge.inputs) lines.push(`    <- ${i.lane.padEnd(18)} taken ${i.taken}`);
    if (r.error) lines.push(`    error: [${r.error.code}] ${r.error.message}`);
  }
  lines.push('endpoints:');
  for (const e of s.endpoints)
    lines.push(`  ${e.kind.padEnd(7)} ${e.name.padEnd(16)} lane ${e.lane}, records ${e.records}, dropped ${e.dropped}`);
  lines.push(
    s.stalled.length
      ? `stalled: ${s.stalled.map((x) => `${x.name} on ${x.lane} (lag ${x.lag})`).join('; ')}`
      : 'stalled: none',
  );
  if (s.error) lines.push(`error: [${s.error.code}] ${s.error.message}`);
  for (const name of Object.keys(s.sections)) lines.push(`section ${name}: ${JSON.stringify(s.sections[name])}`);
  return `${lines.join('\n')}\n`;
}
