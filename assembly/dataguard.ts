/**
 * build/dataguard.wasm: DataGuard's batch kernel (plugins/dataguard/batch-kernel.ts loads it). The
 * common case of a redacting stage in one call per batch: check each mapkv record (envelope,
 * keys, types), hash what `hash` rules read (the SHA-256 of assembly/sha256.ts, in this module),
 * apply the rules and write the canonical body. Anything else is left to the JS path, which takes
 * such a record whole (FALLBACK): every reject (the JS path names the reason), and what this
 * kernel does not do (row bodies are never sent; a float32, a wide integer, a non-ASCII value
 * under mask or truncate, an output past the limit). What it settles, it
 * settles with the JS path's verdict, counts and bytes (test/dataguard/scan-path.test.ts).
 *
 * Its own memory, the stub runtime, no allocation; the host lays out, at or above heapBase():
 *
 *   config (CFG_*): codec, schema id, message type, required version, rule count, output limit,
 *     check only (the check role: records that pass are forwarded as they came),
 *     the version table (256 addresses of version descriptors, 0: none) and the rules
 *     (RULE_BYTES each: kind, type, replacement's canonical bytes and payload, mask prefix,
 *     suffix and character, truncate n); a version descriptor: field count, the `constructor`
 *     field (-1: none), the address of its per-rule field table (i32 per rule, -1: not in this
 *     version), then FIELD_BYTES per field: name, canonical key, type, required, rule (-1: none);
 *     every *_OFF is an address in this memory;
 *   the record table (REC_BYTES per record): the host writes the record's address and length,
 *     the kernel the status, the output's address and length and the rules applied (bit r);
 *   the captures (per record: FIELD_CAP_BYTES per field, then an i32 hash job per rule);
 *   the hash job table, its messages and digests (assembly/sha256.ts's layout); the output area.
 */
import { sha256Jobs, paddedBytes, FORM_HEX, FORM_RAW } from './sha256';
export { heapBase } from './sha256';

export const ST_FALLBACK: u32 = 0;
export const ST_FORWARD_INPUT: u32 = 2;
export const ST_OUTPUT: u32 = 3;

// config
const CFG_CODEC: usize = 0;
const CFG_SCHEMA: usize = 4;
const CFG_MSGTYPE: usize = 8;
const CFG_REQUIRED: usize = 12;
const CFG_RULES: usize = 16;
const CFG_LIMIT: usize = 20;
const CFG_MAX_FIELDS: usize = 24;
/** 1: the check role (no rules): a record that passes is forwarded as it came */
const CFG_CHECK_ONLY: usize = 28;
export const CFG_VERSIONS: usize = 32;
export const CFG_RULE_TABLE: usize = CFG_VERSIONS + 256 * 4;
export const RULE_BYTES: usize = 48;
// a rule: kind, type, rep (canonical), rep payload, prefix, suffix, char, n
const R_KIND: usize = 0;
const R_TYPE: usize = 4;
const R_REP_OFF: usize = 8;
const R_REP_LEN: usize = 12;
const R_PAY_OFF: usize = 16;
const R_PAY_LEN: usize = 20;
const R_PREFIX: usize = 24;
const R_SUFFIX: usize = 28;
const R_CHAR_OFF: usize = 32;
const R_CHAR_LEN: usize = 36;
const R_N: usize = 40;
// a version descriptor
const V_COUNT: usize = 0;
const V_CTOR: usize = 4;
const V_RULE_FIELDS: usize = 8;
export const V_FIELDS: usize = 16;
export const FIELD_BYTES: usize = 32;
const F_NAME_OFF: usize = 0;
const F_NAME_LEN: usize = 4;
const F_KEY_OFF: usize = 8;
const F_KEY_LEN: usize = 12;
const F_TYPE: usize = 16;
const F_REQUIRED: usize = 20;
const F_RULE: usize = 24;
// a record
export const REC_BYTES: usize = 32;
const RC_IN: usize = 0;
const RC_LEN: usize = 4;
const RC_STATUS: usize = 8;
const RC_OUT: usize = 12;
const RC_OUT_LEN: usize = 16;
const RC_APPLIED: usize = 20;
const RC_ENTRIES: usize = 24;
const RC_VERSION: usize = 28;
// a captured field: kind (0: absent, else the value kind + 1; CAP_ASCII set for an ASCII string),
// where its encoding starts, where its payload starts and its length
export const FIELD_CAP_BYTES: usize = 16;
const CAP_ASCII: u32 = 0x100;

