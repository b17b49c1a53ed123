#!/usr/bin/env node
// `npm run build` (also run by `npm install` / `npm ci` through postinstall):
// 1. assembly/ → build/core.wasm with asc (flags in asconfig.json; stub runtime, threads,
//    imported shared memory, no exported memory);
// 2. kernel/ and plugins/ → dist/ with tsc (the bins run dist/kernel/main.js).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const bin = (n) => `${root}node_modules/.bin/${n}`;
function step(label, cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`build: ${label} failed (exit ${r.status})`); process.exit(r.status ?? 1); }
}
if (!existsSync(bin('asc'))) { console.error('build: dependencies are not installed; run "npm ci" first'); process.exit(1); }
step('asc (assembly → build/core.wasm)', bin('asc'), ['assembly/index.ts', '--target', 'release']);
step('tsc (kernel, plugins → dist/)', bin('tsc'), ['-p', 'tsconfig.build.json']);
