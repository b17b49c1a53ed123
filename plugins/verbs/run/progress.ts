import type { VerbIO } from '../../../kernel/plugin-contract.ts';

/**
 * Progress where a person waits: a one-shot `run --sp` on a terminal redraws one line on stderr
 * every REDRAW_MS — records in and out, the rate out over the last redraw and, when the input is
 * a file of known size, the percent read — and erases it before the summary. Nothing is drawn
 * when stderr is not a terminal, with --json or --quiet, or when the records themselves go to the
 * same terminal (the line would tear them). It reads the run's counters four times a second; the
 * hot path never sees it.
 */

export const REDRAW_MS = 250;

export interface ProgressSource {
  /** records in and out so far */
  records(): { in: number; out: number };
  /** input bytes read so far, and the input's size when known */
  input(): { read: number; size: number | null };
}

const ERASE = '\r\x1b[2K';

function count(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

/** Whether a run with these flags draws progress (see the module comment). */
export function wantsProgress(
  io: VerbIO,
  o: { sp: boolean; json: boolean; quiet: boolean; recordsToStderrTerminal: boolean },
): boolean {
  return o.sp && io.tty && !o.json && !o.quiet && !o.recordsToStderrTerminal;
}

export class ProgressLine {
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastOut = 0;
  private lastAt = 0;
  private drawn = false;

  constructor(
    private readonly io: VerbIO,
    private readonly source: ProgressSource,
  ) {}

  start(): void {
    this.lastAt = performance.now();
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.timer.unref();
  }

  /** the current line (also what tests read) */
  line(now = performance.now()): string {
    const { in: rin, out } = this.source.records();
    const secs = Math.max(1e-3, (now - this.lastAt) / 1000);
    const rate = (out - this.lastOut) / secs;
    this.lastOut = out;
    this.lastAt = now;
    const { read, size } = this.source.input();
    const pct = size && size > 0 ? `, ${Math.min(100, Math.floor((read / size) * 100))}% of the input` : '';
    return `records in ${count(rin)}, out ${count(out)}, ${count(Math.round(rate))}/s${pct}`;
  }

  private draw(): void {
    this.io.err(`${ERASE}${this.line()}`);
    this.drawn = true;
  }

  /** stop and erase the line (the summary follows on a clean line) */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.drawn) this.io.err(ERASE);
    this.drawn = false;
  }
}
