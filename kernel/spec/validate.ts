import { isByteorError } from '../errors.ts';
import type { KernelHost } from '../plugin-contract.ts';
import { findCycle } from './find-cycle.ts';
import {
  FANOUT_V1_MAX_CONSUMERS,
  FEATURE_GATED_LANE_KINDS,
  MAX_CAPACITY,
  MAX_RING_MEMORY_BYTES,
  MAX_SLOT_BYTES,
  MIN_CAPACITY,
  MIN_SLOT_BYTES,
  SEQUENCED_SLOTS_V1_GATING,
  SINGLE_RING_MAX_SHARDS,
  SLOT_HEADER_BYTES,
} from './limits.ts';
import type { Diagnostic, LaneGraphPipeline, PipelineSpecV1, SingleRingPipeline } from './model.ts';
import { unloadedSpecPluginsNote } from './no-spec-plugins.ts';
import { parseShardKey } from './shard-key.ts';

/**
 * ByteOr's v1 validation rules for an explicit spec, failing closed. SingleRing: ByteOr's
 * published checks first, in ByteOr's order and with its exact messages, then the remaining
 * rules of the v1 semantics; LaneGraph: the rules of docs/spec-kv.md in their documented order;
 * both: every stage key must resolve to a loaded plugin's stage family and pass its `check()`.
 * Only when all of that passes do the plugins' `hooks.validateSpec` taps run (so a plugin rule
 * always sees a spec that is valid by the kernel's rules). Each rule has its own stable code,
 * listed with its message in docs/spec-kv.md ("Validation rules").
 */

export interface ValidationResult {
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export interface ValidateOptions {
  kernel: KernelHost;
  /** spec key → 1-based line in the source text (from decoding or lowering) */
  lines?: ReadonlyMap<string, number>;
  /** run the plugins' validateSpec taps (default true) */
  hooks?: boolean;
  /** the spec's `plugins.<i>` that were deliberately not loaded (--no-spec-plugins): unknown stage keys say so */
  unloadedSpecPlugins?: readonly string[];
}

class Sink {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  constructor(
    private readonly lines: ReadonlyMap<string, number>,
    readonly unloadedSpecPlugins: readonly string[] = [],
  ) {}

  lineOf(key: string | undefined): number | undefined {
    if (key === undefined) return undefined;
    const direct = this.lines.get(key);
    if (direct !== undefined) return direct;
    let best: number | undefined;
    for (const [k, l] of this.lines) if (k.startsWith(`${key}.`) && (best === undefined || l < best)) best = l;
    return best;
  }

  private make(code: string, message: string, key?: string, line?: number): Diagnostic {
    const l = line ?? this.lineOf(key);
    return { code, message, ...(key !== undefined ? { key } : {}), ...(l !== undefined ? { line: l } : {}) };
  }

