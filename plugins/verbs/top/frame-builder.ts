import { cpuPercent, processUsage, type ProcessUsage } from '../../../kernel/snapshot/process-usage.ts';
import type { RuntimeView } from '../../../kernel/snapshot/runtime-view.ts';
import { TOP_FRAME_VERSION, type TopFrame } from './top-frame.ts';

/**
 * Builds `top` frames from successive runtime views: rates are the records a row (or the run)
 * moved since the previous view divided by the time between the two captures; CPU is the
 * process's CPU time over the same interval. Rows are sorted by lag, largest first (then
 * stalled first, then in the document's order).
 */
export class FrameBuilder {
  private prev: { view: RuntimeView; usage: ProcessUsage | null; records: Map<string, number> } | null = null;

  constructor(private readonly proc = '/proc') {}

  next(view: RuntimeView, liveError: string | null): TopFrame {
    const alive = view.source === 'live';
    const prev =
      this.prev !== null && this.prev.view.pid === view.pid && this.prev.view.capturedUnixMs < view.capturedUnixMs
        ? this.prev
        : null;
    const seconds = prev ? (view.capturedUnixMs - prev.view.capturedUnixMs) / 1000 : 0;
    const rate = (now: number, before: number | undefined) =>
      prev && before !== undefined && seconds > 0 ? Math.max(0, now - before) / seconds : null;
    const usage = alive ? processUsage(view.pid, this.proc) : null;
    const rows = view.rows
      .map((r, i) => ({ r, i }))
      .sort((a, b) => b.r.lag - a.r.lag || Number(b.r.stalled) - Number(a.r.stalled) || a.i - b.i)
      .map(({ r }) => ({ ...r, records_per_s: rate(r.records, prev?.records.get(r.id)) }));
    this.prev = { view, usage, records: new Map(view.rows.map((r) => [r.id, r.records])) };
    return {
      top_v: TOP_FRAME_VERSION,
      captured_unix_ms: view.capturedUnixMs,
      source: view.source,
      alive,
      live_error: liveError,
      model: view.model,
      spec_name: view.specName,
      spec_hash: view.specHash,
      pid: view.pid,
      state: view.state,
      uptime_ms: Math.max(0, view.capturedUnixMs - view.startedUnixMs),
      records: view.records,
      rates: {
        in_per_s: rate(view.records.in, prev?.view.records.in),
        out_per_s: rate(view.records.out, prev?.view.records.out),
      },
      process: usage
        ? { cpu_percent: prev?.usage ? cpuPercent(prev.usage, usage, seconds * 1000) : null, rss_bytes: usage.rssBytes }
        : null,
      rows,
      adapters: view.adapters.map((a) => ({
        role: a.role,
        kind: a.kind,
        transport: a.transport,
        connection_state: a.connection_state,
        message_count: a.message_count,
        lag: a.lag,
        recent_failures: a.recent_failures,
      })),
      error: view.error,
    };
  }
}
