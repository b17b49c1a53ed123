import type { Diagnostic, EndpointSpec, LaneKind, LaneSpec, PipelineSpecV1, RoleSpec } from './model.ts';
import { findCycle } from './find-cycle.ts';
import type { LaneGraphPlan, PipelinePlanV1 } from './plan.ts';
import type { KernelErrorCode } from '../errors/kernel-errors.ts';

/**
 * Lowering: an authored plan (plan.ts) → an explicit PipelineSpecV1 that an executor runs as
 * is, plus compile diagnostics (`BYTEOR_L_*`) for every action the compiler took. Plan errors
 * (`BYTEOR_E_PLAN_*`) are reported separately and stop lowering. Deterministic: the same plan
 * always gives the same spec (same names, same order). Rules: docs/spec-kv.md ("Lowering").
 *
 * LaneGraph lowering, in short: every node writes exactly one lane and every stage reads
 * exactly one lane, so
 * - a node with one outgoing connection writes that connection's lane (kind = its intent);
 * - a node whose outgoing connections all ask for `fanout_broadcast` writes one shared
 *   fanout lane with `consumers` = the number of connections;
 * - any other node with several outgoing connections writes `<node>.out` (events) and a
 *   **router** (broadcast) copies it into one lane per connection;
 * - a node with several incoming connections gets a **merge** (round_robin) writing `<node>.in`;
 * - endpoints only write and read `events` lanes: an ingress whose lane would be another kind,
 *   and an egress reading a single lane of another kind, get a **bridge**.
 */

export interface LowerResult {
  /** absent when the plan has errors */
  spec?: PipelineSpecV1;
  /** plan errors (BYTEOR_E_PLAN_*) */
  errors: Diagnostic[];
  /** lowering diagnostics (BYTEOR_L_*), in the order the actions were taken */
  diagnostics: Diagnostic[];
  /** explicit key → 1-based line of the authored key it came from */
  lines: Map<string, number>;
}

export function lowerPlan(plan: PipelinePlanV1, srcLines: ReadonlyMap<string, number>): LowerResult {
  const lines = new Map<string, number>();
  for (const [k, l] of srcLines) if (k.startsWith('spec.') || k.startsWith('plugins.')) lines.set(k, l);
  const header = { version: plan.version, name: plan.name, ...(plan.plugins ? { plugins: plan.plugins } : {}) };
  if (plan.model === 'single_ring') {
    const { chain, ...constraints } = plan.single_ring;
    for (const [k, l] of srcLines)
      if (k.startsWith('single_ring.') && !k.startsWith('single_ring.chain')) lines.set(k, l);
    const stages = chain.map((key, i) => {
      const l = srcLines.get(`single_ring.chain.${i}`);
      if (l !== undefined) {
        lines.set(`single_ring.stages.${i}.key`, l);
        if (i > 0) lines.set(`single_ring.stages.${i}.depends_on.0`, l);
      }
      return { key, depends_on: i > 0 ? [i - 1] : [] };
    });
    const diagnostics: Diagnostic[] = [
      {
        code: 'BYTEOR_L_CHAIN_LOWERED',
        message:
          `single_ring.chain (${chain.length} stage${chain.length === 1 ? '' : 's'}) lowered to ` +
          `single_ring.stages.0..${chain.length - 1}, each stage depending on the one before it`,
        key: 'single_ring.chain',
        ...lineField(srcLines.get('single_ring.chain.0')),
      },
    ];
    return {
      spec: { ...header, model: 'single_ring', single_ring: { ...constraints, stages } },
      errors: [],
      diagnostics,
      lines,
    };
  }
  return lowerLaneGraph(plan.lane_graph, header, srcLines, lines);
}

