import type { RuleAction } from './rules.ts';

/**
 * A redaction rule's action as a small integer, for the per-record code (engine.ts, scan-path.ts)
 * and the batch kernel's rule table (batch-kernel.ts; assembly/dataguard.ts uses the same codes).
 */
export const K_DROP = 0;
export const K_REPLACE = 1;
export const K_HASH = 2;
export const K_MASK = 3;
export const K_TRUNCATE = 4;

export const ACTION_CODE: Record<RuleAction['kind'], number> = {
  drop: K_DROP,
  replace_with: K_REPLACE,
  hash: K_HASH,
  mask: K_MASK,
  truncate: K_TRUNCATE,
};
