import type { KvEntry } from './kv.ts';
import { DEFAULT_CAPACITY, DEFAULT_SLOT_BYTES, MAX_INDEX } from './limits.ts';
import {
  LaneKind,
  PipelineSpecV1,
  RoleSpec,
  WaitStrategy,
  type Diagnostic,
  type EndpointSpec,
  type LaneSpec,
  type StageSpec,
} from './model.ts';
import { PipelinePlanV1, type PlanConnection, type PlanStage } from './plan.ts';
import type { KernelErrorCode } from '../errors/kernel-errors.ts';

/**
 * spec.kv entries → an explicit PipelineSpecV1 or an authored plan (PipelinePlanV1), with
 * diagnostics. Decoding checks keys and value *types* only (ByteOr's rules are validate.ts's):
 * a missing required key, a value of the wrong type, a bad or gapped array index, an explicit
 * and an authored form mixed in one spec are errors; unknown keys are warnings and are
 * otherwise ignored. Defaults are filled in here, so a spec that omits a default decodes to the
 * same object as one that states it.
 */

export type SpecModel = PipelineSpecV1['model'];

export type Decoded = { form: 'spec'; spec: PipelineSpecV1 } | { form: 'plan'; plan: PipelinePlanV1 };

export interface DecodeResult {
  /** absent when there are errors */
  decoded?: Decoded;
  /** spec.model when it could be read (reports show it even for an invalid spec) */
  model?: SpecModel;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** key → 1-based line of every entry */
  lines: Map<string, number>;
}

const INT_RE = /^-?(0|[1-9][0-9]*)$/;
const INDEX_RE = /^(0|[1-9][0-9]*)$/;
/** names of spec, lanes, endpoints and roles */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** names of plan nodes (no dots: lowering builds lane and role names from them with dots) */
export const NODE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const NAME_HINT = 'a name (letters, digits, "_", "." and "-", starting with a letter or digit, at most 128 characters)';
const NODE_HINT =
  'a plan node name (letters, digits, "_" and "-", starting with a letter or digit, at most 64 characters)';

const ORDERING = ['strict', 'per_key'] as const;
const PRODUCER = ['single', 'mpmc'] as const;
const SCHEDULING = ['dedicated', 'work_queue'] as const;
const FAILURE_POLICY = ['stop_pipeline'] as const;
const ON_FULL = ['block', 'drop'] as const;
const ENDPOINT_KIND = ['ingress', 'egress'] as const;
const ROLE_KIND = RoleSpec.shape.kind.options;
const ROUTER_MODE = ['broadcast', 'work_queue'] as const;
const MERGE_POLICY = ['round_robin'] as const;

class Reader {
  readonly byKey = new Map<string, KvEntry>();
  /** prefix → keys strictly below it */
  private readonly below = new Map<string, string[]>();
  readonly used = new Set<string>();
  readonly errors: Diagnostic[] = [];

  constructor(entries: readonly KvEntry[]) {
    for (const e of entries) {
      this.byKey.set(e.key, e);
      for (let i = e.key.indexOf('.'); i >= 0; i = e.key.indexOf('.', i + 1)) {
        const p = e.key.slice(0, i);
        let list = this.below.get(p);
        if (!list) {
          list = [];
          this.below.set(p, list);
        }
        list.push(e.key);
      }
    }
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }
  hasBelow(prefix: string): boolean {
    return (this.below.get(prefix)?.length ?? 0) > 0;
  }
  /** line of the first entry at or below `prefix` (to place a "missing" error near its siblings) */
  firstLine(prefix: string): number | undefined {
    let best = this.byKey.get(prefix)?.line;
    for (const k of this.below.get(prefix) ?? []) {
      const l = this.byKey.get(k)!.line;
      if (best === undefined || l < best) best = l;
    }
    return best;
  }

  fail(code: KernelErrorCode, message: string, key?: string, line?: number): undefined {
    this.errors.push({ code, message, ...(key !== undefined ? { key } : {}), ...(line !== undefined ? { line } : {}) });
    return undefined;
  }

  private take(key: string): KvEntry | undefined {
    const e = this.byKey.get(key);
    if (e) this.used.add(key);
    return e;
  }

