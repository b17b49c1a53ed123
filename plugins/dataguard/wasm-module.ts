import { existsSync, readFileSync } from 'node:fs';
import { packageFile } from '../../kernel/package-paths.ts';
import { DataguardErrors } from './errors.ts';

const compiled = new Map<string, WebAssembly.Module>();

/**
 * A WebAssembly module DataGuard ships in build/ (`file`, compiled by `npm run build` from
 * `source`), compiled once per thread; a missing or broken file is `code` with the next step.
 */
export function packagedWasm(
  file: string,
  source: string,
  code: 'BYTEOR_E_DATAGUARD_HASH_MODULE' | 'BYTEOR_E_DATAGUARD_KERNEL_MODULE',
): WebAssembly.Module {
  const done = compiled.get(file);
  if (done) return done;
  const path = packageFile(file);
  if (!existsSync(path))
    throw DataguardErrors.error(
      code,
      `${file} is missing; build it with "npm run build" (it compiles ${source} with asc)`,
    );
  let m: WebAssembly.Module;
  try {
    m = new WebAssembly.Module(readFileSync(path));
  } catch (e) {
    throw DataguardErrors.error(
      code,
      `${file} does not compile (${(e as Error).message}); rebuild it with "npm run build"`,
    );
  }
  compiled.set(file, m);
  return m;
}
