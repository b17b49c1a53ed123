import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { ByteorError } from '../../kernel/index.ts';
import { httpPostFamily, httpPostTargetAllowed, idempotencyKey } from '../../plugins/actiongraph/http-post.ts';
import { backoffDelayMs } from '../../plugins/actiongraph/retry.ts';
import { readActionSettings } from '../../plugins/actiongraph/settings.ts';
import { SabRecordBatch, counterValues, stageContext } from './record-batch.ts';
import { closedPort, startHttpTarget } from './http-target.ts';

const FAST_RETRY = { BYTEOR_ACTION_RETRY_BASE_MS: '1' };

function handlerFor(url: string, env: Record<string, string> = {}, dryRun = false) {
  const ctx = stageContext(`http_post:${url}`, { prefix: 'http_post:', env: { ...FAST_RETRY, ...env }, dryRun });
  return { ctx, handler: httpPostFamily.create(ctx) as Awaited<ReturnType<typeof httpPostFamily.create>> };
}

async function rejection(p: Promise<unknown>): Promise<ByteorError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ByteorError);
    return e as ByteorError;
  }
  throw new Error('expected a rejection');
}

test(
  'delivers every record: POST, the same bytes, Idempotency-Key ' + 'sha256 of the bytes; records forwarded unchanged',
  async () => {
    const target = await startHttpTarget([200]);
    try {
      const { ctx, handler } = handlerFor(`${target.url}/hook?x=1`);
      const batch = new SabRecordBatch(['alpha', 'beta', 'gamma'], { firstSeq: 40 });
      await handler.onBatch(batch);
      await handler.close?.();
      assert.is(target.requests.length, 3);
      const bodies = target.requests.map((r) => r.body.toString()).sort();
      assert.equal(bodies, ['alpha', 'beta', 'gamma']);
      for (const r of target.requests) {
        assert.is(r.method, 'POST');
        assert.is(r.url, '/hook?x=1');
        assert.is(r.headers['idempotency-key'], `sha256:${createHash('sha256').update(r.body).digest('hex')}`);
        assert.is(r.headers['content-type'], 'application/octet-stream');
      }
      assert.equal(
        [0, 1, 2].map((i) => [batch.live(i), batch.text(i)]),
        [
          [true, 'alpha'],
          [true, 'beta'],
          [true, 'gamma'],
        ],
      );
      assert.equal(counterValues(ctx), { ok: 3, failed: 0, retries: 0, timeouts: 0, dry_run: 0, bytes: 14 });
    } finally {
      await target.close();
    }
  },
);

