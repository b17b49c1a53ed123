import { z } from 'zod';
import { KernelErrors } from '../errors/kernel-errors.ts';

/**
 * The runtime environment posture (`dev | staging | prod`), ByteOr's `byteor_core::config::Environment`.
 * It is taken from `--env=`, else `BYTEOR_ENV`, else the fail-closed default `prod`
 * (docs/policy.md: a host where nobody said "this is dev" is treated like production).
 */
export const Environment = z.enum(['dev', 'staging', 'prod']);
export type Environment = z.infer<typeof Environment>;

export const DEFAULT_ENVIRONMENT: Environment = 'prod';
export const ENV_VAR_ENVIRONMENT = 'BYTEOR_ENV';

export interface ResolvedEnvironment {
  environment: Environment;
  /** where the value came from */
  source: 'flag' | 'BYTEOR_ENV' | 'default';
}

/** Resolve the environment from a `--env` value and the process environment; a bad value is a usage error (exit 2). */
export function resolveEnvironment(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedEnvironment {
  if (flag !== undefined) return { environment: parseEnvironment(flag, '--env'), source: 'flag' };
  const fromEnv = env[ENV_VAR_ENVIRONMENT];
  if (fromEnv !== undefined && fromEnv !== '')
    return { environment: parseEnvironment(fromEnv, ENV_VAR_ENVIRONMENT), source: 'BYTEOR_ENV' };
  return { environment: DEFAULT_ENVIRONMENT, source: 'default' };
}

function parseEnvironment(value: string, where: string): Environment {
  const r = Environment.safeParse(value);
  if (r.success) return r.data;
  throw KernelErrors.error(
    'BYTEOR_E_POLICY_BAD_ENVIRONMENT',
    `${where}=${JSON.stringify(value)} is not an environment; use one of dev, staging, prod`,
    { value, where },
  );
}
