// kernel/io/private-file.ts: artifacts, reports and source checkpoints are written whole, 0600
// whatever the umask, and never through a planted symlink (issue 15).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile, writePrivateFileAsync } from '../../kernel/io/private-file.ts';
import { tempDir } from '../run/cli-harness.ts';

const dir = tempDir('byteor-private-file-');

for (const [name, write] of [
  ['sync', async (p: string, t: string) => writePrivateFile(p, t)],
  ['async', writePrivateFileAsync],
] as const) {
  test(`${name}: 0600 under umask 000; a symlink planted at the path is replaced, its target untouched`, async () => {
    const old = process.umask(0);
    try {
      const p = join(dir, `${name}.txt`);
      await write(p, 'one\n');
      assert.is(statSync(p).mode & 0o777, 0o600);
      assert.is(readFileSync(p, 'utf8'), 'one\n');
      const victim = join(dir, `${name}-victim`);
      writeFileSync(victim, 'keep\n', { mode: 0o600 });
      const planted = join(dir, `${name}-planted.txt`);
      symlinkSync(victim, planted);
      await write(planted, 'two\n');
      assert.is(readFileSync(victim, 'utf8'), 'keep\n');
      assert.not.ok(lstatSync(planted).isSymbolicLink());
      assert.is(readFileSync(planted, 'utf8'), 'two\n');
    } finally {
      process.umask(old);
    }
  });

  test(`${name}: a failed write throws and leaves no temporary file`, async () => {
    let err: unknown = null;
    try {
      await write(join(dir, 'missing-dir', 'x.txt'), 'x');
    } catch (e) {
      err = e;
    }
    assert.is((err as NodeJS.ErrnoException).code, 'ENOENT');
    assert.equal(
      readdirSync(dir).filter((f) => f.includes('.tmp-')),
      [],
    );
  });
}

test.run();