function lineField(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

type NodeKind = 'ingress' | 'egress' | 'stage';
interface PlanNode {
  name: string;
  kind: NodeKind;
  key?: string;
  defKey: string;
  keyKey?: string;
}

const P = 'lane_graph';

function lowerLaneGraph(
  g: LaneGraphPlan,
  header: { version: 1; name: string; plugins?: string[] },
  src: ReadonlyMap<string, number>,
  lines: Map<string, number>,
): LowerResult {
  const errors: Diagnostic[] = [];
  const err = (code: KernelErrorCode, message: string, key: string) => {
    errors.push({ code, message, key, ...lineField(src.get(key)) });
  };
  for (const k of ['on_full', 'wait', 'slot_bytes']) {
    const l = src.get(`${P}.${k}`);
    if (l !== undefined) lines.set(`${P}.${k}`, l);
  }
  g.features.forEach((_, j) => {
    const l = src.get(`${P}.features.${j}`);
    if (l !== undefined) lines.set(`${P}.features.${j}`, l);
  });

  // ---- plan validation -------------------------------------------------------------------
  const nodes = new Map<string, PlanNode>();
  const order: PlanNode[] = [];
  const addNode = (n: PlanNode) => {
    const prev = nodes.get(n.name);
    if (prev) {
      err(
        'BYTEOR_E_PLAN_DUPLICATE_NAME',
        `plan node name "${n.name}" is used twice (${prev.defKey} and ${n.defKey}); ingress, egress and stage ` +
          `names share one namespace`,
        n.defKey,
      );
      return;
    }
    nodes.set(n.name, n);
    order.push(n);
  };
  g.ingress.forEach((name, i) => addNode({ name, kind: 'ingress', defKey: `${P}.ingress.${i}` }));
  g.stages.forEach((s, i) =>
    addNode({
      name: s.name,
      kind: 'stage',
      key: s.key,
      defKey: `${P}.stages.${i}.name`,
      keyKey: `${P}.stages.${i}.key`,
    }),
  );
  g.egress.forEach((name, i) => addNode({ name, kind: 'egress', defKey: `${P}.egress.${i}` }));
  if (g.ingress.length === 0)
    err('BYTEOR_E_PLAN_EMPTY', 'the lane_graph plan has no ingress; add lane_graph.ingress.0=NAME', `${P}.ingress`);
  if (g.stages.length === 0)
    err(
      'BYTEOR_E_PLAN_EMPTY',
      'the lane_graph plan has no stage; add lane_graph.stages.0.name=NAME and lane_graph.stages.0.key=KEY',
      `${P}.stages`,
    );
  if (g.egress.length === 0)
    err('BYTEOR_E_PLAN_EMPTY', 'the lane_graph plan has no egress; add lane_graph.egress.0=NAME', `${P}.egress`);

  const outs = new Map<string, number[]>();
  const ins = new Map<string, number[]>();
  const pairs = new Map<string, number>();
  g.connections.forEach((c, i) => {
    const cp = `${P}.connections.${i}`;
    const from = nodes.get(c.from);
    const to = nodes.get(c.to);
    let ok = true;
    if (!from) {
      err('BYTEOR_E_PLAN_UNKNOWN_NODE', `${cp}.from=${c.from} names no ingress or stage of the plan`, `${cp}.from`);
      ok = false;
    }
    if (!to) {
      err('BYTEOR_E_PLAN_UNKNOWN_NODE', `${cp}.to=${c.to} names no stage or egress of the plan`, `${cp}.to`);
      ok = false;
    }
    if (from?.kind === 'egress') {
      err(
        'BYTEOR_E_PLAN_DIRECTION',
        `${cp}.from=${c.from} is an egress; an egress only receives, so connections start at an ingress or a stage`,
        `${cp}.from`,
      );
      ok = false;
    }
    if (to?.kind === 'ingress') {
      err(
        'BYTEOR_E_PLAN_DIRECTION',
        `${cp}.to=${c.to} is an ingress; an ingress only sends, so connections end at a stage or an egress`,
        `${cp}.to`,
      );
      ok = false;
    }
    if (ok && c.from === c.to) {
      err('BYTEOR_E_PLAN_SELF_CONNECTION', `${cp} connects "${c.from}" to itself`, `${cp}.to`);
      ok = false;
    }
    const pk = `${c.from}\0${c.to}`;
    if (ok && pairs.has(pk)) {
      err(
        'BYTEOR_E_PLAN_DUPLICATE_CONNECTION',
        `${cp} repeats ${P}.connections.${pairs.get(pk)} (${c.from} -> ${c.to}); connect two nodes once`,
        `${cp}.to`,
      );
      ok = false;
    }
    if (!ok) return;
    pairs.set(pk, i);
    (outs.get(c.from) ?? outs.set(c.from, []).get(c.from)!).push(i);
    (ins.get(c.to) ?? ins.set(c.to, []).get(c.to)!).push(i);
  });
  for (const n of order) {
    const o = outs.get(n.name)?.length ?? 0;
    const x = ins.get(n.name)?.length ?? 0;
    if (n.kind !== 'egress' && o === 0)
      err(
        'BYTEOR_E_PLAN_UNCONNECTED',
        `${n.kind} "${n.name}" has no outgoing connection; add ${P}.connections.<i>.from=${n.name}`,
        n.defKey,
      );
    if (n.kind !== 'ingress' && x === 0)
      err(
        'BYTEOR_E_PLAN_UNCONNECTED',
        `${n.kind} "${n.name}" has no incoming connection; add ${P}.connections.<i>.to=${n.name}`,
        n.defKey,
      );
  }
  const cycle = findCycle(
    order.map((n) => n.name),
    (name) => (outs.get(name) ?? []).map((i) => g.connections[i]!.to),
  );
  if (cycle) {
    const last = pairs.get(`${cycle[cycle.length - 2]}\0${cycle[cycle.length - 1]}`)!;
    err(
      'BYTEOR_E_PLAN_CYCLE',
      `the plan has a cycle: ${cycle.join(' -> ')}; a lane graph must be a DAG`,
      `${P}.connections.${last}.to`,
    );
  }
  if (errors.length > 0) return { errors, diagnostics: [], lines };

  // ---- lowering --------------------------------------------------------------------------
  const lanes: LaneSpec[] = [];
  const laneLine = new Map<string, number | undefined>();
  const kindOf = new Map<string, LaneKind>();
  const addLane = (
    name: string,
    kind: LaneKind,
    capacity: number,
    line: number | undefined,
    opts: { consumers?: number; capacityLine?: number } = {},
  ) => {
    const i = lanes.length;
    lanes.push({ name, kind, capacity, ...(opts.consumers !== undefined ? { consumers: opts.consumers } : {}) });
    kindOf.set(name, kind);
    laneLine.set(name, line);
    for (const f of ['name', 'kind', 'capacity', 'consumers'])
      if (line !== undefined) lines.set(`${P}.lanes.${i}.${f}`, line);
    if (opts.capacityLine !== undefined) lines.set(`${P}.lanes.${i}.capacity`, opts.capacityLine);
    return name;
  };
  const connLine = (i: number) => src.get(`${P}.connections.${i}.lane`) ?? src.get(`${P}.connections.${i}.from`);
  const connCap = (i: number) => g.connections[i]!.capacity ?? g.capacity;
  const linesList = (is: number[]) =>
    is
      .map((i) => connLine(i))
      .filter((l) => l !== undefined)
      .join(', ');

  interface Inserted {
    role: RoleSpec;
    line: number | undefined;
    message: (roleKey: string) => string;
    code: string;
  }
  const before = new Map<string, Inserted[]>();
  const after = new Map<string, Inserted[]>();
  const push = (m: Map<string, Inserted[]>, n: string, x: Inserted) => {
    (m.get(n) ?? m.set(n, []).get(n)!).push(x);
  };
  const writes = new Map<string, string>();
  const reads = new Map<string, string>();
  const laneOfConn = new Map<number, string>();
  const diagnostics: Diagnostic[] = [];

  // producer side: what each ingress / stage writes
  for (const n of order) {
    if (n.kind === 'egress') continue;
    const o = outs.get(n.name)!;
    const defLine = src.get(n.defKey);
    let produced: string; // the lane whose kind the node's outgoing traffic has before any ingress bridge
    if (o.length === 1) {
      const i = o[0]!;
      const c = g.connections[i]!;
      produced = addLane(`${n.name}.to.${c.to}`, c.lane, connCap(i), connLine(i), {
        ...(c.lane === 'fanout_broadcast' ? { consumers: 1 } : {}),
        capacityLine: src.get(`${P}.connections.${i}.capacity`),
      });
      laneOfConn.set(i, produced);
    } else if (o.every((i) => g.connections[i]!.lane === 'fanout_broadcast')) {
      const cap = Math.max(...o.map(connCap));
      produced = addLane(`${n.name}.fanout`, 'fanout_broadcast', cap, connLine(o[0]!), { consumers: o.length });
      for (const i of o) laneOfConn.set(i, produced);
      diagnostics.push({
        code: 'BYTEOR_L_FANOUT_LANE',
        message:
          `"${n.name}" feeds ${o.length} connections (lines ${linesList(o)}) that all ask for fanout_broadcast: ` +
          `they share one fanout_broadcast lane "${produced}" with consumers=${o.length}, no router needed`,
        key: `${P}.lanes.${lanes.length - 1}`,
        ...lineField(connLine(o[0]!)),
      });
    } else {
      const outLane = addLane(`${n.name}.out`, 'events', g.capacity, defLine);
      const targets = o.map((i) => {
        const c = g.connections[i]!;
        const l = addLane(`${n.name}.to.${c.to}`, c.lane, connCap(i), connLine(i), {
          ...(c.lane === 'fanout_broadcast' ? { consumers: 1 } : {}),
          capacityLine: src.get(`${P}.connections.${i}.capacity`),
        });
        laneOfConn.set(i, l);
        return l;
      });
      const kinds = [...new Set(o.map((i) => g.connections[i]!.lane))];
      push(after, n.name, {
        role: {
          name: `router.${n.name}`,
          kind: 'router',
          inputs: [outLane],
          outputs: targets,
          mode: 'broadcast',
          inserted: true,
        },
        line: connLine(o[0]!),
        code: 'BYTEOR_L_ROUTER_INSERTED',
        message: (k) =>
          `inserted router "router.${n.name}" (${k}, mode broadcast): "${n.name}" feeds ${o.length} connections ` +
          `(lines ${linesList(o)}) with lane kinds ${kinds.join(', ')}; the router reads lane "${outLane}" and ` +
          `writes ${targets.map((t) => `"${t}"`).join(', ')}`,
      });
      writes.set(n.name, outLane);
      continue;
    }
    if (n.kind === 'ingress' && kindOf.get(produced) !== 'events') {
      const first = o[0]!;
      const outLane = addLane(`${n.name}.out`, 'events', lanes.find((l) => l.name === produced)!.capacity, defLine);
      const pk = kindOf.get(produced)!;
      push(after, n.name, {
        role: { name: `bridge.${n.name}`, kind: 'bridge', inputs: [outLane], outputs: [produced], inserted: true },
        line: connLine(first),
        code: 'BYTEOR_L_BRIDGE_INSERTED',
        message: (k) =>
          `inserted bridge "bridge.${n.name}" (${k}): ingress "${n.name}" writes an events lane, but its ` +
          `connection${o.length > 1 ? 's' : ''} (line${o.length > 1 ? 's' : ''} ${linesList(o)}) ask` +
          `${o.length > 1 ? '' : 's'} for ${pk}; the bridge copies "${outLane}" (events) into "${produced}" (` +
          `${pk})`,
      });
      writes.set(n.name, outLane);
    } else {
      writes.set(n.name, produced);
    }
  }

  // consumer side: what each stage / egress reads
  for (const n of order) {
    if (n.kind === 'ingress') continue;
    const x = ins.get(n.name)!;
    const defLine = src.get(n.defKey);
    if (x.length === 1) {
      const lane = laneOfConn.get(x[0]!)!;
      const lk = kindOf.get(lane)!;
      if (n.kind === 'egress' && lk !== 'events') {
        const inLane = addLane(`${n.name}.in`, 'events', lanes.find((l) => l.name === lane)!.capacity, defLine);
        const c = g.connections[x[0]!]!;
        push(before, n.name, {
          role: { name: `bridge.${n.name}`, kind: 'bridge', inputs: [lane], outputs: [inLane], inserted: true },
          line: connLine(x[0]!),
          code: 'BYTEOR_L_BRIDGE_INSERTED',
          message: (k) =>
            `inserted bridge "bridge.${n.name}" (${k}): egress "${n.name}" reads an events lane, but connection ` +
            `${c.from} -> ${c.to} (line ${linesList(x)}) carries ${lk}; the bridge copies "${lane}" (${lk}) into ` +
            `"${inLane}" (events)`,
        });
        reads.set(n.name, inLane);
      } else {
        reads.set(n.name, lane);
      }
    } else {
      const inLanes = x.map((i) => laneOfConn.get(i)!);
      const inLane = addLane(`${n.name}.in`, 'events', g.capacity, defLine);
      push(before, n.name, {
        role: {
          name: `merge.${n.name}`,
          kind: 'merge',
          inputs: inLanes,
          outputs: [inLane],
          policy: 'round_robin',
          inserted: true,
        },
        line: connLine(x[0]!),
        code: 'BYTEOR_L_MERGE_INSERTED',
        message: (k) =>
          `inserted merge "merge.${n.name}" (${k}, policy round_robin): ${n.kind} "${n.name}" has ${x.length} ` +
          `incoming connections (lines ${linesList(x)}); the merge reads ` +
          `${inLanes.map((t) => `"${t}"`).join(', ')} and writes "${inLane}"`,
      });
      reads.set(n.name, inLane);
    }
  }

  // assemble roles in node order: roles feeding a node, the node's stage role, roles after it
  const roles: RoleSpec[] = [];
  const addRole = (role: RoleSpec, line: number | undefined, keyLine?: number) => {
    const i = roles.length;
    roles.push(role);
    const rp = `${P}.roles.${i}`;
    if (line !== undefined) {
      for (const f of ['name', 'kind', 'mode', 'policy', 'inserted']) lines.set(`${rp}.${f}`, line);
      role.inputs.forEach((_, j) => lines.set(`${rp}.inputs.${j}`, line));
      role.outputs.forEach((_, j) => lines.set(`${rp}.outputs.${j}`, line));
    }
    if (keyLine !== undefined) lines.set(`${rp}.key`, keyLine);
    return rp;
  };
  const emitInserted = (x: Inserted) => {
    const rp = addRole(x.role, x.line);
    diagnostics.push({ code: x.code, message: x.message(rp), key: rp, ...lineField(x.line) });
  };
  for (const n of order) {
    for (const x of before.get(n.name) ?? []) emitInserted(x);
    if (n.kind === 'stage') {
      addRole(
        { name: n.name, kind: 'stage', key: n.key!, inputs: [reads.get(n.name)!], outputs: [writes.get(n.name)!] },
        src.get(n.defKey),
        src.get(n.keyKey!),
      );
    }
    for (const x of after.get(n.name) ?? []) emitInserted(x);
  }

  const endpoints: EndpointSpec[] = [];
  for (const n of order) {
    if (n.kind === 'stage') continue;
    const i = endpoints.length;
    endpoints.push({
      name: n.name,
      kind: n.kind,
      lane: n.kind === 'ingress' ? writes.get(n.name)! : reads.get(n.name)!,
    });
    const l = src.get(n.defKey);
    if (l !== undefined) for (const f of ['name', 'kind', 'lane']) lines.set(`${P}.endpoints.${i}.${f}`, l);
  }

  const spec: PipelineSpecV1 = {
    ...header,
    model: 'lane_graph',
    lane_graph: {
      on_full: g.on_full,
      wait: g.wait,
      slot_bytes: g.slot_bytes,
      features: g.features,
      lanes,
      endpoints,
      roles,
    },
  };
  return { spec, errors: [], diagnostics, lines };
}
