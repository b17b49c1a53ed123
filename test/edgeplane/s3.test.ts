import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { s3Adapter } from '../../plugins/edgeplane/s3.ts';
import { RecordingSink, exitWhenDone, producerSink, requireEnv, until } from './helpers.ts';
import type { EgressView } from '../../kernel/plugin-contract.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ENDPOINT = requireEnv('BYTEOR_TEST_S3_URL', 's3rver (npm ci installs it)');
const KEYS = { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' };
const s3 = new S3Client({
  endpoint: ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-s3-'));
test.after(() => {
  rmSync(dir, { recursive: true, force: true });
  s3.destroy();
});
let n = 0;
const bucket = async () => {
  const b = `byteor-${process.pid}-${n++}`;
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  return b;
};
const conn = (b: string) => ({ endpoint: ENDPOINT, bucket: b, ...KEYS });

async function keys(b: string, prefix = ''): Promise<string[]> {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!);
}
async function body(b: string, key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: b, Key: key }))).Body!.transformToString();
}

test('ingress: objects under the prefix in key order, one record per line; ends after the last object', async () => {
  const b = await bucket();
  for (const [k, v] of [
    ['in/b', 'b1\nb2\n'],
    ['in/a', 'a1\na2\r\n'],
    ['in/c', 'c1\nc-no-newline'],
    ['other/x', 'nope\n'],
    ['in/d-empty', ''],
  ]) {
    await s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: v }));
  }
  const ing = s3Adapter.ingress!({ ...conn(b), prefix: 'in/' }, {});
  const sink = new RecordingSink();
  await ing.start(sink);
  await sink.until(() => sink.ended, 10_000, 'end of the prefix');
  assert.equal(sink.texts(), ['a1', 'a2\r', 'b1', 'b2', 'c1', 'c-no-newline']);
  assert.equal(ing.health().lag, { value: 0, unit: 'bytes' });
  await ing.close();
});

test(
  'ingress checkpoint: key + offset of the acknowledged prefix; a restart resumes mid-object, then the keys after ' +
    'it',
  async () => {
    const b = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k1', Body: 'x1\nx2\nx3\n' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k2', Body: 'y1\ny2\n' }));
    const checkpoint = join(dir, 'ck.json');
    const settings = { ...conn(b), checkpoint, close_grace_ms: '0' };
    const ing = s3Adapter.ingress!(settings, {});
    const sink = new RecordingSink();
    await ing.start(sink);
    await sink.until(() => sink.ended, 10_000, 'end');
    // the checkpoint is stored in the background (egress does not wait for it): read it once it is there
    const stored = async (want: unknown) => {
      const read = () => (existsSync(checkpoint) ? JSON.parse(readFileSync(checkpoint, 'utf8')) : null);
      await until(() => JSON.stringify(read()) === JSON.stringify(want), 5_000, `checkpoint ${JSON.stringify(want)}`);
    };
    ing.ack!([sink.tokens[2]]); // a gap before it: nothing stored
    await new Promise((r) => setTimeout(r, 50));
    assert.not.ok(existsSync(checkpoint));
    ing.ack!(sink.tokens.slice(0, 2));
    await stored({ key: 'k1', offset: 9 });
    ing.ack!([sink.tokens[3]]);
    await stored({ key: 'k2', offset: 3 });
    await ing.close();
    const again = s3Adapter.ingress!(settings, {});
    const sink2 = new RecordingSink();
    await again.start(sink2);
    await sink2.until(() => sink2.ended, 10_000, 'end after resuming');
    assert.equal(sink2.texts(), ['y2']);
    await again.ack!(sink2.tokens);
    await again.close();
    // everything acknowledged: a third start has nothing to read
    const third = s3Adapter.ingress!(settings, {});
    const sink3 = new RecordingSink();
    await third.start(sink3);
    await sink3.until(() => sink3.ended, 10_000, 'end');
    assert.equal(sink3.texts(), []);
    await third.close();
    rmSync(checkpoint);
  },
);

