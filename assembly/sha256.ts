/**
 * build/sha256.wasm: SHA-256 (FIPS 180-4) of many short messages in one call, for DataGuard's
 * `hash` rule (plugins/dataguard/sha256.ts loads it). A module apart from build/core.wasm: its own
 * memory (exported, not shared, one per instance), the stub runtime, no allocation and no state
 * between calls. The host lays out, at offsets at or above heapBase():
 *
 * - a job table, four u32 words per job: message offset, message length, digest offset, form
 *   (FORM_RAW: the 32 digest bytes; FORM_HEX: the 64 lower-case hex digits of them);
 * - the messages, each in an area of paddedBytes(length) bytes: the padding (0x80, zeros, the
 *   bit length) is written there, after the message, so its blocks are hashed where they lie.
 *
 * sha256Jobs hashes four messages at a time with 128-bit SIMD, one message per 32-bit lane (four
 * block compressions for about one and a half times the cost of one); a last one alone.
 */

export const FORM_RAW: u32 = 0;
export const FORM_HEX: u32 = 1;
/** bytes per job table entry */
export const JOB_BYTES: u32 = 16;

const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
/** the hex digits, one per byte lane */
const HEX: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102], 16);
/** K, each word in the four lanes of a vector (filled at instantiation) */
const KV: usize = memory.data(64 * 16, 16);
for (let t: usize = 0; t < 64; t++) v128.store(KV + (t << 4), i32x4.splat(load<u32>(K + (t << 2))));
/** the message schedule: 64 words (one message) or 64 vectors of four lanes (four messages) */
const W: usize = memory.data(64 * 16, 16);

/** First byte above the module's own data: the host's job table and messages go at or above it. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Bytes a message of `len` bytes occupies once padded: whole 64-byte blocks. */
export function paddedBytes(len: u32): u32 {
  return ((len + 72) >>> 6) << 6;
}

/** Pad the message in place (again: the same bytes); its number of blocks. */
@inline function pad(p: usize, len: u32): u32 {
  const n = paddedBytes(len);
  const end = p + n;
  store<u8>(p + len, 0x80);
  memory.fill(p + len + 1, 0, end - 8 - (p + len + 1));
  store<u64>(end - 8, bswap<u64>(<u64>len << 3));
  return n >>> 6;
}

