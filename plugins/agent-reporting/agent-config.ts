import { z } from 'zod';
import { AgentReportingErrors } from './errors.ts';

/**
 * Agent reporting's configuration, from the environment (docs/operator-flow.md "Agent
 * reporting"). Reporting is on when BYTEOR_API_BASE_URL, BYTEOR_AGENT_ID and
 * BYTEOR_AGENT_API_KEY are all set; some but not all of them, or a value that is wrong, refuses
 * the run (BYTEOR_E_AGENT_CONFIG, exit 2) before anything starts. Messages never carry the key.
 */
export const AGENT_ENV = ['BYTEOR_API_BASE_URL', 'BYTEOR_AGENT_ID', 'BYTEOR_AGENT_API_KEY'] as const;

const Ms = (def: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .refine((n) => n >= 100, 'must be at least 100')
    .optional()
    .transform((n) => n ?? def);

const AgentEnv = z.object({
  BYTEOR_API_BASE_URL: z.string().refine((s) => {
    try {
      const u = new URL(s);
      return (
        (u.protocol === 'http:' || u.protocol === 'https:') &&
        u.username === '' &&
        u.password === '' &&
        u.search === '' &&
        u.hash === ''
      );
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL without credentials, query or fragment (the key goes in ' +
    'BYTEOR_AGENT_API_KEY)'),
  BYTEOR_AGENT_ID: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ -'),
  BYTEOR_AGENT_API_KEY: z.string().regex(/^[\x21-\x7e]{8,4096}$/, 'must be 8-4096 printable characters without spaces'),
  BYTEOR_AGENT_HEARTBEAT_INTERVAL_MS: Ms(10_000),
  BYTEOR_AGENT_SNAPSHOT_INTERVAL_MS: Ms(60_000),
  BYTEOR_AGENT_KEYS_INTERVAL_MS: Ms(300_000),
  BYTEOR_AGENT_BACKOFF_MAX_MS: Ms(300_000),
});

export interface AgentConfig {
  baseUrl: string;
  agentId: string;
  apiKey: string;
  heartbeatMs: number;
  snapshotMs: number;
  keysMs: number;
  backoffMaxMs: number;
}

/** The configuration, or null when reporting is off (none of the three variables set). */
export function agentConfig(env: Readonly<Record<string, string | undefined>>): AgentConfig | null {
  const set = AGENT_ENV.filter((k) => env[k] !== undefined && env[k] !== '');
  if (set.length === 0) return null;
  if (set.length < AGENT_ENV.length) {
    throw AgentReportingErrors.error(
      'BYTEOR_E_AGENT_CONFIG',
      `agent reporting needs ${AGENT_ENV.join(', ')}; ${AGENT_ENV.filter((k) => !set.includes(k)).join(', ')} ` +
        `not set. Set all three, or none to run without reporting`,
    );
  }
  const r = AgentEnv.safeParse(env);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw AgentReportingErrors.error(
      'BYTEOR_E_AGENT_CONFIG',
      `${String(i.path[0])} ${i.message}; fix it, or unset ${AGENT_ENV.join(', ')} to run without agent reporting`,
      { variable: String(i.path[0]) },
    );
  }
  const e = r.data;
  return {
    baseUrl: e.BYTEOR_API_BASE_URL.replace(/\/+$/, ''),
    agentId: e.BYTEOR_AGENT_ID,
    apiKey: e.BYTEOR_AGENT_API_KEY,
    heartbeatMs: e.BYTEOR_AGENT_HEARTBEAT_INTERVAL_MS,
    snapshotMs: e.BYTEOR_AGENT_SNAPSHOT_INTERVAL_MS,
    keysMs: e.BYTEOR_AGENT_KEYS_INTERVAL_MS,
    backoffMaxMs: e.BYTEOR_AGENT_BACKOFF_MAX_MS,
  };
}
