/**
 * What a bench module (bench/benches/<name>.ts, bench/peers/<name>.ts) exports as default: its name,
 * whether it is one of ByteOr's benches or a peer, and how to run it. `run` returns a result
 * even when the bench fails (ok: false, error), so one broken bench never hides the others.
 */
import type { BenchResult } from './bench-report.ts';
import type { SuiteOptions } from './options.ts';

export interface BenchContext {
  options: SuiteOptions;
  /** usable cores (affinity respected) */
  cores: number;
}

export interface BenchDefinition {
  name: string;
  kind: 'bench' | 'peer';
  /** one line for the table and docs */
  summary: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export function defineBench(def: BenchDefinition): BenchDefinition {
  return def;
}