test(
  'egress: records batched by size into objects with ' + 'deterministic, ordered keys; the spool is empty after close',
  async () => {
    const b = await bucket();
    const spool = join(dir, 'spool-size');
    const eg = s3Adapter.egress!(
      { ...conn(b), prefix: 'out/', spool_dir: spool, max_object_bytes: '30', max_object_ms: '86400000' },
      {},
    );
    await eg.start();
    const recs = Array.from({ length: 20 }, (_, i) => new Uint8Array(Buffer.from(`rec${String(i).padStart(2, '0')}`)));
    for (let i = 0; i < 20; i += 4) await eg.write(recs.slice(i, i + 4)); // 4 x 6 bytes = 24 < 30: objects span writes
    await eg.close();
    const ks = await keys(b, 'out/');
    // 6 bytes a record, 24 a write: an object is closed when it reaches 30 bytes, also within a write
    assert.equal(ks, [
      'out/00000000000000000000.txt',
      'out/00000000000000000001.txt',
      'out/00000000000000000002.txt',
      'out/00000000000000000003.txt',
    ]);
    const all = (await Promise.all(ks.map((k) => body(b, k)))).join('');
    assert.is(all, recs.map((r) => `${Buffer.from(r).toString()}\n`).join(''));
    assert.is(await body(b, ks[0]!), 'rec00\nrec01\nrec02\nrec03\nrec04\n', 'one object holds parts of two writes');
    assert.equal(eg.health().message_count, 20);
    assert.equal(readdirSync(spool), ['next-seq']);
    // a new binding on the same spool continues the sequence
    const eg2 = s3Adapter.egress!({ ...conn(b), prefix: 'out/', spool_dir: spool }, {});
    await eg2.start();
    await eg2.write([new Uint8Array(Buffer.from('later'))]);
    await eg2.close();
    assert.is((await keys(b, 'out/')).at(-1), 'out/00000000000000000004.txt');
  },
);

test('egress: an object is uploaded max_object_ms after its first record, without more writes', async () => {
  const b = await bucket();
  const eg = s3Adapter.egress!(
    { ...conn(b), spool_dir: join(dir, 'spool-time'), max_object_ms: '150', suffix: '' },
    {},
  );
  await eg.start();
  await eg.write([new Uint8Array(Buffer.from('t1')), new Uint8Array(Buffer.from('t2'))]);
  await until(async () => (await keys(b)).length === 1, 5_000, 'the object by time');
  assert.is(await body(b, '00000000000000000000'), 't1\nt2\n');
  await eg.close();
});

test('egress: an object larger than part_bytes is a multipart upload, whole and in order', async () => {
  const b = await bucket();
  const eg = s3Adapter.egress!(
    {
      ...conn(b),
      spool_dir: join(dir, 'spool-mp'),
      part_bytes: String(5 * 1024 * 1024),
      max_object_bytes: String(12 * 1024 * 1024),
      fsync: 'false',
    },
    {},
  );
  await eg.start();
  const big = Array.from({ length: 12 }, (_, i) => new Uint8Array(Buffer.alloc(1024 * 1024 - 1, 97 + i)));
  await eg.write(big);
  await eg.close();
  const [k] = await keys(b);
  const got = await (await s3.send(new GetObjectCommand({ Bucket: b, Key: k! }))).Body!.transformToByteArray();
  assert.is(got.byteLength, 12 * 1024 * 1024);
  for (let i = 0; i < 12; i++) assert.is(got[i * 1024 * 1024], 97 + i);
  assert.ok(!eg.health().recent_failures.length, JSON.stringify(eg.health().recent_failures));
});

test(
  'egress: records spooled by a binding that died are uploaded by the next one on the same spool_dir, under the ' +
    'key they were meant for',
  async () => {
    const b = await bucket();
    const spool = join(dir, 'spool-crash');
    const dead = s3Adapter.egress!({ ...conn(b), spool_dir: spool, max_object_ms: '86400000' }, {});
    await dead.start();
    // acknowledged: in the spool
    await dead.write([new Uint8Array(Buffer.from('acked-1')), new Uint8Array(Buffer.from('acked-2'))]);
    assert.equal(await keys(b), []);
    // the runtime dies here (no close); the next start uploads the spool first
    const next = s3Adapter.egress!({ ...conn(b), spool_dir: spool }, {});
    await next.start();
    assert.equal(await keys(b), ['00000000000000000000.txt']);
    assert.is(await body(b, '00000000000000000000.txt'), 'acked-1\nacked-2\n');
    await next.write([new Uint8Array(Buffer.from('after'))]);
    await next.close();
    assert.equal(await keys(b), ['00000000000000000000.txt', '00000000000000000001.txt']);
  },
);

