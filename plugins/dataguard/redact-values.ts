import { createHash, hash as oneShotHash } from 'node:crypto';

/**
 * The value transforms behind the rules. Strings are measured in Unicode code points, so a
 * surrogate pair is never split; bytes are measured in bytes.
 */

/**
 * Lower-case hex SHA-256. crypto.hash (Node >= 20.12, Deno 2) is the one-shot form, and its hex
 * output is several times faster than its 'buffer' output (measured: bench/dataguard_mapkv.ts
 * notes in docs/dataguard.md); createHash is the fallback.
 */
const sha256Hex: (data: string | Uint8Array) => string =
  typeof oneShotHash === 'function'
    ? (data) => oneShotHash('sha256', data, 'hex') as string
    : (data) => createHash('sha256').update(data).digest('hex');

/** `sha256:` + 64 lower-case hex digits of the SHA-256 of the string's UTF-8 bytes. */
export function hashString(s: string): string {
  return `sha256:${sha256Hex(s)}`;
}

/** The 32 raw bytes of the SHA-256 of the value. */
export function hashBytes(b: Uint8Array): Uint8Array {
  return Buffer.from(sha256Hex(b), 'hex');
}

/** UTF-16 index just after the first `n` code points of `s` (or s.length). */
function indexAfterCodePoints(s: string, n: number): number {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i;
}

export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    n++;
  }
  return n;
}

/**
 * Keep `prefix` leading and `suffix` trailing code points and replace every other code point
 * with `char`. When the value has no more than prefix + suffix code points, every code point is
 * masked (nothing is kept: a short value would otherwise pass through whole).
 */
export function maskString(s: string, prefix: number, suffix: number, char: string): string {
  const n = codePointLength(s);
  if (n <= prefix + suffix) return char.repeat(n);
  const head = indexAfterCodePoints(s, prefix);
  const tail = indexAfterCodePoints(s, n - suffix);
  return s.slice(0, head) + char.repeat(n - prefix - suffix) + s.slice(tail);
}

/** The first `n` code points of the string. */
export function truncateString(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, indexAfterCodePoints(s, n));
}

/** The first `n` bytes (a view, no copy). */
export function truncateBytes(b: Uint8Array, n: number): Uint8Array {
  return b.length <= n ? b : b.subarray(0, n);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
