/**
 * `run --drain-timeout=D`: how long the first stop (SIGINT, SIGTERM, {"op":"stop"}) waits for
 * the records already accepted to leave through egress before the run gives up with
 * BYTEOR_E_DRAIN_TIMEOUT (exit 1). A whole number with a unit: `500ms`, `30s`, `2m`.
 */
export const DEFAULT_DRAIN_TIMEOUT = '30s';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000 } as const;

/** Milliseconds of `text`, or undefined when it is not such a duration (at most 24 h). */
export function parseDrainTimeout(text: string): number | undefined {
  const m = /^([1-9]\d{0,7})(ms|s|m)$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return ms <= 86_400_000 ? ms : undefined;
}
