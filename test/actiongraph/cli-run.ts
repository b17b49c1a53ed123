/**
 * Test support: the CLI end to end. `runCli` calls the kernel's `main()` in this process (the
 * same verb, plugins, hooks and stage workers as `byteor`, without paying a process start per
 * case on a loaded 2-core box); `spawnCli` runs the real entry `kernel/main.ts` in a child
 * process (async, so that a server in this process keeps answering).
 */
import { spawn } from 'node:child_process';
import { main } from '../../kernel/cli.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function runCli(
  argv: string[],
  opts: { env?: Record<string, string | undefined>; preload?: string[] } = {},
): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await main(argv, {
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
    env: { ...process.env, ...opts.env },
    preload: opts.preload ?? [],
    prog: 'byteor-actiongraph',
  });
  return { code, out, err };
}

const root = new URL('../..', import.meta.url).pathname;

export function spawnCli(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--no-liftoff', '--conditions=source', '--import', 'tsx', 'kernel/main.ts', ...argv],
      {
        cwd: root,
        env: { ...process.env, ...env },
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
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}
