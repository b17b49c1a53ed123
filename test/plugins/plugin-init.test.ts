/**
 * `byteor plugin init DIR`: the files of the scaffold, the names derived from DIR or --name, and
 * the refusals (a non-empty DIR, a bad name, no action). That the scaffold type-checks, builds,
 * passes its own npm test and runs as an installed package is test/release/package.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../kernel/cli.ts';
import { captureIO } from '../kernel/capture-io.ts';

const tmp = mkdtempSync(join(tmpdir(), 'byteor-plugin-init-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[]) {
  const io = captureIO();
  const code = await main(args, { io, cwd: tmp, env: { ...process.env } });
  return { code, out: io.stdout(), err: io.stderr() };
}

test('plugin init DIR writes a surface package named after DIR', async () => {
  const r = await cli(['plugin', 'init', join(tmp, 'geo-tag')]);
  assert.is(r.code, 0, r.err);
  const dir = join(tmp, 'geo-tag');
  assert.equal(
    readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.includes('.'))
      .sort(),
    [
      '.gitignore',
      'README.md',
      'package.json',
      'src/index.ts',
      'src/tag-stage.ts',
      'src/tag-state.ts',
      'test/plugin.test.ts',
      'tsconfig.json',
    ],
  );
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    type: string;
    peerDependencies: Record<string, string>;
    exports: Record<string, Record<string, string>>;
    scripts: Record<string, string>;
  };
  assert.equal([pkg.name, pkg.type, pkg.peerDependencies.byteor], ['geo-tag', 'module', '^0.1.0']);
  assert.is(pkg.exports['.']!.default, './dist/src/index.js');
  assert.match(pkg.scripts.test!, 'node --test');
  const index = readFileSync(join(dir, 'src', 'index.ts'), 'utf8');
  assert.match(index, "from 'byteor/plugin'");
  assert.match(index, "'geo-tag-note'");
  assert.match(index, "name: 'geo_tag'");
  assert.ok(
    index.indexOf('host.registerStage(') < index.indexOf('    if (host.inWorker) return;'),
    'the stage is registered for workers too',
  );
  assert.match(readFileSync(join(dir, 'src', 'tag-stage.ts'), 'utf8'), "prefix: 'geo_tag:'");
  assert.match(readFileSync(join(dir, 'test', 'plugin.test.ts'), 'utf8'), "from 'byteor/testing'");
});

test('--name gives a scoped name; the ids drop the scope', async () => {
  const r = await cli(['plugin', 'init', join(tmp, 'x'), '--name=@acme/geo.tag', '--json']);
  assert.is(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).name, '@acme/geo.tag');
  assert.match(readFileSync(join(tmp, 'x', 'src', 'tag-stage.ts'), 'utf8'), "prefix: 'geo_tag:'");
});

test('refusals: a non-empty DIR (nothing written), a bad name, a missing action or DIR', async () => {
  const busy = join(tmp, 'busy');
  mkdirSync(busy);
  writeFileSync(join(busy, 'notes.txt'), 'mine');
  const r = await cli(['plugin', 'init', busy]);
  assert.is(r.code, 2);
  assert.match(r.err, 'error[BYTEOR_E_PLUGIN_INIT_NOT_EMPTY]');
  assert.match(r.err, 'is not empty');
  assert.equal(readdirSync(busy), ['notes.txt']);
  const bad = await cli(['plugin', 'init', join(tmp, 'Bad Name')]);
  assert.is(bad.code, 2);
  assert.match(bad.err, 'error[BYTEOR_E_USAGE_BAD_FLAG]: --name');
  for (const args of [['plugin'], ['plugin', 'make', 'x'], ['plugin', 'init']]) {
    const u = await cli(args);
    assert.is(u.code, 2, args.join(' '));
    assert.match(u.err, 'BYTEOR_E_USAGE_BAD_ACTION');
  }
});

test.run();
