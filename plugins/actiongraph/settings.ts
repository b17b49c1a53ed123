import { z } from 'zod';
import { normalizeHttpUrl } from './url-allowlist.ts';
import { ActiongraphErrors } from './errors.ts';

/**
 * The action layer's settings, read from the environment (ByteOr's variable names, plus
 * BYTEOR_ACTION_CONCURRENCY). Defaults are documented in docs/actiongraph.md. A value that does
 * not parse is refused before anything runs (BYTEOR_E_ACTION_CONFIG, exit 2).
 */

export const DEFAULT_HTTP_POST_TIMEOUT_MS = 10_000;
export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_RETRY_BASE_MS = 100;
/** no single backoff wait is longer than this */
export const RETRY_MAX_DELAY_MS = 30_000;
export const DEFAULT_CONCURRENCY = 8;

/** `250`, `250ms` and `2s` are durations; a bare number is milliseconds. */
const Duration = z
  .string()
  .regex(/^\s*\d{1,9}\s*(ms|s)?\s*$/, 'must be a duration such as 500, 500ms or 5s')
  .transform((s) => {
    const m = /^\s*(\d+)\s*(ms|s)?\s*$/.exec(s)!;
    return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  })
  .refine((ms) => ms >= 1 && ms <= 86_400_000, 'must be between 1 ms and 24 h');
const Int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\s*\d{1,9}\s*$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);
const List = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);

const SettingsEnv = z.object({
  BYTEOR_HTTP_POST_TIMEOUT: Duration.optional(),
  BYTEOR_HTTP_POST_ALLOWLIST: List.optional(),
  BYTEOR_EXEC_TIMEOUT: Duration.optional(),
  BYTEOR_EXEC_ALLOWLIST: List.optional(),
  BYTEOR_ACTION_MAX_RETRIES: Int(0, 100).optional(),
  BYTEOR_ACTION_RETRY_BASE_MS: Int(1, 600_000).optional(),
  BYTEOR_ACTION_CONCURRENCY: Int(1, 1024).optional(),
});

export interface RetrySettings {
  /** retries after the first attempt (so at most maxRetries + 1 attempts) */
  maxRetries: number;
  baseMs: number;
  maxDelayMs: number;
}

export interface ActionSettings {
  httpPostTimeoutMs: number;
  /** URL prefixes; null = BYTEOR_HTTP_POST_ALLOWLIST unset (any http/https target) */
  httpPostAllowlist: string[] | null;
  execTimeoutMs: number;
  /** exact program strings; null = BYTEOR_EXEC_ALLOWLIST unset (exec disabled) */
  execAllowlist: string[] | null;
  retry: RetrySettings;
  /** actions of one batch in flight at once */
  concurrency: number;
}

export function readActionSettings(env: Readonly<Record<string, string | undefined>>): ActionSettings {
  const raw: Record<string, string> = {};
  for (const k of Object.keys(SettingsEnv.shape)) {
    const v = env[k];
    if (v !== undefined && v.trim() !== '') raw[k] = v;
  }
  const r = SettingsEnv.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const name = String(issue.path[0]);
    throw ActiongraphErrors.error(
      'BYTEOR_E_ACTION_CONFIG',
      `${name}=${JSON.stringify(raw[name])} ${issue.message}; fix or unset it (docs/actiongraph.md lists the defaults)`,
      { variable: name, value: raw[name] },
    );
  }
  const s = r.data;
  for (const entry of s.BYTEOR_HTTP_POST_ALLOWLIST ?? []) {
    const n = normalizeHttpUrl(entry);
    if ('error' in n) {
      throw ActiongraphErrors.error(
        'BYTEOR_E_ACTION_CONFIG',
        `BYTEOR_HTTP_POST_ALLOWLIST entry ${n.error}; each entry must be an http:// or https:// URL prefix ` +
          `without user:password@ or encoded slashes`,
        { variable: 'BYTEOR_HTTP_POST_ALLOWLIST', value: entry },
      );
    }
  }
  return {
    httpPostTimeoutMs: s.BYTEOR_HTTP_POST_TIMEOUT ?? DEFAULT_HTTP_POST_TIMEOUT_MS,
    httpPostAllowlist: s.BYTEOR_HTTP_POST_ALLOWLIST ?? null,
    execTimeoutMs: s.BYTEOR_EXEC_TIMEOUT ?? DEFAULT_EXEC_TIMEOUT_MS,
    execAllowlist: s.BYTEOR_EXEC_ALLOWLIST ?? null,
    retry: {
      maxRetries: s.BYTEOR_ACTION_MAX_RETRIES ?? DEFAULT_MAX_RETRIES,
      baseMs: s.BYTEOR_ACTION_RETRY_BASE_MS ?? DEFAULT_RETRY_BASE_MS,
      maxDelayMs: RETRY_MAX_DELAY_MS,
    },
    concurrency: s.BYTEOR_ACTION_CONCURRENCY ?? DEFAULT_CONCURRENCY,
  };
}
