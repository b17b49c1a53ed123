/**
 * SHA-256 (FIPS 180-4) over a byte range, into caller-owned memory: the in-place redaction path
 * hashes a field's bytes where they lie and writes the digest (raw or as lower-case hex) straight
 * into its output, allocating nothing. For the short values DataGuard hashes (one or two blocks)
 * this is also cheaper than a call into node:crypto, which returns a new string or Buffer.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

const HEX = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX[i] = '0123456789abcdef'.charCodeAt(i);

export class Sha256 {
  private readonly h = new Int32Array(8);
  private readonly w = new Int32Array(64);
  /** the last one or two blocks, padded */
  private readonly tail = Buffer.alloc(128);

  /** Write the 32-byte digest of src[start, start+len) to out[at, at+32). */
  digest(src: Uint8Array, start: number, len: number, out: Uint8Array, at: number): void {
    this.run(src, start, len);
    const h = this.h;
    for (let i = 0; i < 8; i++) {
      const v = h[i]!;
      out[at + 4 * i] = v >>> 24;
      out[at + 4 * i + 1] = (v >>> 16) & 0xff;
      out[at + 4 * i + 2] = (v >>> 8) & 0xff;
      out[at + 4 * i + 3] = v & 0xff;
    }
  }

  /** Write the 64 lower-case hex digits of the digest of src[start, start+len) to out[at, at+64). */
  hex(src: Uint8Array, start: number, len: number, out: Uint8Array, at: number): void {
    this.run(src, start, len);
    const h = this.h;
    for (let i = 0; i < 8; i++) {
      const v = h[i]!;
      for (let k = 0; k < 8; k++) out[at + 8 * i + k] = HEX[(v >>> (28 - 4 * k)) & 0xf]!;
    }
  }

  private run(src: Uint8Array, start: number, len: number): void {
    const h = this.h;
    h[0] = 0x6a09e667;
    h[1] = 0xbb67ae85 | 0;
    h[2] = 0x3c6ef372;
    h[3] = 0xa54ff53a | 0;
    h[4] = 0x510e527f;
    h[5] = 0x9b05688c | 0;
    h[6] = 0x1f83d9ab;
    h[7] = 0x5be0cd19;
    const whole = len - (len & 63);
    for (let o = 0; o < whole; o += 64) this.block(src, start + o);
    const t = this.tail;
    const rest = len - whole;
    for (let i = 0; i < rest; i++) t[i] = src[start + whole + i]!;
    t[rest] = 0x80;
    const end = rest < 56 ? 64 : 128;
    for (let i = rest + 1; i < end - 8; i++) t[i] = 0;
    // length in bits, big endian (lengths here stay far below 2^53 bits)
    const bits = len * 8;
    const hi = Math.floor(bits / 0x1_0000_0000);
    t[end - 8] = hi >>> 24;
    t[end - 7] = (hi >>> 16) & 0xff;
    t[end - 6] = (hi >>> 8) & 0xff;
    t[end - 5] = hi & 0xff;
    t[end - 4] = bits >>> 24;
    t[end - 3] = (bits >>> 16) & 0xff;
    t[end - 2] = (bits >>> 8) & 0xff;
    t[end - 1] = bits & 0xff;
    this.block(t, 0);
    if (end === 128) this.block(t, 64);
  }

  private block(b: Uint8Array, o: number): void {
    const w = this.w;
    for (let i = 0; i < 16; i++) {
      const p = o + 4 * i;
      w[i] = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!,
        y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    const h = this.h;
    let a = h[0]!,
      bb = h[1]!,
      c = h[2]!,
      d = h[3]!,
      e = h[4]!,
      f = h[5]!,
      g = h[6]!,
      hh = h[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & bb) ^ (a & c) ^ (bb & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + bb) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
    h[4] = (h[4]! + e) | 0;
    h[5] = (h[5]! + f) | 0;
    h[6] = (h[6]! + g) | 0;
    h[7] = (h[7]! + hh) | 0;
  }
}