/** The 16 bytes of v as 32 lower-case hex digits at dst. */
@inline function hex16(v: v128, dst: usize): void {
  const digits = v128.load(HEX);
  const hi = i8x16.swizzle(digits, i8x16.shr_u(v, 4));
  const lo = i8x16.swizzle(digits, v128.and(v, i8x16.splat(15)));
  v128.store(dst, i8x16.shuffle(hi, lo, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
  v128.store(dst + 16, i8x16.shuffle(hi, lo, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
}

/** Write the digest, words 0..3 in `a` and 4..7 in `b` (one word per lane), to dst in the job's form. */
@inline function emit(a: v128, b: v128, dst: usize, form: u32): void {
  const lo = bswap4(a),
    hi = bswap4(b);
  if (form == FORM_HEX) {
    hex16(lo, dst);
    hex16(hi, dst + 32);
  } else {
    v128.store(dst, lo);
    v128.store(dst + 16, hi);
  }
}

@inline function big1(e: u32, f: u32, g: u32): u32 {
  return (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g));
}

@inline function big0(a: u32, b: u32, c: u32): u32 {
  return (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
}

/** Job j (a table entry) alone. */
function hashOne(j: usize): void {
  let p = <usize>load<u32>(j);
  const blocks = pad(p, load<u32>(j, 4));
  let h0: u32 = 0x6a09e667,
    h1: u32 = 0xbb67ae85,
    h2: u32 = 0x3c6ef372,
    h3: u32 = 0xa54ff53a,
    h4: u32 = 0x510e527f,
    h5: u32 = 0x9b05688c,
    h6: u32 = 0x1f83d9ab,
    h7: u32 = 0x5be0cd19;
  for (let k: u32 = 0; k < blocks; k++, p += 64) {
    for (let t: usize = 0; t < 16; t++) store<u32>(W + (t << 2), bswap<u32>(load<u32>(p + (t << 2))));
    for (let t: usize = 16; t < 64; t++) {
      const x = load<u32>(W + ((t - 15) << 2));
      const y = load<u32>(W + ((t - 2) << 2));
      const s0 = rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3);
      const s1 = rotr<u32>(y, 17) ^ rotr<u32>(y, 19) ^ (y >>> 10);
      store<u32>(W + (t << 2), load<u32>(W + ((t - 16) << 2)) + s0 + load<u32>(W + ((t - 7) << 2)) + s1);
    }
    let a = h0,
      b = h1,
      c = h2,
      d = h3,
      e = h4,
      f = h5,
      g = h6,
      h = h7;
    let t1: u32 = 0;
    for (let t: usize = 0; t < 64; t += 8) {
      const k = K + (t << 2),
        w = W + (t << 2);
      t1 = h + big1(e, f, g) + load<u32>(k, 0) + load<u32>(w, 0);
      d += t1;
      h = t1 + big0(a, b, c);
      t1 = g + big1(d, e, f) + load<u32>(k, 4) + load<u32>(w, 4);
      c += t1;
      g = t1 + big0(h, a, b);
      t1 = f + big1(c, d, e) + load<u32>(k, 8) + load<u32>(w, 8);
      b += t1;
      f = t1 + big0(g, h, a);
      t1 = e + big1(b, c, d) + load<u32>(k, 12) + load<u32>(w, 12);
      a += t1;
      e = t1 + big0(f, g, h);
      t1 = d + big1(a, b, c) + load<u32>(k, 16) + load<u32>(w, 16);
      h += t1;
      d = t1 + big0(e, f, g);
      t1 = c + big1(h, a, b) + load<u32>(k, 20) + load<u32>(w, 20);
      g += t1;
      c = t1 + big0(d, e, f);
      t1 = b + big1(g, h, a) + load<u32>(k, 24) + load<u32>(w, 24);
      f += t1;
      b = t1 + big0(c, d, e);
      t1 = a + big1(f, g, h) + load<u32>(k, 28) + load<u32>(w, 28);
      e += t1;
      a = t1 + big0(b, c, d);
    }
    h0 += a;
    h1 += b;
    h2 += c;
    h3 += d;
    h4 += e;
    h5 += f;
    h6 += g;
    h7 += h;
  }
  emit(i32x4(h0, h1, h2, h3), i32x4(h4, h5, h6, h7), <usize>load<u32>(j, 8), load<u32>(j, 12));
}

@inline function rotr4(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}

@inline function big1x4(e: v128, f: v128, g: v128): v128 {
  return i32x4.add(v128.xor(v128.xor(rotr4(e, 6), rotr4(e, 11)), rotr4(e, 25)), v128.bitselect(f, g, e));
}

@inline function big0x4(a: v128, b: v128, c: v128): v128 {
  return i32x4.add(v128.xor(v128.xor(rotr4(a, 2), rotr4(a, 13)), rotr4(a, 22)), v128.bitselect(a, b, v128.xor(b, c)));
}

/** Each 32-bit lane byte-swapped (big-endian message words). */
@inline function bswap4(v: v128): v128 {
  return i8x16.shuffle(v, v, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
}

/** Words 4q..4q+3 of the blocks at q0..q3 (big endian), one lane per block, into W. */
@inline function load4(q0: usize, q1: usize, q2: usize, q3: usize, q: usize): void {
  const o = q << 4;
  const r0 = v128.load(q0 + o),
    r1 = v128.load(q1 + o),
    r2 = v128.load(q2 + o),
    r3 = v128.load(q3 + o);
  // a 4x4 transpose: lane i of vector j is word j of block i
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5),
    t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7),
    t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5),
    t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  const w = W + (q << 6);
  v128.store(w, bswap4(i64x2.shuffle(t0, t2, 0, 2)));
  v128.store(w + 16, bswap4(i64x2.shuffle(t0, t2, 1, 3)));
  v128.store(w + 32, bswap4(i64x2.shuffle(t1, t3, 0, 2)));
  v128.store(w + 48, bswap4(i64x2.shuffle(t1, t3, 1, 3)));
}

/**
 * Four messages at once: jobs j0..j3 (table entries; one may repeat another). A lane whose
 * message has no block k hashes its own last block again and keeps its state.
 */
function hashFour(j0: usize, j1: usize, j2: usize, j3: usize): void {
  const p0 = <usize>load<u32>(j0),
    p1 = <usize>load<u32>(j1),
    p2 = <usize>load<u32>(j2),
    p3 = <usize>load<u32>(j3);
  const n0 = pad(p0, load<u32>(j0, 4)),
    n1 = pad(p1, load<u32>(j1, 4)),
    n2 = pad(p2, load<u32>(j2, 4)),
    n3 = pad(p3, load<u32>(j3, 4));
  let h0 = i32x4.splat(0x6a09e667),
    h1 = i32x4.splat(0xbb67ae85),
    h2 = i32x4.splat(0x3c6ef372),
    h3 = i32x4.splat(0xa54ff53a),
    h4 = i32x4.splat(0x510e527f),
    h5 = i32x4.splat(0x9b05688c),
    h6 = i32x4.splat(0x1f83d9ab),
    h7 = i32x4.splat(0x5be0cd19);
  const nb = i32x4(n0, n1, n2, n3);
  const most = max(max(n0, n1), max(n2, n3));
  for (let k: u32 = 0; k < most; k++) {
    const q0 = p0 + (<usize>min(k, n0 - 1) << 6),
      q1 = p1 + (<usize>min(k, n1 - 1) << 6),
      q2 = p2 + (<usize>min(k, n2 - 1) << 6),
      q3 = p3 + (<usize>min(k, n3 - 1) << 6);
    load4(q0, q1, q2, q3, 0);
    load4(q0, q1, q2, q3, 1);
    load4(q0, q1, q2, q3, 2);
    load4(q0, q1, q2, q3, 3);
    for (let t: usize = 16; t < 64; t++) {
      const x = v128.load(W + ((t - 15) << 4));
      const y = v128.load(W + ((t - 2) << 4));
      const s0 = v128.xor(v128.xor(rotr4(x, 7), rotr4(x, 18)), i32x4.shr_u(x, 3));
      const s1 = v128.xor(v128.xor(rotr4(y, 17), rotr4(y, 19)), i32x4.shr_u(y, 10));
      v128.store(
        W + (t << 4),
        i32x4.add(i32x4.add(v128.load(W + ((t - 16) << 4)), s0), i32x4.add(v128.load(W + ((t - 7) << 4)), s1)),
      );
    }
    let a = h0,
      b = h1,
      c = h2,
      d = h3,
      e = h4,
      f = h5,
      g = h6,
      h = h7;
    let t1 = i32x4.splat(0);
    for (let t: usize = 0; t < 64; t += 8) {
      const k = KV + (t << 4),
        w = W + (t << 4);
      t1 = i32x4.add(i32x4.add(h, big1x4(e, f, g)), i32x4.add(v128.load(k, 0), v128.load(w, 0)));
      d = i32x4.add(d, t1);
      h = i32x4.add(t1, big0x4(a, b, c));
      t1 = i32x4.add(i32x4.add(g, big1x4(d, e, f)), i32x4.add(v128.load(k, 16), v128.load(w, 16)));
      c = i32x4.add(c, t1);
      g = i32x4.add(t1, big0x4(h, a, b));
      t1 = i32x4.add(i32x4.add(f, big1x4(c, d, e)), i32x4.add(v128.load(k, 32), v128.load(w, 32)));
      b = i32x4.add(b, t1);
      f = i32x4.add(t1, big0x4(g, h, a));
      t1 = i32x4.add(i32x4.add(e, big1x4(b, c, d)), i32x4.add(v128.load(k, 48), v128.load(w, 48)));
      a = i32x4.add(a, t1);
      e = i32x4.add(t1, big0x4(f, g, h));
      t1 = i32x4.add(i32x4.add(d, big1x4(a, b, c)), i32x4.add(v128.load(k, 64), v128.load(w, 64)));
      h = i32x4.add(h, t1);
      d = i32x4.add(t1, big0x4(e, f, g));
      t1 = i32x4.add(i32x4.add(c, big1x4(h, a, b)), i32x4.add(v128.load(k, 80), v128.load(w, 80)));
      g = i32x4.add(g, t1);
      c = i32x4.add(t1, big0x4(d, e, f));
      t1 = i32x4.add(i32x4.add(b, big1x4(g, h, a)), i32x4.add(v128.load(k, 96), v128.load(w, 96)));
      f = i32x4.add(f, t1);
      b = i32x4.add(t1, big0x4(c, d, e));
      t1 = i32x4.add(i32x4.add(a, big1x4(f, g, h)), i32x4.add(v128.load(k, 112), v128.load(w, 112)));
      e = i32x4.add(e, t1);
      a = i32x4.add(t1, big0x4(b, c, d));
    }
    // lanes with a block k take the new state, the others keep theirs
    const live = i32x4.gt_u(nb, i32x4.splat(k));
    h0 = v128.bitselect(i32x4.add(h0, a), h0, live);
    h1 = v128.bitselect(i32x4.add(h1, b), h1, live);
    h2 = v128.bitselect(i32x4.add(h2, c), h2, live);
    h3 = v128.bitselect(i32x4.add(h3, d), h3, live);
    h4 = v128.bitselect(i32x4.add(h4, e), h4, live);
    h5 = v128.bitselect(i32x4.add(h5, f), h5, live);
    h6 = v128.bitselect(i32x4.add(h6, g), h6, live);
    h7 = v128.bitselect(i32x4.add(h7, h), h7, live);
  }
  // back to one vector per message: lane j of vector i is word j of message i
  let t0 = i32x4.shuffle(h0, h1, 0, 4, 1, 5),
    t1 = i32x4.shuffle(h0, h1, 2, 6, 3, 7),
    t2 = i32x4.shuffle(h2, h3, 0, 4, 1, 5),
    t3 = i32x4.shuffle(h2, h3, 2, 6, 3, 7);
  const a0 = i64x2.shuffle(t0, t2, 0, 2),
    a1 = i64x2.shuffle(t0, t2, 1, 3),
    a2 = i64x2.shuffle(t1, t3, 0, 2),
    a3 = i64x2.shuffle(t1, t3, 1, 3);
  t0 = i32x4.shuffle(h4, h5, 0, 4, 1, 5);
  t1 = i32x4.shuffle(h4, h5, 2, 6, 3, 7);
  t2 = i32x4.shuffle(h6, h7, 0, 4, 1, 5);
  t3 = i32x4.shuffle(h6, h7, 2, 6, 3, 7);
  emit(a0, i64x2.shuffle(t0, t2, 0, 2), <usize>load<u32>(j0, 8), load<u32>(j0, 12));
  emit(a1, i64x2.shuffle(t0, t2, 1, 3), <usize>load<u32>(j1, 8), load<u32>(j1, 12));
  emit(a2, i64x2.shuffle(t1, t3, 0, 2), <usize>load<u32>(j2, 8), load<u32>(j2, 12));
  emit(a3, i64x2.shuffle(t1, t3, 1, 3), <usize>load<u32>(j3, 8), load<u32>(j3, 12));
}

/** Hash the `count` jobs of the table at `jobs` (see the top of the file). */
export function sha256Jobs(jobs: usize, count: u32): void {
  let i: u32 = 0;
  for (; i + 4 <= count; i += 4) {
    const j = jobs + (<usize>i << 4);
    hashFour(j, j + 16, j + 32, j + 48);
  }
  const left = count - i;
  const j = jobs + (<usize>i << 4);
  // two or three left: a four-lane run (a lane repeating a job) is cheaper than one by one
  if (left == 1) hashOne(j);
  else if (left == 2) hashFour(j, j + 16, j + 16, j + 16);
  else if (left == 3) hashFour(j, j + 16, j + 32, j + 32);
}
