/**
 * The load driver every bench and peer runs under, so that they are measured the same way:
 *
 *   setup ─▶ warm-up (saturated) ─▶ steady state (saturated, measured) ─▶ drain
 *         ─▶ latency phase (paced at --load × the steady throughput, measured) ─▶ drain ─▶ finish
 *
 * - Throughput is counted where records are delivered (egress), over the steady window.
 * - Startup-inclusive throughput is everything delivered by the end of the steady window over
 *   the time since setup began (threads, plugins, spec and warm-up included).
 * - Latency is measured in the paced phase from each record's *scheduled* send time
 *   (record k of the phase is due at start + k / rate), not from when the driver got round to
 *   sending it, so a stall delays every record scheduled behind it: coordinated omission is
 *   corrected by construction (the wrk2 method).
 * - The contender applies backpressure by returning a promise from `send`.
 */
import v8 from 'node:v8';
import { ClockReadPacer } from '../../kernel/core/clock-read-pacer.ts';
import { LatencyRecorder, type LatencySummaryUs } from './latency.ts';
import { BenchErrors } from '../errors.ts';

/** Where a contender reports delivered records (record indices are the driver's, from 0). */
export interface Delivery {
  delivered(first: number, n: number): void;
}

export interface Contender {
  /** offer records [first, first + n); a promise when it cannot take them yet (resolve = taken) */
  send(first: number, n: number): void | Promise<void>;
  /** move records that are ready (contenders whose delivery side is polled on this thread) */
  poll(): void;
  /** no more records: resolves once everything sent was delivered and its threads stopped */
  finish(): Promise<void>;
}

export interface DriverPlan {
  durationS: number;
  batch: number;
  /** the paced phase offers load × steady throughput */
  load: number;
  /** called at the edges of the steady window (e.g. to sample another thread's heap) */
  marks?: { steadyStart(): void; steadyEnd(): void };
}

export interface DriverResult {
  setupAbsMs: number;
  readyMs: number;
  window: { startAbsMs: number; endAbsMs: number };
  steady: { records: number; seconds: number; records_per_s: number; cpu_ns_per_record: number; cpu_cores: number };
  startup: { ready_ms: number; records_per_s: number; seconds: number };
  /** `behind`: records still unsent at the end of the paced phase (the contender could not keep up) */
  latency: LatencySummaryUs & { offered_records_per_s: number; behind: number };
  /** used heap of this thread, end of the steady window minus its start */
  heapGrowthBytes: number;
  sent: number;
}

const now = () => performance.now();
const abs = (t: number) => performance.timeOrigin + t;
const macrotask = () => new Promise<void>((r) => setImmediate(r));
const heapUsed = () => v8.getHeapStatistics().used_heap_size;
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** Longest the paced sender runs without letting the event loop turn. */
const PACED_YIELD_MS = 0.1;
/** About how often `saturate` reads the clock (it may pass its deadline by about as much). */
const CLOCK_READ_MS = 2;
/** Longest run of sends between two clock reads. */
const MAX_SENDS_PER_READ = 1 << 20;

/**
 * A loop's clock read every so many passes, as many as a ClockReadPacer says
 * (kernel/core/clock-read-pacer.ts): reads come about every CLOCK_READ_MS whatever a pass costs.
 * Passes that turn slow at once (a contender that starts to block) make one read late by up to
 * the old count of the new passes: `saturate` also ends at a timer for that.
 */
export class SparseClock {
  private readonly reads = new ClockReadPacer(CLOCK_READ_MS, 1, 1, MAX_SENDS_PER_READ);
  private last: number;

  constructor(private readonly clock: () => number = now) {
    this.last = clock();
  }

  /** Is this pass's read due? */
  due(): boolean {
    return this.reads.due(1);
  }

  read(): number {
    const t = this.clock();
    this.reads.read(t - this.last);
    this.last = t;
    return t;
  }
}

/** How long a drain may go without a delivery before the contender counts as stalled. */
const DRAIN_LIMIT_MS = 60_000;

class Meter implements Delivery {
  count = 0;
  /** first record index of the paced phase (Infinity until it starts) */
  pacedFirst = Infinity;
  pacedStart = 0;
  perMs = 1;
  readonly latency = new LatencyRecorder();

  delivered(first: number, n: number): void {
    this.count += n;
    const end = first + n;
    if (end <= this.pacedFirst) return;
    const t = now();
    for (let i = first > this.pacedFirst ? first : this.pacedFirst; i < end; i++) {
      this.latency.record((t - (this.pacedStart + (i - this.pacedFirst) / this.perMs)) * 1e6);
    }
  }
}

export function warmupSeconds(durationS: number): number {
  return Math.min(1.5, Math.max(0.02, durationS * 0.25));
}

