/**
 * How a DataGuard record sits in a ring slot (`--framing`):
 * - `base64` (default): the slot holds the record as standard base64 text (RFC 4648 alphabet,
 *   `=` padding, no line breaks). This is the framing of the line-oriented `run --sp` input and
 *   output, one record per line.
 * - `raw`: the slot holds the record bytes (binary transports: NATS, Redis Streams, ...).
 * Both directions work on caller-owned buffers and allocate nothing.
 */
export type Framing = 'base64' | 'raw';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENC = new Uint8Array(64);
const DEC = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  ENC[i] = ALPHABET.charCodeAt(i);
  DEC[ALPHABET.charCodeAt(i)] = i;
}
const PAD = 0x3d;

/** Bytes a base64 text of `n` characters decodes to at most. */
export const base64DecodedMax = (n: number): number => Math.floor(n / 4) * 3;
/** Characters of the base64 text of `n` bytes. */
export const base64Length = (n: number): number => Math.ceil(n / 3) * 4;

/**
 * Decode the base64 text `src[start, start+len)` into `dst` from `at`. Returns the number of
 * bytes, or -1 when the text is not canonical padded base64 or does not fit `dst`.
 */
export function decodeBase64(src: Uint8Array, start: number, len: number, dst: Uint8Array, at = 0): number {
  if (len === 0 || (len & 3) !== 0) return -1;
  let pad = 0;
  if (src[start + len - 1] === PAD) pad = src[start + len - 2] === PAD ? 2 : 1;
  const out = (len / 4) * 3 - pad;
  if (out > dst.length - at) return -1;
  let o = at;
  const end = start + len - (pad ? 4 : 0);
  for (let i = start; i < end; i += 4) {
    const a = DEC[src[i]!]!,
      b = DEC[src[i + 1]!]!,
      c = DEC[src[i + 2]!]!,
      d = DEC[src[i + 3]!]!;
    if ((a | b | c | d) < 0) return -1;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    dst[o++] = v >>> 16;
    dst[o++] = (v >>> 8) & 0xff;
    dst[o++] = v & 0xff;
  }
  if (pad) {
    const i = end;
    const a = DEC[src[i]!]!,
      b = DEC[src[i + 1]!]!;
    if ((a | b) < 0) return -1;
    if (pad === 2) {
      if ((b & 0x0f) !== 0) return -1; // non-canonical trailing bits
      dst[o++] = (a << 2) | (b >>> 4);
    } else {
      const c = DEC[src[i + 2]!]!;
      if (c < 0 || (c & 0x03) !== 0) return -1;
      dst[o++] = (a << 2) | (b >>> 4);
      dst[o++] = ((b & 0x0f) << 4) | (c >>> 2);
    }
  }
  return o - at;
}

/** Encode `src[from, from+n)` as base64 text into `dst` at `at`; returns the number of characters. */
export function encodeBase64(src: Uint8Array, n: number, dst: Uint8Array, at: number, from = 0): number {
  let o = at;
  let i = from;
  n += from;
  for (; i + 3 <= n; i += 3) {
    const v = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
    dst[o++] = ENC[v >>> 18]!;
    dst[o++] = ENC[(v >>> 12) & 63]!;
    dst[o++] = ENC[(v >>> 6) & 63]!;
    dst[o++] = ENC[v & 63]!;
  }
  if (i < n) {
    const a = src[i]!;
    const b = i + 1 < n ? src[i + 1]! : 0;
    const v = (a << 16) | (b << 8);
    dst[o++] = ENC[v >>> 18]!;
    dst[o++] = ENC[(v >>> 12) & 63]!;
    dst[o++] = i + 1 < n ? ENC[(v >>> 6) & 63]! : PAD;
    dst[o++] = PAD;
  }
  return o - at;
}
