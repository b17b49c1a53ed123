/**
 * Semver ranges between plugins (`dependencies: { 'byteor-edgeplane': '^1' }`), checked with the
 * `semver` package, loaded on first use only: most invocations load no plugin with a range, and
 * a cold `byteor validate` must not pay for it.
 */
import { createRequire } from 'node:module';

type Semver = {
  validRange(range: string): string | null;
  satisfies(version: string, range: string): boolean;
  valid(version: string): string | null;
};

let semver: Semver | undefined;

function load(): Semver {
  if (!semver) {
    const require = createRequire(import.meta.url);
    semver = {
      validRange: require('semver/ranges/valid') as Semver['validRange'],
      satisfies: require('semver/functions/satisfies') as Semver['satisfies'],
      valid: require('semver/functions/valid') as Semver['valid'],
    };
  }
  return semver;
}

/** True when `range` is a semver range (`^1`, `>=1.2 <2`, `1.x`, `*`). */
export function isValidRange(range: string): boolean {
  return load().validRange(range) !== null;
}

/**
 * True when `version` (a plugin's version string) satisfies `range`; a version that is not semver satisfies nothing but
 * `*`.
 */
export function versionSatisfies(version: string, range: string): boolean {
  const s = load();
  if (s.valid(version) === null) return range.trim() === '*' || range.trim() === '';
  return s.satisfies(version, range);
}
