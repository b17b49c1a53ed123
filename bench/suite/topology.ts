/**
 * Topologies sized by the machine: how many stages, shards and threads each bench runs, and
 * which wait strategy, so that nothing busy-spins more threads than there are cores.
 *
 * A busy thread is one that runs flat out in the measured phase: the main thread (producer
 * and egress, or the load generator) and every stage worker. `spin` is used only when all of
 * them fit the usable cores; otherwise `block` (sleep at once until woken), and an asked-for
 * `--wait=spin` that does not fit is lowered to `block` and disclosed. `block` rather than
 * `backoff` (spin about 20 µs first): on 2 cores with 3-4 busy threads the spin takes the core
 * another busy thread needs, and since a sleeper costs its writer one notify per sleep (the armed
 * epoch, assembly/wait.ts) `block` measured faster on every ring bench, with half the p50
 * (docs/performance.md, fifth pass).
 */
import type { WaitKind } from '../../kernel/core/ring.ts';
import type { SuiteOptions } from './options.ts';

export const MAX_STAGES = 4;
/** Ring / queue capacity in records for every synthetic bench and peer. */
export const BENCH_CAPACITY = 4096;

export interface WaitChoice {
  wait: WaitKind;
  /** the asked-for strategy when it was not applied as asked */
  requested: WaitKind | null;
  note: string | null;
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

export function chooseWait(asked: WaitKind | null, busyThreads: number, cores: number): WaitChoice {
  const fits = busyThreads <= cores;
  if (asked === null) {
    return fits
      ? { wait: 'spin', requested: null, note: null }
      : { wait: 'block', requested: null, note: `block, not spin: ${busyThreads} busy threads on ${cores} cores` };
  }
  if (asked === 'spin' && !fits) {
    return {
      wait: 'block',
      requested: 'spin',
      note: `--wait=spin lowered to block: ${busyThreads} busy threads would spin on ${cores} cores`,
    };
  }
  return { wait: asked, requested: null, note: null };
}

/** Chain length of single_ring_chain and the peers: cores - 1, at least 2, at most 4. */
export function chainStages(o: Pick<SuiteOptions, 'stages'>, cores: number): number {
  return o.stages ?? clamp(cores - 1, 2, MAX_STAGES);
}

/**
 * The DAG of single_ring_dag. A v1 SingleRing has one final stage that depends, directly or
 * transitively, on every other (it releases slots to egress), so the shapes are joins:
 * with 4 stages the diamond (0 → 1, 0 → 2, 1 + 2 → 3), with 3 a parallel pair joined
 * (P → 0, P → 1, 0 + 1 → 2). 4 when there are at least 5 cores, else 3; --stages is honoured
 * when it names one of these shapes.
 */
export function dagShape(o: Pick<SuiteOptions, 'stages'>, cores: number): { deps: number[][]; note: string | null } {
  const n = o.stages === 3 || o.stages === 4 ? o.stages : cores >= 5 ? 4 : 3;
  const note =
    o.stages !== null && o.stages !== n
      ? `--stages=${o.stages} is not a DAG shape; single_ring_dag runs ${n} stages`
      : null;
  return { deps: n === 4 ? [[], [0], [0], [1, 2]] : [[], [], [0, 1]], note };
}

/** single_ring_sharded: cores - 1 shards (2..8), one stage each unless --stages. */
export function shardedShape(
  o: Pick<SuiteOptions, 'stages' | 'shards'>,
  cores: number,
): { shards: number; stages: number } {
  return { shards: o.shards ?? clamp(cores - 1, 2, 8), stages: o.stages ?? 1 };
}

export function chainDeps(stages: number): number[][] {
  return Array.from({ length: stages }, (_, i) => (i === 0 ? [] : [i - 1]));
}

export function describeDeps(deps: readonly (readonly number[])[]): string {
  return deps.map((d, i) => (d.length ? `${d.join('+')}→${i}` : `P→${i}`)).join(', ');
}
