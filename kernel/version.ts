import { readFileSync } from 'node:fs';

/** The runtime's name as reported in artifacts (capability document, compatibility report). */
export const RUNTIME_NAME = 'byteor';

let cached: string | undefined;

/**
 * The package version from package.json, found from this file both in the source tree
 * (`kernel/version.ts`) and in the built package (`dist/kernel/version.js`).
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === RUNTIME_NAME && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch { /* try the next location */ }
  }
  return (cached = '0.0.0');
}
