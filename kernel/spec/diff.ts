import type { SpecChange } from '../artifacts/spec-diff.ts';
import type { LaneGraphSpec, PipelineSpecV1, SingleRingSpec, StageSpec } from './model.ts';

/**
 * The semantic difference between two decoded (and lowered) specs, `from` → `to`: header
 * (model, name, plugins), SingleRing settings and stages (by index: key, dependencies),
 * LaneGraph settings, lanes, endpoints and roles (by name). Pure; the order of the changes is
 * the order of the spec's keys (docs/spec-kv.md). Two specs with no change have the same
 * canonical hash.
 */

const list = (xs: readonly (string | number)[]) => `[${xs.join(',')}]`;
const opt = (v: string | number | boolean | undefined) => (v === undefined ? '(none)' : String(v));

class Changes {
  readonly out: SpecChange[] = [];
  value(path: string, before: string, after: string): void {
    if (before !== after) this.out.push({ path, change: 'changed', before, after });
  }
  added(path: string, after: string): void {
    this.out.push({ path, change: 'added', before: null, after });
  }
  removed(path: string, before: string): void {
    this.out.push({ path, change: 'removed', before, after: null });
  }
}

const stageText = (s: StageSpec) => `key=${s.key} depends_on=${list(s.depends_on)}`;

function singleRing(a: SingleRingSpec, b: SingleRingSpec, c: Changes): void {
  const p = 'single_ring';
  for (const k of [
    'shards',
    'ordering',
    'producer',
    'scheduling',
    'shard_key',
    'capacity',
    'slot_bytes',
    'wait',
    'stage_failure_policy',
  ] as const) {
    c.value(`${p}.${k}`, String(a[k]), String(b[k]));
  }
  const n = Math.max(a.stages.length, b.stages.length);
  for (let i = 0; i < n; i++) {
    const x = a.stages[i];
    const y = b.stages[i];
    if (x && y) {
      c.value(`${p}.stages.${i}.key`, x.key, y.key);
      c.value(`${p}.stages.${i}.depends_on`, list(x.depends_on), list(y.depends_on));
    } else if (y) c.added(`${p}.stages.${i}`, stageText(y));
    else if (x) c.removed(`${p}.stages.${i}`, stageText(x));
  }
}

/** Entries matched by name: changed fields of those in both, then the added, then the removed; and their order. */
function byName<T extends { name: string }>(
  c: Changes,
  path: string,
  a: readonly T[],
  b: readonly T[],
  fields: (t: T) => Record<string, string>,
): void {
  const bByName = new Map(b.map((t) => [t.name, t]));
  const aNames = new Set(a.map((t) => t.name));
  const text = (t: T) =>
    Object.entries(fields(t))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  for (const x of a) {
    const y = bByName.get(x.name);
    if (!y) continue;
    const fx = fields(x);
    const fy = fields(y);
    for (const k of Object.keys(fx)) c.value(`${path}[${x.name}].${k}`, fx[k]!, fy[k]!);
  }
  for (const y of b) if (!aNames.has(y.name)) c.added(`${path}[${y.name}]`, text(y));
  for (const x of a) if (!bByName.has(x.name)) c.removed(`${path}[${x.name}]`, text(x));
  // the same entries in another order (their index in spec.kv) still changes the canonical spec
  const common = new Set(b.map((t) => t.name).filter((n) => aNames.has(n)));
  const orderA = a.map((t) => t.name).filter((n) => common.has(n));
  const orderB = b.map((t) => t.name).filter((n) => common.has(n));
  c.value(`${path} (order)`, list(orderA), list(orderB));
}

function laneGraph(a: LaneGraphSpec, b: LaneGraphSpec, c: Changes): void {
  const p = 'lane_graph';
  c.value(`${p}.on_full`, a.on_full, b.on_full);
  c.value(`${p}.wait`, a.wait, b.wait);
  c.value(`${p}.slot_bytes`, String(a.slot_bytes), String(b.slot_bytes));
  c.value(`${p}.features`, list(a.features), list(b.features));
  byName(c, `${p}.lanes`, a.lanes, b.lanes, (l) => ({
    kind: l.kind,
    capacity: String(l.capacity),
    consumers: opt(l.consumers),
  }));
  byName(c, `${p}.endpoints`, a.endpoints, b.endpoints, (e) => ({ kind: e.kind, lane: e.lane }));
  byName(c, `${p}.roles`, a.roles, b.roles, (r) => ({
    kind: r.kind,
    key: opt(r.key),
    inputs: list(r.inputs),
    outputs: list(r.outputs),
    mode: opt(r.mode),
    policy: opt(r.policy),
    inserted: opt(r.inserted ?? false),
  }));
}

export function diffSpecs(from: PipelineSpecV1, to: PipelineSpecV1): SpecChange[] {
  const c = new Changes();
  c.value('spec.model', from.model, to.model);
  c.value('spec.name', from.name, to.name);
  c.value('plugins', list(from.plugins ?? []), list(to.plugins ?? []));
  if (from.model === 'single_ring' && to.model === 'single_ring') singleRing(from.single_ring, to.single_ring, c);
  else if (from.model === 'lane_graph' && to.model === 'lane_graph') laneGraph(from.lane_graph, to.lane_graph, c);
  // different models: the model change says it all; their settings have nothing in common to compare
  return c.out;
}
