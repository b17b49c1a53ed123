import { z } from 'zod';

/**
 * The benchmark report (bench_report_v 1) that `npm run bench -- --machine` prints and
 * `npm run bench:check` reads (docs/performance.md). One result per bench name and per peer,
 * one entry per micro-benchmark suite, and the machine they ran on.
 *
 * Conventions: throughput in records per second; latency in microseconds; every failed bench
 * keeps its disclosure and carries `error` with the measurement blocks null.
 */
export const BENCH_REPORT_VERSION = 1 as const;

export const BenchMachine = z.object({
  /** the class perf_baseline.kv thresholds are kept for, e.g. `x64_2c` */
  machine_class: z.string(),
  cpu_model: z.string(),
  /** CPUs this process may run on (affinity respected: taskset shrinks it) */
  cores: z.number().int(),
  logical_cpus: z.number().int(),
  /** /proc/self/status Cpus_allowed_list, null when unknown */
  cpus_allowed: z.string().nullable(),
  /** cpufreq governor of cpu0, null when the host does not expose it */
  governor: z.string().nullable(),
  arch: z.string(),
  platform: z.string(),
  kernel: z.string(),
  node: z.string(),
  v8: z.string(),
  memory_gib: z.number(),
  load_avg_start: z.array(z.number()).length(3),
  load_avg_end: z.array(z.number()).length(3),
});
export type BenchMachine = z.infer<typeof BenchMachine>;

export const BenchOptions = z.object({
  names: z.array(z.string()),
  duration_s: z.number(),
  stages: z.number().int().nullable(),
  shards: z.number().int().nullable(),
  wait: z.enum(['spin', 'backoff', 'block']).nullable(),
  payload_bytes: z.number().int(),
  batch: z.number().int(),
  load: z.number(),
});
export type BenchOptions = z.infer<typeof BenchOptions>;

/** ByteOr's disclosure rules: what was measured, how, and across which boundary. */
export const BenchDisclosure = z.object({
  topology: z.string(),
  /** threads the contender runs, the main thread included */
  threads: z.number().int(),
  stages: z.number().int(),
  shards: z.number().int(),
  /** ring or queue capacity in records */
  capacity: z.number().int(),
  /** the wait strategy in effect */
  wait: z.string(),
  /** the --wait asked for, when it was not applied as asked (with the reason in notes) */
  wait_requested: z.string().nullable(),
  payload_bytes: z.number().int(),
  payload_shape: z.string(),
  batch: z.number().int(),
  process_boundary: z.string(),
  transport: z.string(),
});
export type BenchDisclosure = z.infer<typeof BenchDisclosure>;

export const BenchSteady = z.object({
  records: z.number().int(),
  seconds: z.number(),
  records_per_s: z.number(),
  /** CPU time of the whole process (every thread) per record */
  cpu_ns_per_record: z.number(),
  /** CPU seconds per wall second over the window */
  cpu_cores: z.number(),
});

export const BenchStartup = z.object({
  /** from the start of setup (kernel, plugins, spec, threads) until it accepted records */
  ready_ms: z.number(),
  /** records delivered by the end of the steady window over the time since setup started */
  records_per_s: z.number(),
  seconds: z.number(),
});

export const BenchLatency = z.object({
  offered_records_per_s: z.number(),
  records: z.number().int(),
  p50_us: z.number(),
  p99_us: z.number(),
  p999_us: z.number(),
  max_us: z.number(),
  mean_us: z.number(),
  /** coordinated omission corrected: measured from each record's scheduled send time */
  co_corrected: z.boolean(),
});

export const BenchThreadGc = z.object({
  role: z.string(),
  /** null: the thread's collections were not reported (see notes) */
  minor: z.number().int().nullable(),
  major: z.number().int().nullable(),
});

export const BenchGc = z.object({
  /** the steady-state window the counts are for */
  window_s: z.number(),
  records: z.number().int(),
  threads: z.array(BenchThreadGc),
  minor_total: z.number().int(),
  major_total: z.number().int(),
  /** used V8 heap of the thread running the producer and egress: end of window minus start */
  main_heap_growth_bytes: z.number().int(),
});

export const BenchRatio = z.object({
  /** our records/s divided by the peer's (above 1: ours is faster) */
  throughput: z.number().nullable(),
  /** the peer's p99 divided by ours (above 1: ours has the lower tail) */
  p99: z.number().nullable(),
});

export const BenchResult = z.object({
  name: z.string(),
  kind: z.enum(['bench', 'peer']),
  /** for a peer: the bench it is compared with */
  reference: z.string().nullable(),
  ok: z.boolean(),
  error: z.string().nullable(),
  disclosure: BenchDisclosure,
  startup: BenchStartup.nullable(),
  steady: BenchSteady.nullable(),
  latency: BenchLatency.nullable(),
  gc: BenchGc.nullable(),
  ratio: BenchRatio.nullable(),
  notes: z.array(z.string()),
});
export type BenchResult = z.infer<typeof BenchResult>;

export const MicroCase = z.object({
  case: z.string(),
  ops_per_s: z.number(),
  mean_ns: z.number(),
  /** relative margin of error, percent */
  rme_pct: z.number(),
  samples: z.number().int(),
  /** cases timed as whole processes (micro_startup): the median and the fastest start */
  median_ns: z.number().optional(),
  min_ns: z.number().optional(),
});

export const MicroResult = z.object({
  name: z.string(),
  ok: z.boolean(),
  error: z.string().nullable(),
  cases: z.array(MicroCase),
  notes: z.array(z.string()),
});
export type MicroResult = z.infer<typeof MicroResult>;

export const BenchReport = z.object({
  bench_report_v: z.literal(BENCH_REPORT_VERSION),
  started_unix_ms: z.number().int(),
  elapsed_s: z.number(),
  machine: BenchMachine,
  options: BenchOptions,
  results: z.array(BenchResult),
  micro: z.array(MicroResult),
});
export type BenchReport = z.infer<typeof BenchReport>;
