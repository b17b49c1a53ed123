// Runs the real CLI (kernel/main.ts through tsx, as in development) for the end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;
const MAIN = join(ROOT, 'kernel/main.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--no-liftoff', '--conditions=source', '--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  const { child, done } = startCli(args);
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return done.finally(() => clearTimeout(t));
}

/**
 * An example config from examples/edgeplane with the test servers' URLs and per-test names
 * (stream, subject, group, table ... get `suffix`), written to `dir`.
 */
export function exampleConfig(
  name: string,
  dir: string,
  urls: Record<string, string>,
  suffix: string,
  extra: Record<string, string> = {},
): string {
  let text = readFileSync(join(ROOT, 'examples/edgeplane', name), 'utf8');
  for (const [from, to] of Object.entries(urls)) text = text.split(from).join(to);
  text = text.replace(
    /^((?:ingress|egress)\.(?:stream|subject|durable|group|table|consumer))=(.*)$/gm,
    `$1=$2${suffix}`,
  );
  for (const [k, v] of Object.entries(extra)) {
    const re = new RegExp(`^${k.replace('.', '\\.')}=.*$`, 'm');
    text = re.test(text) ? text.replace(re, `${k}=${v}`) : `${text}${k}=${v}\n`;
  }
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export const IDENTITY_SPEC = join(ROOT, 'examples/edgeplane/identity.kv');
