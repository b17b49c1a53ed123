import type { LaneGraphPipeline, PipelineSpecV1, SingleRingPipeline } from './model.ts';

/**
 * Graphviz DOT of a spec's topology (what `dot` prints; `dot -Tsvg` renders it).
 * SingleRing: ingress → stages (edges are `depends_on`, stages without one read the producer
 * cursor) → egress from the final stage. LaneGraph: endpoints and roles are nodes (stage box,
 * router diamond, merge inverted triangle, bridge hexagon; roles inserted by lowering dashed),
 * lanes are edges from their writer to each reader, labelled with name, kind and capacity.
 * Output is deterministic (same spec, same text).
 */

/** A DOT double-quoted ID: backslashes and quotes escaped, newlines as \n. */
export function dotId(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const HEAD = [
  '  rankdir=LR;',
  '  labelloc=t;',
  '  fontname="Helvetica";',
  '  node [fontname="Helvetica", fontsize=11];',
  '  edge [fontname="Helvetica", fontsize=9];',
];

export function specToDot(spec: PipelineSpecV1, hash?: string): string {
  return spec.model === 'single_ring' ? singleRingDot(spec, hash) : laneGraphDot(spec, hash);
}

function graphLabel(spec: PipelineSpecV1, extra: string, hash?: string): string {
  return `  label=${dotId(`${spec.name} (${spec.model}${extra})${hash ? `\n${hash}` : ''}`)};`;
}

function singleRingDot(spec: SingleRingPipeline, hash?: string): string {
  const r = spec.single_ring;
  const n = r.stages.length;
  const extra = r.shards > 1 ? `, ${r.shards} shards, ${r.ordering}, shard_key=${r.shard_key}` : `, ${r.ordering}`;
  const lines = [
    `digraph ${dotId(spec.name)} {`,
    ...HEAD,
    graphLabel(spec, `${extra}, capacity=${r.capacity}, slot_bytes=${r.slot_bytes}`, hash),
  ];
  lines.push(`  ${dotId('ingress')} [shape=cds, style=filled, fillcolor="#e8f0fe", label="ingress"];`);
  lines.push(`  ${dotId('egress')} [shape=cds, style=filled, fillcolor="#e6f4ea", label="egress"];`);
  r.stages.forEach((s, i) => {
    lines.push(`  ${dotId(`stage.${i}`)} [shape=box, style=rounded, label=${dotId(`${i}: ${s.key}`)}];`);
  });
  r.stages.forEach((s, i) => {
    if (s.depends_on.length === 0) lines.push(`  ${dotId('ingress')} -> ${dotId(`stage.${i}`)} [label="cursor"];`);
    for (const d of s.depends_on) lines.push(`  ${dotId(`stage.${d}`)} -> ${dotId(`stage.${i}`)};`);
  });
  if (n > 0) lines.push(`  ${dotId(`stage.${n - 1}`)} -> ${dotId('egress')} [label="release"];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

const ROLE_SHAPE = { stage: 'box', router: 'diamond', merge: 'invtriangle', bridge: 'hexagon' } as const;

function laneGraphDot(spec: LaneGraphPipeline, hash?: string): string {
  const g = spec.lane_graph;
  const lines = [`digraph ${dotId(spec.name)} {`, ...HEAD, graphLabel(spec, `, on_full=${g.on_full}`, hash)];
  for (const e of g.endpoints) {
    const fill = e.kind === 'ingress' ? '#e8f0fe' : '#e6f4ea';
    lines.push(
      `  ${dotId(`endpoint.${e.name}`)} [shape=cds, style=filled, fillcolor="${fill}", label=` +
        `${dotId(`${e.kind}\n${e.name}`)}];`,
    );
  }
  for (const r of g.roles) {
    const label =
      r.kind === 'stage'
        ? `${r.name}\n${r.key ?? ''}`
        : r.kind === 'router'
          ? `${r.name}\nrouter (${r.mode ?? 'broadcast'})`
          : r.kind === 'merge'
            ? `${r.name}\nmerge (${r.policy ?? 'round_robin'})`
            : `${r.name}\nbridge`;
    const style = [r.kind === 'stage' ? 'rounded' : '', r.inserted ? 'dashed' : ''].filter(Boolean).join(',');
    lines.push(
      `  ${dotId(`role.${r.name}`)} [shape=${ROLE_SHAPE[r.kind]}${style ? `, style=${dotId(style)}` : ''}, ` +
        `label=${dotId(label)}];`,
    );
  }
  const writer = new Map<string, string>();
  const readers = new Map<string, string[]>();
  const addReader = (lane: string, node: string) => {
    (readers.get(lane) ?? readers.set(lane, []).get(lane)!).push(node);
  };
  for (const e of g.endpoints) {
    if (e.kind === 'ingress') writer.set(e.lane, `endpoint.${e.name}`);
    else addReader(e.lane, `endpoint.${e.name}`);
  }
  for (const r of g.roles) {
    for (const x of r.outputs) writer.set(x, `role.${r.name}`);
    for (const x of r.inputs) addReader(x, `role.${r.name}`);
  }
  for (const l of g.lanes) {
    const from = writer.get(l.name);
    const to = readers.get(l.name) ?? [];
    const label = `${l.name}\n${l.kind} x${l.capacity}${l.consumers !== undefined ? `, ${l.consumers} readers` : ''}`;
    const style =
      l.kind === 'fanout_broadcast'
        ? ', style=bold'
        : l.kind === 'journal'
          ? ', style=dashed'
          : l.kind === 'sequenced_slots'
            ? ', style=dotted'
            : '';
    if (from === undefined || to.length === 0) {
      // a dangling lane (only in specs that fail validation); draw it so the picture shows the problem
      const lane = `lane.${l.name}`;
      lines.push(`  ${dotId(lane)} [shape=point, label=""];`);
      if (from !== undefined) lines.push(`  ${dotId(from)} -> ${dotId(lane)} [label=${dotId(label)}${style}];`);
      for (const t of to) lines.push(`  ${dotId(lane)} -> ${dotId(t)} [label=${dotId(label)}${style}];`);
      continue;
    }
    for (const t of to) lines.push(`  ${dotId(from)} -> ${dotId(t)} [label=${dotId(label)}${style}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
