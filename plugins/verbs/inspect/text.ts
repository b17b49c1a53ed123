import type { InspectFinding, InspectFocus, InspectReport } from '../../../kernel/artifacts/inspect-report.ts';

/** The human form of an inspect report: product shortcut, the five steps, the next step. */

const mark = (f: InspectFinding) => (f.severity === 'anomaly' ? '!' : '-');

function focusLines(f: InspectFocus): string[] {
  const lines = [`${f.product}: ${f.focus} [${f.status}]`];
  if (f.product === 'byteor-edgeplane') {
    if (f.adapters.length === 0) lines.push('  no adapter entries in the runtime state');
    for (const a of f.adapters) {
      lines.push(
        `  ${a.role} ${a.kind} ${a.endpoint}: transport=${a.transport} connection_state=${a.connection_state} ` +
          `message_count=${a.message_count} ` +
          `lag=${a.lag ? `${a.lag.value} ${a.lag.unit}` : 'n/a'} recent_failures=${a.recent_failures.length}`,
      );
    }
  } else if (f.product === 'byteor-actiongraph') {
    for (const a of f.actions) lines.push(`  ${a.stage} ${a.key}: ${a.decision}`);
    for (const a of f.approvals) {
      lines.push(
        `  ${a.record}: ${a.environment ?? '?'} decision ${a.decision ?? '?'}, approval required=${a.required} ` +
          `provided=${a.provided} verified=${a.verified}${a.error ? ` [${a.error.code}]` : ''}`,
      );
    }
  } else {
    if (!f.schema) lines.push('  no DataGuard report (dataguard_report.kv) in the bundle');
    const kv = (p: string, o: Record<string, unknown> | null) =>
      o ? Object.entries(o).map(([k, x]) => `${p}.${k}=${Array.isArray(x) ? x.join(',') : String(x)}`) : [];
    for (const [p, o] of [
      ['schema', f.schema],
      ['policy', f.policy],
      ['counts', f.counts],
    ] as const) {
      const parts = kv(p, o);
      if (parts.length) lines.push(`  ${parts.join(' ')}`);
    }
  }
  for (const x of f.findings) lines.push(`  ${mark(x)} ${x.message}`);
  return lines;
}

export function inspectText(r: InspectReport): string {
  const m = r.manifest;
  const lines = [
    `inspect ${r.bundle}`,
    `manifest: verified (${m.files} files match manifest.json` +
      `${m.signed ? '; signed, signer not checked: replay --require-signed checks it' : '; unsigned'}), ` +
      `spec ${m.spec_hash ?? '(did not decode)'}, taken ${new Date(m.created_unix_ms).toISOString()}, ` +
      `runtime state ${m.snapshot_source ?? 'not captured'}, ${m.journal_records} journal records`,
  ];
  if (r.focus.length) {
    lines.push('', 'product shortcut (read first):');
    for (const f of r.focus) lines.push(...focusLines(f).map((l) => `  ${l}`));
  }
  lines.push('');
  for (const s of r.steps) {
    const label =
      s.name === 'product_artifacts'
        ? `product artifacts and replay audits${s.status === 'missing' ? '' : ` (${s.files.join(', ')})`}`
        : `${s.files[0]}${s.files.length > 1 ? ` (+ ${s.files.slice(1).join(', ')})` : ''}`;
    lines.push(`${s.step}. ${label} [${s.status}]: ${s.summary}`);
    for (const f of s.findings) lines.push(`   ${mark(f)} ${f.message}`);
    if (s.interpretation) lines.push(`   => ${s.interpretation}`);
  }
  if (r.stopped_at !== null)
    lines.push(
      `(stopped at step ${r.stopped_at}: the later artifacts describe a runtime that this spec should not have run)`,
    );
  lines.push('', `next: ${r.next_step.message}`);
  if (r.next_step.command) lines.push(`  ${r.next_step.command}`);
  return `${lines.join('\n')}\n`;
}
