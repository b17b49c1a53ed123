import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentCapture, ENVIRONMENT_FILE } from '../../../kernel/artifacts/environment-capture.ts';
import type { writeJsonArtifact } from '../../../kernel/artifacts/json.ts';
import { RunInvocation, RUN_INVOCATION_FILE } from '../../../kernel/artifacts/run-invocation.ts';

/**
 * What the runtime recorded about itself in its run directory (plugins/verbs/run/run-record.ts):
 * `invocation.json` and its own `environment.json`, copied into the bundle after checking their
 * schemas, through the bundle's writer (which redacts). Returns which were copied; a file that
 * is missing or fails its schema is left out (and said on stderr), and the caller then
 * describes the bundling process instead.
 */
export function copyRuntimeRecord(
  runDir: string,
  stage: string,
  write: typeof writeJsonArtifact,
  warn: (text: string) => void,
): { environment: boolean; invocation: boolean } {
  const copy = (file: string, schema: typeof EnvironmentCapture | typeof RunInvocation): boolean => {
    const from = join(runDir, file);
    if (!existsSync(from)) return false;
    try {
      write(join(stage, file), schema, schema.parse(JSON.parse(readFileSync(from, 'utf8'))));
      return true;
    } catch (e) {
      warn(
        `warning: ${from} was not copied into the bundle: ` +
          `${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`,
      );
      return false;
    }
  };
  return {
    environment: copy(ENVIRONMENT_FILE, EnvironmentCapture),
    invocation: copy(RUN_INVOCATION_FILE, RunInvocation),
  };
}
