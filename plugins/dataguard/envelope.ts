/**
 * The DataGuard record envelope: a fixed 16-byte header in front of one msgpack value.
 *
 *   offset size
 *    0     2   magic "DG" (0x44 0x47)
 *    2     1   envelope version, 1
 *    3     1   codec: 1 = mapkv (msgpack map), 2 = row (msgpack array in schema field order)
 *    4     4   schema id      (u32, big endian)
 *    8     4   message type   (u32, big endian)
 *   12     4   schema version (u32, big endian)
 *   16     n   the msgpack body: exactly one value, nothing after it
 */

export const ENVELOPE_BYTES = 16;
export const ENVELOPE_MAGIC_0 = 0x44; // 'D'
export const ENVELOPE_MAGIC_1 = 0x47; // 'G'
export const ENVELOPE_VERSION = 1;

export const CODEC_MAPKV = 1;
export const CODEC_ROW = 2;
export type PayloadMode = 'mapkv' | 'row';
export const codecOfMode = (mode: PayloadMode): number => (mode === 'row' ? CODEC_ROW : CODEC_MAPKV);

export interface EnvelopeHeader {
  codec: number;
  schemaId: number;
  msgType: number;
  version: number;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
}

function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * Read the header of the record at `b[start, start+length)` into `into` (reused, no allocation).
 * Returns false when the bytes are not a DataGuard envelope (too short, wrong magic, unknown
 * envelope version or codec).
 */
export function readEnvelope(b: Uint8Array, start: number, length: number, into: EnvelopeHeader): boolean {
  if (length < ENVELOPE_BYTES) return false;
  if (b[start] !== ENVELOPE_MAGIC_0 || b[start + 1] !== ENVELOPE_MAGIC_1 || b[start + 2] !== ENVELOPE_VERSION)
    return false;
  const codec = b[start + 3]!;
  if (codec !== CODEC_MAPKV && codec !== CODEC_ROW) return false;
  into.codec = codec;
  into.schemaId = u32(b, start + 4);
  into.msgType = u32(b, start + 8);
  into.version = u32(b, start + 12);
  return true;
}

/** Write a header at `b[start]`. */
export function writeEnvelope(b: Uint8Array, start: number, h: EnvelopeHeader): void {
  b[start] = ENVELOPE_MAGIC_0;
  b[start + 1] = ENVELOPE_MAGIC_1;
  b[start + 2] = ENVELOPE_VERSION;
  b[start + 3] = h.codec;
  putU32(b, start + 4, h.schemaId);
  putU32(b, start + 8, h.msgType);
  putU32(b, start + 12, h.version);
}

/** A whole record (header + body) as a new array: for producers and tests, not the ring. */
export function encodeRecord(h: EnvelopeHeader, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(ENVELOPE_BYTES + body.length);
  writeEnvelope(out, 0, h);
  out.set(body, ENVELOPE_BYTES);
  return out;
}