test(
  'ingress into a producer: the lines of each chunk as spans, one ack token per chunk (on its last line that fits ' +
    'a slot); over-long lines refused; acking every token stores the end of the last line that fits',
  async () => {
    const b = await bucket();
    const lines = Array.from({ length: 4000 }, (_, i) => `line-${i}-${'x'.repeat(i % 41)}`);
    const long = 'L'.repeat(300);
    const big = [...lines.slice(0, 2000), long, ...lines.slice(2000)].join('\n') + '\n';
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: big })); // some 170 KB: several chunks
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'b', Body: `b1\n\nb3\n${long}\n` }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'c', Body: 'c1\nc-no-newline' }));
    const checkpoint = join(dir, 'ck-spans.json');
    const ing = s3Adapter.ingress!({ ...conn(b), checkpoint, close_grace_ms: '0' }, {});
    const s = producerSink(256);
    await ing.start(s.sink);
    await until(() => s.ended(), 10_000, 'end of the bucket');
    assert.equal(s.events, [
      ...lines.slice(0, 2000),
      { refused: 300 },
      ...lines.slice(2000),
      'b1',
      '',
      'b3',
      { refused: 300 },
      'c1',
      'c-no-newline',
    ]);
    assert.is(ing.health().message_count, 4001 + 4 + 2);
    assert.ok(s.tokens.length >= 4 && s.tokens.length < 100, `a token per chunk, not per line: ${s.tokens.length}`);
    // b's token is on b3 (the over-long line after it is refused), c's last one on its unterminated line
    ing.ack!(s.tokens.slice(0, -2));
    await until(
      () => existsSync(checkpoint) && readFileSync(checkpoint, 'utf8') === '{"key":"b","offset":7}\n',
      5_000,
      'the checkpoint at b3',
    );
    ing.ack!(s.tokens.slice(-2));
    await ing.close();
    assert.equal(JSON.parse(readFileSync(checkpoint, 'utf8')), { key: 'c', offset: 15 });
    rmSync(checkpoint);
  },
);

test(
  'egress writeFrom: the records of a view in place, as lines into objects closed at max_object_bytes (also within ' +
    'a write), the same objects as write',
  async () => {
    const b = await bucket();
    const eg = s3Adapter.egress!(
      {
        ...conn(b),
        prefix: 'view/',
        spool_dir: join(dir, 'spool-view'),
        max_object_bytes: '30',
        max_object_ms: '86400000',
      },
      {},
    );
    await eg.start();
    const memory = new Uint8Array(4096);
    const view = (records: string[]): EgressView => {
      const offsets: number[] = [];
      let o = 5;
      for (const r of records) {
        memory.set(Buffer.from(r), o);
        offsets.push(o);
        o += r.length + 7;
      }
      return {
        memory,
        count: records.length,
        bytes: records.reduce((a, r) => a + r.length, 0),
        offset: (i) => offsets[i]!,
        length: (i) => records[i]!.length,
      };
    };
    const recs = Array.from({ length: 20 }, (_, i) => `rec${String(i).padStart(2, '0')}`);
    for (let i = 0; i < 20; i += 4) await eg.writeFrom!(view(recs.slice(i, i + 4)));
    await eg.writeFrom!(view(['', 'x'.repeat(100)])); // an empty record; one larger than an object
    await eg.close();
    const ks = await keys(b, 'view/');
    assert.equal(ks, [
      'view/00000000000000000000.txt',
      'view/00000000000000000001.txt',
      'view/00000000000000000002.txt',
      'view/00000000000000000003.txt',
      'view/00000000000000000004.txt',
    ]);
    assert.is(await body(b, ks[0]!), 'rec00\nrec01\nrec02\nrec03\nrec04\n', 'one object holds parts of two writes');
    assert.is(await body(b, ks[3]!), 'rec15\nrec16\nrec17\nrec18\nrec19\n');
    assert.is(await body(b, ks[4]!), `\n${'x'.repeat(100)}\n`);
    assert.is(eg.health().message_count, 22);
    assert.equal(readdirSync(join(dir, 'spool-view')), ['next-seq']);
  },
);

test('a missing bucket is BYTEOR_E_EDGEPLANE_CONFIG naming the key; egress create=true creates it', async () => {
  const missing = `byteor-missing-${process.pid}`;
  const ing = s3Adapter.ingress!(conn(missing), {});
  const e1 = await ing.start(new RecordingSink()).then(
    () => null,
    (e: Error & { code?: string }) => e,
  );
  assert.is(e1?.code, 'BYTEOR_E_EDGEPLANE_CONFIG');
  assert.match(e1!.message, /^ingress\.bucket: bucket "byteor-missing-\d+" does not exist/);
  const eg = s3Adapter.egress!({ ...conn(missing), spool_dir: join(dir, 'spool-missing') }, {});
  const e2 = await eg.start().then(
    () => null,
    (e: Error & { code?: string }) => e,
  );
  assert.match(e2!.message, /^egress\.bucket: .* or set egress\.create=true/);
  const made = s3Adapter.egress!({ ...conn(missing), spool_dir: join(dir, 'spool-missing'), create: 'true' }, {});
  await made.start();
  await made.close();
  assert.equal(await keys(missing), []);
});

test('settings: access_key_id without secret_access_key is refused before connecting', async () => {
  const ing = s3Adapter.ingress!({ bucket: 'x', endpoint: ENDPOINT, access_key_id: 'a' }, {});
  const e = await ing.start(new RecordingSink()).then(
    () => null,
    (err: Error & { code?: string }) => err,
  );
  assert.is(e?.code, 'BYTEOR_E_EDGEPLANE_CONFIG');
  assert.match(e!.message, /^ingress\.secret_access_key: required together with ingress\.access_key_id/);
});

exitWhenDone(test);
test.run();
