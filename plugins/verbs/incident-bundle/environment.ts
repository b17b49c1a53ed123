import { readFileSync } from 'node:fs';
import { EnvironmentCapture, isSecretName, redactedEnv, REDACTED_VALUE } from '../../../kernel/artifacts/environment-capture.ts';

/**
 * `environment.json`: this process as it captures the bundle. Secret-looking variables are
 * redacted, and so are the values of `--flag=value` arguments whose flag name looks secret
 * (`--api-key=...`).
 */
export function captureEnvironment(env: Readonly<Record<string, string | undefined>>, argv: readonly string[] = process.argv): EnvironmentCapture {
  let cwd: string | null;
  try { cwd = process.cwd(); } catch { cwd = null; }
  let procStatus: string | null;
  try { procStatus = readFileSync('/proc/self/status', 'utf8'); } catch { procStatus = null; }
  const args = argv.map((a) => {
    const m = /^(--?[^=]+)=/.exec(a);
    return m && isSecretName(m[1]!) ? `${m[1]}=${REDACTED_VALUE}` : a;
  });
  return EnvironmentCapture.parse({ pid: process.pid, cwd, args, env: redactedEnv(env), proc_status: procStatus });
}
