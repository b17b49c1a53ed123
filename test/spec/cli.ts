import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Run `byteor <args>` as a child process, the way an operator does in dev. */
export function byteor(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--no-liftoff', '--conditions=source', '--import', 'tsx', 'kernel/main.ts', ...args],
      {
        cwd: repo,
        env: { ...process.env, NO_COLOR: '1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Run `byteor <args>` in this process (same code path as the binary, minus process start-up). */
export async function byteorInProcess(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import('../../kernel/cli.ts');
  let out = '';
  let err = '';
  const code = await main(args, {
    io: {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      tty: false,
      color: false,
    },
    env: { ...process.env, NO_COLOR: '1', ...env },
    cwd: repo,
  });
  return { code, out, err };
}
