#!/usr/bin/env node
// `npm run build` (also run by `npm ci` / `npm install` in a checkout through the `prepare`
// script, and by `npm pack` before packing; never where the package is installed as a dependency,
// which ships dist/ and build/*.wasm ready to run):
// 1. assembly/ → build/core.wasm with asc (flags in asconfig.json; stub runtime, threads,
//    imported shared memory, no exported memory), and assembly/sha256.ts → build/sha256.wasm
//    (DataGuard's `hash` rule; asconfig.sha256.json: stub runtime, SIMD, its own memory), and
//    assembly/dataguard.ts → build/dataguard.wasm (DataGuard's batch kernel, the same settings);
// 2. kernel/ and plugins/ → dist/: tsc checks the types and emits the declarations (.d.ts, at
//    their source paths); esbuild bundles the JavaScript, one module per ENTRY_POINTS item at its
//    source path (dist/kernel/main.js is what the bins run) and the code they share in
//    dist/chunks/ (one copy of every kernel module per thread, so a plugin importing byteor/plugin
//    meets the very classes the CLI uses). A cold start then reads a handful of files instead of
//    ~250 (docs/performance.md, startup_validate). zod is bundled; the other dependencies stay
//    packages (native, CommonJS, or loaded only by the verbs that use them);
// 3. the non-TypeScript files the code loads at run time (ASSETS) → the same place under dist/.
// Code never finds a sibling file by a relative URL (a chunk's import.meta.url is not its
// source's): kernel/package-paths.ts addresses everything from the package root.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(join(root, 'package.json'));

/** Modules that exist as files under dist/: what the bins, workers, plugin loader and package exports name. */
export function entryPoints() {
  const plugins = [];
  const walk = (dir) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${dir}/${e.name}`);
      else if (e.name === 'index.ts') plugins.push(`${dir}/index.ts`);
    }
  };
  walk('plugins');
  return [
    'kernel/main.ts',
    'kernel/index.ts',
    'kernel/plugin-api.ts',
    'kernel/testing.ts',
    'kernel/exec/stage-worker.ts',
    'kernel/lanegraph/role-worker.ts',
    ...plugins.sort(),
  ];
}

/**
 * zod re-exports all of its ~60 message locales as `z.locales`; bundled, they are half of the
 * code every process and stage worker parses at start. byteor's zod keeps English (its default)
 * only: `z.locales` of byteor/plugin has `en` alone (docs/plugins.md).
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? {
            path: join(dirname(args.importer), '..', 'locales', 'en.js').replace(/en\.js$/, 'index-en.js'),
            namespace: 'zod-locales',
          }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
    }));
  },
};

/** Dependencies left as packages (everything but BUNDLED). */
const BUNDLED = ['zod'];

/** Files loaded at run time by path next to the module that loads them (copied into dist/). */
export const ASSETS = ['plugins/edgeplane/record-sink.proto'];

/** A dependency's bin script, wherever npm put it (hoisted or not). */
function resolveBin(pkg, rel) {
  try {
    return require.resolve(`${pkg}/${rel}`);
  } catch {
    console.error(`build: ${pkg} is not installed; run "npm ci" in the checkout first`);
    process.exit(1);
  }
}
function step(label, script, args) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: ${label} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

if (!existsSync(join(root, 'assembly', 'index.ts'))) {
  console.error('build: assembly/ is not here: this is an installed package, which ships dist/ and build/*.wasm built');
  process.exit(1);
}
step('asc (assembly → build/core.wasm)', resolveBin('assemblyscript', 'bin/asc.js'), [
  'assembly/index.ts',
  '--target',
  'release',
]);
step('asc (assembly/sha256.ts → build/sha256.wasm)', resolveBin('assemblyscript', 'bin/asc.js'), [
  'assembly/sha256.ts',
  '--config',
  'asconfig.sha256.json',
  '--target',
  'release',
]);
step('asc (assembly/dataguard.ts → build/dataguard.wasm)', resolveBin('assemblyscript', 'bin/asc.js'), [
  'assembly/dataguard.ts',
  '--config',
  'asconfig.dataguard.json',
  '--target',
  'release',
]);
rmSync(join(root, 'dist'), { recursive: true, force: true });
step('tsc (kernel, plugins → dist/*.d.ts)', resolveBin('typescript', 'bin/tsc'), ['-p', 'tsconfig.build.json']);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const { build } = await import(require.resolve('esbuild'));
await build({
  absWorkingDir: root,
  entryPoints: entryPoints(),
  outdir: 'dist',
  outbase: '.',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  external: Object.keys(pkg.dependencies).filter((d) => !BUNDLED.includes(d)),
  legalComments: 'none',
  plugins: [zodEnglishOnly],
  logLevel: 'warning',
}).catch(() => {
  console.error('build: esbuild (kernel, plugins → dist/*.js) failed');
  process.exit(1);
});
for (const asset of ASSETS) {
  const to = join(root, 'dist', asset);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, asset), to);
}
