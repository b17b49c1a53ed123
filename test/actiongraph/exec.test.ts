import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteorError } from '../../kernel/index.ts';
import { execFamily, parseExecCmd } from '../../plugins/actiongraph/exec.ts';
import { SabRecordBatch, counterValues, stageContext } from './record-batch.ts';

const dir = mkdtempSync(join(tmpdir(), 'byteor-exec-test-'));

function handlerFor(key: string, env: Record<string, string> = {}, dryRun = false) {
  const ctx = stageContext(key, { prefix: 'exec:', env: { BYTEOR_ACTION_RETRY_BASE_MS: '1', ...env }, dryRun });
  return { ctx, handler: execFamily.create(ctx) as Awaited<ReturnType<typeof execFamily.create>> };
}

async function rejection(p: unknown): Promise<ByteorError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ByteorError);
    return e as ByteorError;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): ByteorError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ByteorError);
    return e as ByteorError;
  }
  throw new Error('expected a throw');
}

test('exec with cat: each record arrives on the program stdin, records forwarded unchanged', async () => {
  const out = join(dir, 'cat-out.txt');
  // /bin/sh is the allowlisted program; the redirection is the argument of -c, not a shell around the stage
  const { ctx, handler } = handlerFor(`exec:/bin/sh|-c|cat >> ${out}`, {
    BYTEOR_EXEC_ALLOWLIST: '/bin/sh',
    BYTEOR_ACTION_CONCURRENCY: '1',
  });
  const batch = new SabRecordBatch(['one\n', 'two\n', 'three\n']);
  await handler.onBatch(batch);
  assert.is(readFileSync(out, 'utf8'), 'one\ntwo\nthree\n');
  assert.equal(
    [0, 1, 2].map((i) => batch.text(i)),
    ['one\n', 'two\n', 'three\n'],
  );
  assert.equal(counterValues(ctx), { ok: 3, failed: 0, retries: 0, timeouts: 0, dry_run: 0, bytes: 14 });
});

test('exec /usr/bin/tee -a FILE: binary records reach the file byte for byte', async () => {
  const out = join(dir, 'tee-out.bin');
  const { handler } = handlerFor(`exec:/usr/bin/tee|-a|${out}`, {
    BYTEOR_EXEC_ALLOWLIST: '/usr/bin/tee',
    BYTEOR_ACTION_CONCURRENCY: '1',
  });
  await handler.onBatch(new SabRecordBatch([new Uint8Array([0, 1, 2, 255]), new Uint8Array([10, 0])]));
  assert.equal([...readFileSync(out)], [0, 1, 2, 255, 10, 0]);
});

test('a non-zero exit fails the stage with the status and the record sequence; not retried', async () => {
  const { ctx, handler } = handlerFor('exec:/bin/sh|-c|echo oops >&2; exit 3', { BYTEOR_EXEC_ALLOWLIST: '/bin/sh' });
  const err = await rejection(handler.onBatch(new SabRecordBatch(['x'], { firstSeq: 12 })));
  assert.is(err.code, 'BYTEOR_E_ACTION_EXEC_FAILED');
  assert.is(err.exitCode, 1);
  assert.is(err.details?.sequence, 12);
  assert.match(err.message, /exit status 3 \(stderr: oops\)/);
  assert.equal(counterValues(ctx), { ok: 0, failed: 1, retries: 0, timeouts: 0, dry_run: 0, bytes: 0 });
});

test('a program killed by a signal is a failure', async () => {
  const { handler } = handlerFor('exec:/bin/sh|-c|kill -TERM $$', { BYTEOR_EXEC_ALLOWLIST: '/bin/sh' });
  const err = await rejection(handler.onBatch(new SabRecordBatch(['x'])));
  assert.match(err.message, /killed by SIGTERM/);
});

test('BYTEOR_EXEC_TIMEOUT kills the child (/bin/sleep)', async () => {
  const { ctx, handler } = handlerFor('exec:/bin/sleep|30', {
    BYTEOR_EXEC_ALLOWLIST: '/bin/sleep',
    BYTEOR_EXEC_TIMEOUT: '200ms',
  });
  const t0 = Date.now();
  const err = await rejection(handler.onBatch(new SabRecordBatch(['x'])));
  const elapsed = Date.now() - t0;
  assert.is(err.code, 'BYTEOR_E_ACTION_EXEC_TIMEOUT');
  assert.match(err.message, /killed after 200 ms \(BYTEOR_EXEC_TIMEOUT\)/);
  assert.ok(elapsed < 10_000, `the child was killed, not waited for (${elapsed} ms)`);
  assert.is(counterValues(ctx).timeouts, 1);
});