test('Idempotency-Key is sha256:<hex> of exactly the record bytes (binary too)', () => {
  const bytes = new Uint8Array([0, 255, 10, 13, 0]);
  assert.is(idempotencyKey(bytes), `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  assert.is(
    idempotencyKey(new Uint8Array()),
    'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

test('503 is retried with the same Idempotency-Key until it succeeds', async () => {
  const target = await startHttpTarget([503, 503, 200]);
  try {
    const { ctx, handler } = handlerFor(target.url);
    await handler.onBatch(new SabRecordBatch(['once']));
    await handler.close?.();
    assert.is(target.requests.length, 3);
    assert.is(new Set(target.requests.map((r) => r.headers['idempotency-key'])).size, 1);
    assert.equal(counterValues(ctx), { ok: 1, failed: 0, retries: 2, timeouts: 0, dry_run: 0, bytes: 4 });
  } finally {
    await target.close();
  }
});

test('429 is retried', async () => {
  const target = await startHttpTarget([429, 200]);
  try {
    const { ctx, handler } = handlerFor(target.url);
    await handler.onBatch(new SabRecordBatch(['x']));
    await handler.close?.();
    assert.is(target.requests.length, 2);
    assert.is(counterValues(ctx).retries, 1);
  } finally {
    await target.close();
  }
});

test('400 is not retried: the stage fails naming the record sequence (stop_pipeline)', async () => {
  const target = await startHttpTarget([(r) => (r.body.toString() === 'bad' ? 400 : 200)]);
  try {
    const { ctx, handler } = handlerFor(target.url, { BYTEOR_ACTION_CONCURRENCY: '1' });
    const err = await rejection(
      Promise.resolve(handler.onBatch(new SabRecordBatch(['ok', 'bad', 'later'], { firstSeq: 7 }))),
    );
    await handler.close?.();
    assert.is(err.code, 'BYTEOR_E_ACTION_HTTP_POST_FAILED');
    assert.is(err.exitCode, 1);
    assert.is(err.details?.sequence, 8);
    assert.match(err.message, /HTTP 400 after 1 attempt;/);
    assert.match(err.message, /not retried/);
    // concurrency 1: nothing after the failing record was started
    assert.equal(
      target.requests.map((r) => r.body.toString()),
      ['ok', 'bad'],
    );
    assert.equal(counterValues(ctx), { ok: 1, failed: 1, retries: 0, timeouts: 0, dry_run: 0, bytes: 2 });
  } finally {
    await target.close();
  }
});

test('5xx forever: BYTEOR_ACTION_MAX_RETRIES bounds the attempts, then the stage fails', async () => {
  const target = await startHttpTarget([500]);
  try {
    const { ctx, handler } = handlerFor(target.url, { BYTEOR_ACTION_MAX_RETRIES: '2' });
    const err = await rejection(Promise.resolve(handler.onBatch(new SabRecordBatch(['r']))));
    await handler.close?.();
    assert.is(target.requests.length, 3);
    assert.match(err.message, /HTTP 500 after 3 attempts/);
    assert.match(err.message, /BYTEOR_ACTION_MAX_RETRIES/);
    assert.equal(counterValues(ctx).retries, 2);
    assert.equal(counterValues(ctx).failed, 1);
  } finally {
    await target.close();
  }
});

test('BYTEOR_HTTP_POST_TIMEOUT bounds a request that never gets an answer', async () => {
  const target = await startHttpTarget(['hang']);
  try {
    const { ctx, handler } = handlerFor(target.url, {
      BYTEOR_HTTP_POST_TIMEOUT: '150ms',
      BYTEOR_ACTION_MAX_RETRIES: '1',
    });
    const t0 = Date.now();
    const err = await rejection(Promise.resolve(handler.onBatch(new SabRecordBatch(['slow']))));
    const elapsed = Date.now() - t0;
    await handler.close?.();
    assert.is(err.code, 'BYTEOR_E_ACTION_HTTP_POST_FAILED');
    assert.match(err.message, /no response within 150 ms \(BYTEOR_HTTP_POST_TIMEOUT\) after 2 attempts/);
    assert.ok(elapsed >= 290, `two timed-out attempts take at least 2 x 150 ms (took ${elapsed})`);
    assert.is(counterValues(ctx).timeouts, 2);
  } finally {
    await target.close();
  }
});

test('a connection error is retried, then fails', async () => {
  const port = await closedPort();
  const { ctx, handler } = handlerFor(`http://127.0.0.1:${port}/x`, { BYTEOR_ACTION_MAX_RETRIES: '2' });
  const err = await rejection(Promise.resolve(handler.onBatch(new SabRecordBatch(['r']))));
  await handler.close?.();
  assert.match(err.message, /connection error: (connect )?ECONNREFUSED/);
  assert.match(err.message, /after 3 attempts/);
  assert.is(counterValues(ctx).retries, 2);
});

test('dry run: nothing is sent, every live record is counted as recorded', async () => {
  const target = await startHttpTarget([200]);
  try {
    const { ctx, handler } = handlerFor(target.url, {}, true);
    const batch = new SabRecordBatch(['a', 'bb', 'ccc']);
    batch.drop(1);
    await handler.onBatch(batch);
    await handler.close?.();
    assert.is(target.requests.length, 0);
    assert.equal(counterValues(ctx), { ok: 0, failed: 0, retries: 0, timeouts: 0, dry_run: 2, bytes: 4 });
  } finally {
    await target.close();
  }
});

test('a record dropped upstream is not posted', async () => {
  const target = await startHttpTarget([200]);
  try {
    const { handler } = handlerFor(target.url);
    const batch = new SabRecordBatch(['keep', 'gone', 'keep2']);
    batch.drop(1);
    await handler.onBatch(batch);
    await handler.close?.();
    assert.equal(target.requests.map((r) => r.body.toString()).sort(), ['keep', 'keep2']);
  } finally {
    await target.close();
  }
});

test('bounded concurrency: BYTEOR_ACTION_CONCURRENCY actions of a batch in flight at most', async () => {
  const target = await startHttpTarget([200], { delayMs: 40 });
  try {
    const { ctx, handler } = handlerFor(target.url, { BYTEOR_ACTION_CONCURRENCY: '3' });
    await handler.onBatch(new SabRecordBatch(Array.from({ length: 12 }, (_, i) => `r${i}`)));
    await handler.close?.();
    assert.is(target.requests.length, 12);
    assert.ok(target.maxInFlight <= 3, `max in flight ${target.maxInFlight}`);
    assert.ok(target.maxInFlight >= 2, `actions overlap (max in flight ${target.maxInFlight})`);
    assert.is(counterValues(ctx).ok, 12);
  } finally {
    await target.close();
  }
});

test('allowlist: a target outside BYTEOR_HTTP_POST_ALLOWLIST is refused (exit 4) before anything is sent', async () => {
  const target = await startHttpTarget([200]);
  try {
    let err: unknown;
    try {
      handlerFor(`${target.url}/x`, { BYTEOR_HTTP_POST_ALLOWLIST: 'https://hooks.example.com/,http://10.0.0.1' });
    } catch (e) {
      err = e;
    }
    assert.instance(err, ByteorError);
    assert.is((err as ByteorError).code, 'BYTEOR_E_ACTION_NOT_ALLOWLISTED');
    assert.is((err as ByteorError).exitCode, 4);
    assert.match((err as ByteorError).message, /BYTEOR_HTTP_POST_ALLOWLIST/);
    const { handler } = handlerFor(`${target.url}/x`, {
      BYTEOR_HTTP_POST_ALLOWLIST: `https://hooks.example.com/, ${target.url}`,
    });
    await handler.onBatch(new SabRecordBatch(['fine']));
    await handler.close?.();
    assert.is(target.requests.length, 1);
  } finally {
    await target.close();
  }
});

test('allowlist prefixes match at URL boundaries only', () => {
  const list = ['https://api.example.com', 'http://h:8080/base/'];
  assert.ok(httpPostTargetAllowed('https://api.example.com', list));
  assert.ok(httpPostTargetAllowed('https://api.example.com/v1/x', list));
  assert.ok(httpPostTargetAllowed('https://api.example.com?q', list));
  assert.not.ok(httpPostTargetAllowed('https://api.example.com.evil.net/', list));
  assert.not.ok(httpPostTargetAllowed('https://api.example.comx', list));
  assert.ok(httpPostTargetAllowed('http://h:8080/base/deeper', list));
  assert.not.ok(httpPostTargetAllowed('http://h:8080/basement', list));
  assert.ok(httpPostTargetAllowed('http://anything/', null));
  assert.not.ok(httpPostTargetAllowed('http://anything/', []));
});

test('check() refuses a bad URL or scheme at validate time and accepts http/https', () => {
  const check = (arg: string) => httpPostFamily.check!(`http_post:${arg}`, arg);
  assert.match(check('ftp://x/y')!, /must start with http:\/\/ or https:\/\//);
  assert.match(check('example.com/x')!, /must start with http:\/\/ or https:\/\//);
  assert.match(check('HTTP://x')!, /must start with/);
  assert.match(check('http://')!, /not a valid URL|no host/);
  assert.match(check('https://user:pw@x/y')!, /credentials/);
  assert.is(check('https://hooks.example.com/a?b=1'), undefined);
  assert.is(check('http://127.0.0.1:8080/'), undefined);
  assert.equal(httpPostFamily.capabilities!('http_post:https://a/b', 'https://a/b'), ['http_post:https://a/b']);
  assert.is(httpPostFamily.policyClass, 'side_effect');
});

test('settings: defaults, and a bad value is refused with the variable named (exit 2)', () => {
  const d = readActionSettings({});
  assert.equal(
    [
      d.httpPostTimeoutMs,
      d.execTimeoutMs,
      d.retry.maxRetries,
      d.retry.baseMs,
      d.concurrency,
      d.httpPostAllowlist,
      d.execAllowlist,
    ],
    [10_000, 30_000, 3, 100, 8, null, null],
  );
  assert.is(readActionSettings({ BYTEOR_HTTP_POST_TIMEOUT: '2s' }).httpPostTimeoutMs, 2000);
  assert.is(readActionSettings({ BYTEOR_HTTP_POST_TIMEOUT: '250' }).httpPostTimeoutMs, 250);
  assert.equal(readActionSettings({ BYTEOR_EXEC_ALLOWLIST: ' /bin/cat, ,/bin/sh ' }).execAllowlist, [
    '/bin/cat',
    '/bin/sh',
  ]);
  for (const [name, value] of [
    ['BYTEOR_HTTP_POST_TIMEOUT', '5 minutes'],
    ['BYTEOR_ACTION_MAX_RETRIES', '-1'],
    ['BYTEOR_ACTION_RETRY_BASE_MS', '0'],
    ['BYTEOR_ACTION_CONCURRENCY', 'many'],
  ]) {
    try {
      readActionSettings({ [name!]: value });
      assert.unreachable();
    } catch (e) {
      assert.instance(e, ByteorError);
      assert.is((e as ByteorError).code, 'BYTEOR_E_ACTION_CONFIG');
      assert.is((e as ByteorError).exitCode, 2);
      assert.ok((e as ByteorError).message.startsWith(`${name}=`));
    }
  }
});

test('backoff: exponential with equal jitter, capped (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.double({ min: 0, max: 0.999999, noNaN: true }),
      (k, base, r) => {
        const retry = { maxRetries: 3, baseMs: base, maxDelayMs: 30_000 };
        const d = Math.min(30_000, base * 2 ** k);
        const got = backoffDelayMs(k, retry, () => r);
        return got >= Math.floor(d / 2) && got <= Math.ceil(d);
      },
    ),
    { seed: 6, numRuns: 500 },
  );
  const retry = { maxRetries: 3, baseMs: 100, maxDelayMs: 30_000 };
  assert.equal(
    [0, 1, 2, 3].map((k) => backoffDelayMs(k, retry, () => 0.999999)),
    [100, 200, 400, 800],
  );
  assert.equal(
    [0, 1, 2, 3].map((k) => backoffDelayMs(k, retry, () => 0)),
    [50, 100, 200, 400],
  );
});

test.run();
