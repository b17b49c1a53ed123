// A long-running runtime as a real child process, and polling helpers for its tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { queryRuntime } from '../../kernel/rundir/control-client.ts';
import { SingleRingSnapshot } from '../../kernel/artifacts/single-ring-snapshot.ts';

export function startRuntime(args: string[], env: Record<string, string> = {}, pre: string[] = []) {
  const child = spawn(
    process.execPath,
    ['--no-liftoff', '--conditions=source', '--import', 'tsx', 'kernel/main.ts', ...pre, 'run', ...args],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', ...env },
    },
  );
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => err };
}

export async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function liveSnapshot(dir: string): Promise<SingleRingSnapshot> {
  const res = await queryRuntime(dir, 'snapshot');
  if (!res.ok || res.op !== 'snapshot') throw new Error('no snapshot');
  return SingleRingSnapshot.parse(res.snapshot);
}

/** The runtime's exit code, or a failure after `ms` (a runtime that does not exit is a bug). */
export function exitWithin(
  rt: { exited: Promise<number | null>; stderr(): string },
  ms = 60_000,
): Promise<number | null> {
  return Promise.race([
    rt.exited,
    new Promise<number | null>((_, reject) =>
      setTimeout(() => reject(new Error(`the runtime did not exit within ${ms} ms:\n${rt.stderr()}`)), ms).unref(),
    ),
  ]);
}

export function kill(c: ChildProcess) {
  try {
    c.kill('SIGKILL');
  } catch {
    /* gone */
  }
}
