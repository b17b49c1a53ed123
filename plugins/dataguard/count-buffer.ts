import { BASE_COUNTERS, type BaseCounter, type DataguardStageCounters } from './stage-counters.ts';

/**
 * A stage's counts, kept in a plain array while it works and added to its shared-memory counters
 * (stage-counters.ts) by `flush`: once per batch (and after a record processed alone), instead of
 * a store into shared memory for each counter a record moves. The base counters are at their
 * BASE_COUNTERS positions, rule i's `rule.<i>.applied` at ruleAt(i).
 */

const BASE_INDEX = Object.fromEntries(BASE_COUNTERS.map((n, i) => [n, i])) as Record<BaseCounter, number>;
export const C_SEEN = BASE_INDEX.seen;
export const C_ACCEPTED = BASE_INDEX.accepted;
export const C_REJECTED = BASE_INDEX.rejected;
export const C_OUT_DROP = BASE_INDEX.out_drop;
export const C_OUT_FORWARD_INPUT = BASE_INDEX.out_forward_input;
export const C_OUT_FORWARD_OUTPUT = BASE_INDEX.out_forward_output;
export const C_REDACT_NOOP = BASE_INDEX.redact_noop;
export const C_REDACT_APPLIED = BASE_INDEX.redact_applied;

/** The position of base counter `name` (a reject reason's, for one). */
export const baseIndex = (name: BaseCounter): number => BASE_INDEX[name];

/** The position of rule i's applied counter. */
export const ruleAt = (i: number): number => BASE_COUNTERS.length + i;

export class CountBuffer {
  /** the counts since the last flush, by position (small integers: read back as small integers, never boxed) */
  readonly n: Int32Array;
  private readonly targets: DataguardStageCounters['rules'];

  constructor(c: DataguardStageCounters) {
    this.targets = [...BASE_COUNTERS.map((name) => c.base[name]), ...c.rules];
    this.n = new Int32Array(this.targets.length);
  }

  /** Add the counts to the stage counters and start again from zero. */
  flush(): void {
    const n = this.n;
    for (let i = 0; i < n.length; i++) {
      if (n[i] !== 0) {
        this.targets[i]!.add(n[i]!);
        n[i] = 0;
      }
    }
  }
}
