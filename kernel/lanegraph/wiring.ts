/**
 * Wiring of a validated LaneGraph spec: who writes each lane, which reader position each
 * consumer holds on it, and a topological order of the lanes. The executor lays out memory and
 * starts roles from this; the state document names writers and readers from it.
 *
 * Reader positions of a lane are numbered in spec order: role inputs first (roles in their
 * listed order), then egress endpoints. Validation (docs/spec-kv.md §7.2) guarantees the shape
 * this relies on; a spec that slipped past it is refused here, before anything starts.
 */
import { ByteorError } from '../errors.ts';
import type { LaneGraphSpec, LaneKind, RoleSpec } from '../spec/model.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export interface LaneEnd {
  kind: 'role' | 'ingress' | 'egress';
  /** role or endpoint name */
  name: string;
  /** index in spec.roles or spec.endpoints */
  index: number;
}

export interface WiredLane {
  index: number;
  name: string;
  kind: LaneKind;
  capacity: number;
  writer: LaneEnd;
  /** reader position r = readers[r] */
  readers: LaneEnd[];
}

export interface WiredInput {
  lane: number;
  reader: number;
}

export interface WiredRole {
  index: number;
  spec: RoleSpec;
  inputs: WiredInput[];
  outputs: number[];
}

export interface WiredEndpoint {
  index: number;
  name: string;
  lane: number;
  reader: number;
}

export interface Wiring {
  lanes: WiredLane[];
  roles: WiredRole[];
  ingress: WiredEndpoint[];
  egress: WiredEndpoint[];
  /** lane indices, every lane after the lanes it is fed from */
  topoOrder: number[];
}

function shapeError(message: string): ByteorError {
  return KernelErrors.error(
    'BYTEOR_E_SPEC_INVALID',
    `the lane_graph spec cannot be wired: ${message}; run "byteor validate" on it`,
  );
}

export function wireLaneGraph(g: LaneGraphSpec): Wiring {
  const byName = new Map<string, number>();
  g.lanes.forEach((l, i) => byName.set(l.name, i));
  const lane = (name: string): number => {
    const i = byName.get(name);
    if (i === undefined) throw shapeError(`lane "${name}" is not declared`);
    return i;
  };
  const writers: Array<LaneEnd | null> = g.lanes.map(() => null);
  const readers: LaneEnd[][] = g.lanes.map(() => []);
  const setWriter = (li: number, end: LaneEnd) => {
    if (writers[li])
      throw shapeError(`lane "${g.lanes[li]!.name}" has two writers (${writers[li]!.name} and ${end.name})`);
    writers[li] = end;
  };

  const ingress: WiredEndpoint[] = [];
  g.endpoints.forEach((e, index) => {
    if (e.kind !== 'ingress') return;
    const li = lane(e.lane);
    setWriter(li, { kind: 'ingress', name: e.name, index });
    ingress.push({ index, name: e.name, lane: li, reader: -1 });
  });
  const roles: WiredRole[] = g.roles.map((spec, index) => {
    const inputs = spec.inputs.map((n) => {
      const li = lane(n);
      readers[li]!.push({ kind: 'role', name: spec.name, index });
      return { lane: li, reader: readers[li]!.length - 1 };
    });
    const outputs = spec.outputs.map((n) => {
      const li = lane(n);
      setWriter(li, { kind: 'role', name: spec.name, index });
      return li;
    });
    return { index, spec, inputs, outputs };
  });
  const egress: WiredEndpoint[] = [];
  g.endpoints.forEach((e, index) => {
    if (e.kind !== 'egress') return;
    const li = lane(e.lane);
    readers[li]!.push({ kind: 'egress', name: e.name, index });
    egress.push({ index, name: e.name, lane: li, reader: readers[li]!.length - 1 });
  });

  const lanes: WiredLane[] = g.lanes.map((l, index) => {
    const writer = writers[index];
    if (!writer) throw shapeError(`lane "${l.name}" has no writer`);
    const want = l.kind === 'fanout_broadcast' ? (l.consumers ?? 0) : 1;
    if (readers[index]!.length !== want)
      throw shapeError(`lane "${l.name}" has ${readers[index]!.length} readers, expected ${want}`);
    return { index, name: l.name, kind: l.kind, capacity: l.capacity, writer, readers: readers[index]! };
  });

  for (const r of roles) {
    const n = { i: r.inputs.length, o: r.outputs.length };
    const ok =
      r.spec.kind === 'stage' || r.spec.kind === 'bridge'
        ? n.i === 1 && n.o === 1
        : r.spec.kind === 'router'
          ? n.i === 1 && n.o >= 2
          : n.i >= 2 && n.o === 1;
    if (!ok) throw shapeError(`${r.spec.kind} role "${r.spec.name}" reads ${n.i} and writes ${n.o} lanes`);
    if (r.spec.kind === 'stage' && !r.spec.key) throw shapeError(`stage role "${r.spec.name}" has no key`);
  }

  // Kahn over lanes: lane a → lane b when a role reads a and writes b
  const next: number[][] = lanes.map(() => []);
  const indegree = lanes.map(() => 0);
  for (const r of roles)
    for (const i of r.inputs)
      for (const o of r.outputs) {
        next[i.lane]!.push(o);
        indegree[o]!++;
      }
  const queue = lanes.filter((l) => indegree[l.index] === 0).map((l) => l.index);
  const topoOrder: number[] = [];
  while (queue.length) {
    const l = queue.shift()!;
    topoOrder.push(l);
    for (const m of next[l]!) if (--indegree[m]! === 0) queue.push(m);
  }
  if (topoOrder.length !== lanes.length) throw shapeError('the graph of roles and lanes has a cycle');
  return { lanes, roles, ingress, egress, topoOrder };
}
