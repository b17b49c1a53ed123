// Shared by the ActionGraph end-to-end `run` tests (run-e2e*.test.ts): a temp directory with the
// 20 order records as input, a writer of chained SingleRing specs, and readers of the --json summary.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../kernel/index.ts';

export const RECORDS = Array.from({ length: 20 }, (_, i) => `order-${1000 + i},${(i * 3.5).toFixed(2)}`);

export interface E2eWorkspace {
  /** the temp directory (remove it in test.after) */
  dir: string;
  /** RECORDS, one a line */
  input: string;
  /** a spec `name` whose stages are `keys`, each depending on the one before */
  writeSpec(name: string, keys: string[]): string;
}

export function e2eWorkspace(prefix: string): E2eWorkspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const input = join(dir, 'records.txt');
  writeFileSync(input, RECORDS.map((r) => `${r}\n`).join(''));
  const writeSpec = (name: string, keys: string[]): string => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    const lines = [
      'spec.version=1',
      'spec.model=single_ring',
      `spec.name=${name}`,
      'single_ring.capacity=64',
      'single_ring.wait=block',
    ];
    keys.forEach((k, i) => {
      lines.push(`single_ring.stages.${i}.key=${k}`);
      if (i > 0) lines.push(`single_ring.stages.${i}.depends_on.0=${i - 1}`);
    });
    const path = join(d, 'spec.kv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  return { dir, input, writeSpec };
}

/** The --json summary (a failed run prints its error document after it). */
export function summaryOf(out: string): RunSummary {
  return JSON.parse(out.slice(0, out.indexOf('\n}\n') + 3)) as RunSummary;
}

export function stageCounters(s: RunSummary, keyStart: string): Record<string, number> {
  return s.counters.find((c) => c.key.startsWith(keyStart))!.values;
}
