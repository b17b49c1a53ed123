import type { z } from 'zod';
import { InspectAdapter } from '../artifacts/inspect-report.ts';
import type { LaneGraphState } from '../artifacts/lane-graph-state.ts';
import type { RuntimeStateDocument } from '../artifacts/runtime-state.ts';
import type { SingleRingSnapshot } from '../artifacts/single-ring-snapshot.ts';

/**
 * A runtime state document (either model) flattened into what live views show per worker:
 * one row per SingleRing stage and egress reader per shard, or per LaneGraph role and endpoint,
 * each with its records, position, lag to the producer, stalled marker, drops and its product
 * counters (every named counter but the built-in ones); and the adapters of EdgePlane's
 * `adapters` section. Read by `byteor top` and by `run --metrics` at scrape time. Fields the
 * documents gain later are ignored; a malformed adapter entry is left out.
 */

/** Counters every worker has; the rest are product counters (ActionGraph ok/failed/retries, DataGuard counts, ...). */
const BUILT_IN_COUNTERS = new Set(['records', 'batches', 'dropped']);

export interface ViewRow {
  /**
   * stable across captures of one runtime: `stage/<shard>/<index>`, `egress/<shard>`, `role/<name>`, `ingress/<name>`,
   * `egress/<name>`
   */
  id: string;
  kind: 'stage' | 'role' | 'ingress' | 'egress';
  /** SingleRing: `<index> <key>` or `egress`; LaneGraph: the role's or endpoint's name */
  name: string;
  /** SingleRing shard; LaneGraph rows have none */
  shard: number | null;
  key: string | null;
  /** records this worker took (ingress: wrote into its lane) */
  records: number;
  /** last released sequence (LaneGraph roles: on their first input lane), null where it has none */
  sequence: number | null;
  /** records between the producer's cursor and this worker (LaneGraph: its largest lag on any input) */
  lag: number;
  stalled: boolean;
  dropped: number;
  /** product counters, keys sorted */
  counters: Record<string, number>;
}

export type ViewAdapter = z.infer<typeof InspectAdapter>;

export interface RuntimeView {
  model: RuntimeStateDocument['model'];
  specName: string;
  specHash: string;
  source: 'live' | 'state_file';
  capturedUnixMs: number;
  pid: number;
  state: string;
  startedUnixMs: number;
  records: { in: number; out: number; dropped: number; refused: number };
  rows: ViewRow[];
  adapters: ViewAdapter[];
  error: { code: string; message: string } | null;
}

function productCounters(c: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(c).sort()) if (!BUILT_IN_COUNTERS.has(k)) out[k] = c[k]!;
  return out;
}

function singleRingRows(s: SingleRingSnapshot): ViewRow[] {
  const stalled = new Set(s.stalled.map((x) => `${x.shard}/${x.stage}`));
  const rows: ViewRow[] = [];
  for (const sh of s.shards) {
    for (const st of sh.stages) {
      rows.push({
        id: `stage/${sh.shard}/${st.stage}`,
        kind: 'stage',
        name: `${st.stage} ${st.key}`,
        shard: sh.shard,
        key: st.key,
        records: st.counters.records ?? st.sequence + 1,
        sequence: st.sequence,
        lag: st.lag,
        stalled: stalled.has(`${sh.shard}/${st.stage}`),
        dropped: st.counters.dropped ?? 0,
        counters: productCounters(st.counters),
      });
    }
    rows.push({
      id: `egress/${sh.shard}`,
      kind: 'egress',
      name: 'egress',
      shard: sh.shard,
      key: null,
      records: Math.max(0, sh.egress.sequence + 1),
      sequence: sh.egress.sequence,
      lag: sh.egress.lag,
      stalled: false,
      dropped: 0,
      counters: {},
    });
  }
  return rows;
}

function laneGraphRows(s: LaneGraphState): ViewRow[] {
  const readers = s.lanes.flatMap((l) => l.readers);
  const lagOf = (name: string) => readers.filter((r) => r.name === name).reduce((m, r) => Math.max(m, r.lag), 0);
  const stalled = new Set(s.stalled.map((x) => x.name));
  const rows: ViewRow[] = s.roles.map((r) => {
    const first =
      r.inputs[0] === undefined
        ? undefined
        : s.lanes.find((l) => l.name === r.inputs[0])?.readers.find((x) => x.name === r.name);
    const routerDrops = r.router
      ? r.router.drops_all_full + r.router.consumers.reduce((n, c) => n + c.drops_full, 0)
      : 0;
    return {
      id: `role/${r.name}`,
      kind: 'role' as const,
      name: r.name,
      shard: null,
      key: r.key,
      records: r.records,
      sequence: first?.sequence ?? null,
      lag: lagOf(r.name),
      stalled: stalled.has(r.name),
      dropped: (r.counters.dropped ?? 0) + routerDrops,
      counters: productCounters(r.counters),
    };
  });
  for (const e of s.endpoints) {
    const reader = e.kind === 'egress' ? readers.find((r) => r.name === e.name) : undefined;
    rows.push({
      id: `${e.kind}/${e.name}`,
      kind: e.kind,
      name: e.name,
      shard: null,
      key: null,
      records: e.records,
      sequence: reader?.sequence ?? null,
      lag: e.kind === 'egress' ? lagOf(e.name) : 0,
      stalled: stalled.has(e.name),
      dropped: e.dropped,
      counters: {},
    });
  }
  return rows;
}

/** EdgePlane's `adapters` section, each well-formed entry (none when the section is absent). */
export function viewAdapters(sections: Record<string, unknown>): ViewAdapter[] {
  const raw = sections.adapters;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((a) => {
    const r = InspectAdapter.safeParse(a);
    return r.success ? [r.data] : [];
  });
}

export function runtimeView(doc: RuntimeStateDocument): RuntimeView {
  return {
    model: doc.model,
    specName: doc.spec_name,
    specHash: doc.spec_hash,
    source: doc.source,
    capturedUnixMs: doc.captured_unix_ms,
    pid: doc.runtime.pid,
    state: doc.runtime.state,
    startedUnixMs: doc.runtime.started_unix_ms,
    records: doc.records,
    rows: doc.model === 'single_ring' ? singleRingRows(doc) : laneGraphRows(doc),
    adapters: viewAdapters(doc.sections),
    error: doc.error ? { code: doc.error.code, message: doc.error.message } : null,
  };
}
