/**
 * What a micro-benchmark module (bench/micro/<name>.ts) exports as default: a `benchmark`
 * (benchmark.js) suite over one concern, run for about `maxTimeS` seconds per case.
 */
import type { MicroResult } from './bench-report.ts';

export interface MicroDefinition {
  name: string;
  summary: string;
  run(o: { maxTimeS: number }): Promise<MicroResult>;
}

export function defineMicro(def: MicroDefinition): MicroDefinition {
  return def;
}