  error(code: string, message: string, key?: string): void {
    this.errors.push(this.make(code, message, key));
  }
  warning(code: string, message: string, key?: string): void {
    this.warnings.push(this.make(code, message, key));
  }
  /** diagnostics from plugins: keep their code, fill in the line from the key */
  add(kind: 'error' | 'warning', d: Diagnostic): void {
    const full = this.make(d.code, d.message, d.key, d.line);
    (kind === 'error' ? this.errors : this.warnings).push(full);
  }
}

export function validateSpec(spec: PipelineSpecV1, opts: ValidateOptions): ValidationResult {
  const sink = new Sink(opts.lines ?? new Map(), opts.unloadedSpecPlugins);
  if (spec.model === 'single_ring') validateSingleRing(spec, sink, opts.kernel);
  else validateLaneGraph(spec, sink, opts.kernel);
  if (sink.errors.length === 0 && opts.hooks !== false) {
    opts.kernel.hooks.validateSpec.call(spec, {
      error: (d) => sink.add('error', d),
      warning: (d) => sink.add('warning', d),
    });
  }
  return { errors: sink.errors, warnings: sink.warnings };
}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

// ---------------------------------------------------------------------------------------------
// SingleRing

function validateSingleRing(spec: SingleRingPipeline, s: Sink, kernel: KernelHost): void {
  const r = spec.single_ring;
  const P = 'single_ring';
  // ByteOr's published checks, in its order, with its exact messages (validate.rs)
  if (r.shards < 1) s.error('BYTEOR_E_SPEC_SR_SHARDS', 'single_ring.shards must be >= 1', `${P}.shards`);
  if (r.producer === 'mpmc')
    s.error('BYTEOR_E_SPEC_SR_PRODUCER', 'single_ring producer mpmc is not supported in v1', `${P}.producer`);
  if (r.scheduling === 'work_queue')
    s.error(
      'BYTEOR_E_SPEC_SR_SCHEDULING',
      'single_ring scheduling work_queue is not supported in v1',
      `${P}.scheduling`,
    );
  if (r.shards > 1 && r.ordering === 'strict')
    s.error(
      'BYTEOR_E_SPEC_SR_ORDERING',
      'single_ring ordering strict is not compatible with shards>1 in v1',
      `${P}.ordering`,
    );
  if (r.stages.length === 0)
    s.error(
      'BYTEOR_E_SPEC_SR_NO_STAGES',
      'single_ring requires at least one stage; add single_ring.stages.0.key=KEY',
      `${P}.stages`,
    );

  // the rest of the v1 semantics
  const n = r.stages.length;
  if (n > SEQUENCED_SLOTS_V1_GATING) {
    s.error(
      'BYTEOR_E_SPEC_SR_TOO_MANY_STAGES',
      `single_ring has ${n} stages; v1 supports at most ${SEQUENCED_SLOTS_V1_GATING} stages per ring (one ` +
        `gating sequence each)`,
      `${P}.stages.${SEQUENCED_SLOTS_V1_GATING}`,
    );
  }
  let depsOk = true;
  r.stages.forEach((st, i) => {
    const sp = `${P}.stages.${i}`;
    for (let j = 1; j < st.depends_on.length; j++) {
      if (st.depends_on[j]! <= st.depends_on[j - 1]!) {
        s.error(
          'BYTEOR_E_SPEC_SR_DEPENDS_ORDER',
          `${sp}.depends_on must be strictly increasing and duplicate-free, got [${st.depends_on.join(', ')}]`,
          `${sp}.depends_on.${j}`,
        );
        depsOk = false;
        break;
      }
    }
    st.depends_on.forEach((d, j) => {
      const k = `${sp}.depends_on.${j}`;
      if (d === i) {
        s.error(
          'BYTEOR_E_SPEC_SR_SELF_DEPENDENCY',
          `${sp} depends on itself; a stage depends only on earlier stages`,
          k,
        );
        depsOk = false;
      } else if (d < 0 || d >= n) {
        s.error(
          'BYTEOR_E_SPEC_SR_UNKNOWN_DEPENDENCY',
          `${sp} depends on stage ${d}, which does not exist (stages are 0..${n - 1})`,
          k,
        );
        depsOk = false;
      } else if (d > i) {
        s.error(
          'BYTEOR_E_SPEC_SR_FORWARD_DEPENDENCY',
          `${sp} depends on stage ${d}, a later stage; list stages in topological order and depend only on ` +
            `earlier stages`,
          k,
        );
        depsOk = false;
      }
    });
    if (i > 0 && st.depends_on.length === 0 && st.key !== 'identity') {
      s.error(
        'BYTEOR_E_SPEC_SR_IMPLICIT_DEPENDENCY',
        `${sp} (${st.key}) must declare depends_on: only the first stage and identity stages may read the ring ` +
          `without an explicit dependency`,
        `${sp}.key`,
      );
      depsOk = false;
    }
  });
  if (depsOk && n > 1 && n <= SEQUENCED_SLOTS_V1_GATING) {
    // join satisfiability: the final stage releases each slot, so every stage must be upstream of it
    const reach = new Set<number>([n - 1]);
    for (let i = n - 1; i >= 0; i--) if (reach.has(i)) for (const d of r.stages[i]!.depends_on) reach.add(d);
    for (let i = 0; i < n - 1; i++) {
      if (!reach.has(i)) {
        s.error(
          'BYTEOR_E_SPEC_SR_UNJOINED_STAGE',
          `${P}.stages.${i} (${r.stages[i]!.key}) is not a dependency, direct or transitive, of the final stage ` +
            `${n - 1}; the final stage releases each slot to egress, so it must depend on every other stage`,
          `${P}.stages.${i}.key`,
        );
      }
    }
  }
  if (r.shards > SINGLE_RING_MAX_SHARDS)
    s.error(
      'BYTEOR_E_SPEC_SR_SHARDS_MAX',
      `single_ring.shards must be <= ${SINGLE_RING_MAX_SHARDS}, got ${r.shards}`,
      `${P}.shards`,
    );
  if (!isPow2(r.capacity) || r.capacity < MIN_CAPACITY || r.capacity > MAX_CAPACITY) {
    s.error(
      'BYTEOR_E_SPEC_SR_CAPACITY',
      `single_ring.capacity must be a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY}, got ${r.capacity}`,
      `${P}.capacity`,
    );
  }
  const slotOk = r.slot_bytes >= MIN_SLOT_BYTES && r.slot_bytes <= MAX_SLOT_BYTES;
  if (!slotOk)
    s.error(
      'BYTEOR_E_SPEC_SLOT_BYTES',
      `single_ring.slot_bytes must be from ${MIN_SLOT_BYTES} to ${MAX_SLOT_BYTES}, got ${r.slot_bytes}`,
      `${P}.slot_bytes`,
    );
  const bytes = Math.max(1, r.shards) * r.capacity * (r.slot_bytes + SLOT_HEADER_BYTES);
  if (slotOk && r.capacity > 0 && bytes > MAX_RING_MEMORY_BYTES) {
    s.error(
      'BYTEOR_E_SPEC_SR_MEMORY',
      `single_ring needs ${bytes} bytes of ring memory (shards x capacity x (slot_bytes + ${SLOT_HEADER_BYTES}` +
        `)); the limit is ${MAX_RING_MEMORY_BYTES}: lower capacity, slot_bytes or shards`,
      `${P}.capacity`,
    );
  }
  const sk = parseShardKey(r.shard_key);
  if (!sk.ok) s.error('BYTEOR_E_SPEC_SR_SHARD_KEY', sk.message, `${P}.shard_key`);
  else if (r.shards === 1 && sk.key.kind !== 'record')
    s.warning(
      'BYTEOR_W_SPEC_SHARD_KEY_UNUSED',
      `single_ring.shard_key=${r.shard_key} has no effect with single_ring.shards=1`,
      `${P}.shard_key`,
    );

  r.stages.forEach((st, i) => checkStageKey(kernel, st.key, `${P}.stages.${i}.key`, s));
}

// ---------------------------------------------------------------------------------------------
// Stage keys (both models)

function checkStageKey(kernel: KernelHost, key: string, at: string, s: Sink): void {
  const hit = kernel.resolveStage(key);
  if (!hit) {
    const known = kernel
      .stages()
      .map(({ family }) => family.key ?? `${family.prefix}...`)
      .sort();
    const list = known.length > 24 ? `${known.slice(0, 24).join(', ')}, ...` : known.join(', ');
    const next =
      s.unloadedSpecPlugins.length > 0
        ? unloadedSpecPluginsNote(s.unloadedSpecPlugins)
        : 'load the plugin that does with --plugin=NAME|PATH (or plugins.<i>=NAME in the spec)';
    s.error(
      'BYTEOR_E_SPEC_UNKNOWN_STAGE',
      `${at}=${key}: unknown stage key: no loaded plugin provides it; ${next}; loaded stage keys: ${list || '(none)'}`,
      at,
    );
    return;
  }
  const family = hit.family.key ?? `${hit.family.prefix}...`;
  let problem: string | undefined;
  try {
    problem = hit.family.check?.(key, hit.argument);
  } catch (e) {
    // the plugin host wraps registered callbacks so that their errors name the plugin and hook
    problem =
      isByteorError(e) && e.message.includes(`plugin "${hit.plugin}"`)
        ? e.message
        : `plugin "${hit.plugin}" failed in its check of the key: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (problem !== undefined)
    s.error(
      'BYTEOR_E_SPEC_STAGE_CHECK',
      `${at}=${key}: ${problem} (stage family ${family} of plugin "${hit.plugin}")`,
      at,
    );
}

// ---------------------------------------------------------------------------------------------
// LaneGraph

function validateLaneGraph(spec: LaneGraphPipeline, s: Sink, kernel: KernelHost): void {
  const g = spec.lane_graph;
  const P = 'lane_graph';

  // 1. features
  const features = new Set<string>();
  g.features.forEach((f, j) => {
    const k = `${P}.features.${j}`;
    if (!(FEATURE_GATED_LANE_KINDS as readonly string[]).includes(f)) {
      s.error(
        'BYTEOR_E_SPEC_LG_FEATURE',
        `${k}=${f} is not a feature; features unlock the gated lane kinds ${FEATURE_GATED_LANE_KINDS.join(', ')}`,
        k,
      );
    } else if (features.has(f)) {
      s.error('BYTEOR_E_SPEC_LG_FEATURE', `${k}=${f} is listed twice`, k);
    }
    features.add(f);
  });
  if (g.slot_bytes < MIN_SLOT_BYTES || g.slot_bytes > MAX_SLOT_BYTES) {
    s.error(
      'BYTEOR_E_SPEC_SLOT_BYTES',
      `lane_graph.slot_bytes must be from ${MIN_SLOT_BYTES} to ${MAX_SLOT_BYTES}, got ${g.slot_bytes}`,
      `${P}.slot_bytes`,
    );
  }

  // 2. boundaries and stages exist
  if (!g.endpoints.some((e) => e.kind === 'ingress'))
    s.error(
      'BYTEOR_E_SPEC_LG_BOUNDARY',
      'lane_graph needs at least one ingress endpoint (lane_graph.endpoints.<i>.kind=ingress)',
      `${P}.endpoints`,
    );
  if (!g.endpoints.some((e) => e.kind === 'egress'))
    s.error(
      'BYTEOR_E_SPEC_LG_BOUNDARY',
      'lane_graph needs at least one egress endpoint (lane_graph.endpoints.<i>.kind=egress)',
      `${P}.endpoints`,
    );
  if (!g.roles.some((r) => r.kind === 'stage'))
    s.error(
      'BYTEOR_E_SPEC_LG_NO_STAGES',
      'lane_graph needs at least one stage role (lane_graph.roles.<i>.kind=stage)',
      `${P}.roles`,
    );

  // 3. unique names (lanes; endpoints and roles share one namespace of nodes)
  const laneIndex = new Map<string, number>();
  g.lanes.forEach((l, i) => {
    if (laneIndex.has(l.name))
      s.error(
        'BYTEOR_E_SPEC_LG_DUPLICATE_NAME',
        `lane name "${l.name}" is used by ${P}.lanes.${laneIndex.get(l.name)} and ${P}.lanes.${i}`,
        `${P}.lanes.${i}.name`,
      );
    else laneIndex.set(l.name, i);
  });
  const nodeKey = new Map<string, string>();
  const named = [
    ...g.endpoints.map((e, i) => ({ name: e.name, key: `${P}.endpoints.${i}` })),
    ...g.roles.map((r, i) => ({ name: r.name, key: `${P}.roles.${i}` })),
  ];
  for (const x of named) {
    const prev = nodeKey.get(x.name);
    if (prev)
      s.error(
        'BYTEOR_E_SPEC_LG_DUPLICATE_NAME',
        `name "${x.name}" is used by ${prev} and ${x.key}; endpoints and roles share one namespace`,
        `${x.key}.name`,
      );
    else nodeKey.set(x.name, x.key);
  }

  // 4. lanes: feature gates, capacities, consumers
  g.lanes.forEach((l, i) => {
    const lp = `${P}.lanes.${i}`;
    if ((FEATURE_GATED_LANE_KINDS as readonly string[]).includes(l.kind) && !features.has(l.kind)) {
      s.error(
        'BYTEOR_E_SPEC_LG_FEATURE_GATED',
        `${lp} ("${l.name}") is a ${l.kind} lane, a feature-gated kind: enable it with lane_graph.features.<j>=` +
          `${l.kind}`,
        `${lp}.kind`,
      );
    }
    if (l.capacity <= 0)
      s.error('BYTEOR_E_SPEC_LG_CAPACITY', `${lp}.capacity must be > 0, got ${l.capacity}`, `${lp}.capacity`);
    else if (!isPow2(l.capacity) || l.capacity < MIN_CAPACITY || l.capacity > MAX_CAPACITY) {
      s.error(
        'BYTEOR_E_SPEC_LG_CAPACITY',
        `${lp}.capacity must be a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY}, got ${l.capacity}`,
        `${lp}.capacity`,
      );
    }
    if (l.kind === 'fanout_broadcast') {
      if (l.consumers === undefined)
        s.error(
          'BYTEOR_E_SPEC_LG_FANOUT_CONSUMERS',
          `${lp} ("${l.name}") is a fanout_broadcast lane and needs ${lp}.consumers (1 to ${FANOUT_V1_MAX_CONSUMERS})`,
          `${lp}.kind`,
        );
      else if (l.consumers < 1 || l.consumers > FANOUT_V1_MAX_CONSUMERS) {
        s.error(
          'BYTEOR_E_SPEC_LG_FANOUT_CONSUMERS',
          `${lp}.consumers must be > 0 and at most FANOUT_V1_MAX_CONSUMERS=${FANOUT_V1_MAX_CONSUMERS}, got ` +
            `${l.consumers}`,
          `${lp}.consumers`,
        );
      }
    } else if (l.consumers !== undefined) {
      s.error(
        'BYTEOR_E_SPEC_LG_CONSUMERS_NOT_FANOUT',
        `${lp}.consumers is only allowed on fanout_broadcast lanes; "${l.name}" is ${l.kind} (it has exactly ` +
          `one reader)`,
        `${lp}.consumers`,
      );
    }
  });

  // 5. references resolve
  let refsOk = true;
  const ref = (name: string, key: string, what: string) => {
    if (!laneIndex.has(name)) {
      s.error('BYTEOR_E_SPEC_LG_UNKNOWN_LANE', `${key}=${name}: ${what} names no lane of lane_graph.lanes`, key);
      refsOk = false;
    }
  };
  g.endpoints.forEach((e, i) => ref(e.lane, `${P}.endpoints.${i}.lane`, `${e.kind} "${e.name}"`));
  g.roles.forEach((r, i) => {
    r.inputs.forEach((x, j) => ref(x, `${P}.roles.${i}.inputs.${j}`, `role "${r.name}"`));
    r.outputs.forEach((x, j) => ref(x, `${P}.roles.${i}.outputs.${j}`, `role "${r.name}"`));
  });

  // 6. role shapes
  g.roles.forEach((r, i) => {
    const rp = `${P}.roles.${i}`;
    const shape = (m: string, at = `${rp}.kind`) =>
      s.error('BYTEOR_E_SPEC_LG_ROLE_SHAPE', `${rp} ("${r.name}", ${r.kind}) ${m}`, at);
    const field = (f: string, only: string) =>
      s.error(
        'BYTEOR_E_SPEC_LG_ROLE_FIELD',
        `${rp}.${f} is only allowed on ${only} roles; "${r.name}" is a ${r.kind}`,
        `${rp}.${f}`,
      );
    if (r.key !== undefined && r.kind !== 'stage') field('key', 'stage');
    if (r.mode !== undefined && r.kind !== 'router') field('mode', 'router');
    if (r.policy !== undefined && r.kind !== 'merge') field('policy', 'merge');
    if (new Set(r.inputs).size !== r.inputs.length) shape('lists an input lane twice', `${rp}.inputs`);
    if (new Set(r.outputs).size !== r.outputs.length) shape('lists an output lane twice', `${rp}.outputs`);
    const both = r.inputs.find((x) => r.outputs.includes(x));
    if (both) shape(`reads and writes the same lane "${both}"`, `${rp}.outputs`);
    switch (r.kind) {
      case 'stage':
        if (r.key === undefined) shape(`needs a stage key: ${rp}.key=KEY`);
        if (r.inputs.length !== 1 || r.outputs.length !== 1)
          shape(
            `must read exactly one lane and write exactly one lane (has ${r.inputs.length} input(s), ` +
              `${r.outputs.length} output(s)); fan-in goes through a merge role, fan-out through a router role or ` +
              `a fanout_broadcast lane`,
          );
        break;
      case 'router':
        if (r.inputs.length !== 1 || r.outputs.length < 2)
          shape(
            `must read exactly one lane and write two or more (has ${r.inputs.length} input(s), ` +
              `${r.outputs.length} output(s))`,
          );
        break;
      case 'merge':
        if (r.inputs.length < 2 || r.outputs.length !== 1)
          shape(
            `must read two or more lanes and write exactly one (has ${r.inputs.length} input(s), ` +
              `${r.outputs.length} output(s))`,
          );
        break;
      case 'bridge':
        if (r.inputs.length !== 1 || r.outputs.length !== 1)
          shape(
            `must read exactly one lane and write exactly one (has ${r.inputs.length} input(s), ` +
              `${r.outputs.length} output(s))`,
          );
        else {
          const a = g.lanes[laneIndex.get(r.inputs[0]!) ?? -1]?.kind;
          const b = g.lanes[laneIndex.get(r.outputs[0]!) ?? -1]?.kind;
          if (a !== undefined && a === b)
            shape(
              `connects two ${a} lanes; a bridge joins lanes of different kinds (connect same-kind lanes directly)`,
            );
        }
        break;
    }
  });

  // 7. wiring: one writer per lane, readers per kind, boundaries on events lanes
  if (refsOk) {
    const writers = new Map<string, string[]>();
    const readers = new Map<string, string[]>();
    const add = (m: Map<string, string[]>, lane: string, who: string) => {
      (m.get(lane) ?? m.set(lane, []).get(lane)!).push(who);
    };
    g.endpoints.forEach((e, i) => {
      add(e.kind === 'ingress' ? writers : readers, e.lane, `${e.kind} "${e.name}"`);
      const kind = g.lanes[laneIndex.get(e.lane)!]!.kind;
      if (kind !== 'events')
        s.error(
          'BYTEOR_E_SPEC_LG_BOUNDARY_KIND',
          `${P}.endpoints.${i} (${e.kind} "${e.name}") is on lane "${e.lane}" of kind ${kind}; endpoints ` +
            `${e.kind === 'ingress' ? 'write' : 'read'} events lanes only (put a bridge role in between)`,
          `${P}.endpoints.${i}.lane`,
        );
    });
    g.roles.forEach((r) => {
      r.inputs.forEach((x) => add(readers, x, `role "${r.name}"`));
      r.outputs.forEach((x) => add(writers, x, `role "${r.name}"`));
    });
    g.lanes.forEach((l, i) => {
      const lp = `${P}.lanes.${i}`;
      const w = writers.get(l.name) ?? [];
      const rd = readers.get(l.name) ?? [];
      if (w.length !== 1)
        s.error(
          'BYTEOR_E_SPEC_LG_LANE_WRITERS',
          `lane "${l.name}" must have exactly one writer (an ingress endpoint or a role output), has ${w.length}` +
            `${w.length ? `: ${w.join(', ')}` : ''}`,
          `${lp}.name`,
        );
      const want = l.kind === 'fanout_broadcast' ? l.consumers : 1;
      if (want !== undefined && rd.length !== want) {
        s.error(
          'BYTEOR_E_SPEC_LG_LANE_READERS',
          l.kind === 'fanout_broadcast'
            ? `fanout_broadcast lane "${l.name}" declares consumers=${want} but is read by ${rd.length}` +
                `${rd.length ? `: ${rd.join(', ')}` : ''}`
            : `${l.kind} lane "${l.name}" must have exactly one reader (a role input or an egress endpoint), has ` +
                `${rd.length}${rd.length ? `: ${rd.join(', ')}` : ''}; use a fanout_broadcast lane or a router role ` +
                `to feed several`,
          `${lp}.name`,
        );
      }
    });

    // 8. the graph of roles and endpoints over lanes is a DAG
    const producers = new Map<string, string>();
    g.endpoints.forEach((e) => {
      if (e.kind === 'ingress') producers.set(e.lane, e.name);
    });
    g.roles.forEach((r) => r.outputs.forEach((x) => producers.set(x, r.name)));
    const succ = new Map<string, string[]>();
    const edge = (from: string | undefined, to: string) => {
      if (from !== undefined) (succ.get(from) ?? succ.set(from, []).get(from)!).push(to);
    };
    g.roles.forEach((r) => r.inputs.forEach((x) => edge(producers.get(x), r.name)));
    g.endpoints.forEach((e) => {
      if (e.kind === 'egress') edge(producers.get(e.lane), e.name);
    });
    const cycle = findCycle(
      [...g.endpoints.map((e) => e.name), ...g.roles.map((r) => r.name)],
      (n) => succ.get(n) ?? [],
    );
    if (cycle) {
      const at = nodeKey.get(cycle[0]!);
      s.error(
        'BYTEOR_E_SPEC_LG_CYCLE',
        `lane_graph has a cycle: ${cycle.join(' -> ')}; the graph of roles and lanes must be a DAG`,
        at ? `${at}.name` : undefined,
      );
    }
  }

  // 9. stage keys
  g.roles.forEach((r, i) => {
    if (r.kind === 'stage' && r.key !== undefined) checkStageKey(kernel, r.key, `${P}.roles.${i}.key`, s);
  });
}