  private missing(key: string, what: string, near: string): undefined {
    return this.fail('BYTEOR_E_SPEC_MISSING_KEY', `${key} is required (${what})`, key, this.firstLine(near));
  }

  private bad(e: KvEntry, expected: string): undefined {
    return this.fail('BYTEOR_E_SPEC_BAD_VALUE', `${e.key}=${e.value}: expected ${expected}`, e.key, e.line);
  }

  private value<T>(
    key: string,
    parse: (e: KvEntry) => T | undefined,
    dflt: T | undefined,
    required: { what: string; near: string } | undefined,
  ): T | undefined {
    const e = this.take(key);
    if (!e) return required ? this.missing(key, required.what, required.near) : dflt;
    return parse(e);
  }

  int(key: string, dflt?: number, required?: { what: string; near: string }): number | undefined {
    return this.value(
      key,
      (e) => {
        if (!INT_RE.test(e.value))
          return this.bad(e, 'a whole number in decimal (no sign other than "-", no leading zeros)');
        const n = Number(e.value);
        if (!Number.isSafeInteger(n))
          return this.bad(e, `a whole number between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`);
        return n;
      },
      dflt,
      required,
    );
  }

  oneOf<T extends string>(
    key: string,
    values: readonly T[],
    dflt?: T,
    required?: { what: string; near: string },
  ): T | undefined {
    return this.value(
      key,
      (e) =>
        (values as readonly string[]).includes(e.value) ? (e.value as T) : this.bad(e, `one of ${values.join(', ')}`),
      dflt,
      required,
    );
  }

  bool(key: string): boolean | undefined {
    return this.value(
      key,
      (e) => (e.value === 'true' ? true : e.value === 'false' ? false : this.bad(e, 'true or false')),
      undefined,
      undefined,
    );
  }

  text(key: string, required?: { what: string; near: string }, dflt?: string): string | undefined {
    return this.value(key, (e) => (e.value.length > 0 ? e.value : this.bad(e, 'a non-empty value')), dflt, required);
  }

  name(key: string, re: RegExp, hint: string, required?: { what: string; near: string }): string | undefined {
    return this.value(key, (e) => (re.test(e.value) ? e.value : this.bad(e, hint)), undefined, required);
  }

  /**
   * Number of elements of the indexed list at `prefix` (`prefix.0...`, `prefix.1...`). Bad
   * indices (`01`, `x`, > MAX_INDEX) and gaps are errors.
   */
  list(prefix: string): number {
    const scalar = this.take(prefix);
    if (scalar)
      this.fail(
        'BYTEOR_E_SPEC_NOT_A_LIST',
        `${prefix} is a list: write ${prefix}.0=${scalar.value} (and ${prefix}.1=..., in order)`,
        prefix,
        scalar.line,
      );
    const lineOf = new Map<number, number>();
    for (const k of this.below.get(prefix) ?? []) {
      const seg = k.slice(prefix.length + 1).split('.', 1)[0]!;
      const e = this.byKey.get(k)!;
      if (!INDEX_RE.test(seg) || Number(seg) > MAX_INDEX) {
        this.used.add(k);
        this.fail(
          'BYTEOR_E_SPEC_BAD_INDEX',
          `${k}: "${seg}" is not a list index; indices are 0..${MAX_INDEX} without leading zeros`,
          k,
          e.line,
        );
        continue;
      }
      const i = Number(seg);
      const prev = lineOf.get(i);
      if (prev === undefined || e.line < prev) lineOf.set(i, e.line);
    }
    if (lineOf.size === 0) return 0;
    const count = Math.max(...lineOf.keys()) + 1;
    for (let i = 0; i < count; i++) {
      if (!lineOf.has(i)) {
        let next = i + 1;
        while (!lineOf.has(next)) next++;
        this.fail(
          'BYTEOR_E_SPEC_INDEX_GAP',
          `${prefix}.${i} is missing: the indices of ${prefix} must run 0, 1, 2, ... without gaps (found ` +
            `${prefix}.${next})`,
          `${prefix}.${i}`,
          lineOf.get(next),
        );
      }
    }
    return count;
  }
}

