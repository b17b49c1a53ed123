import { readFileSync } from 'node:fs';
import { packageFile } from './package-paths.ts';

/** The runtime's name as reported in artifacts (capability document, compatibility report). */
export const RUNTIME_NAME = 'byteor';

let cached: string | undefined;

/**
 * The package version from byteor's package.json (kernel/package-paths.ts finds it).
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  try {
    const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version?: string };
    if (typeof pkg.version === 'string') return (cached = pkg.version);
  } catch {
    /* unreadable: reported as 0.0.0 */
  }
  return (cached = '0.0.0');
}
