import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli } from './cli-run.ts';
import { startHttpTarget, type HttpTarget } from './http-target.ts';

/** The real process entry (`kernel/main.ts`) with the actiongraph preload, as `byteor-actiongraph` runs it. */

const dir = mkdtempSync(join(tmpdir(), 'byteor-ag-entry-'));
const input = join(dir, 'records.txt');
writeFileSync(input, 'a\nb\n');
let target: HttpTarget;

function writeSpec(key: string): string {
  const path = join(dir, 'spec.kv');
  writeFileSync(
    path,
    ['spec.version=1', 'spec.model=single_ring', 'spec.name=entry', `single_ring.stages.0.key=${key}`, ''].join('\n'),
  );
  return path;
}

test.before(async () => {
  target = await startHttpTarget([200]);
});
test.before.each(() => {
  target.requests.length = 0;
});

test('the real entry with the actiongraph preload (as byteor-actiongraph): prod refusal is exit 4', async () => {
  const spec = writeSpec(`http_post:${target.url}/hook`);
  const r = await spawnCli(['run', '--sp', `--spec=${spec}`, `--input=${input}`, '--env=prod'], {
    BYTEOR_PRELOAD_PLUGINS: 'actiongraph',
  });
  assert.is(r.code, 4, r.err);
  assert.match(r.err, /BYTEOR_E_POLICY_APPROVAL_REQUIRED/);
  assert.is(r.out, '');
  assert.is(target.requests.length, 0);
});

test('the real entry with the actiongraph preload delivers in dev', async () => {
  const spec = writeSpec(`http_post:${target.url}/hook`);
  const r = await spawnCli(['run', '--sp', `--spec=${spec}`, `--input=${input}`, '--env=dev'], {
    BYTEOR_PRELOAD_PLUGINS: 'actiongraph',
  });
  assert.is(r.code, 0, r.err);
  assert.is(r.out, 'a\nb\n');
  assert.equal(target.requests.map((q) => q.body.toString()).sort(), ['a', 'b']);
});

test.after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