const T_STRING: u32 = 0,
  T_INT: u32 = 1,
  T_FLOAT: u32 = 2,
  T_BOOL: u32 = 3,
  T_BYTES: u32 = 4;
const K_DROP: u32 = 0,
  K_REPLACE: u32 = 1,
  K_HASH: u32 = 2,
  K_MASK: u32 = 3; // (4: truncate)
// value kinds (as scan-path.ts)
const V_NIL: u32 = 0,
  V_BOOL: u32 = 1,
  V_INT: u32 = 2,
  V_FLOAT: u32 = 3,
  V_STR: u32 = 4,
  V_BIN: u32 = 5;
/** bytes per digest area: `sha256:` from +9, the digest from +16 (as plugins/dataguard/sha256.ts) */
const DIGEST_BYTES: usize = 80;
const DIGEST_AT: usize = 16;

// the value just scanned
let vKind: u32 = 0;
let vPay: usize = 0;
let vLen: u32 = 0;

@inline function be16(p: usize): u32 {
  return (<u32>load<u8>(p) << 8) | load<u8>(p + 1);
}
@inline function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

/** Scan the value at p (before end): its end, or 0 to fall back (as scan-path.ts `value`, NaN included). */
function value(p: usize, end: usize): usize {
  const t = <u32>load<u8>(p);
  if (t < 0x80 || t >= 0xe0) {
    vKind = V_INT;
    return p + 1;
  }
  if (t >= 0xa0 && t < 0xc0) return payload(V_STR, p + 1, t & 0x1f, end);
  switch (t) {
    case 0xc0:
      vKind = V_NIL;
      return p + 1;
    case 0xc2:
    case 0xc3:
      vKind = V_BOOL;
      return p + 1;
    case 0xc4:
      return p + 2 > end ? 0 : payload(V_BIN, p + 2, load<u8>(p + 1), end);
    case 0xc5:
      return p + 3 > end ? 0 : payload(V_BIN, p + 3, be16(p + 1), end);
    case 0xc6:
      return p + 5 > end ? 0 : payload(V_BIN, p + 5, be32(p + 1), end);
    case 0xd9:
      return p + 2 > end ? 0 : payload(V_STR, p + 2, load<u8>(p + 1), end);
    case 0xda:
      return p + 3 > end ? 0 : payload(V_STR, p + 3, be16(p + 1), end);
    case 0xdb:
      return p + 5 > end ? 0 : payload(V_STR, p + 5, be32(p + 1), end);
    case 0xcb: {
      if (p + 9 > end) return 0;
      const d = reinterpret<f64>(bswap<u64>(load<u64>(p + 1)));
      if (d != d) return 0; // a NaN: the JS path
      vKind = V_FLOAT;
      return p + 9;
    }
    case 0xcc:
    case 0xd0:
      vKind = V_INT;
      return p + 2 > end ? 0 : p + 2;
    case 0xcd:
    case 0xd1:
      vKind = V_INT;
      return p + 3 > end ? 0 : p + 3;
    case 0xce:
    case 0xd2:
      vKind = V_INT;
      return p + 5 > end ? 0 : p + 5;
    case 0xcf:
    case 0xd3:
      vKind = V_INT;
      return p + 9 > end ? 0 : p + 9;
    default:
      return 0; // float32, maps, arrays, extensions, 0xc1: the JS path
  }
}

@inline function payload(kind: u32, p: usize, n: u32, end: usize): usize {
  if (<usize>n > end - p) return 0;
  vKind = kind;
  vPay = p;
  vLen = n;
  return p + n;
}

/** Whether b[p, p+n) is ASCII; else 2 when well-formed UTF-8, 0 when not. */
function text(p: usize, n: u32): u32 {
  const end = p + n;
  let q = p;
  while (q + 8 <= end) {
    if ((load<u64>(q) & 0x8080808080808080) != 0) return utf8(p, end) ? 2 : 0;
    q += 8;
  }
  while (q < end) {
    if (load<u8>(q) >= 0x80) return utf8(p, end) ? 2 : 0;
    q++;
  }
  return 1;
}

