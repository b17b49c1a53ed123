import { COMPATIBILITY_REPORT_VERSION, CompatibilityReport } from '../../../kernel/artifacts/compatibility-report.ts';
import type { PluginCatalog } from '../../../kernel/plugin-contract.ts';
import type { PipelineSpecV1 } from '../../../kernel/spec/model.ts';
import { unloadedSpecPluginsNote } from '../../../kernel/spec/no-spec-plugins.ts';
import { stageKeyRequirement } from '../../../kernel/stage-catalog.ts';
import { RUNTIME_NAME, packageVersion } from '../../../kernel/version.ts';
import type { z } from 'zod';

export type CompatibilityReportV1 = z.output<typeof CompatibilityReport>;

/** Every stage key of a spec with where it is used, in order of first use. */
export function specStageKeys(spec: PipelineSpecV1): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  const use = (key: string, where: string) => {
    const list = keys.get(key);
    if (list) list.push(where);
    else keys.set(key, [where]);
  };
  if (spec.model === 'single_ring') {
    spec.single_ring.stages.forEach((s, i) => use(s.key, `single_ring.stages.${i}`));
  } else {
    spec.lane_graph.roles.forEach((r, i) => {
      if (r.kind === 'stage' && r.key !== undefined) use(r.key, `lane_graph.roles.${i}`);
    });
  }
  return keys;
}

/**
 * The compatibility report v1 of a (decoded) spec against the plugins loaded in `host`. When the
 * spec's own plugins were not loaded (`unloadedSpecPlugins`, --no-spec-plugins), the reason of
 * each unknown key says so.
 */
export function compatibilityReport(
  host: PluginCatalog,
  spec: PipelineSpecV1,
  specHash: string,
  unloadedSpecPlugins?: readonly string[],
): CompatibilityReportV1 {
  const note = unloadedSpecPlugins?.length ? unloadedSpecPluginsNote(unloadedSpecPlugins) : undefined;
  const stages = [...specStageKeys(spec)].map(([key, usedBy]) => {
    const r = stageKeyRequirement(host, key);
    return {
      ...r,
      ...(note && r.source === 'unknown' ? { reason: `no loaded plugin provides stage key "${key}"; ${note}` } : {}),
      usedBy,
    };
  });
  return CompatibilityReport.parse({
    reportVersion: COMPATIBILITY_REPORT_VERSION,
    runtime: { name: RUNTIME_NAME, version: packageVersion() },
    specName: spec.name,
    specHash,
    model: spec.model,
    compatible: stages.every((s) => s.supported),
    plugins: host.plugins.map((p) => ({ name: p.name, version: p.version })),
    stages,
  });
}

/** The report as text for an operator. */
export function renderCompatibility(r: CompatibilityReportV1): string {
  const rows = r.stages.map((s) => [
    s.supported ? 'ok' : 'NO',
    s.key,
    s.source,
    s.policyClass ?? '-',
    `replay:${s.replaySupport}`,
    s.plugin ?? '-',
    s.usedBy.join(','),
  ]);
  const widths = rows.length ? rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length))) : [];
  const lines = rows.map(
    (row) => `  ${row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')}`,
  );
  const reasons = r.stages.filter((s) => !s.supported).map((s) => `  ${s.key}: ${s.reason}`);
  const caps = r.stages
    .filter((s) => s.approvalCapabilities.length > 0)
    .map((s) => `  ${s.key}: ${s.approvalCapabilities.join(', ')}`);
  const unsupported = r.stages.filter((s) => !s.supported).length;
  return [
    `spec ${r.specName} (${r.model}, ${r.specHash})`,
    `${r.stages.length} stage key${r.stages.length === 1 ? '' : 's'}: ` +
      `${r.compatible ? 'all supported' : `${unsupported} not supported`}`,
    '',
    ...(lines.length ? lines : ['  (no stage keys)']),
    ...(reasons.length ? ['', 'not supported:', ...reasons] : []),
    ...(caps.length ? ['', 'approval capabilities:', ...caps] : []),
    '',
  ].join('\n');
}
