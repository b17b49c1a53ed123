import { createHash } from 'node:crypto';
import type { Pool } from 'undici';
import { ByteorError } from '../../kernel/errors.ts';
import type { StageContext, StageFamily, StageHandler } from '../../kernel/plugin-contract.ts';
import { performBatchActions } from './batch-actions.ts';
import { actionCounters, attemptAction, dryRunHandler } from './action-stage.ts';
import type { AttemptOutcome } from './retry.ts';
import { urlAllowed } from './url-allowlist.ts';
import { readActionSettings, type ActionSettings } from './settings.ts';
import { ActiongraphErrors } from './errors.ts';

/**
 * `http_post:<url>`: forwards every record unchanged and POSTs the same bytes to <url> with
 * `Idempotency-Key: sha256:<hex of the bytes>` (ByteOr's `byteor_actions::http_post`).
 */
export const HTTP_POST_PREFIX = 'http_post:';

/** ByteOr's rule: the URL starts with `http://` or `https://`; byteor-ts also wants a host and no credentials. */
export function parseHttpPostUrl(argument: string): { url: URL } | { error: string } {
  if (!argument.startsWith('http://') && !argument.startsWith('https://')) {
    return {
      error:
        `http_post: target "${argument}" must start with http:// or https://, e.g. ` +
        `http_post:https://hooks.example.com/ingest`,
    };
  }
  let url: URL;
  try {
    url = new URL(argument);
  } catch {
    return { error: `http_post: target "${argument}" is not a valid URL` };
  }
  if (!url.hostname) return { error: `http_post: target "${argument}" has no host` };
  if (url.username || url.password) {
    return {
      error:
        `http_post: target "${argument}" carries credentials; stage keys are shared in specs, audits and bundles, ` +
        `so put no secrets in them`,
    };
  }
  return { url };
}

/**
 * BYTEOR_HTTP_POST_ALLOWLIST holds URL prefixes, compared on WHATWG-normalised URLs by whole
 * path segments (url-allowlist.ts): `http://h/ok` covers `http://h/ok/x` but not
 * `http://h/ok/../admin`, `http://h/ok/%2e%2e/admin`, `http://h/okay` or a target with userinfo
 * or an encoded slash. No allowlist (unset) allows every http/https target; the policy gate
 * still applies.
 */
export function httpPostTargetAllowed(target: string, allowlist: readonly string[] | null): boolean {
  return urlAllowed(target, allowlist);
}

export function httpPostNotAllowlisted(key: string, target: string): ByteorError {
  return ActiongraphErrors.error(
    'BYTEOR_E_ACTION_NOT_ALLOWLISTED',
    `stage ${key}: target ${target} is not on BYTEOR_HTTP_POST_ALLOWLIST; add a prefix that covers it ` +
      `(comma-separated URL prefixes) or change the stage`,
    { stage: key, target, variable: 'BYTEOR_HTTP_POST_ALLOWLIST' },
  );
}

export function idempotencyKey(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Retryable: connection errors, timeouts, 429 and 5xx. Any other non-2xx status is final. */
export function classifyStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { ok: true, detail: `HTTP ${status}` };
  return { ok: false, retryable: status === 429 || status >= 500, reason: `HTTP ${status}` };
}

async function postOnce(
  pool: Pool,
  url: URL,
  bytes: Uint8Array,
  key: string,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await pool.request({
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'idempotency-key': key },
      body: bytes,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await res.body.dump();
    return classifyStatus(res.statusCode);
  } catch (e) {
    if (signal.aborted)
      return {
        ok: false,
        retryable: true,
        timedOut: true,
        reason: `no response within ${timeoutMs} ms (BYTEOR_HTTP_POST_TIMEOUT)`,
      };
    const err = e as NodeJS.ErrnoException;
    const code = err.code ?? (err.cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return {
        ok: false,
        retryable: true,
        timedOut: true,
        reason: `no response within ${timeoutMs} ms (BYTEOR_HTTP_POST_TIMEOUT)`,
      };
    }
    if (code === 'UND_ERR_INVALID_ARG')
      return { ok: false, retryable: false, reason: `invalid request: ${err.message}` };
    const text = code && !err.message.includes(code) ? `${code} ${err.message}` : err.message;
    return { ok: false, retryable: true, reason: `connection error: ${text}` };
  }
}

function createHttpPost(ctx: StageContext, settings: ActionSettings = readActionSettings(ctx.env)): StageHandler {
  const parsed = parseHttpPostUrl(ctx.argument);
  if ('error' in parsed) throw ActiongraphErrors.error('BYTEOR_E_ACTION_BAD_KEY', parsed.error, { stage: ctx.key });
  // the URL checked against the allowlist is the one every request goes to: the parsed,
  // normalised URL (its origin for the pool, its pathname and search for the request line)
  const url = parsed.url;
  const c = actionCounters(ctx);
  if (ctx.dryRun) return dryRunHandler(c);
  if (!httpPostTargetAllowed(url.href, settings.httpPostAllowlist)) throw httpPostNotAllowlisted(ctx.key, ctx.argument);
  // undici is imported with the first record, not when the plugin loads (cold start of every verb)
  let pool: Promise<Pool> | undefined;
  const openPool = () =>
    (pool ??= import('undici').then(
      ({ Pool: P }) => new P(url.origin, { connections: settings.concurrency, pipelining: 1 }),
    ));
  const perform = async (bytes: Uint8Array, sequence: number): Promise<void> => {
    const key = idempotencyKey(bytes);
    const p = await openPool();
    const { outcome, attempts } = await attemptAction(c, settings.retry, bytes, () =>
      postOnce(p, url, bytes, key, settings.httpPostTimeoutMs),
    );
    if (outcome.ok) return;
    throw ActiongraphErrors.error(
      'BYTEOR_E_ACTION_HTTP_POST_FAILED',
      `stage ${ctx.key} failed on record ${sequence}: POST ${url.href} gave ${outcome.reason} after ${attempts} ` +
        `attempt${attempts === 1 ? '' : 's'}` +
        (outcome.retryable
          ? '; the target kept failing: check it, or raise BYTEOR_ACTION_MAX_RETRIES / BYTEOR_HTTP_POST_TIMEOUT'
          : '; the target refused the record (a 4xx other than 429 is not retried): fix the record or the target'),
      { stage: ctx.key, sequence, target: url.href, attempts, reason: outcome.reason },
    );
  };
  return {
    onBatch: (batch) => performBatchActions(batch, settings.concurrency, perform),
    close: async () => {
      if (pool) await (await pool).close();
    },
  };
}

export const httpPostFamily: StageFamily = {
  prefix: HTTP_POST_PREFIX,
  summary: 'forward each record and POST its bytes to the URL (Idempotency-Key: sha256 of the bytes)',
  policyClass: 'side_effect',
  replay: 'supported',
  check(_key, argument) {
    const parsed = parseHttpPostUrl(argument);
    return 'error' in parsed ? parsed.error : undefined;
  },
  capabilities: (key) => [key],
  create: (ctx) => createHttpPost(ctx),
};
