import { copyBytes } from '../../kernel/io/byte-copy.ts';
import { T_BOOL, T_FLOAT, T_INT, T_STRING } from './field-types.ts';
import type { ReplacementValue } from './rules.ts';

/**
 * A canonical msgpack writer for DataGuard output bodies. The encoding of a value depends only on
 * the value and its schema type, never on how the input happened to encode it:
 * - integers use the shortest msgpack form (fixint, uint8..uint64, negative fixint, int8..int64),
 *   whether the decoded value was a number or a bigint;
 * - floats are always float64; strings use the shortest str header, bytes the shortest bin header;
 * - map keys come in the schema's field order (the caller writes them in that order).
 * It writes into one reused buffer and never allocates; a write past `limit` sets `overflow`
 * and writes nothing more.
 */
export class CanonicalWriter {
  readonly buf: Buffer;
  /** a view of `buf`, for copies (copyBytes) */
  private readonly view: DataView;
  pos = 0;
  limit: number;
  overflow = false;

  constructor(capacity: number) {
    this.buf = Buffer.alloc(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.limit = capacity;
  }

  /** Start writing at `pos`, refusing to pass `limit` (<= capacity). */
  reset(pos: number, limit: number): void {
    this.pos = pos;
    this.limit = Math.min(limit, this.buf.length);
    this.overflow = false;
  }

  private room(n: number): boolean {
    if (this.overflow) return false;
    if (this.pos + n > this.limit) {
      this.overflow = true;
      return false;
    }
    return true;
  }

  private u8(v: number): void {
    this.buf[this.pos++] = v;
  }
  private u16(v: number): void {
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }
  private u32(v: number): void {
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
  }

  nil(): void {
    if (this.room(1)) this.u8(0xc0);
  }

  bool(v: boolean): void {
    if (this.room(1)) this.u8(v ? 0xc3 : 0xc2);
  }

  float(v: number): void {
    if (!this.room(9)) return;
    this.u8(0xcb);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** An integer given as a safe-integer number or as a bigint in the int64/uint64 range. */
  int(v: number | bigint): void {
    if (typeof v === 'bigint') {
      if (v >= -9007199254740991n && v <= 9007199254740991n) {
        this.int(Number(v));
        return;
      }
      if (!this.room(9)) return;
      if (v > 0n) {
        this.u8(0xcf);
        this.buf.writeBigUInt64BE(v, this.pos);
      } else {
        this.u8(0xd3);
        this.buf.writeBigInt64BE(v, this.pos);
      }
      this.pos += 8;
      return;
    }
    if (v >= 0) {
      if (v < 0x80) {
        if (this.room(1)) this.u8(v);
      } else if (v < 0x100) {
        if (this.room(2)) {
          this.u8(0xcc);
          this.u8(v);
        }
      } else if (v < 0x10000) {
        if (this.room(3)) {
          this.u8(0xcd);
          this.u16(v);
        }
      } else if (v < 0x1_0000_0000) {
        if (this.room(5)) {
          this.u8(0xce);
          this.u32(v);
        }
      } else if (this.room(9)) {
        this.u8(0xcf);
        this.u32(Math.floor(v / 0x1_0000_0000));
        this.u32(v >>> 0);
      }
      return;
    }
    if (v >= -32) {
      if (this.room(1)) this.u8(v & 0xff);
    } else if (v >= -128) {
      if (this.room(2)) {
        this.u8(0xd0);
        this.u8(v & 0xff);
      }
    } else if (v >= -32768) {
      if (this.room(3)) {
        this.u8(0xd1);
        this.u16(v & 0xffff);
      }
    } else if (v >= -0x8000_0000) {
      if (this.room(5)) {
        this.u8(0xd2);
        this.u32(v);
      }
    } else if (this.room(9)) {
      const hi = Math.floor(v / 0x1_0000_0000);
      this.u8(0xd3);
      this.u32(hi | 0);
      this.u32(v - hi * 0x1_0000_0000);
    }
  }

  /**
   * The whole number held by the float at src[at] (tag 0xca or 0xcb; within the int64/uint64
   * range), as int() writes it. Read and, beyond 32 bits, written here: a value outside the small
   * integers passed to another function would be a heap number, one allocation per value.
   */
  intOfFloat(src: DataView, at: number): void {
    const v = src.getUint8(at) === 0xca ? src.getFloat32(at + 1) : src.getFloat64(at + 1);
    if (v < 0x1_0000_0000 && v >= -0x8000_0000) {
      this.int(v);
      return;
    }
    if (!this.room(9)) return;
    const hi = Math.floor(v / 0x1_0000_0000);
    const view = this.view;
    view.setUint8(this.pos, v >= 0 ? 0xcf : 0xd3);
    view.setUint32(this.pos + 1, hi >>> 0);
    view.setUint32(this.pos + 5, v - hi * 0x1_0000_0000);
    this.pos += 9;
  }

  str(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (this.strHead(n)) this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  /** The smallest str header for n bytes, when the header and the bytes fit; false when they do not. */
  private strHead(n: number): boolean {
    const head = n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    if (!this.room(head + n)) return false;
    if (n < 32) this.u8(0xa0 | n);
    else if (n < 0x100) {
      this.u8(0xd9);
      this.u8(n);
    } else if (n < 0x10000) {
      this.u8(0xda);
      this.u16(n);
    } else {
      this.u8(0xdb);
      this.u32(n);
    }
    return true;
  }

  bin(b: Uint8Array): void {
    if (!this.binHead(b.length)) return;
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** The smallest bin header for n bytes, when the header and the bytes fit; false when they do not. */
  private binHead(n: number): boolean {
    const head = n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    if (!this.room(head + n)) return false;
    if (n < 0x100) {
      this.u8(0xc4);
      this.u8(n);
    } else if (n < 0x10000) {
      this.u8(0xc5);
      this.u16(n);
    } else {
      this.u8(0xc6);
      this.u32(n);
    }
    return true;
  }

  // The byte ranges below are given as a DataView over their buffer (made once per buffer by the
  // caller) and copied by copyBytes (kernel/io/byte-copy.ts).

  /** A string given as its UTF-8 bytes src[start, start+n) (well-formed: what str() writes for it). */
  strBytes(src: DataView, start: number, n: number): void {
    if (this.strHead(n)) this.copy(src, start, n);
  }

  /** Bytes given as src[start, start+n). */
  binBytes(src: DataView, start: number, n: number): void {
    if (this.binHead(n)) this.copy(src, start, n);
  }

  /** Bytes already encoded, given as src[start, start+n) (an envelope, a key, an unchanged value). */
  bytes(src: DataView, start: number, n: number): void {
    if (this.room(n)) this.copy(src, start, n);
  }

  /** A tag byte and 8 bytes copied from src[start, start+8) (a 64-bit integer as it came). */
  tagged8(tag: number, src: DataView, start: number): void {
    if (!this.room(9)) return;
    this.u8(tag);
    this.copy(src, start, 8);
  }

  private copy(src: DataView, start: number, n: number): void {
    copyBytes(src, start, this.view, this.pos, n);
    this.pos += n;
  }

  /** Copy what was written, buf[0, pos), to dst[at, at+pos). */
  copyOut(dst: DataView, at: number): void {
    copyBytes(this.view, 0, dst, at, this.pos);
  }

  mapHeader(n: number): void {
    if (n < 16) {
      if (this.room(1)) this.u8(0x80 | n);
    } else if (n < 0x10000) {
      if (this.room(3)) {
        this.u8(0xde);
        this.u16(n);
      }
    } else if (this.room(5)) {
      this.u8(0xdf);
      this.u32(n);
    }
  }

  arrayHeader(n: number): void {
    if (n < 16) {
      if (this.room(1)) this.u8(0x90 | n);
    } else if (n < 0x10000) {
      if (this.room(3)) {
        this.u8(0xdc);
        this.u16(n);
      }
    } else if (this.room(5)) {
      this.u8(0xdd);
      this.u32(n);
    }
  }

  /** Bytes already encoded (e.g. a map key encoded once at start). */
  raw(b: Uint8Array): void {
    if (!this.room(b.length)) return;
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p + i] = b[i]!;
    this.pos = p + b.length;
  }
}

/** The canonical msgpack encoding of a string, as a new array (for keys, computed once). */
export function encodeCanonicalString(s: string): Uint8Array {
  const w = new CanonicalWriter(Buffer.byteLength(s, 'utf8') + 5);
  w.str(s);
  return Uint8Array.prototype.slice.call(w.buf, 0, w.pos);
}

/** The canonical msgpack encoding of a value of a field type, as a new array (a replacement VALUE, encoded once). */
export function encodeCanonicalValue(v: ReplacementValue, type: number): Uint8Array {
  const w = new CanonicalWriter(
    16 + (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v instanceof Uint8Array ? v.length : 0),
  );
  writeTyped(w, v, type);
  return Uint8Array.prototype.slice.call(w.buf, 0, w.pos);
}

/** Length of the map (or -1) whose header starts at b[o]. */
export function mapLengthAt(b: Uint8Array, o: number): number {
  const t = b[o]!;
  if (t >= 0x80 && t <= 0x8f) return t & 0x0f;
  if (t === 0xde) return (b[o + 1]! << 8) | b[o + 2]!;
  if (t === 0xdf) return ((b[o + 1]! << 24) >>> 0) + (b[o + 2]! << 16) + (b[o + 3]! << 8) + b[o + 4]!;
  return -1;
}

/** Write a value of a schema field type (the T_* codes) canonically; null and undefined as nil. */
export function writeTyped(w: CanonicalWriter, v: unknown, type: number): void {
  if (v === null || v === undefined) w.nil();
  else if (type === T_STRING) w.str(v as string);
  else if (type === T_INT) w.int(v as number | bigint);
  else if (type === T_FLOAT) w.float(v as number);
  else if (type === T_BOOL) w.bool(v as boolean);
  else w.bin(v as Uint8Array);
}
