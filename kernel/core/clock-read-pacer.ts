/**
 * When a busy loop should read the clock: after an amount of work that adapts to the loop's pace,
 * so that reads come about every `aim` (in the clock's units) whatever one unit of work costs. A
 * clock read can allocate on Node 20 (kernel/core/clock-ticks.ts), so a fixed amount of work per
 * read made reads, and garbage, grow with the loop's speed. Used by the stage workers' TurnTimer
 * (kernel/exec/event-loop-turns.ts) and by the bench driver's SparseClock (bench/suite/driver.ts).
 *
 * The work between two reads starts at `first`, doubles (up to `max`) while reads come less than
 * `aim` apart, and is scaled down to the pace just seen (not below `min`) when one came more than
 * twice as late: work that turned slow at once makes one read late, by up to the old amount of
 * the new work, and the next ones are on time again. Allocates nothing.
 */
export class ClockReadPacer {
  private work = 0;
  private check: number;

  constructor(
    private readonly aim: number,
    first: number,
    private readonly min: number,
    private readonly max: number,
  ) {
    this.check = first;
  }

  /** `units` of work were done: true when the clock is due to be read (then call `read`). */
  due(units: number): boolean {
    this.work += units;
    return this.work >= this.check;
  }

  /** The clock was read, `gap` after the previous read: the work until the next read adapts. */
  read(gap: number): void {
    if (gap < this.aim) {
      if (this.check < this.max) this.check = Math.min(this.max, this.check * 2);
    } else if (gap > 2 * this.aim) {
      this.check = Math.max(this.min, Math.floor((this.work * this.aim) / gap));
    }
    this.work = 0;
  }

  /** Start counting work afresh (the loop did something else meanwhile: it turned, it slept). */
  restart(): void {
    this.work = 0;
  }
}
