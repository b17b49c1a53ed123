import { setTimeout as sleep } from 'node:timers/promises';
import type { RetrySettings } from './settings.ts';

/**
 * Retries with exponential backoff and jitter for an action's retryable failures. Attempt k
 * (k = 0 for the first retry) waits a random time in [d/2, d] where
 * d = min(maxDelayMs, baseMs * 2^k) ("equal jitter": never less than half the backoff, so a
 * burst of failing actions spreads out without collapsing to zero wait).
 */

export type AttemptOutcome =
  | { ok: true; detail?: string }
  | { ok: false; retryable: boolean; reason: string; timedOut?: boolean };

export function backoffDelayMs(retryIndex: number, retry: RetrySettings, random: () => number = Math.random): number {
  const d = Math.min(retry.maxDelayMs, retry.baseMs * 2 ** Math.min(retryIndex, 40));
  return Math.round(d / 2 + random() * (d / 2));
}

export interface RetryResult {
  outcome: AttemptOutcome;
  /** attempts made (1 + retries) */
  attempts: number;
}

/** Run `attempt` until it succeeds, fails for good, or the retries are spent. */
export async function withRetries(
  attempt: () => Promise<AttemptOutcome>,
  retry: RetrySettings,
  onRetry: (outcome: AttemptOutcome) => void,
  random: () => number = Math.random,
): Promise<RetryResult> {
  for (let n = 0; ; n++) {
    const outcome = await attempt();
    if (outcome.ok || !outcome.retryable || n >= retry.maxRetries) return { outcome, attempts: n + 1 };
    onRetry(outcome);
    await sleep(backoffDelayMs(n, retry, random));
  }
}
