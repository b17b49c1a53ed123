/**
 * Garbage collections per thread inside a time window, from the probes that
 * bench/thread-probe.cjs preloads into every thread of a bench child process. Without the
 * probe (a bench imported directly), only this thread is observed and worker threads are
 * reported as unmeasured (null).
 *
 * Counted: `minor` = scavenges; `major` = mark-compact, incremental-marking and weak-callback
 * passes. The steady-state window of a zero-allocation hot path shows 0 of both.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';

interface ProbeGlobal {
  channel: string;
  threadId: number;
  role: string;
  entries: number[];
}

export interface ThreadGcCount {
  role: string;
  minor: number | null;
  major: number | null;
}

const MINOR = constants.NODE_PERFORMANCE_GC_MINOR;

export class ThreadGcCollector {
  private readonly threads = new Map<number, { role: string; gc: number[] }>();
  private readonly channel: BroadcastChannel | null = null;
  private readonly observer: PerformanceObserver | null = null;
  private readonly own: { role: string; entries: number[] };
  private lastMessage = 0;
  readonly probed: boolean;

  constructor() {
    const probe = (globalThis as { __byteorThreadProbe?: ProbeGlobal }).__byteorThreadProbe;
    this.probed = probe !== undefined;
    if (probe) {
      this.own = { role: probe.role, entries: probe.entries };
      this.channel = new BroadcastChannel(probe.channel);
      this.channel.onmessage = (ev: unknown) => {
        const m = (ev as { data: { threadId: number; role: string; gc: number[] } }).data;
        let t = this.threads.get(m.threadId);
        if (!t) {
          t = { role: m.role, gc: [] };
          this.threads.set(m.threadId, t);
        }
        t.role = m.role; // a stage worker learns its stage after it started (thread-probe.cjs)
        for (const x of m.gc) t.gc.push(x);
        this.lastMessage = performance.now();
      };
    } else {
      const entries: number[] = [];
      this.own = { role: 'main', entries };
      this.observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries())
          entries.push(
            performance.timeOrigin + e.startTime,
            (e as unknown as { detail: { kind: number } }).detail.kind,
          );
      });
      this.observer.observe({ entryTypes: ['gc'] });
    }
  }

  /** Let late reports arrive: returns after `quietMs` without one (at most `maxMs`). */
  async settle(quietMs = 150, maxMs = 3000): Promise<void> {
    const t0 = performance.now();
    this.lastMessage = Math.max(this.lastMessage, t0);
    while (performance.now() - this.lastMessage < quietMs && performance.now() - t0 < maxMs) {
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Collections per thread whose start lies in [startAbsMs, endAbsMs]. */
  count(startAbsMs: number, endAbsMs: number): { threads: ThreadGcCount[]; minor: number; major: number } {
    const tally = (role: string, gc: readonly number[]): ThreadGcCount => {
      let minor = 0;
      let major = 0;
      for (let i = 0; i + 1 < gc.length; i += 2) {
        const t = gc[i]!;
        if (t < startAbsMs || t > endAbsMs) continue;
        if (gc[i + 1] === MINOR) minor++;
        else major++;
      }
      return { role, minor, major };
    };
    const threads = [tally(this.own.role, this.own.entries)];
    for (const id of [...this.threads.keys()].sort((x, y) => x - y)) {
      const t = this.threads.get(id)!;
      threads.push(tally(t.role, t.gc));
    }
    if (!this.probed) threads.push({ role: 'worker threads', minor: null, major: null });
    return {
      threads,
      minor: threads.reduce((s, t) => s + (t.minor ?? 0), 0),
      major: threads.reduce((s, t) => s + (t.major ?? 0), 0),
    };
  }

  close(): void {
    this.channel?.close();
    this.observer?.disconnect();
  }
}
