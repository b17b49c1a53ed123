/**
 * Runs one bench name in its own child process (bench/suite/child.ts) with this process's
 * Node flags (--no-liftoff, --conditions=source, the tsx loader) plus the GC probe preloaded
 * into every thread (`-r bench/thread-probe.cjs`). The child's stdout goes to our stderr, so
 * `--machine` output stays clean. A child that crashes or overruns its time becomes a failed
 * result with the reason, and the suite goes on.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchResult, MicroResult } from './bench-report.ts';
import type { SuiteOptions } from './options.ts';
import { isMicro, isPeer, referenceOf } from './registry.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const PROBE = fileURLToPath(new URL('../thread-probe.cjs', import.meta.url));

export type ChildMessage = { type: 'bench'; result: BenchResult } | { type: 'micro'; result: MicroResult };

/** Time a child may take: startup and settling allowance plus its phases. */
export function childTimeoutMs(o: SuiteOptions): number {
  return 120_000 + 8 * o.durationS * 1000;
}

/** The runtime's Node flags: ours, plus --no-liftoff, --conditions=source and tsx where missing. */
export function nodeFlags(parent: readonly string[] = process.execArgv): string[] {
  const args = [...parent];
  if (!args.includes('--no-liftoff')) args.unshift('--no-liftoff');
  if (!args.some((a) => a === '--conditions=source' || a === '-C')) args.push('--conditions=source');
  if (!args.some((a, i) => (a === '--import' && args[i + 1] === 'tsx') || a === '--import=tsx'))
    args.push('--import', 'tsx');
  return args;
}

/** Node flags for a bench child: the runtime's, plus the GC probe preloaded into every thread. */
export function childExecArgv(parent: readonly string[] = process.execArgv): string[] {
  return [...nodeFlags(parent), '-r', PROBE];
}

export function runChild(name: string, o: SuiteOptions, timeoutMs = childTimeoutMs(o)): Promise<ChildMessage> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...childExecArgv(), CHILD, name], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: { ...process.env, BYTEOR_BENCH_OPTIONS: JSON.stringify(o), MSGPACKR_NATIVE_ACCELERATION_DISABLED: 'true' },
    });
    child.stdout!.on('data', (d: Buffer) => process.stderr.write(d));
    let message: ChildMessage | null = null;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (m: ChildMessage) => {
      message = m;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (message) return resolve(message);
      const why = timedOut
        ? `did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`
        : `exited (${signal ?? `code ${code}`}) without a result; its stderr above says why`;
      resolve(crashed(name, `the bench process of ${name} ${why}`));
    });
  });
}

function crashed(name: string, error: string): ChildMessage {
  if (isMicro(name)) return { type: 'micro', result: { name, ok: false, error, cases: [], notes: [] } };
  return {
    type: 'bench',
    result: {
      name,
      kind: isPeer(name) ? 'peer' : 'bench',
      reference: referenceOf(name),
      ok: false,
      error,
      disclosure: {
        topology: 'unknown (no report)',
        threads: 0,
        stages: 0,
        shards: 0,
        capacity: 0,
        wait: 'unknown',
        wait_requested: null,
        payload_bytes: 0,
        payload_shape: 'unknown',
        batch: 0,
        process_boundary: 'unknown',
        transport: 'unknown',
      },
      startup: null,
      steady: null,
      latency: null,
      gc: null,
      ratio: null,
      notes: [],
    },
  };
}
