import { readFileSync } from 'node:fs';
import { EnvironmentCapture } from '../../../kernel/artifacts/environment-capture.ts';
import { redactArgv, redactedEnv } from '../../../kernel/redact.ts';

/**
 * `environment.json`: this process as it captures the bundle, through the kernel's one
 * redactor (kernel/redact.ts): secret-named variables and `--flag=value` arguments redacted, and
 * credentials inside any value (`postgres://u:pw@…`) too.
 */
export function captureEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = process.argv,
): EnvironmentCapture {
  let cwd: string | null;
  try {
    cwd = process.cwd();
  } catch {
    cwd = null;
  }
  let procStatus: string | null;
  try {
    procStatus = readFileSync('/proc/self/status', 'utf8');
  } catch {
    procStatus = null;
  }
  return EnvironmentCapture.parse({
    pid: process.pid,
    cwd,
    args: redactArgv(argv),
    env: redactedEnv(env),
    proc_status: procStatus,
  });
}
