import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { LastView, copyBytes } from '../../kernel/io/byte-copy.ts';

/**
 * copyBytes (eight bytes at a time as a float64, a NaN's eight as two int32) against a byte-by-byte
 * copy: random bytes, lengths 0..80 (every tail length), any source and destination offsets
 * (unaligned), ordinary and shared destination memory, and chunks forced to read as NaNs
 * (exponent all ones, fraction not zero: quiet, signalling, either sign) and infinities. On V8
 * a float64 read and written back keeps a NaN's bits anyway, so the NaN branch is not what fails
 * here; the chunks pin the contract for an engine that canonicalises (ECMAScript allows it).
 */

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Make the eight bytes at b[i] a float64 NaN (or infinity) in little-endian order, as copyBytes reads them. */
function special(b: Uint8Array, i: number, kind: number, low: number): void {
  b[i + 7] = kind & 1 ? 0xff : 0x7f; // sign
  b[i + 6] = 0xf0 | (kind & 2 ? 0x08 : 0) | (low & 0x07); // quiet bit, fraction bits
  if (kind & 4) {
    b[i + 6] = 0xf0; // infinity, or a NaN with only its low fraction bits set
    for (let k = 0; k < 6; k++) b[i + k] = 0;
    b[i] = low & 1;
  }
}

test('property: copyBytes copies exactly what a byte loop copies (NaN patterns, unaligned, shared memory)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 96 }),
      fc.nat(15),
      fc.nat(80),
      fc.nat(15),
      fc.boolean(),
      fc.array(fc.record({ at: fc.nat(95), kind: fc.nat(7), low: fc.nat(255) }), { maxLength: 6 }),
      (bytes, start0, n0, at, shared, specials) => {
        const src = Uint8Array.from(bytes);
        for (const s of specials) if (s.at + 8 <= src.length) special(src, s.at, s.kind, s.low);
        const start = Math.min(start0, src.length);
        const n = Math.min(n0, src.length - start);
        const size = at + n + 8;
        const dst = new Uint8Array(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size)).fill(0xa5);
        const want = Uint8Array.from(dst);
        for (let i = 0; i < n; i++) want[at + i] = src[start + i]!;
        copyBytes(view(src), start, view(dst), at, n);
        assert.equal([...dst], [...want]);
      },
    ),
    { seed: 20261207, numRuns: 3000 },
  );
});

test('copyBytes keeps the bits of every NaN encoding, one chunk each', () => {
  const src = new Uint8Array(8 * 16);
  for (let k = 0; k < 16; k++) special(src, 8 * k, k & 7, k * 37);
  src[8 * 15 + 6] = 0xf8; // a quiet NaN with no other fraction bit
  const dst = new Uint8Array(src.length + 3);
  copyBytes(view(src), 0, view(dst), 3, src.length);
  assert.equal([...dst.subarray(3)], [...src]);
});

test('LastView: one DataView per array while the same array comes back, over exactly its bytes', () => {
  const buf = new ArrayBuffer(64);
  const a = new Uint8Array(buf, 8, 16);
  const b = new Uint8Array(buf, 24, 8);
  const lv = new LastView();
  const va = lv.of(a);
  assert.is(lv.of(a), va, 'kept for the same array');
  assert.is(lv.offset, 8);
  assert.equal([va.byteOffset, va.byteLength], [8, 16]);
  const vb = lv.of(b);
  assert.is.not(vb, va, 'a new one for another array');
  assert.equal([vb.byteOffset, vb.byteLength, lv.offset], [24, 8, 24]);
  assert.is.not(lv.of(a), va, 'the last array only');
  assert.is(lv.offset, 8);
});

test.run();
