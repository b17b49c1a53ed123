/**
 * Latency of delivered records in a log-linear histogram of integer nanoseconds, summarised in
 * microseconds. The driver records every delivered record of the paced phase on the thread
 * that also runs the producer and egress, so a record must cost next to nothing: a few integer
 * operations and one array increment (about 5 ns), where hdr-histogram-js's `recordValue`
 * took 170-190 ns, which capped the paced phase near 4 M records/s for every contender and
 * turned an unsustainable schedule into queueing (measured on the 2-vCPU VM).
 *
 * Layout, the HDR idea with 1024 sub-buckets per power of two: values below 2048 ns have a bucket
 * each (exact); a value v >= 2048 with highest bit e falls in octave e, sub-bucket
 * v >> (e - 10) - 1024, so every bucket is narrower than 0.1 % of its values (three significant
 * digits, like the histogram it replaces). Octaves reach 2^40 ns (about 18 minutes); larger values
 * are counted in the last bucket. Percentiles report the upper bound of their bucket.
 */

export interface LatencySummaryUs {
  records: number;
  p50_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
  mean_us: number;
}

const us = (ns: number) => Math.round(ns / 100) / 10;

const EXACT = 2048;
const SUB = 1024;
const SUB_BITS = 10;
const TOP_OCTAVE = 40;
const BUCKETS = EXACT + (TOP_OCTAVE - 10) * SUB;

/** Bucket of a value in whole nanoseconds (>= 1). */
export function bucketOf(v: number): number {
  if (v < EXACT) return v;
  if (v < 0x100000000) {
    // the common case: integer operations only
    const e = 31 - Math.clz32(v);
    return EXACT + (e - 11) * SUB + ((v >>> (e - SUB_BITS)) - SUB);
  }
  const e = Math.floor(Math.log2(v));
  if (e >= TOP_OCTAVE) return BUCKETS - 1;
  return EXACT + (e - 11) * SUB + (Math.floor(v / 2 ** (e - SUB_BITS)) - SUB);
}

/** The largest value that falls in bucket `i`. */
export function bucketTop(i: number): number {
  if (i < EXACT) return i;
  const e = 11 + Math.floor((i - EXACT) / SUB);
  const sub = ((i - EXACT) % SUB) + SUB;
  return (sub + 1) * 2 ** (e - SUB_BITS) - 1;
}

export class LatencyRecorder {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private max = 0;

  /** one record that took `ns` nanoseconds (at least 1) */
  record(ns: number): void {
    const v = ns < 1 ? 1 : Math.round(ns);
    this.counts[bucketOf(v)]!++;
    this.total++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  get count(): number {
    return this.total;
  }

  /** The upper bound of the bucket holding the record at `percent` (0..100]. */
  valueAt(percent: number): number {
    const want = Math.max(1, Math.ceil((percent / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= want) return i === BUCKETS - 1 ? this.max : Math.min(bucketTop(i), this.max);
    }
    return this.max;
  }

  summary(): LatencySummaryUs {
    if (this.total === 0) return { records: 0, p50_us: 0, p99_us: 0, p999_us: 0, max_us: 0, mean_us: 0 };
    return {
      records: this.total,
      p50_us: us(this.valueAt(50)),
      p99_us: us(this.valueAt(99)),
      p999_us: us(this.valueAt(99.9)),
      max_us: us(this.max),
      mean_us: us(this.sum / this.total),
    };
  }
}
