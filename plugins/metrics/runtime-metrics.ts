import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { RuntimeStateDocument } from '../../kernel/artifacts/runtime-state.ts';
import { runtimeView, type RuntimeView, type ViewRow } from '../../kernel/snapshot/runtime-view.ts';
import { packageVersion } from '../../kernel/version.ts';

/**
 * The Prometheus registry of a runtime: every metric is filled at scrape time from one snapshot
 * of the runtime (`scrape()`, shared by the metrics of one scrape), never per record. Names
 * follow Prometheus conventions: `byteor_` prefix, base units (records, seconds), counters end in
 * `_total`, an enum (a connection state, the runtime state) is one series per value, 1 for the
 * current one. prom-client adds the process metrics (`process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, ...) and the Node.js ones (`nodejs_*`), read at scrape time too.
 */
export interface Scrape {
  doc: RuntimeStateDocument | null;
  view: RuntimeView | null;
}

const RUNTIME_STATES = ['running', 'draining', 'stopped', 'failed'] as const;
const CONNECTION_STATES = ['connecting', 'connected', 'reconnecting', 'closed', 'failed'] as const;

function rowLabels(r: ViewRow) {
  const stage = r.kind === 'stage' ? r.id.split('/')[2]! : r.name;
  return { stage, shard: r.shard === null ? '' : String(r.shard), key: r.key ?? '', kind: r.kind };
}

function adapterLabels(a: { role: string; transport: string; kind: string }) {
  return { adapter: a.role, transport: a.transport, kind: a.kind };
}