/** Decode parsed spec.kv entries. */
export function decodeEntries(entries: readonly KvEntry[]): DecodeResult {
  const r = new Reader(entries);
  const lines = new Map(entries.map((e) => [e.key, e.line] as const));
  const warnings: Diagnostic[] = [];
  const result = (decoded: Decoded | undefined, model: SpecModel | undefined): DecodeResult => ({
    ...(decoded && r.errors.length === 0 ? { decoded } : {}),
    ...(model ? { model } : {}),
    errors: r.errors,
    warnings,
    lines,
  });

  const version = r.int('spec.version', undefined, { what: 'the spec format version: spec.version=1', near: 'spec' });
  if (version !== undefined && version !== 1) {
    r.fail(
      'BYTEOR_E_SPEC_VERSION',
      `spec.version=${version} is not supported: this toolchain reads spec v1 (spec.version=1)`,
      'spec.version',
      lines.get('spec.version'),
    );
  }
  const model = r.oneOf('spec.model', ['single_ring', 'lane_graph'] as const, undefined, {
    what: 'the execution model: spec.model=single_ring or spec.model=lane_graph',
    near: 'spec',
  });
  const name = r.name('spec.name', NAME_RE, NAME_HINT, {
    what: 'the pipeline name, e.g. spec.name=orders',
    near: 'spec',
  });
  const nPlugins = r.list('plugins');
  const plugins: string[] = [];
  for (let i = 0; i < nPlugins; i++) plugins.push(r.text(`plugins.${i}`) ?? '');
  if (model === undefined) return result(undefined, undefined); // nothing else can be read without a model

  const header = { version: 1 as const, name: name ?? '', ...(plugins.length ? { plugins } : {}) };
  let decoded: Decoded | undefined;
  if (model === 'single_ring') decoded = decodeSingleRing(r, header);
  else decoded = decodeLaneGraph(r, header);

  for (const e of entries) {
    if (r.used.has(e.key)) continue;
    const other = model === 'single_ring' ? 'lane_graph' : 'single_ring';
    const hint = e.key.startsWith(`${other}.`)
      ? `it belongs to spec.model=${other}, and this spec is ${model}`
      : 'it is not part of spec v1; check the spelling against docs/spec-kv.md';
    warnings.push({
      code: 'BYTEOR_W_SPEC_UNKNOWN_KEY',
      message: `unknown key ${e.key} ignored (${hint})`,
      key: e.key,
      line: e.line,
    });
  }
  if (r.errors.length > 0) return result(undefined, model);
  if (decoded!.form === 'spec') PipelineSpecV1.parse(decoded!.spec);
  else PipelinePlanV1.parse(decoded!.plan);
  return result(decoded, model);
}

type Header = { version: 1; name: string; plugins?: string[] };
/** the decoded values once no error was reported (every default filled in) */
type Defined<T> = { [K in keyof T]-?: NonNullable<T[K]> };

