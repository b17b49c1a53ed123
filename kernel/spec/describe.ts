import type { PluginHost } from '../plugin-contract.ts';
import { SpecDescription, type RoleDescription, type StageDescription } from '../artifacts/spec-description.ts';
import { formatDiagnostic } from './format-diagnostic.ts';
import type { LoadedSpec } from './load.ts';

/**
 * ByteOr's "human-readable describe helpers": a loaded spec → its description (data, the
 * `describe --json` document) and the text `describe` prints.
 */

function stageFacts(kernel: Pick<PluginHost, 'resolveStage'>, key: string) {
  const hit = kernel.resolveStage(key);
  // a loaded spec has passed validation, so every key resolves; the fallback keeps this total
  return hit
    ? { plugin: hit.plugin, policy_class: hit.family.policyClass, replay: hit.family.replay }
    : { plugin: '(unknown)', policy_class: 'side_effect' as const, replay: 'unsupported' as const };
}

export function describeSpec(loaded: LoadedSpec, kernel: Pick<PluginHost, 'resolveStage'>): SpecDescription {
  const { spec } = loaded;
  const base = {
    name: spec.name,
    model: spec.model,
    spec_hash: loaded.hash,
    spec_path: loaded.path,
    source: loaded.report.source,
    plugins: spec.plugins ?? [],
  };
  const tail = { compile_diagnostics: loaded.report.diagnostics, warnings: loaded.warnings };
  if (spec.model === 'single_ring') {
    const { stages, ...constraints } = spec.single_ring;
    const n = stages.length;
    const described: StageDescription[] = stages.map((s, i) => ({
      index: i,
      key: s.key,
      depends_on: s.depends_on,
      releases: i === n - 1,
      ...stageFacts(kernel, s.key),
    }));
    return SpecDescription.parse({
      ...base,
      constraints,
      stages: described,
      lanes: [],
      endpoints: [],
      roles: [],
      ...tail,
    });
  }
  const { lanes, endpoints, roles, ...constraints } = spec.lane_graph;
  const described: RoleDescription[] = roles.map((r) => ({
    ...r,
    inserted: r.inserted === true,
    ...(r.kind === 'stage' && r.key !== undefined
      ? stageFacts(kernel, r.key)
      : { plugin: null, policy_class: null, replay: null }),
  }));
  return SpecDescription.parse({ ...base, constraints, stages: [], lanes, endpoints, roles: described, ...tail });
}

function table(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows)
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  return rows
    .map(
      (r) =>
        indent +
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

/** The text `describe` prints. */
export function renderDescription(d: SpecDescription): string {
  const out: string[] = [];
  out.push(`spec         ${d.name}`);
  out.push(`model        ${d.model}`);
  out.push(`hash         ${d.spec_hash}`);
  out.push(
    `source       ${d.source === 'plan' ? 'authored plan, lowered to an explicit spec' : 'explicit spec'}` +
      `${d.spec_path ? ` (${d.spec_path})` : ''}`,
  );
  if (d.plugins.length) out.push(`plugins      ${d.plugins.join(', ')}`);
  out.push('');
  out.push('constraints');
  out.push(
    table(
      Object.entries(d.constraints).map(([k, v]) => [
        k,
        Array.isArray(v) ? (v.length ? v.join(', ') : '(none)') : String(v),
      ]),
    ),
  );

  if (d.model === 'single_ring') {
    const shards = Number(d.constraints.shards);
    out.push('');
    out.push(`stages (${d.stages.length}, on ${shards === 1 ? 'one ring' : `each of ${shards} shard rings`})`);
    out.push(
      table([
        ['#', 'key', 'waits for', 'plugin', 'class', 'replay'],
        ...d.stages.map((s) => [
          String(s.index),
          s.key,
          (s.depends_on.length ? s.depends_on.map((x) => `stage ${x}`).join(', ') : 'producer cursor') +
            (s.releases ? '; releases slots to egress' : ''),
          s.plugin,
          s.policy_class,
          s.replay,
        ]),
      ]),
    );
  } else {
    const kind = new Map(d.lanes.map((l) => [l.name, l.kind] as const));
    out.push('');
    out.push(`lanes (${d.lanes.length})`);
    out.push(
      table([
        ['name', 'kind', 'capacity', 'consumers'],
        ...d.lanes.map((l) => [
          l.name,
          l.kind,
          String(l.capacity),
          l.consumers === undefined ? '-' : String(l.consumers),
        ]),
      ]),
    );
    out.push('');
    out.push(`endpoints (${d.endpoints.length})`);
    out.push(table(d.endpoints.map((e) => [e.name, e.kind, `${e.kind === 'ingress' ? 'writes' : 'reads'} ${e.lane}`])));
    out.push('');
    out.push(`roles (${d.roles.length})`);
    out.push(
      table([
        ['name', 'kind', 'what', 'reads', 'writes', ''],
        ...d.roles.map((r) => [
          r.name,
          r.kind,
          r.kind === 'stage'
            ? `${r.key} [${r.plugin}, ${r.policy_class}]`
            : r.kind === 'router'
              ? `mode=${r.mode}`
              : r.kind === 'merge'
                ? `policy=${r.policy}`
                : `${kind.get(r.inputs[0] ?? '') ?? '?'} -> ${kind.get(r.outputs[0] ?? '') ?? '?'}`,
          r.inputs.join(', '),
          r.outputs.join(', '),
          r.inserted ? '(inserted by lowering)' : '',
        ]),
      ]),
    );
  }
  out.push('');
  out.push(`compile diagnostics (${d.compile_diagnostics.length})`);
  out.push(
    d.compile_diagnostics.length
      ? d.compile_diagnostics.map((x) => `  ${formatDiagnostic(x, 'note', d.spec_path)}`).join('\n')
      : d.source === 'spec'
        ? '  (none: an explicit spec is not lowered)'
        : '  (none: lowering inserted nothing)',
  );
  if (d.warnings.length) {
    out.push('');
    out.push(`warnings (${d.warnings.length})`);
    out.push(d.warnings.map((x) => `  ${formatDiagnostic(x, 'warning', d.spec_path)}`).join('\n'));
  }
  return out.join('\n') + '\n';
}
