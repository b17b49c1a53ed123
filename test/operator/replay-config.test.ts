// Replay's adapter config (issue 14 item 7; ByteOr: `--config=…` or discovered next to the
// extracted bundle): runtime_config.txt next to the bundle binds replay's egress in execute mode
// (its writes are side effects: a dry run does not use it and says so); --config overrides the
// discovered file; every error names the file that was actually read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addJournalWindow, cli } from './bundle-helpers.ts';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'byteor-replay-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const CHAIN = join(root, 'examples/chain.kv');
const RECORDS = ['a-1', 'b-2', 'c-3'];
const env = { BYTEOR_ENV: 'dev' };

async function bundleIn(sub: string): Promise<string> {
  mkdirSync(join(dir, sub));
  const out = join(dir, sub, 'bundle');
  const r = await cli(['incident-bundle', `--out=${out}`, `--spec=${CHAIN}`]);
  assert.is(r.code, 0, r.err);
  addJournalWindow(out, RECORDS);
  return out;
}

test(
  'runtime_config.txt next to the bundle: execute writes ' + 'through its egress; dry_run does not and says so',
  async () => {
    const b = await bundleIn('found');
    const sink = join(dir, 'found', 'egress.txt');
    writeFileSync(
      join(dir, 'found', 'runtime_config.txt'),
      `ingress.kind=file\ningress.path=/nonexistent\negress.kind=file\negress.path=${sink}\n`,
    );
    const dry = await cli(
      ['--plugin=edgeplane', 'replay', `--bundle=${b}`, `--out=${join(dir, 'found', 'dry.json')}`],
      env,
    );
    assert.is(dry.code, 0, dry.err);
    assert.not.ok(existsSync(sink), 'a dry run writes nothing through the configured egress');
    assert.match(dry.err, join(dir, 'found', 'runtime_config.txt'));
    assert.match(dry.err, /not used in a dry run/);
    const x = await cli(
      ['--plugin=edgeplane', 'replay', `--bundle=${b}`, '--mode=execute', `--out=${join(dir, 'found', 'x.json')}`],
      env,
    );
    assert.is(x.code, 0, x.err);
    assert.is(readFileSync(sink, 'utf8'), RECORDS.map((r) => `${r.toUpperCase()}\n`).join(''));
  },
);

test('--config overrides the discovered file; a bad config names the file replay read', async () => {
  const b = await bundleIn('flag');
  writeFileSync(join(dir, 'flag', 'runtime_config.txt'), 'egress.kind=nonsense\n');
  const sink = join(dir, 'flag', 'chosen.txt');
  const chosen = join(dir, 'flag', 'chosen.cfg');
  writeFileSync(chosen, `egress.kind=file\negress.path=${sink}\n`);
  const x = await cli(
    [
      '--plugin=edgeplane',
      'replay',
      `--bundle=${b}`,
      '--mode=execute',
      `--config=${chosen}`,
      `--out=${join(dir, 'flag', 'x.json')}`,
    ],
    env,
  );
  assert.is(x.code, 0, x.err);
  assert.is(readFileSync(sink, 'utf8').split('\n').length - 1, RECORDS.length);
  const bad = await cli(
    ['--plugin=edgeplane', 'replay', `--bundle=${b}`, '--mode=execute', `--out=${join(dir, 'flag', 'bad.json')}`],
    env,
  );
  assert.is(bad.code, 2, bad.err);
  assert.match(bad.err, /BYTEOR_E_ADAPTER_UNKNOWN/);
  assert.match(bad.err, join(dir, 'flag', 'runtime_config.txt'));
  const both = await cli(
    [
      '--plugin=edgeplane',
      'replay',
      `--bundle=${b}`,
      '--mode=execute',
      `--config=${chosen}`,
      `--output=${join(dir, 'flag', 'o.txt')}`,
      `--out=${join(dir, 'flag', 'both.json')}`,
    ],
    env,
  );
  assert.is(both.code, 2, both.err);
  assert.match(both.err, /--output/);
});

test.run();