function decodeSingleRing(r: Reader, header: Header): Decoded {
  const p = 'single_ring';
  const constraints = {
    shards: r.int(`${p}.shards`, 1),
    ordering: r.oneOf(`${p}.ordering`, ORDERING, 'strict'),
    producer: r.oneOf(`${p}.producer`, PRODUCER, 'single'),
    scheduling: r.oneOf(`${p}.scheduling`, SCHEDULING, 'dedicated'),
    shard_key: r.text(`${p}.shard_key`, undefined, 'record'),
    capacity: r.int(`${p}.capacity`, DEFAULT_CAPACITY),
    slot_bytes: r.int(`${p}.slot_bytes`, DEFAULT_SLOT_BYTES),
    wait: r.oneOf(`${p}.wait`, WaitStrategy.options, 'backoff'),
    stage_failure_policy: r.oneOf(`${p}.stage_failure_policy`, FAILURE_POLICY, 'stop_pipeline'),
  };
  const hasChain = r.has(`${p}.chain`) || r.hasBelow(`${p}.chain`);
  const hasStages = r.has(`${p}.stages`) || r.hasBelow(`${p}.stages`);
  if (hasChain && hasStages) {
    r.fail(
      'BYTEOR_E_SPEC_MIXED_FORMS',
      `${p}.chain (authored chain) and ${p}.stages (explicit stages) are both given; write one of them`,
      `${p}.chain`,
      r.firstLine(`${p}.chain`),
    );
  }
  if (hasChain) {
    const n = r.list(`${p}.chain`);
    const chain: string[] = [];
    for (let i = 0; i < n; i++)
      chain.push(r.text(`${p}.chain.${i}`, { what: 'a stage key', near: `${p}.chain` }) ?? '');
    return {
      form: 'plan',
      plan: {
        ...header,
        model: 'single_ring',
        single_ring: { ...(constraints as Defined<typeof constraints>), chain },
      },
    };
  }
  const n = r.list(`${p}.stages`);
  const stages: StageSpec[] = [];
  for (let i = 0; i < n; i++) {
    const sp = `${p}.stages.${i}`;
    const key = r.text(`${sp}.key`, { what: `the stage key of stage ${i}, e.g. ${sp}.key=identity`, near: sp });
    const m = r.list(`${sp}.depends_on`);
    const depends_on: number[] = [];
    for (let j = 0; j < m; j++) depends_on.push(r.int(`${sp}.depends_on.${j}`) ?? 0);
    stages.push({ key: key ?? '', depends_on });
  }
  return {
    form: 'spec',
    spec: { ...header, model: 'single_ring', single_ring: { ...(constraints as Defined<typeof constraints>), stages } },
  };
}