export async function drive(setup: (d: Delivery) => Promise<Contender>, plan: DriverPlan): Promise<DriverResult> {
  const meter = new Meter();
  const state = { sent: 0 };
  const batch = plan.batch;
  const tSetup = now();
  const c = await setup(meter);
  const tReady = now();

  await saturate(c, state, tReady + warmupSeconds(plan.durationS) * 1000, batch);

  plan.marks?.steadyStart();
  const a = { t: now(), n: meter.count, cpu: cpuUs(), heap: heapUsed() };
  await saturate(c, state, a.t + plan.durationS * 1000, batch);
  const b = { t: now(), n: meter.count, cpu: cpuUs(), heap: heapUsed() };
  plan.marks?.steadyEnd();

  await drain(c, meter, state);
  const seconds = (b.t - a.t) / 1000;
  const records = b.n - a.n;
  const rps = records / seconds;
  if (records === 0) {
    await c.finish().catch(() => {});
    throw BenchErrors.error(
      'BYTEOR_E_BENCH_NO_PROGRESS',
      `no record was delivered during the ${seconds.toFixed(2)} s steady window; the machine may be overloaded ` +
        `(see the load average) or --duration too short for this bench`,
    );
  }

  // paced phase: record k is due at pacedStart + k / perMs
  const rate = Math.max(1, rps * plan.load);
  meter.perMs = rate / 1000;
  meter.pacedFirst = state.sent;
  meter.pacedStart = now();
  const end = meter.pacedStart + plan.durationS * 1000;
  let lastYield = meter.pacedStart;
  for (;;) {
    const t = now();
    if (t >= end) break;
    // everything due goes out now, in batches of at most `batch`
    const due = meter.pacedFirst + Math.floor((t - meter.pacedStart) * meter.perMs) + 1;
    let sent = false;
    while (due > state.sent) {
      const n = Math.min(batch, due - state.sent);
      const p = c.send(state.sent, n);
      state.sent += n;
      sent = true;
      if (p) {
        await p;
        lastYield = now();
      }
    }
    c.poll();
    // deliveries that come through the event loop get a turn whenever nothing was due, and at
    // least every PACED_YIELD_MS while the schedule keeps the sender busy
    if (!sent || t - lastYield >= PACED_YIELD_MS) {
      await macrotask();
      lastYield = now();
    }
  }
  // a sender that fell behind its schedule means the contender could not take the offered rate
  const dueAtEnd = meter.pacedFirst + Math.floor((end - meter.pacedStart) * meter.perMs) + 1;
  const behind = Math.max(0, dueAtEnd - state.sent);
  await drain(c, meter, state);
  await c.finish();

  const lat = meter.latency.summary();
  return {
    setupAbsMs: abs(tSetup),
    readyMs: tReady - tSetup,
    window: { startAbsMs: abs(a.t), endAbsMs: abs(b.t) },
    steady: {
      records,
      seconds,
      records_per_s: rps,
      cpu_ns_per_record: records > 0 ? ((b.cpu - a.cpu) * 1000) / records : 0,
      cpu_cores: (b.cpu - a.cpu) / 1e6 / seconds,
    },
    startup: {
      ready_ms: tReady - tSetup,
      records_per_s: b.n / ((b.t - tSetup) / 1000),
      seconds: (b.t - tSetup) / 1000,
    },
    latency: { ...lat, offered_records_per_s: rate, behind },
    heapGrowthBytes: b.heap - a.heap,
    sent: state.sent,
  };
}

/** Send batches as fast as the contender takes them until `untilMs`. */
async function saturate(c: Contender, state: { sent: number }, untilMs: number, batch: number): Promise<void> {
  // every clock read allocates (performance.now() returns a new heap number, and more): the
  // clock is read about every CLOCK_READ_MS, not per so many records (at 50 M records/s, one
  // read per 4096 records was 12 k reads a second and half of the window's allocation)
  // a contender that blocks turns the event loop, and the timer ends the loop on time even when
  // the read count was set for faster passes
  const clock = new SparseClock();
  let expired = false;
  const timer = setTimeout(
    () => {
      expired = true;
    },
    Math.max(0, untilMs - now()),
  );
  try {
    for (;;) {
      if (expired || (clock.due() && clock.read() >= untilMs)) return;
      const p = c.send(state.sent, batch);
      state.sent += batch;
      if (p) await p;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Wait until every record sent was delivered. */
async function drain(c: Contender, meter: Meter, state: { sent: number }): Promise<void> {
  let until = now() + DRAIN_LIMIT_MS;
  let seen = meter.count;
  while (meter.count < state.sent) {
    c.poll();
    if (meter.count >= state.sent) break;
    if (meter.count !== seen) {
      seen = meter.count;
      until = now() + DRAIN_LIMIT_MS;
    }
    if (now() > until) {
      throw BenchErrors.error(
        'BYTEOR_E_BENCH_STALLED',
        `the contender delivered ${meter.count} of ${state.sent} records and made no progress for ` +
          `${DRAIN_LIMIT_MS / 1000} s; it is stuck (a lost wake-up or a dead thread)`,
      );
    }
    await macrotask();
  }
}
