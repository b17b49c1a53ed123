import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where byteor's own files are, from any module of the package. The code runs from three
 * layouts: the TypeScript sources (`kernel/…ts` under tsx or Deno), and the built package,
 * where esbuild bundles `kernel/` and `plugins/` into entry modules at their source paths under
 * `dist/` (`dist/kernel/main.js`, `dist/plugins/verbs/run/index.js`, …) plus shared chunks in
 * `dist/chunks/` (scripts/build.mjs). A chunk's `import.meta.url` is not its source file's, so
 * no module finds a sibling by a relative URL: everything is addressed from the package root,
 * found once by walking up to the package.json named "byteor".
 */

const RUNTIME_PACKAGE = 'byteor';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === RUNTIME_PACKAGE) return dir;
      } catch {
        /* not ours: keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir)
      throw new Error(
        `cannot find byteor's package.json above ${fileURLToPath(import.meta.url)}; the package is incomplete: ` +
          `reinstall it`,
      );
    dir = up;
  }
}

/** The package root (the directory of byteor's package.json). */
export const PACKAGE_ROOT = findPackageRoot();

/** True when this process runs the TypeScript sources (tsx, Deno), false in the built package. */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * The URL of one of the package's own modules, named by its source path without extension
 * (`kernel/exec/stage-worker`, `plugins/verbs/run/index`): the `.ts` file from source, the
 * bundled entry under `dist/` otherwise. Only entry modules (scripts/build.mjs ENTRY_POINTS)
 * exist under `dist/` as files.
 */
export function ownModuleUrl(sourcePath: string): URL {
  return pathToFileURL(join(PACKAGE_ROOT, FROM_SOURCE ? `${sourcePath}.ts` : `dist/${sourcePath}.js`));
}

/** The path of a file the package ships as is (`build/core.wasm`, `package.json`). */
export function packageFile(relPath: string): string {
  return join(PACKAGE_ROOT, relPath);
}

/**
 * The path of a non-code file kept beside its source module (`plugins/edgeplane/record-sink.proto`), copied into
 * `dist/` by the build.
 */
export function moduleAsset(sourcePath: string): string {
  return join(PACKAGE_ROOT, FROM_SOURCE ? sourcePath : `dist/${sourcePath}`);
}