/** Well-formed UTF-8 (what a decoder reads back to the same bytes), as scan-path.ts validUtf8. */
function utf8(p: usize, end: usize): bool {
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c < 0x80) {
      p++;
      continue;
    }
    if (c < 0xc2) return false;
    if (c < 0xe0) {
      if (p + 1 >= end || (load<u8>(p + 1) & 0xc0) != 0x80) return false;
      p += 2;
    } else if (c < 0xf0) {
      if (p + 2 >= end) return false;
      const c1 = <u32>load<u8>(p + 1);
      if (
        (c1 & 0xc0) != 0x80 ||
        (c == 0xe0 && c1 < 0xa0) ||
        (c == 0xed && c1 >= 0xa0) ||
        (load<u8>(p + 2) & 0xc0) != 0x80
      )
        return false;
      p += 3;
    } else if (c < 0xf5) {
      if (p + 3 >= end) return false;
      const c1 = <u32>load<u8>(p + 1);
      if (
        (c1 & 0xc0) != 0x80 ||
        (c == 0xf0 && c1 < 0x90) ||
        (c == 0xf4 && c1 >= 0x90) ||
        (load<u8>(p + 2) & 0xc0) != 0x80 ||
        (load<u8>(p + 3) & 0xc0) != 0x80
      )
        return false;
      p += 4;
    } else return false;
  }
  return true;
}

