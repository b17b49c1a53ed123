import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { FORM_HEX, FORM_RAW, paddedBytes, Sha256 } from '../../plugins/dataguard/sha256.ts';

/**
 * build/sha256.wasm (assembly/sha256.ts) against node:crypto: queues of random messages (0..300
 * bytes: one to six blocks, so the four-lane runs mix lengths and a lane runs out of blocks
 * first) hashed by one call, each digest raw or hex, and the one-shot forms.
 */

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

test('property: every digest of a queue run in one call equals node:crypto (0..300 bytes, raw and hex)', () => {
  const prefix = Buffer.from('sha256:');
  const sha = new Sha256(16, 16 * paddedBytes(300), prefix);
  fc.assert(
    fc.property(
      fc.array(
        fc.record({ bytes: fc.uint8Array({ maxLength: 300, size: 'max' }), skip: fc.nat(7), hex: fc.boolean() }),
        {
          minLength: 1,
          maxLength: 16,
        },
      ),
      (jobs) => {
        sha.clear();
        const queued = jobs.map(({ bytes, skip, hex }) => {
          const start = Math.min(skip, bytes.length);
          assert.ok(sha.room(bytes.length - start));
          return sha.add(view(bytes), start, bytes.length - start, hex ? FORM_HEX : FORM_RAW);
        });
        sha.run();
        jobs.forEach(({ bytes, skip, hex }, i) => {
          const want = createHash('sha256').update(bytes.subarray(Math.min(skip, bytes.length)));
          const at = sha.digestAt(queued[i]!);
          if (hex) {
            assert.is(sha.bytes.toString('latin1', at - prefix.length, at + 64), `sha256:${want.digest('hex')}`);
          } else {
            assert.equal([...sha.bytes.subarray(at, at + 32)], [...want.digest()]);
          }
        });
      },
    ),
    { seed: 20261207, numRuns: 300 },
  );
});

test('property: the one-shot digest and hex equal node:crypto, for messages longer than the queue holds too', () => {
  const sha = new Sha256(1, 64);
  const out = new Uint8Array(70);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300, size: 'max' }), fc.nat(5), (b, at) => {
      const want = createHash('sha256').update(b);
      sha.hex(b, 0, b.length, out, at);
      assert.is(Buffer.from(out.subarray(at, at + 64)).toString('latin1'), want.copy().digest('hex'));
      sha.digest(b, 0, b.length, out, at);
      assert.equal([...out.subarray(at, at + 32)], [...want.digest()]);
    }),
    { seed: 7, numRuns: 200 },
  );
});

test('clear(from) forgets the later jobs only; room() counts jobs and message bytes', () => {
  const sha = new Sha256(2, 4 * 64);
  const abc = view(Buffer.from('abc'));
  const xyz = view(Buffer.from('xyz'));
  assert.is(sha.add(abc, 0, 3, FORM_HEX), 0);
  assert.is(sha.add(abc, 0, 2, FORM_RAW), 1);
  assert.not.ok(sha.room(0), 'two jobs at most');
  sha.clear(1);
  assert.is(sha.count, 1);
  assert.ok(sha.room(0));
  assert.is(sha.add(xyz, 0, 3, FORM_HEX), 1);
  sha.run();
  const hexAt = (j: number) => sha.bytes.toString('latin1', sha.digestAt(j), sha.digestAt(j) + 64);
  assert.is(hexAt(0), createHash('sha256').update('abc').digest('hex'));
  assert.is(hexAt(1), createHash('sha256').update('xyz').digest('hex'));
  assert.not.ok(new Sha256(1, 0).room(sha.bytes.length), 'a message longer than the memory does not fit');
});

test.run();