export function runtimeRegistry(scrape: () => Promise<Scrape>): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (s: Scrape, set: (labels: Record<string, string>, v: number) => void) => void,
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await scrape();
        this.reset();
        fill(s, (labels, v) => this.inc(labels, Math.max(0, v)));
      },
    });
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (s: Scrape, set: (labels: Record<string, string>, v: number) => void) => void,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await scrape();
        this.reset();
        fill(s, (labels, v) => this.set(labels, v));
      },
    });

  gauge(
    'byteor_runtime_up',
    '1 when the runtime answered on its control socket for this scrape, else 0',
    [],
    (s, set) => set({}, s.view?.source === 'live' ? 1 : 0),
  );
  gauge(
    'byteor_runtime_info',
    'the runtime and the spec it runs (always 1)',
    ['version', 'model', 'spec_name', 'spec_hash'],
    (s, set) => {
      if (s.view)
        set(
          { version: packageVersion(), model: s.view.model, spec_name: s.view.specName, spec_hash: s.view.specHash },
          1,
        );
    },
  );
  gauge('byteor_runtime_state', 'the runtime state: 1 for the current one', ['state'], (s, set) => {
    if (s.view) for (const st of RUNTIME_STATES) set({ state: st }, s.view.state === st ? 1 : 0);
  });
  gauge('byteor_runtime_start_time_seconds', 'when the runtime started, seconds since the Unix epoch', [], (s, set) => {
    if (s.view) set({}, s.view.startedUnixMs / 1000);
  });

  for (const k of ['in', 'out', 'dropped', 'refused'] as const) {
    counter(
      `byteor_records_${k}_total`,
      {
        in: 'records that entered the pipeline',
        out: 'records delivered through egress',
        dropped: 'records dropped on the way (stage drops, full lanes, overruns)',
        refused: 'records refused at ingress (larger than slot_bytes)',
      }[k],
      [],
      (s, set) => {
        if (s.view) set({}, s.view.records[k]);
      },
    );
  }

  const rowLabelNames = ['stage', 'shard', 'key', 'kind'];
  counter('byteor_stage_records_total', 'records a stage, role or endpoint took', rowLabelNames, (s, set) => {
    for (const r of s.view?.rows ?? []) set(rowLabels(r), r.records);
  });
  counter(
    'byteor_stage_dropped_records_total',
    'records a stage, role or endpoint dropped',
    rowLabelNames,
    (s, set) => {
      for (const r of s.view?.rows ?? []) set(rowLabels(r), r.dropped);
    },
  );
  counter(
    'byteor_stage_counter_total',
    "a stage's named product counter (ActionGraph ok/failed/retries, DataGuard counts, ...)",
    ['stage', 'shard', 'key', 'counter'],
    (s, set) => {
      for (const r of s.view?.rows ?? [])
        for (const [c, v] of Object.entries(r.counters)) {
          const l = rowLabels(r);
          set({ stage: l.stage, shard: l.shard, key: l.key, counter: c }, v);
        }
    },
  );
  gauge(
    'byteor_ring_lag_records',
    "records between the producer's cursor and a stage, role or egress reader",
    rowLabelNames,
    (s, set) => {
      for (const r of s.view?.rows ?? []) if (r.kind !== 'ingress') set(rowLabels(r), r.lag);
    },
  );
  gauge(
    'byteor_stage_sequence',
    'the last sequence a stage, role or egress reader released',
    rowLabelNames,
    (s, set) => {
      for (const r of s.view?.rows ?? []) if (r.sequence !== null) set(rowLabels(r), r.sequence);
    },
  );
  gauge(
    'byteor_stage_stalled',
    "1 when a stage or reader made no progress between the runtime's last two samples while it lagged",
    rowLabelNames,
    (s, set) => {
      for (const r of s.view?.rows ?? []) if (r.kind !== 'ingress') set(rowLabels(r), r.stalled ? 1 : 0);
    },
  );

  gauge('byteor_ring_cursor', "the producer's cursor of a SingleRing shard", ['shard'], (s, set) => {
    if (s.doc?.model === 'single_ring') for (const sh of s.doc.shards) set({ shard: String(sh.shard) }, sh.cursor);
  });
  gauge(
    'byteor_ring_capacity_records',
    "slots of a SingleRing shard's ring or of a LaneGraph lane",
    ['shard', 'lane'],
    (s, set) => {
      if (s.doc?.model === 'single_ring')
        for (const sh of s.doc.shards) set({ shard: String(sh.shard), lane: '' }, sh.capacity);
      if (s.doc?.model === 'lane_graph') for (const l of s.doc.lanes) set({ shard: '', lane: l.name }, l.capacity);
    },
  );
  gauge('byteor_lane_depth_records', 'the largest reader lag of a LaneGraph lane', ['lane'], (s, set) => {
    if (s.doc?.model === 'lane_graph') for (const l of s.doc.lanes) set({ lane: l.name }, l.depth);
  });
  counter('byteor_lane_published_records_total', 'records published into a LaneGraph lane', ['lane'], (s, set) => {
    if (s.doc?.model === 'lane_graph') for (const l of s.doc.lanes) set({ lane: l.name }, l.published);
  });
  counter(
    'byteor_lane_dropped_full_records_total',
    'records a full LaneGraph lane refused (on_full=drop)',
    ['lane'],
    (s, set) => {
      if (s.doc?.model === 'lane_graph') for (const l of s.doc.lanes) set({ lane: l.name }, l.drops_full);
    },
  );

  const adapterNames = ['adapter', 'transport', 'kind'];
  gauge(
    'byteor_adapter_connection_state',
    "an adapter's connection state: 1 for the current one",
    [...adapterNames, 'state'],
    (s, set) => {
      for (const a of s.view?.adapters ?? [])
        for (const st of CONNECTION_STATES) set({ ...adapterLabels(a), state: st }, a.connection_state === st ? 1 : 0);
    },
  );
  counter('byteor_adapter_messages_total', 'messages an adapter moved', adapterNames, (s, set) => {
    for (const a of s.view?.adapters ?? []) set(adapterLabels(a), a.message_count);
  });
  gauge(
    'byteor_adapter_lag',
    "an adapter's lag in the source's own unit (the unit label)",
    [...adapterNames, 'unit'],
    (s, set) => {
      for (const a of s.view?.adapters ?? []) if (a.lag) set({ ...adapterLabels(a), unit: a.lag.unit }, a.lag.value);
    },
  );
  gauge(
    'byteor_adapter_recent_failures',
    'failures an adapter keeps in its recent list (at most 8)',
    adapterNames,
    (s, set) => {
      for (const a of s.view?.adapters ?? []) set(adapterLabels(a), a.recent_failures.length);
    },
  );
  gauge(
    'byteor_adapter_last_failure_timestamp_seconds',
    'when an adapter last failed, seconds since the Unix epoch',
    adapterNames,
    (s, set) => {
      for (const a of s.view?.adapters ?? []) {
        const last = a.recent_failures.at(-1);
        if (last) set(adapterLabels(a), last.unix_ms / 1000);
      }
    },
  );
  return registry;
}

export function scrapeOf(doc: RuntimeStateDocument | null): Scrape {
  return { doc, view: doc ? runtimeView(doc) : null };
}
