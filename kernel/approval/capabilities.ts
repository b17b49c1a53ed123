/**
 * Capability matching. A granted capability covers a required one when they are equal, or when
 * the granted one is a family wildcard `<family>:*` and the required one starts with
 * `<family>:`. There is no other wildcard (`http_post:https://a/*` is a literal key).
 */
const FAMILY_WILDCARD = /^([a-z][a-z0-9_]*:)\*$/;

export function capabilityCovers(granted: string, required: string): boolean {
  if (granted === required) return true;
  const m = FAMILY_WILDCARD.exec(granted);
  return m !== null && required.startsWith(m[1]!) && required.length > m[1]!.length;
}

/** The required capabilities that no granted capability covers, in the order required. */
export function missingCapabilities(granted: readonly string[], required: readonly string[]): string[] {
  return required.filter((r) => !granted.some((g) => capabilityCovers(g, r)));
}