function decodeLaneGraph(r: Reader, header: Header): Decoded {
  const p = 'lane_graph';
  const common = {
    on_full: r.oneOf(`${p}.on_full`, ON_FULL, 'block')!,
    wait: r.oneOf(`${p}.wait`, WaitStrategy.options, 'backoff')!,
    slot_bytes: r.int(`${p}.slot_bytes`, DEFAULT_SLOT_BYTES)!,
    features: [] as string[],
  };
  const nf = r.list(`${p}.features`);
  for (let j = 0; j < nf; j++) common.features.push(r.text(`${p}.features.${j}`) ?? '');

  const present = (k: string) => r.has(`${p}.${k}`) || r.hasBelow(`${p}.${k}`);
  const planKeys = ['connections', 'stages', 'ingress', 'egress'].filter(present);
  const specKeys = ['lanes', 'endpoints', 'roles'].filter(present);
  if (planKeys.length > 0 && specKeys.length > 0) {
    r.fail(
      'BYTEOR_E_SPEC_MIXED_FORMS',
      `${p} mixes an authored plan (${planKeys.map((k) => `${p}.${k}`).join(', ')}) with an explicit graph (` +
        `${specKeys.map((k) => `${p}.${k}`).join(', ')}); write one of them`,
      `${p}.${planKeys[0]}`,
      r.firstLine(`${p}.${planKeys[0]}`),
    );
  }

  if (planKeys.length > 0) {
    const capacity = r.int(`${p}.capacity`, DEFAULT_CAPACITY)!;
    const names = (k: string) => {
      const n = r.list(`${p}.${k}`);
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(r.name(`${p}.${k}.${i}`, NODE_NAME_RE, NODE_HINT) ?? '');
      return out;
    };
    const ingress = names('ingress');
    const egress = names('egress');
    const stages: PlanStage[] = [];
    const ns = r.list(`${p}.stages`);
    for (let i = 0; i < ns; i++) {
      const sp = `${p}.stages.${i}`;
      stages.push({
        name: r.name(`${sp}.name`, NODE_NAME_RE, NODE_HINT, { what: `the name of plan stage ${i}`, near: sp }) ?? '',
        key: r.text(`${sp}.key`, { what: `the stage key of plan stage ${i}, e.g. ${sp}.key=identity`, near: sp }) ?? '',
      });
    }
    const connections: PlanConnection[] = [];
    const nc = r.list(`${p}.connections`);
    for (let i = 0; i < nc; i++) {
      const cp = `${p}.connections.${i}`;
      const from =
        r.name(`${cp}.from`, NODE_NAME_RE, NODE_HINT, {
          what: `the node connection ${i} starts at (an ingress or a stage)`,
          near: cp,
        }) ?? '';
      const to =
        r.name(`${cp}.to`, NODE_NAME_RE, NODE_HINT, {
          what: `the node connection ${i} ends at (a stage or an egress)`,
          near: cp,
        }) ?? '';
      const lane = r.oneOf(`${cp}.lane`, LaneKind.options, 'events')!;
      const cap = r.int(`${cp}.capacity`);
      connections.push({ from, to, lane, ...(cap !== undefined ? { capacity: cap } : {}) });
    }
    return {
      form: 'plan',
      plan: {
        ...header,
        model: 'lane_graph',
        lane_graph: { ...common, capacity, ingress, egress, stages, connections },
      },
    };
  }

  const lanes: LaneSpec[] = [];
  const nl = r.list(`${p}.lanes`);
  for (let i = 0; i < nl; i++) {
    const lp = `${p}.lanes.${i}`;
    const consumers = r.int(`${lp}.consumers`);
    lanes.push({
      name: r.name(`${lp}.name`, NAME_RE, NAME_HINT, { what: `the name of lane ${i}`, near: lp }) ?? '',
      kind:
        r.oneOf(`${lp}.kind`, LaneKind.options, undefined, {
          what: `the kind of lane ${i}: ${LaneKind.options.join(', ')}`,
          near: lp,
        }) ?? 'events',
      capacity: r.int(`${lp}.capacity`, DEFAULT_CAPACITY)!,
      ...(consumers !== undefined ? { consumers } : {}),
    });
  }
  const endpoints: EndpointSpec[] = [];
  const ne = r.list(`${p}.endpoints`);
  for (let i = 0; i < ne; i++) {
    const ep = `${p}.endpoints.${i}`;
    endpoints.push({
      name: r.name(`${ep}.name`, NAME_RE, NAME_HINT, { what: `the name of endpoint ${i}`, near: ep }) ?? '',
      kind:
        r.oneOf(`${ep}.kind`, ENDPOINT_KIND, undefined, {
          what: `the kind of endpoint ${i}: ingress or egress`,
          near: ep,
        }) ?? 'ingress',
      lane:
        r.name(`${ep}.lane`, NAME_RE, NAME_HINT, {
          what: `the lane endpoint ${i} writes (ingress) or reads (egress)`,
          near: ep,
        }) ?? '',
    });
  }
  const roles: RoleSpec[] = [];
  const nr = r.list(`${p}.roles`);
  for (let i = 0; i < nr; i++) {
    const rp = `${p}.roles.${i}`;
    const name = r.name(`${rp}.name`, NAME_RE, NAME_HINT, { what: `the name of role ${i}`, near: rp }) ?? '';
    const kind =
      r.oneOf(`${rp}.kind`, ROLE_KIND, undefined, {
        what: `the kind of role ${i}: ${ROLE_KIND.join(', ')}`,
        near: rp,
      }) ?? 'stage';
    const key = r.text(`${rp}.key`);
    const laneList = (k: 'inputs' | 'outputs') => {
      const n = r.list(`${rp}.${k}`);
      const out: string[] = [];
      for (let j = 0; j < n; j++) out.push(r.name(`${rp}.${k}.${j}`, NAME_RE, NAME_HINT) ?? '');
      return out;
    };
    const inputs = laneList('inputs');
    const outputs = laneList('outputs');
    const mode = r.oneOf(`${rp}.mode`, ROUTER_MODE, kind === 'router' ? 'broadcast' : undefined);
    const policy = r.oneOf(`${rp}.policy`, MERGE_POLICY, kind === 'merge' ? 'round_robin' : undefined);
    const inserted = r.bool(`${rp}.inserted`);
    roles.push({
      name,
      kind,
      ...(key !== undefined ? { key } : {}),
      inputs,
      outputs,
      ...(mode !== undefined ? { mode } : {}),
      ...(policy !== undefined ? { policy } : {}),
      ...(inserted ? { inserted: true } : {}),
    });
  }
  return { form: 'spec', spec: { ...header, model: 'lane_graph', lane_graph: { ...common, lanes, endpoints, roles } } };
}
