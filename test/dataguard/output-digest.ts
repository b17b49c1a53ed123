/**
 * Prints a digest of DataGuard output (fused stage, example registry and rules, seeded records with
 * every reject reason) and the stage counters, so that two runtimes can be compared byte for byte.
 * Imported by deno.test.ts (Node) and run by it under Deno.
 */
import { createHash } from 'node:crypto';
import { sampleRecords } from '../../scripts/dataguard-records.ts';
import { ALL_RULES, EXAMPLE_FLAGS, runStage } from './stage-harness.ts';

export function outputDigest(): string {
  const lines: string[] = [];
  for (const mode of ['mapkv', 'row'] as const) {
    const r = runStage(
      'fused',
      { ...EXAMPLE_FLAGS, mode, rule: ALL_RULES },
      sampleRecords({ mode, count: 200, seed: 5, badEvery: 7 }),
    );
    const h = createHash('sha256');
    for (const o of r.out) h.update(o === null ? 'dropped' : Buffer.from(o).toString('hex')).update('\n');
    lines.push(`${mode} ${h.digest('hex')} ${JSON.stringify(Object.fromEntries(r.counters))}`);
  }
  return lines.join('\n');
}

if (import.meta.url.endsWith('/output-digest.ts') && (globalThis as { Deno?: unknown }).Deno !== undefined)
  console.log(outputDigest());