test('exec is disabled unless BYTEOR_EXEC_ALLOWLIST is set (exit 4)', () => {
  const err = thrown(() => handlerFor('exec:/bin/cat'));
  assert.is(err.code, 'BYTEOR_E_ACTION_EXEC_DISABLED');
  assert.is(err.exitCode, 4);
  assert.match(err.message, /set BYTEOR_EXEC_ALLOWLIST/);
});

test('a program not on the list is refused: entries match the program string exactly', () => {
  for (const [key, list] of [
    ['exec:/bin/cat', '/bin/sh,/usr/bin/tee'],
    ['exec:cat', '/bin/cat'],
    ['exec:/bin/cat', 'cat'],
    ['exec:/bin/cat', '/bin/ca'],
    ['exec:/bin/cat', '/bin/cat/'],
  ]) {
    const err = thrown(() => handlerFor(key!, { BYTEOR_EXEC_ALLOWLIST: list! }));
    assert.is(err.code, 'BYTEOR_E_ACTION_NOT_ALLOWLISTED', `${key} vs ${list}`);
    assert.is(err.exitCode, 4);
  }
});

test('an argument full of shell metacharacters arrives verbatim (no shell)', async () => {
  // "|" separates arguments in the key, so it is the one character an argument cannot hold
  const nasty =
    `$(touch ${join(dir, 'pwned')}); \`touch ${join(dir, 'pwned2')}\` && echo "dq" 'sq' > ` +
    `${join(dir, 'redirected')} & * ? [a] ~ # \\ ! $HOME`;
  const out = join(dir, 'nasty.txt');
  const { handler } = handlerFor(`exec:/bin/sh|-c|printf '%s' "$1" > ${out}|argv0|${nasty}`, {
    BYTEOR_EXEC_ALLOWLIST: '/bin/sh',
  });
  await handler.onBatch(new SabRecordBatch(['payload']));
  // $1 is the argument exactly as written in the key: the outer sh -c script quotes it, nothing expands it
  assert.is(readFileSync(out, 'utf8'), nasty);
  for (const f of ['pwned', 'pwned2', 'redirected']) assert.not.ok(existsSync(join(dir, f)), `${f} was not created`);
});

test('metacharacters reach the program as one argv element each (printf proves it)', async () => {
  const out = join(dir, 'argv.txt');
  const args = ['a b', '$HOME', '`id`', "'q'", '"dq"', '; ls', '&&', '*', '>x'];
  const { handler } = handlerFor(`exec:/bin/sh|-c|printf '%s\\n' "$@" > ${out}|argv0|${args.join('|')}`, {
    BYTEOR_EXEC_ALLOWLIST: '/bin/sh',
  });
  await handler.onBatch(new SabRecordBatch(['ignored']));
  assert.equal(readFileSync(out, 'utf8').split('\n').slice(0, -1), args);
});

test('a program that does not read its stdin and exits 0 is a success', async () => {
  const { ctx, handler } = handlerFor('exec:/bin/true', { BYTEOR_EXEC_ALLOWLIST: '/bin/true' });
  await handler.onBatch(new SabRecordBatch(['x'.repeat(200), 'y']));
  assert.is(counterValues(ctx).ok, 2);
});

test('a missing program fails with the spawn error', async () => {
  const { handler } = handlerFor('exec:/nonexistent/prog', { BYTEOR_EXEC_ALLOWLIST: '/nonexistent/prog' });
  const err = await rejection(handler.onBatch(new SabRecordBatch(['x'])));
  assert.match(err.message, /cannot start \/nonexistent\/prog: ENOENT/);
});

test('dry run: nothing is spawned and the allowlist is not needed', async () => {
  const out = join(dir, 'dry.txt');
  const { ctx, handler } = handlerFor(`exec:/bin/sh|-c|cat >> ${out}`, {}, true);
  await handler.onBatch(new SabRecordBatch(['a', 'b']));
  let exists = true;
  try {
    readFileSync(out);
  } catch {
    exists = false;
  }
  assert.not.ok(exists);
  assert.equal(counterValues(ctx), { ok: 0, failed: 0, retries: 0, timeouts: 0, dry_run: 2, bytes: 2 });
});

test('parseExecCmd and check(): program and | separated arguments', () => {
  assert.equal(parseExecCmd('/bin/echo|a||b c'), { program: '/bin/echo', args: ['a', '', 'b c'] });
  assert.equal(parseExecCmd('/bin/true'), { program: '/bin/true', args: [] });
  assert.match(execFamily.check!('exec:', '')!, /needs a program/);
  assert.match(execFamily.check!('exec:|x', '|x')!, /needs a program/);
  assert.is(execFamily.check!('exec:/bin/cat', '/bin/cat'), undefined);
  assert.equal(execFamily.capabilities!('exec:/bin/cat|-u', '/bin/cat|-u'), ['exec:/bin/cat|-u']);
  assert.is(execFamily.replay, 'dry_run_only');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
