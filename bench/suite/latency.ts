/**
 * Latency of delivered records in an HDR histogram (hdr-histogram-js, 3 significant digits,
 * nanosecond values), summarised in microseconds.
 */
import { build, type Histogram } from 'hdr-histogram-js';

export interface LatencySummaryUs {
  records: number;
  p50_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
  mean_us: number;
}

const us = (ns: number) => Math.round(ns / 100) / 10;

export class LatencyRecorder {
  private readonly h: Histogram = build({ numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1 });

  /** one record that took `ns` nanoseconds (at least 1) */
  record(ns: number): void {
    this.h.recordValue(ns < 1 ? 1 : Math.round(ns));
  }

  get count(): number { return this.h.totalCount; }

  summary(): LatencySummaryUs {
    const h = this.h;
    if (h.totalCount === 0) return { records: 0, p50_us: 0, p99_us: 0, p999_us: 0, max_us: 0, mean_us: 0 };
    return {
      records: h.totalCount,
      p50_us: us(h.getValueAtPercentile(50)),
      p99_us: us(h.getValueAtPercentile(99)),
      p999_us: us(h.getValueAtPercentile(99.9)),
      max_us: us(h.maxValue),
      mean_us: us(h.mean),
    };
  }
}
