/**
 * Run one contender under the driver and turn the measurements into a BenchResult: throughput
 * (steady and startup-inclusive), CPU, paced latency, and the garbage collections of every
 * thread during the steady window. A failure becomes `ok: false` with the error, never a throw.
 */
import type { BenchDisclosure, BenchResult } from './bench-report.ts';
import { isByteorError } from '../../kernel/errors.ts';
import type { BenchContext } from './bench-definition.ts';
import { drive, type Contender, type Delivery, type DriverPlan, type DriverResult } from './driver.ts';
import { ThreadGcCollector } from './thread-gc.ts';

export interface ContenderSpec {
  name: string;
  kind: 'bench' | 'peer';
  reference: string | null;
  disclosure: BenchDisclosure;
  notes: string[];
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function failedResult(spec: ContenderSpec, error: unknown): BenchResult {
  const message = isByteorError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
  return { ...spec, ok: false, error: message, startup: null, steady: null, latency: null, gc: null, ratio: null };
}

/** Driver plan from the suite options. */
export function driverPlan(ctx: BenchContext, marks?: DriverPlan['marks']): DriverPlan {
  const o = ctx.options;
  return { durationS: o.durationS, batch: o.batch, load: o.load, ...(marks ? { marks } : {}) };
}

/** Turn a driver result (measured here or on a load-generator thread) into a BenchResult. */
export async function resultFrom(
  spec: ContenderSpec,
  r: DriverResult,
  gc: ThreadGcCollector,
  heapGrowthBytes = r.heapGrowthBytes,
): Promise<BenchResult> {
  await gc.settle();
  const counts = gc.count(r.window.startAbsMs, r.window.endAbsMs);
  const notes = [...spec.notes];
  const due = r.latency.records + r.latency.behind;
  if (r.latency.behind > 0.01 * due) {
    notes.push(
      `the paced phase fell ${r.latency.behind} records (${Math.round((100 * r.latency.behind) / due)} %) ` +
        `behind its schedule: the contender did not sustain ${Math.round(r.latency.offered_records_per_s)} ` +
        `records/s then, so the latency includes queueing (try a lower --load or a quieter machine)`,
    );
  }
  if (!gc.probed)
    notes.push(
      'worker-thread collections not measured: run through bench/run.ts, which preloads bench/thread-probe.cjs ' +
        'into every thread',
    );
  return {
    ...spec,
    notes,
    ok: true,
    error: null,
    startup: {
      ready_ms: r1(r.startup.ready_ms),
      records_per_s: Math.round(r.startup.records_per_s),
      seconds: r3(r.startup.seconds),
    },
    steady: {
      records: r.steady.records,
      seconds: r3(r.steady.seconds),
      records_per_s: Math.round(r.steady.records_per_s),
      cpu_ns_per_record: r1(r.steady.cpu_ns_per_record),
      cpu_cores: Math.round(r.steady.cpu_cores * 100) / 100,
    },
    latency: {
      offered_records_per_s: Math.round(r.latency.offered_records_per_s),
      records: r.latency.records,
      p50_us: r.latency.p50_us,
      p99_us: r.latency.p99_us,
      p999_us: r.latency.p999_us,
      max_us: r.latency.max_us,
      mean_us: r.latency.mean_us,
      co_corrected: true,
    },
    gc: {
      window_s: r3(r.steady.seconds),
      records: r.steady.records,
      threads: counts.threads,
      minor_total: counts.minor,
      major_total: counts.major,
      main_heap_growth_bytes: Math.round(heapGrowthBytes),
    },
    ratio: null,
  };
}

/** Drive a contender set up on this thread. */
export async function measureContender(
  ctx: BenchContext,
  spec: ContenderSpec,
  setup: (d: Delivery) => Promise<Contender>,
): Promise<BenchResult> {
  const gc = new ThreadGcCollector();
  try {
    const r = await drive(setup, driverPlan(ctx));
    return await resultFrom(spec, r, gc);
  } catch (e) {
    return failedResult(spec, e);
  } finally {
    gc.close();
  }
}
