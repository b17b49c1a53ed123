/**
 * micro_startup: what an operator waits for before a verb does anything — the built CLI
 * (bin/byteor.js → dist/, what users install) started as a fresh process, beside a bare
 * `node -e 0` on the same machine in the same run. Cases (round-robin, so a load change hits
 * them all alike; `RUNS` starts each):
 *   node -e 0         the floor: Node's own start
 *   startup_validate  byteor validate --spec=examples/chain.kv
 *   startup_run_sp    byteor run --sp on examples/chain.kv and its 36 records (workers, WASM)
 * Each case reports its median (`median_ns`) and min wall time; bench:check holds
 * `startup_*.<class>.max_overhead_ms` = median minus the `node -e 0` median (perf_baseline.kv).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MicroResult } from '../suite/bench-report.ts';
import { defineMicro } from '../suite/micro-definition.ts';
import { microResult } from '../suite/benchmark-suite.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = 9;
export const STARTUP_FLOOR_CASE = 'node -e 0';

const CASES: Record<string, string[]> = {
  [STARTUP_FLOOR_CASE]: ['-e', '0'],
  startup_validate: ['bin/byteor.js', 'validate', '--spec=examples/chain.kv'],
  startup_run_sp: [
    'bin/byteor.js',
    'run',
    '--sp',
    '--spec=examples/chain.kv',
    '--input=examples/records.txt',
    '--output=/dev/null',
  ],
};

function wallNs(args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    cwd: repo,
    stdio: 'ignore',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const ns = Number(process.hrtime.bigint() - t);
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}`);
  return ns;
}

function measure(): MicroResult['cases'] {
  const main = `${repo}dist/kernel/main.js`;
  if (!existsSync(main)) throw new Error('dist/ is missing: run "npm run build" (the startup cases run the built CLI)');
  const samples = new Map<string, number[]>(Object.keys(CASES).map((k) => [k, []]));
  for (const args of Object.values(CASES)) wallNs(args); // warm the page cache once
  for (let i = 0; i < RUNS; i++)
    for (const [name, args] of Object.entries(CASES)) samples.get(name)!.push(wallNs(args));
  return [...samples].map(([name, xs]) => {
    const s = [...xs].sort((a, b) => a - b);
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (s.length - 1));
    return {
      case: name,
      ops_per_s: Math.round(1e9 / mean),
      mean_ns: Math.round(mean),
      median_ns: s[s.length >> 1]!,
      min_ns: s[0]!,
      rme_pct: Math.round(((1.96 * sd) / Math.sqrt(s.length) / mean) * 1000) / 10,
      samples: s.length,
    };
  });
}

export default defineMicro({
  name: 'micro_startup',
  summary: 'process start of the built CLI: validate and run --sp beside node -e 0',
  async run() {
    const notes = [
      `${RUNS} starts per case, round-robin; dist/ built ` +
        `${existsSync(`${repo}dist/kernel/main.js`) ? new Date(statSync(`${repo}dist/kernel/main.js`).mtimeMs).toISOString() : 'never'}`,
    ];
    return microResult('micro_startup', measure, notes);
  },
});
