/**
 * Loading plugins with the built CLI (bin/byteor.js, no tsx): a `.ts` plugin on Node 20 is
 * BYTEOR_E_PLUGIN_TYPESCRIPT with the next step; under Deno, a plugin whose byteor/plugin Deno
 * cannot resolve is refused with the import map to use, and with that map it loads. Needs
 * `npm run build`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'byteor-built-cli-'));
const BIN = join(repo, 'bin', 'byteor.js');
const DENO = join(repo, 'node_modules', '.bin', 'deno');
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const PLUGIN = `import { definePlugin, PLUGIN_API_VERSION } from 'byteor/plugin';
export default definePlugin({ name: 'outside', version: '1.0.0', apiVersion: PLUGIN_API_VERSION, setup() {} });
`;
mkdirSync(join(tmp, 'p'));
writeFileSync(join(tmp, 'p', 'index.ts'), PLUGIN);
writeFileSync(join(tmp, 'p', 'index.js'), PLUGIN);

const env = { ...process.env, NODE_OPTIONS: '' };

test('the built CLI on Node 20: a .ts plugin is BYTEOR_E_PLUGIN_TYPESCRIPT (exit 2) saying to build it', () => {
  assert.ok(existsSync(join(repo, 'dist', 'kernel', 'main.js')), 'run "npm run build" first');
  if (Number(process.versions.node.split('.')[0]) >= 23) return; // newer Node imports .ts itself
  const r = spawnSync(process.execPath, [BIN, 'capabilities', '--plugin=./p/index.ts'], {
    cwd: tmp,
    encoding: 'utf8',
    env,
  });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, 'error[BYTEOR_E_PLUGIN_TYPESCRIPT]');
  assert.match(r.stderr, 'compile it (npm run build');
  const js = spawnSync(process.execPath, [BIN, 'capabilities', '--plugin=./p/index.js'], {
    cwd: tmp,
    encoding: 'utf8',
    env,
  });
  assert.is(js.status, 0, js.stderr);
  assert.match(js.stdout, 'outside');
});

test('Deno: byteor/plugin unresolvable is refused with the import map; with it the plugin loads', () => {
  assert.ok(existsSync(DENO), `${DENO} is missing: run "npm ci"`);
  const r = spawnSync(DENO, ['run', '-A', BIN, 'capabilities', '--plugin=./p/index.ts'], {
    cwd: tmp,
    encoding: 'utf8',
    env,
  });
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, 'error[BYTEOR_E_PLUGIN_IMPORT]');
  assert.match(r.stderr, 'Deno cannot resolve byteor from the plugin');
  assert.match(r.stderr, '"byteor/plugin":"file://');
  const map = /write (\{.*?\}\}) to map\.json/.exec(r.stderr)?.[1];
  assert.ok(map, r.stderr);
  writeFileSync(join(tmp, 'map.json'), map!);
  const ok = spawnSync(DENO, ['run', '-A', '--import-map=map.json', BIN, 'capabilities', '--plugin=./p/index.ts'], {
    cwd: tmp,
    encoding: 'utf8',
    env,
  });
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, 'outside');
});

test.run();
