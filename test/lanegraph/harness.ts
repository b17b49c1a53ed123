// Shared by the LaneGraph tests: a kernel with the built-in stages, spec builders, seeded
// records, a collecting egress adapter and a driver that pushes records through a run.
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { LaneGraphRun, type LaneGraphRunOptions } from '../../kernel/lanegraph/executor.ts';
import type { AdapterHealth, EgressAdapter, RunInfo, RunSummary } from '../../kernel/index.ts';
import type { EndpointSpec, LaneGraphPipeline, LaneSpec, RoleSpec } from '../../kernel/spec/model.ts';

/** The built-in stages plus the `tag:<text>` fixture stage (fixtures/tag-plugin.ts). */
export async function coreKernel(): Promise<Kernel> {
  const k = new Kernel();
  await loadPlugins(k, ['core-stages', new URL('./fixtures/tag-plugin.ts', import.meta.url).pathname]);
  return k;
}

export interface GraphParts {
  lanes: LaneSpec[];
  endpoints: EndpointSpec[];
  roles: RoleSpec[];
  on_full?: 'block' | 'drop';
  wait?: 'spin' | 'backoff' | 'block';
  slot_bytes?: number;
  features?: string[];
}

export function laneGraph(p: GraphParts): LaneGraphPipeline {
  return {
    version: 1,
    name: 'test',
    model: 'lane_graph',
    lane_graph: {
      on_full: p.on_full ?? 'block',
      wait: p.wait ?? 'backoff',
      slot_bytes: p.slot_bytes ?? 64,
      features: p.features ?? ['journal', 'sequenced_slots'],
      lanes: p.lanes,
      endpoints: p.endpoints,
      roles: p.roles,
    },
  };
}

export const lane = (
  name: string,
  kind: LaneSpec['kind'] = 'events',
  capacity = 1024,
  consumers?: number,
): LaneSpec => ({ name, kind, capacity, ...(consumers !== undefined ? { consumers } : {}) });
export const ingress = (name: string, laneName: string): EndpointSpec => ({ name, kind: 'ingress', lane: laneName });
export const egress = (name: string, laneName: string): EndpointSpec => ({ name, kind: 'egress', lane: laneName });
export const stage = (name: string, key: string, input: string, output: string): RoleSpec => ({
  name,
  kind: 'stage',
  key,
  inputs: [input],
  outputs: [output],
});
export const bridge = (name: string, input: string, output: string): RoleSpec => ({
  name,
  kind: 'bridge',
  inputs: [input],
  outputs: [output],
});
export const router = (name: string, mode: 'broadcast' | 'work_queue', input: string, outputs: string[]): RoleSpec => ({
  name,
  kind: 'router',
  mode,
  inputs: [input],
  outputs,
});
export const merge = (name: string, inputs: string[], output: string): RoleSpec => ({
  name,
  kind: 'merge',
  policy: 'round_robin',
  inputs,
  outputs: [output],
});

export function runInfo(spec: LaneGraphPipeline): RunInfo {
  return {
    spec,
    specHash: 'sha256:test',
    specPath: null,
    runDir: null,
    oneShot: true,
    dryRun: false,
    flags: {},
    env: {},
  };
}

/** An egress adapter that keeps every record as text, in arrival order. */
export class CollectingEgress implements EgressAdapter {
  readonly records: string[] = [];
  private readonly dec = new TextDecoder();
  async start() {}
  async close() {}
  async write(recs: Uint8Array[]) {
    for (const r of recs) this.records.push(this.dec.decode(r));
  }
  health(): AdapterHealth {
    return {
      transport: 'test',
      connection_state: 'connected',
      message_count: this.records.length,
      lag: null,
      recent_failures: [],
    };
  }
}

/** An egress adapter that only counts (for long runs: nothing kept). */
export class CountingEgress implements EgressAdapter {
  count = 0;
  constructor(private readonly check?: (rec: Uint8Array, i: number) => void) {}
  async start() {}
  async close() {}
  async write(recs: Uint8Array[]) {
    if (this.check) for (const r of recs) this.check(r, this.count++);
    else this.count += recs.length;
  }
  health(): AdapterHealth {
    return {
      transport: 'test',
      connection_state: 'connected',
      message_count: this.count,
      lag: null,
      recent_failures: [],
    };
  }
}

export async function start(
  kernel: Kernel,
  spec: LaneGraphPipeline,
  egressAdapter: EgressAdapter,
  more: Partial<LaneGraphRunOptions> = {},
) {
  return LaneGraphRun.start({ kernel, spec, run: runInfo(spec), egress: egressAdapter, ...more });
}

const enc = new TextEncoder();

/** Push records r0..r(n-1) (`<prefix><i>`), awaiting backpressure, then end; resolves with the summary. */
export async function drive(run: LaneGraphRun, n: number, prefix = 'r'): Promise<RunSummary> {
  for (let i = 0; i < n; i++) {
    const p = run.sink.push(enc.encode(`${prefix}${i}`));
    if (p) await p;
  }
  run.sink.end();
  return run.done;
}

/** Split `<tag>:<record>` records by tag, keeping arrival order within each tag. */
export function byTag(records: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of records) {
    const c = r.indexOf(':');
    const tag = c < 0 ? '' : r.slice(0, c);
    (out.get(tag) ?? out.set(tag, []).get(tag)!).push(c < 0 ? r : r.slice(c + 1));
  }
  return out;
}

/** The record names r0..r(n-1). */
export function names(n: number, prefix = 'r'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** The lane entry of a summary by name. */
export function laneOf(s: RunSummary, name: string) {
  const l = s.lane_graph!.lanes.find((x) => x.name === name);
  if (!l) throw new Error(`no lane ${name} in the summary`);
  return l;
}

export function roleOf(s: RunSummary, name: string) {
  const r = s.lane_graph!.roles.find((x) => x.name === name);
  if (!r) throw new Error(`no role ${name} in the summary`);
  return r;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what} did not finish within ${ms} ms`)), ms).unref()),
  ]);
}
