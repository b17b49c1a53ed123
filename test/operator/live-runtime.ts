// A long-running runtime for the live-operations tests (top, metrics, agent reporting): a real
// child process reading records from its stdin (kept open), with helpers to wait on it.
import { join } from 'node:path';
import { chainSpec, tempDir, writeTemp } from '../run/cli-harness.ts';
import { queryRuntime } from '../../kernel/rundir/control-client.ts';
import { startRuntime, until, exitWithin, kill } from '../run/runtime-process.ts';

export { until, exitWithin, kill };

export const repo = new URL('../..', import.meta.url).pathname;
export const CLI = [
  process.execPath,
  '--no-liftoff',
  '--conditions=source',
  '--import',
  'tsx',
  join(repo, 'kernel/main.ts'),
];

export type LiveRuntime = ReturnType<typeof startRuntime> & {
  dir: string;
  runDir: string;
  feed(n: number, prefix?: string): void;
};

/** A runtime of a SingleRing chain (or `spec`, a path) with its own run directory; `extra` args after those. */
export async function startLive(
  opts: { spec?: string; extra?: string[]; env?: Record<string, string> } = {},
): Promise<LiveRuntime> {
  const dir = tempDir('byteor-live-');
  const runDir = join(dir, 'rd');
  const spec = opts.spec ?? writeTemp(dir, 'spec.kv', chainSpec(['identity', 'upper', 'identity']));
  const saved = { ...process.env };
  Object.assign(process.env, opts.env ?? {});
  const rt = startRuntime([
    `--spec=${spec}`,
    '--input=-',
    `--output=${join(dir, 'out.txt')}`,
    `--run-dir=${runDir}`,
    ...(opts.extra ?? []),
  ]);
  for (const k of Object.keys(opts.env ?? {})) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  let seq = 0;
  const live: LiveRuntime = Object.assign(rt, {
    dir,
    runDir,
    feed(n: number, prefix = 'rec') {
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(`${prefix}-${seq++}`);
      rt.child.stdin!.write(`${lines.join('\n')}\n`);
    },
  });
  try {
    await until(
      'the runtime answers',
      async () => {
        const r = await queryRuntime(runDir, 'ping');
        return r.ok && r.op === 'ping' && r.state === 'running' ? true : undefined;
      },
      60_000,
    );
  } catch (e) {
    kill(rt.child);
    throw new Error(`${(e as Error).message}\n${rt.stderr()}`);
  }
  return live;
}