function sameBytes(a: usize, b: usize, n: u32): bool {
  let i: usize = 0;
  for (; i + 8 <= <usize>n; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  for (; i < <usize>n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** Check record r (envelope, map, types, strings) into its captures; false: the JS path. */
function check(cfg: usize, rec: usize, cap: usize): bool {
  const p0 = <usize>load<u32>(rec, RC_IN);
  const n = load<u32>(rec, RC_LEN);
  if (n <= 16) return false;
  if (load<u8>(p0) != 0x44 || load<u8>(p0 + 1) != 0x47 || load<u8>(p0 + 2) != 1) return false;
  if (<u32>load<u8>(p0 + 3) != load<u32>(cfg, CFG_CODEC)) return false;
  if (be32(p0 + 4) != load<u32>(cfg, CFG_SCHEMA) || be32(p0 + 8) != load<u32>(cfg, CFG_MSGTYPE)) return false;
  const version = be32(p0 + 12);
  if (version < load<u32>(cfg, CFG_REQUIRED) || version >= 256) return false;
  const vd = <usize>load<u32>(cfg + CFG_VERSIONS + (<usize>version << 2));
  if (vd == 0) return false;
  store<u32>(rec, <u32>vd, RC_VERSION);
  const count = load<u32>(vd, V_COUNT);
  const ctor = load<i32>(vd, V_CTOR);
  const end = p0 + n;
  let p = p0 + 16;
  const t = <u32>load<u8>(p);
  let entries: u32;
  if (t >= 0x80 && t <= 0x8f) {
    entries = t & 0x0f;
    p += 1;
  } else if (t == 0xde) {
    if (p + 3 > end) return false;
    entries = be16(p + 1);
    p += 3;
  } else return false;
  if (entries > count) return false;
  for (let i: u32 = 0; i < count; i++) store<u32>(cap + (<usize>i << 4), 0);
  let hint: u32 = 0;
  for (let e: u32 = 0; e < entries; e++) {
    if (p >= end) return false;
    const k = <u32>load<u8>(p);
    let kp: usize, kl: u32;
    if (k >= 0xa0 && k < 0xc0) {
      kp = p + 1;
      kl = k & 0x1f;
    } else if (k == 0xd9 && p + 2 <= end) {
      kp = p + 2;
      kl = load<u8>(p + 1);
    } else return false;
    if (<usize>kl > end - kp) return false;
    let fi: i32 = -1;
    for (let j: u32 = 0; j < count; j++) {
      let c = hint + j;
      if (c >= count) c -= count;
      const f = vd + V_FIELDS + <usize>c * FIELD_BYTES;
      if (load<u32>(f, F_NAME_LEN) != kl || !sameBytes(<usize>load<u32>(f, F_NAME_OFF), kp, kl)) continue;
      fi = <i32>c;
      break;
    }
    if (fi < 0 || fi == ctor) return false;
    const x = cap + (<usize>fi << 4);
    if (load<u32>(x) != 0) return false; // a key given twice
    hint = <u32>fi + 1;
    p = kp + kl;
    if (p >= end) return false;
    const q = value(p, end);
    if (q == 0) return false;
    // the verdict: a nil required field, a value not of its type (and what this kernel does not re-encode)
    const f = vd + V_FIELDS + <usize>fi * FIELD_BYTES;
    const type = load<u32>(f, F_TYPE);
    let kind = vKind + 1;
    if (vKind == V_NIL) {
      if (load<u32>(f, F_REQUIRED) != 0) return false;
    } else if (vKind == V_STR) {
      if (type != T_STRING) return false;
      const tx = text(vPay, vLen);
      if (tx == 0) return false;
      if (tx == 1) kind |= CAP_ASCII;
    } else if (vKind == V_INT) {
      // an int field, or a float field (written as a float64), and never wider than 2^53
      if ((type != T_INT && type != T_FLOAT) || wideInt(p)) return false;
    } else if (vKind == V_FLOAT) {
      if (type == T_INT) {
        const d = reinterpret<f64>(bswap<u64>(load<u64>(p + 1)));
        if (d != Math.floor(d) || d < -9223372036854775808.0 || d >= 18446744073709551616.0) return false;
      } else if (type != T_FLOAT) return false;
    } else if (vKind == V_BOOL) {
      if (type != T_BOOL) return false;
    } else if (type != T_BYTES) return false;
    store<u32>(x, kind);
    store<u32>(x, <u32>p, 4);
    store<u32>(x, <u32>vPay, 8);
    store<u32>(x, vLen, 12);
    p = q;
  }
  if (p != end) return false;
  store<u32>(rec, entries, RC_ENTRIES);
  if (entries < count)
    for (let i: u32 = 0; i < count; i++)
      if (load<u32>(cap + (<usize>i << 4)) == 0 && load<u32>(vd + V_FIELDS + <usize>i * FIELD_BYTES, F_REQUIRED) != 0)
        return false;
  return true;
}

/** A 64-bit integer outside ±2^53 (the decoder gives a bigint: the JS path writes it). */
function wideInt(at: usize): bool {
  const t = <u32>load<u8>(at);
  if (t != 0xcf && t != 0xd3) return false;
  const v = bswap<u64>(load<u64>(at + 1));
  if (t == 0xcf) return v > 0x20000000000000;
  const s = <i64>v;
  return s > 0x20000000000000 || s < -0x20000000000000;
}

/** The integer at `at` (not wide). */
function intAt(at: usize): i64 {
  const t = <u32>load<u8>(at);
  if (t < 0x80) return <i64>t;
  if (t >= 0xe0) return <i64>t - 0x100;
  switch (t) {
    case 0xcc:
      return <i64>load<u8>(at + 1);
    case 0xcd:
      return <i64>be16(at + 1);
    case 0xce:
      return <i64>be32(at + 1);
    case 0xcf:
      return <i64>bswap<u64>(load<u64>(at + 1));
    case 0xd0:
      return <i64>load<i8>(at + 1);
    case 0xd1:
      return <i64><i16>be16(at + 1);
    case 0xd2:
      return <i64><i32>be32(at + 1);
    default:
      return <i64>bswap<u64>(load<u64>(at + 1));
  }
}

/** Bytes of the integer's encoding at `at`. */
function intBytes(at: usize): usize {
  const t = <u32>load<u8>(at);
  if (t < 0x80 || t >= 0xe0) return 1;
  if (t == 0xcc || t == 0xd0) return 2;
  if (t == 0xcd || t == 0xd1) return 3;
  if (t == 0xce || t == 0xd2) return 5;
  return 9;
}

/** The shortest encoding of v (|v| < 2^53 or a uint64 from a float) at o; its end. */
function writeInt(o: usize, v: i64): usize {
  if (v >= 0) {
    if (v < 0x80) {
      store<u8>(o, <u8>v);
      return o + 1;
    }
    if (v < 0x100) {
      store<u8>(o, 0xcc);
      store<u8>(o + 1, <u8>v);
      return o + 2;
    }
    if (v < 0x10000) {
      store<u8>(o, 0xcd);
      store<u16>(o + 1, bswap<u16>(<u16>v));
      return o + 3;
    }
    if (v < 0x100000000) {
      store<u8>(o, 0xce);
      store<u32>(o + 1, bswap<u32>(<u32>v));
      return o + 5;
    }
    store<u8>(o, 0xcf);
    store<u64>(o + 1, bswap<u64>(<u64>v));
    return o + 9;
  }
  if (v >= -32) {
    store<u8>(o, <u8>v);
    return o + 1;
  }
  if (v >= -128) {
    store<u8>(o, 0xd0);
    store<u8>(o + 1, <u8>v);
    return o + 2;
  }
  if (v >= -32768) {
    store<u8>(o, 0xd1);
    store<u16>(o + 1, bswap<u16>(<u16>v));
    return o + 3;
  }
  if (v >= -0x80000000) {
    store<u8>(o, 0xd2);
    store<u32>(o + 1, bswap<u32>(<u32>v));
    return o + 5;
  }
  store<u8>(o, 0xd3);
  store<u64>(o + 1, bswap<u64>(<u64>v));
  return o + 9;
}

/** A whole-number float64 at `at` written as an int, as CanonicalWriter.intOfFloat does. */
function writeIntOfFloat(o: usize, at: usize): usize {
  const v = reinterpret<f64>(bswap<u64>(load<u64>(at + 1)));
  if (v < 4294967296.0 && v >= -2147483648.0) return writeInt(o, <i64>v);
  store<u8>(o, v >= 0 ? 0xcf : 0xd3);
  store<u64>(o + 1, bswap<u64>(v >= 0 ? <u64>v : <u64><i64>v));
  return o + 9;
}

@inline function strHead(o: usize, n: u32): usize {
  if (n < 32) {
    store<u8>(o, <u8>(0xa0 | n));
    return o + 1;
  }
  if (n < 0x100) {
    store<u8>(o, 0xd9);
    store<u8>(o + 1, <u8>n);
    return o + 2;
  }
  if (n < 0x10000) {
    store<u8>(o, 0xda);
    store<u16>(o + 1, bswap<u16>(<u16>n));
    return o + 3;
  }
  store<u8>(o, 0xdb);
  store<u32>(o + 1, bswap<u32>(n));
  return o + 5;
}

@inline function binHead(o: usize, n: u32): usize {
  if (n < 0x100) {
    store<u8>(o, 0xc4);
    store<u8>(o + 1, <u8>n);
    return o + 2;
  }
  if (n < 0x10000) {
    store<u8>(o, 0xc5);
    store<u16>(o + 1, bswap<u16>(<u16>n));
    return o + 3;
  }
  store<u8>(o, 0xc6);
  store<u32>(o + 1, bswap<u32>(n));
  return o + 5;
}

/** Whether the int at `at` is in its shortest form, tag included (scan-path.ts shortestInt). */
function shortestInt(at: usize): bool {
  const t = <u32>load<u8>(at);
  if (t < 0x80 || t >= 0xe0) return true;
  const v = intAt(at);
  let c: u32;
  if (v >= 0) c = v < 0x80 ? 0 : v < 0x100 ? 0xcc : v < 0x10000 ? 0xcd : v < 0x100000000 ? 0xce : 0xcf;
  else c = v >= -32 ? 0 : v >= -128 ? 0xd0 : v >= -32768 ? 0xd1 : v >= -0x80000000 ? 0xd2 : 0xd3;
  return c == t;
}

/**
 * One batch: check every record, hash what the `hash` rules read (one run), then apply the rules
 * and write each changed record's body to the output area. Per record: status, output, rules applied.
 */
export function dgBatch(
  cfg: usize,
  recs: usize,
  count: u32,
  caps: usize,
  jobs: usize,
  maxJobs: u32,
  msgs: usize,
  msgsEnd: usize,
  digests: usize,
  out: usize,
  outEnd: usize,
): void {
  const nRules = load<u32>(cfg, CFG_RULES);
  const maxFields = <usize>load<u32>(cfg, CFG_MAX_FIELDS);
  const capStride = maxFields * FIELD_CAP_BYTES + (<usize>nRules << 2);
  const rules = cfg + CFG_RULE_TABLE;
  let nJobs: u32 = 0;
  let m = msgs;
  for (let i: u32 = 0; i < count; i++) {
    const rec = recs + <usize>i * REC_BYTES;
    const cap = caps + <usize>i * capStride;
    store<u32>(rec, ST_FALLBACK, RC_STATUS);
    if (!check(cfg, rec, cap)) continue;
    if (load<u32>(cfg, CFG_CHECK_ONLY) != 0) {
      store<u32>(rec, ST_FORWARD_INPUT, RC_STATUS);
      continue;
    }
    // queue the hashes this record's `hash` rules read (all or none: room checked first)
    const vd = <usize>load<u32>(rec, RC_VERSION);
    const ruleFields = <usize>load<u32>(vd, V_RULE_FIELDS);
    const jobAt = cap + maxFields * FIELD_CAP_BYTES;
    let need: usize = 0;
    let jobsNeeded: u32 = 0;
    for (let r: u32 = 0; r < nRules; r++) {
      store<i32>(jobAt + (<usize>r << 2), -1);
      if (load<u32>(rules + <usize>r * RULE_BYTES, R_KIND) != K_HASH) continue;
      const fi = load<i32>(ruleFields + (<usize>r << 2));
      if (fi < 0) continue;
      const x = cap + (<usize>fi << 4);
      const kind = load<u32>(x) & 0xff;
      if (kind == 0 || kind == V_NIL + 1) continue;
      need += paddedBytes(load<u32>(x, 12));
      jobsNeeded++;
    }
    if (nJobs + jobsNeeded > maxJobs || m + need > msgsEnd) continue; // the JS path
    for (let r: u32 = 0; r < nRules; r++) {
      const rule = rules + <usize>r * RULE_BYTES;
      if (load<u32>(rule, R_KIND) != K_HASH) continue;
      const fi = load<i32>(ruleFields + (<usize>r << 2));
      if (fi < 0) continue;
      const x = cap + (<usize>fi << 4);
      const kind = load<u32>(x) & 0xff;
      if (kind == 0 || kind == V_NIL + 1) continue;
      const len = load<u32>(x, 12);
      memory.copy(m, <usize>load<u32>(x, 8), len);
      const j = jobs + (<usize>nJobs << 4);
      store<u32>(j, <u32>m);
      store<u32>(j, len, 4);
      store<u32>(j, <u32>(digests + <usize>nJobs * DIGEST_BYTES + DIGEST_AT), 8);
      store<u32>(j, load<u32>(rule, R_TYPE) == T_STRING ? FORM_HEX : FORM_RAW, 12);
      store<i32>(jobAt + (<usize>r << 2), <i32>nJobs);
      nJobs++;
      m += paddedBytes(len);
    }
    store<u32>(rec, 1, RC_STATUS); // checked: redacted below
  }
  if (nJobs > 0) sha256Jobs(jobs, nJobs);
  let o = out;
  const limit = <usize>load<u32>(cfg, CFG_LIMIT);
  for (let i: u32 = 0; i < count; i++) {
    const rec = recs + <usize>i * REC_BYTES;
    if (load<u32>(rec, RC_STATUS) != 1) continue;
    store<u32>(rec, ST_FALLBACK, RC_STATUS);
    const cap = caps + <usize>i * capStride;
    const end = redact(cfg, rec, cap, cap + maxFields * FIELD_CAP_BYTES, nRules, digests, o, outEnd, limit);
    if (end == 0) continue;
    if (end == 1) {
      store<u32>(rec, ST_FORWARD_INPUT, RC_STATUS);
      continue;
    }
    store<u32>(rec, ST_OUTPUT, RC_STATUS);
    store<u32>(rec, <u32>o, RC_OUT);
    store<u32>(rec, <u32>(end - o), RC_OUT_LEN);
    o = end;
  }
}

/**
 * The rules on a checked record, and its canonical body at o when they changed it: the end of
 * the body; 1: nothing changed; 0: the JS path (a value this kernel does not rewrite, no room).
 */
function redact(
  cfg: usize,
  rec: usize,
  cap: usize,
  jobAt: usize,
  nRules: u32,
  digests: usize,
  o: usize,
  outEnd: usize,
  limit: usize,
): usize {
  const vd = <usize>load<u32>(rec, RC_VERSION);
  const ruleFields = <usize>load<u32>(vd, V_RULE_FIELDS);
  const rules = cfg + CFG_RULE_TABLE;
  let applied: u32 = 0;
  let dropped: u32 = 0;
  for (let r: u32 = 0; r < nRules; r++) {
    const fi = load<i32>(ruleFields + (<usize>r << 2));
    if (fi < 0) continue;
    const x = cap + (<usize>fi << 4);
    const kind = load<u32>(x);
    if ((kind & 0xff) == 0 || (kind & 0xff) == V_NIL + 1) continue;
    const rule = rules + <usize>r * RULE_BYTES;
    const pay = <usize>load<u32>(x, 8);
    const len = load<u32>(x, 12);
    const rk = load<u32>(rule, R_KIND);
    // a rule that rewrites a value reads it as its type's payload (the JS path for anything else)
    if (rk != K_DROP && (kind & 0xff) - 1 != (load<u32>(rule, R_TYPE) == T_STRING ? V_STR : V_BIN)) return 0;
    let ch = false;
    switch (rk) {
      case K_DROP:
        ch = true;
        dropped++;
        break;
      case K_REPLACE: {
        const pl = load<u32>(rule, R_PAY_LEN);
        ch = pl != len || !sameBytes(<usize>load<u32>(rule, R_PAY_OFF), pay, len);
        break;
      }
      case K_HASH: {
        const d = digests + <usize>load<i32>(jobAt + (<usize>r << 2)) * DIGEST_BYTES + DIGEST_AT;
        if (load<u32>(rule, R_TYPE) == T_STRING) {
          // "sha256:" just before the 64 hex digits: the new value lies in one piece
          store<u32>(d - 7, 0x32616873); // "sha2"
          store<u16>(d - 3, 0x3635); // "56"
          store<u8>(d - 1, 0x3a); // ":"
          ch = len != 71 || !sameBytes(d - 7, pay, 71);
        } else ch = len != 32 || !sameBytes(d, pay, 32);
        break;
      }
      case K_MASK: {
        if ((kind & CAP_ASCII) == 0) return 0;
        const prefix = load<u32>(rule, R_PREFIX),
          suffix = load<u32>(rule, R_SUFFIX);
        const cl = load<u32>(rule, R_CHAR_LEN);
        let head: u32 = 0,
          tail = len,
          masked = len;
        if (len > prefix + suffix) {
          head = prefix;
          tail = len - suffix;
          masked = len - prefix - suffix;
        }
        // the head and the tail are the value's own bytes: only the masked part can differ, and
        // with a character of several bytes its length does
        if (cl != 1) ch = masked != 0;
        else {
          const c = load<u8>(<usize>load<u32>(rule, R_CHAR_OFF));
          for (let k: u32 = head; k < tail && !ch; k++) if (load<u8>(pay + k) != c) ch = true;
        }
        break;
      }
      default: {
        // truncate: a prefix of the value (code points are bytes in ASCII; bytes for bin)
        if (load<u32>(rule, R_TYPE) == T_STRING && (kind & CAP_ASCII) == 0) return 0;
        ch = load<u32>(rule, R_N) < len;
      }
    }
    if (ch) applied |= 1 << r;
  }
  if (applied == 0) return 1;
  store<u32>(rec, applied, RC_APPLIED);
  // the body: envelope, map header, the fields in schema order
  const p0 = <usize>load<u32>(rec, RC_IN);
  // a body is at most `limit` bytes; one field may be written past it before that is seen (a value
  // of the record itself re-encoded, a hash, a truncated value: never more than the record and a
  // header; a mask or a replacement is checked before it is written)
  if (o + 2 * limit + 160 > outEnd) return 0;
  const stop = o + limit;
  memory.copy(o, p0, 16);
  o += 16;
  const entries = load<u32>(rec, RC_ENTRIES) - dropped;
  if (entries < 16) store<u8>(o++, <u8>(0x80 | entries));
  else {
    store<u8>(o, 0xde);
    store<u16>(o + 1, bswap<u16>(<u16>entries));
    o += 3;
  }
  const count = load<u32>(vd, V_COUNT);
  for (let i: u32 = 0; i < count; i++) {
    const x = cap + (<usize>i << 4);
    const kind = load<u32>(x);
    if (kind == 0) continue;
    const f = vd + V_FIELDS + <usize>i * FIELD_BYTES;
    const r = load<i32>(f, F_RULE);
    const changed = r >= 0 && (applied & (1 << r)) != 0;
    const rule = rules + <usize>r * RULE_BYTES;
    if (changed && load<u32>(rule, R_KIND) == K_DROP) continue;
    const keyLen = load<u32>(f, F_KEY_LEN);
    const at = <usize>load<u32>(x, 4);
    const pay = <usize>load<u32>(x, 8);
    const len = load<u32>(x, 12);
    memory.copy(o, <usize>load<u32>(f, F_KEY_OFF), keyLen);
    o += keyLen;
    if (changed) {
      switch (load<u32>(rule, R_KIND)) {
        case K_REPLACE: {
          const n = load<u32>(rule, R_REP_LEN);
          // a replacement is as long as the policy says: past the limit, the JS path (redact_overflow)
          if (o + <usize>n > stop) return 0;
          memory.copy(o, <usize>load<u32>(rule, R_REP_OFF), n);
          o += n;
          break;
        }
        case K_HASH: {
          const d = digests + <usize>load<i32>(jobAt + (<usize>r << 2)) * DIGEST_BYTES + DIGEST_AT;
          if (load<u32>(rule, R_TYPE) == T_STRING) {
            o = strHead(o, 71);
            memory.copy(o, d - 7, 71); // "sha256:" and the digits (written by the rules above)
            o += 71;
          } else {
            o = binHead(o, 32);
            memory.copy(o, d, 32);
            o += 32;
          }
          break;
        }
        case K_MASK: {
          const prefix = load<u32>(rule, R_PREFIX),
            suffix = load<u32>(rule, R_SUFFIX);
          const cl = load<u32>(rule, R_CHAR_LEN);
          const c = <usize>load<u32>(rule, R_CHAR_OFF);
          let head: u32 = 0,
            tail = len,
            masked = len;
          if (len > prefix + suffix) {
            head = prefix;
            tail = len - suffix;
            masked = len - prefix - suffix;
          }
          const n = head + masked * cl + (len - tail);
          if (o + 5 + <usize>n > stop) return 0; // past the limit: the JS path (redact_overflow)
          o = strHead(o, n);
          memory.copy(o, pay, head);
          o += head;
          if (cl == 1) {
            memory.fill(o, load<u8>(c), masked);
            o += masked;
          } else
            for (let k: u32 = 0; k < masked; k++) {
              memory.copy(o, c, cl);
              o += cl;
            }
          memory.copy(o, pay + tail, len - tail);
          o += len - tail;
          break;
        }
        default: {
          const keep = load<u32>(rule, R_N);
          o = load<u32>(rule, R_TYPE) == T_STRING ? strHead(o, keep) : binHead(o, keep);
          memory.copy(o, pay, keep);
          o += keep;
        }
      }
    } else {
      switch ((kind & 0xff) - 1) {
        case V_NIL:
        case V_BOOL:
          store<u8>(o++, load<u8>(at));
          break;
        case V_INT:
          if (load<u32>(f, F_TYPE) == T_FLOAT) {
            // an int in a float field: its value as a float64 (CanonicalWriter.float)
            store<u8>(o, 0xcb);
            store<u64>(o + 1, bswap<u64>(reinterpret<u64>(<f64>intAt(at))));
            o += 9;
          } else if (shortestInt(at)) {
            const b = intBytes(at);
            memory.copy(o, at, b);
            o += b;
          } else o = writeInt(o, intAt(at));
          break;
        case V_FLOAT:
          if (load<u32>(f, F_TYPE) == T_INT) o = writeIntOfFloat(o, at);
          else {
            memory.copy(o, at, 9);
            o += 9;
          }
          break;
        case V_STR:
          o = strHead(o, len);
          memory.copy(o, pay, len);
          o += len;
          break;
        default:
          o = binHead(o, len);
          memory.copy(o, pay, len);
          o += len;
      }
    }
    if (o > stop) return 0; // past the limit: the JS path (redact_overflow)
  }
  return o;
}
