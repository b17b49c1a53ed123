import { CanonicalWriter, encodeCanonicalString, encodeCanonicalValue } from './canonical-msgpack.ts';
import { ACTION_CODE, K_DROP, K_HASH, K_MASK, K_REPLACE } from './action-codes.ts';
import { ENVELOPE_BYTES } from './envelope.ts';
import { T_BOOL, T_BYTES, T_FLOAT, T_INT, T_STRING, TYPE_CODE } from './field-types.ts';
import type { SchemaContract } from './registry.ts';
import type { BoundRule } from './rules.ts';
import { FORM_HEX, FORM_RAW, Sha256 } from './sha256.ts';

/**
 * The in-place path of a DataGuard stage: check a record and redact it by scanning its msgpack
 * body where it lies (a cursor over the bytes), without building an object per record.
 *
 * - Check: the body's map keys are compared as bytes with the schema's field names (compiled once
 *   per version), each value is typed by its msgpack tag (a float's value is read only when an
 *   `int` field must hold a whole number, a 64-bit integer's only when a `float` field needs it
 *   to be a JS number), and the verdict is the decode path's.
 * - Hash: the values `hash` rules read are queued (queueHashes) and hashed by build/sha256.wasm
 *   (sha256.ts), one call for the values of many records: a record is checked into one of
 *   `slots` slots and kept (its fields' positions stay in the slot) until its hashes have run.
 * - Redact: each rule computes its field's new bytes (a mask, a prefix) into a reused scratch
 *   buffer, a hash is read where the module wrote it; when one changes anything the body is
 *   written canonically into the reused writer: the envelope copied, untouched values that are
 *   already canonical copied as they lie (neighbours in one copy), the others re-encoded from
 *   their bytes (shortest headers, integers by value, floats as float64), changed ones from
 *   where they were computed.
 *
 * Everything the decode path would settle differently is left to it (`SCAN_FALLBACK`, before any
 * counter moves): a body that is not a well-formed map/array of nil, bool, int, float, str and
 * bin values with nothing after it, a key that is not exactly one field name of the version, a
 * key given twice, a key `constructor` (see ScanVersion), a NaN, a string that must be read or re-encoded but is not
 * well-formed UTF-8 (the decoder would replace its bytes), a policy VALUE or mask character that is not well-formed
 * text. So its verdicts, counts and output bytes are the decode path's for every input
 * (test/dataguard/scan-path.test.ts checks that on random records and encodings). Nothing here
 * allocates per record.
 */

export const SCAN_FALLBACK = 0;
/** a schema_incompatible record */
export const SCAN_INCOMPATIBLE = 1;
/** the record passes unchanged (check role, or no rule changed it) */
export const SCAN_FORWARD_INPUT = 2;
/** rules changed the record: `applied` says which; the body is in the writer unless `overflow` */
export const SCAN_OUTPUT = 3;

/** msgpack value kinds the scanner reads */
const V_NIL = 0,
  V_BOOL = 1,
  V_INT = 2,
  V_FLOAT = 3,
  V_STR = 4,
  V_BIN = 5;
/** rulesOn: nothing changed / leave the record to the decode path */
const RULES_NOOP = -1,
  RULES_FALLBACK = -2;
/** where a changed field's new payload lies */
const NEW_INPUT = 0,
  NEW_SCRATCH = 1,
  NEW_HASH = 2;
const INT64_MIN = -(2 ** 63);
const UINT64_LIMIT = 2 ** 64;
// Every byte array the copy loops read is a Buffer, like the record: one kind of array keeps
// those loops' element loads monomorphic.
const SHA_PREFIX = Buffer.from('sha256:', 'latin1');
const HASH_TEXT_BYTES = SHA_PREFIX.length + 64;

interface ScanVersion {
  count: number;
  /** field names' UTF-8 bytes, one after the other */
  names: DataView;
  nameOff: Int32Array;
  nameLen: Int32Array;
  /** canonical key encodings, for output: key i is keys[keyOff[i], keyOff[i] + keyLen[i]) */
  keys: DataView;
  keyOff: Int32Array;
  keyLen: Int32Array;
  types: Uint8Array;
  required: Uint8Array;
  /** per field: the policy rule on it, or -1 */
  fieldRule: Int32Array;
  /** per policy rule: its field's position, or -1 */
  ruleField: Int32Array;
  /**
   * The position of a field named `constructor`, or -1. The decode path takes a decoded map whose
   * `constructor` property is not `Object` for something other than a map (codec_mismatch), so a
   * body with that key goes to it.
   */
  constructorField: number;
}

interface ScanRule {
  index: number;
  kind: number;
  type: number;
  /** replace_with: the canonical encoding of the VALUE (and a view of it), and its str/bin payload */
  rep: Buffer;
  repView: DataView;
  repPayload: Buffer;
  /** replace_with on a float field: the VALUE */
  repNumber: number;
  prefix: number;
  suffix: number;
  /** mask: the UTF-8 bytes of the mask character */
  char: Buffer;
  n: number;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether every rule's text (a replacement string, a mask character) is well-formed UTF-16. */
export function rulesScannable(rules: readonly BoundRule[]): boolean {
  return rules.every(
    (r) =>
      !(typeof r.replacement === 'string' && LONE_SURROGATE.test(r.replacement)) &&
      !(r.action.kind === 'mask' && LONE_SURROGATE.test(r.action.char)),
  );
}

const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/**
 * Whether b[p, p+n) is well-formed UTF-8 (what a decoder reads back to the same bytes); `v` is a
 * DataView of b (ASCII is skipped four bytes at a time).
 */
export function validUtf8(b: Uint8Array, p: number, n: number, v: DataView = viewOf(b)): boolean {
  if (ascii(v, b, p, n)) return true;
  const end = p + n;
  while (p < end) {
    if (p + 4 <= end && (v.getInt32(p) & 0x80808080) === 0) {
      p += 4;
      continue;
    }
    const c = b[p]!;
    if (c < 0x80) {
      p++;
      continue;
    }
    if (c < 0xc2) return false;
    if (c < 0xe0) {
      if (p + 1 >= end || (b[p + 1]! & 0xc0) !== 0x80) return false;
      p += 2;
    } else if (c < 0xf0) {
      if (p + 2 >= end) return false;
      const c1 = b[p + 1]!;
      if (
        (c1 & 0xc0) !== 0x80 ||
        (c === 0xe0 && c1 < 0xa0) ||
        (c === 0xed && c1 >= 0xa0) ||
        (b[p + 2]! & 0xc0) !== 0x80
      )
        return false;
      p += 3;
    } else if (c < 0xf5) {
      if (p + 3 >= end) return false;
      const c1 = b[p + 1]!;
      if (
        (c1 & 0xc0) !== 0x80 ||
        (c === 0xf0 && c1 < 0x90) ||
        (c === 0xf4 && c1 >= 0x90) ||
        (b[p + 2]! & 0xc0) !== 0x80 ||
        (b[p + 3]! & 0xc0) !== 0x80
      )
        return false;
      p += 4;
    } else {
      return false;
    }
  }
  return true;
}

/**
 * Whether b[p, p+n) is ASCII (then it is well-formed UTF-8, one code point per byte); `v` is a
 * DataView of b. Four bytes at a time, the last four read where they end (overlapping the ones
 * before: no byte loop for the tail).
 */
function ascii(v: DataView, b: Uint8Array, p: number, n: number): boolean {
  if (n < 4) {
    for (let i = 0; i < n; i++) if (b[p + i]! >= 0x80) return false;
    return true;
  }
  let bits = v.getInt32(p + n - 4);
  for (let i = 0; i + 4 < n; i += 4) bits |= v.getInt32(p + i);
  return (bits & 0x80808080) === 0;
}

/** Byte offset, from p, just after the first k code points of the UTF-8 text b[p, p+n). */
function afterCodePoints(b: Uint8Array, p: number, n: number, k: number): number {
  let i = 0;
  for (let c = 0; c < k && i < n; c++) {
    i++;
    while (i < n && (b[p + i]! & 0xc0) === 0x80) i++;
  }
  return i;
}

function codePoints(b: Uint8Array, p: number, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if ((b[p + i]! & 0xc0) !== 0x80) c++;
  return c;
}

/** Bytes of the shortest str header for n bytes. */
const strHeadBytes = (n: number): number => (n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

/** Whether the integer at b[at] is in its shortest form (what the writer gives its value). */
function shortestInt(b: Uint8Array, at: number): boolean {
  const t = b[at]!;
  if (t < 0x80 || t >= 0xe0) return true;
  switch (t) {
    case 0xcc:
      return b[at + 1]! >= 0x80;
    case 0xcd:
      return b[at + 1]! !== 0;
    case 0xce:
      return (b[at + 1]! | b[at + 2]!) !== 0;
    case 0xcf:
      return (b[at + 1]! | b[at + 2]! | b[at + 3]! | b[at + 4]!) !== 0;
    case 0xd0: // -128..-33
      return b[at + 1]! >= 0x80 && b[at + 1]! < 0xe0;
    case 0xd1: // below -128
      return (b[at + 1]! & 0x80) !== 0 && ((b[at + 1]! << 8) | b[at + 2]!) < 0xff80;
    case 0xd2: // below -32768
      return (b[at + 1]! & 0x80) !== 0 && !(b[at + 1] === 0xff && b[at + 2] === 0xff && b[at + 3]! >= 0x80);
    default: // 0xd3, below -2^31
      return (
        (b[at + 1]! & 0x80) !== 0 &&
        ((b[at + 1]! & b[at + 2]! & b[at + 3]! & b[at + 4]!) !== 0xff || (b[at + 5]! & 0x80) === 0)
      );
  }
}

function sameBytes(a: Uint8Array, ap: number, b: Uint8Array, bp: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ap + i] !== b[bp + i]) return false;
  return true;
}

/** sameBytes over DataViews, four bytes at a time, the last four where they end (as `ascii`). */
function sameView(a: DataView, ap: number, b: DataView, bp: number, n: number): boolean {
  if (n < 4) {
    for (let i = 0; i < n; i++) if (a.getUint8(ap + i) !== b.getUint8(bp + i)) return false;
    return true;
  }
  for (let i = 0; i + 4 < n; i += 4) if (a.getInt32(ap + i) !== b.getInt32(bp + i)) return false;
  return a.getInt32(ap + n - 4) === b.getInt32(bp + n - 4);
}

export class ScanPath {
  private readonly mapkv: boolean;
  /** by version number (an array: a record's lookup is an indexed load; a number no version has gives undefined) */
  private readonly versions: Array<ScanVersion | undefined> = [];
  private readonly rules: ScanRule[];
  /** the positions of the `hash` rules in `rules` */
  private readonly hashRules: Int32Array;
  private readonly writer: CanonicalWriter;
  private readonly binLimit: number;
  /** the hashes of the kept records' fields, queued for one run */
  private readonly sha: Sha256;
  /** message bytes one more record may queue at most */
  private readonly hashWorst: number;
  /** a 9-byte value, canonically (to compare an int/float/bool with a replacement) */
  private readonly tiny = new CanonicalWriter(16);
  private readonly maxFields: number;
  /** records that can be kept (checked, their hashes queued) before they are redacted */
  readonly slots: number;
  /** the slot the next check fills: slots below it are kept */
  private next = 0;
  // per slot: the record's version, where it starts, its map's entries (all distinct fields) or row's length
  private readonly slotVersion: Array<ScanVersion | undefined>;
  private readonly slotBase: Int32Array;
  private readonly slotEntries: Int32Array;
  // per slot and schema position (slot * maxFields + i): the record's fields
  private readonly present: Uint8Array;
  private readonly tag: Uint8Array;
  /** where the value's encoding starts (its type byte) */
  private readonly at: Int32Array;
  /** str/bin: payload start and length */
  private readonly pay: Int32Array;
  private readonly len: Int32Array;
  /**
   * where the field's bytes start (a map: its key, when the key's header is the shortest; -1 when
   * not; a row: its value) and where its value ends: an unchanged field whose bytes are already
   * canonical is copied as it lies, with its neighbours when they are too
   */
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  /** per slot and policy rule (slot * rules + r): the hash job of a `hash` rule, or -1 */
  private readonly job: Int32Array;
  /** the first field of the slot being checked or redacted in the arrays above */
  private fo = 0;
  // the value just scanned
  private vTag = 0;
  private vPay = 0;
  private vLen = 0;
  // per policy rule of the record being redacted
  /** 1 when the rule changed its field (counted as rule.<i>.applied) */
  readonly applied: Uint8Array;
  private readonly newSrc: Uint8Array;
  private readonly newStart: Int32Array;
  private readonly newLen: Int32Array;
  private readonly scratch: Buffer;
  private readonly scratchView: DataView;
  /** after SCAN_OUTPUT: the body did not fit the slot */
  overflow = false;

  /**
   * `slots`: how many checked records may be kept, their hashes queued, before they are redacted
   * (1: each record is redacted right after its check).
   */
  constructor(
    mode: 'mapkv' | 'row',
    contract: SchemaContract,
    rules: readonly BoundRule[],
    writer: CanonicalWriter,
    binLimit: number,
    slots = 1,
  ) {
    this.mapkv = mode === 'mapkv';
    this.writer = writer;
    this.binLimit = binLimit;
    this.slots = slots;
    let maxFields = 0;
    for (const v of contract.versions) {
      const names = v.fields.map((f) => Buffer.from(f.name, 'utf8'));
      const flat = Buffer.alloc(names.reduce((a, n) => a + n.length, 0));
      const nameOff = new Int32Array(names.length),
        nameLen = new Int32Array(names.length);
      let o = 0;
      names.forEach((n, i) => {
        flat.set(n, o);
        nameOff[i] = o;
        nameLen[i] = n.length;
        o += n.length;
      });
      const fieldRule = new Int32Array(v.fields.length).fill(-1);
      const ruleField = new Int32Array(rules.length);
      rules.forEach((r, i) => {
        const fi = v.fields.findIndex((f) => f.name === r.field);
        ruleField[i] = fi;
        if (fi >= 0) fieldRule[fi] = i;
      });
      const keys = v.fields.map((f) => encodeCanonicalString(f.name));
      const keyBytes = Buffer.concat(keys);
      const keyOff = new Int32Array(keys.length);
      for (let i = 1; i < keys.length; i++) keyOff[i] = keyOff[i - 1]! + keys[i - 1]!.length;
      this.versions[v.version] = {
        count: v.fields.length,
        names: viewOf(flat),
        nameOff,
        nameLen,
        keys: viewOf(keyBytes),
        keyOff,
        keyLen: Int32Array.from(keys, (k) => k.length),
        types: Uint8Array.from(v.fields, (f) => TYPE_CODE[f.type]),
        required: Uint8Array.from(v.fields, (f) => (f.required ? 1 : 0)),
        fieldRule,
        ruleField,
        constructorField: v.fields.findIndex((f) => f.name === 'constructor'),
      };
      maxFields = Math.max(maxFields, v.fields.length);
    }
    this.maxFields = maxFields;
    this.slotVersion = new Array<ScanVersion | undefined>(slots).fill(undefined);
    this.slotBase = new Int32Array(slots);
    this.slotEntries = new Int32Array(slots);
    this.present = new Uint8Array(slots * maxFields);
    this.tag = new Uint8Array(slots * maxFields);
    this.at = new Int32Array(slots * maxFields);
    this.pay = new Int32Array(slots * maxFields);
    this.len = new Int32Array(slots * maxFields);
    this.from = new Int32Array(slots * maxFields);
    this.to = new Int32Array(slots * maxFields);
    this.job = new Int32Array(slots * rules.length).fill(-1);
    const empty = Buffer.alloc(0);
    this.rules = rules.map((r) => {
      const type = TYPE_CODE[r.type];
      const rep = r.replacement === undefined ? empty : Buffer.from(encodeCanonicalValue(r.replacement, type));
      const repPayload =
        typeof r.replacement === 'string'
          ? Buffer.from(r.replacement, 'utf8')
          : r.replacement instanceof Uint8Array
            ? Buffer.from(r.replacement)
            : empty;
      return {
        index: r.index,
        kind: ACTION_CODE[r.action.kind],
        type,
        rep,
        repView: viewOf(rep),
        repPayload,
        repNumber: typeof r.replacement === 'number' ? r.replacement : 0,
        prefix: r.action.kind === 'mask' ? r.action.prefix : 0,
        suffix: r.action.kind === 'mask' ? r.action.suffix : 0,
        char: r.action.kind === 'mask' ? Buffer.from(r.action.char, 'utf8') : empty,
        n: r.action.kind === 'truncate' ? r.action.n : 0,
      };
    });
    this.hashRules = Int32Array.from(
      this.rules.flatMap((r, i) => (r.kind === K_HASH ? [i] : [])),
      (i) => i,
    );
    // the hashed values of one record are at most its body: binLimit bytes, plus padding per value
    this.hashWorst = binLimit + this.hashRules.length * 136;
    this.sha = new Sha256(
      Math.max(1, slots * this.hashRules.length),
      this.hashRules.length === 0 ? 0 : slots * 256 + this.hashWorst,
      SHA_PREFIX,
    );
    this.applied = new Uint8Array(rules.length);
    this.newSrc = new Uint8Array(rules.length);
    this.newStart = new Int32Array(rules.length);
    this.newLen = new Int32Array(rules.length);
    // a mask writes at most 4 bytes per code point of its value
    this.scratch = Buffer.alloc(4 * binLimit);
    this.scratchView = viewOf(this.scratch);
  }

  // views of the buffers records are read from (the ring's memory, a base64 scratch): two kept
  private viewA: Buffer | undefined;
  private viewAOf!: DataView;
  private viewB: Buffer | undefined;
  private viewBOf!: DataView;

  /** A DataView of b (made once per buffer). */
  private view(b: Buffer): DataView {
    if (b === this.viewA) return this.viewAOf;
    if (b === this.viewB) return this.viewBOf;
    this.viewB = this.viewA;
    this.viewBOf = this.viewAOf;
    this.viewA = b;
    this.viewAOf = viewOf(b);
    return this.viewAOf;
  }

  /** Whether the policy hashes anything (then keeping records lets their hashes run together). */
  get hashes(): boolean {
    return this.hashRules.length > 0;
  }

  /** Whether another record can be kept: a slot free and room for its hashes. */
  roomToKeep(): boolean {
    return this.next < this.slots && this.sha.room(this.hashWorst);
  }

  /** The number of kept records. */
  get kept(): number {
    return this.next;
  }

  /**
   * Check the record b[base, base+n) (its envelope read and accepted: schema version `version`, a
   * body not empty) into the next slot: SCAN_FORWARD_INPUT, SCAN_INCOMPATIBLE or SCAN_FALLBACK.
   */
  check(b: Buffer, base: number, n: number, version: number): number {
    const sv = this.versions[version]!;
    const s = this.next;
    this.fo = s * this.maxFields;
    this.slotVersion[s] = sv;
    this.slotBase[s] = base;
    return this.mapkv
      ? this.scanMap(b, base + ENVELOPE_BYTES, base + n, sv)
      : this.scanRow(b, base + ENVELOPE_BYTES, base + n, sv);
  }

  /**
   * Queue the hashes of the record `check` just accepted (the same bytes): the number of values
   * queued, or -1 to fall back (a hashed string that is not well-formed UTF-8; nothing queued).
   */
  queueHashes(b: Buffer): number {
    const bv = this.view(b);
    const s = this.next;
    const sv = this.slotVersion[s]!;
    const fo = this.fo;
    const hr = this.hashRules;
    for (let k = 0; k < hr.length; k++) {
      const r = hr[k]!;
      const fi = sv.ruleField[r]!;
      if (fi < 0 || this.present[fo + fi] === 0 || this.tag[fo + fi] === V_NIL) continue;
      if (this.rules[r]!.type === T_STRING && !validUtf8(b, this.pay[fo + fi]!, this.len[fo + fi]!, bv)) return -1;
    }
    const jo = s * this.rules.length;
    let queued = 0;
    for (let k = 0; k < hr.length; k++) {
      const r = hr[k]!;
      const fi = sv.ruleField[r]!;
      if (fi < 0 || this.present[fo + fi] === 0 || this.tag[fo + fi] === V_NIL) {
        this.job[jo + r] = -1;
        continue;
      }
      this.job[jo + r] = this.sha.add(
        bv,
        this.pay[fo + fi]!,
        this.len[fo + fi]!,
        this.rules[r]!.type === T_STRING ? FORM_HEX : FORM_RAW,
      );
      queued++;
    }
    return queued;
  }

  /** Keep the record just checked (its hashes queued) for redactKept after runHashes. */
  keep(): void {
    this.next++;
  }

  /** Hash every queued value (one call into build/sha256.wasm). */
  runHashes(): void {
    this.sha.run();
  }

  /**
   * Apply the rules to the record `check` just accepted (the same bytes) with its hashes (queued
   * and run, when it has any): SCAN_FORWARD_INPUT (nothing changed), SCAN_OUTPUT (`applied`, and
   * the record in the writer from 0 unless `overflow`) or SCAN_FALLBACK. Its queued hashes are
   * forgotten.
   */
  redact(b: Buffer): number {
    const r = this.redactIn(b, this.next);
    this.sha.clear(this.firstJob(this.next));
    return r;
  }

  /** `redact` for kept record number k (after runHashes). */
  redactKept(b: Buffer, k: number): number {
    return this.redactIn(b, k);
  }

  /** Forget the kept records and their hashes. */
  clearKept(): void {
    this.next = 0;
    this.sha.clear();
  }

  /** The first hash job of slot s, or the next job number when it has none. */
  private firstJob(s: number): number {
    const jo = s * this.rules.length;
    const hr = this.hashRules;
    for (let k = 0; k < hr.length; k++) {
      const j = this.job[jo + hr[k]!]!;
      if (j >= 0) return j;
    }
    return this.sha.count;
  }
  /** Scan one value at b[p] (nil, bool, int, float, str, bin); its end, or -1 to fall back. */
  private value(b: Buffer, p: number, end: number): number {
    const t = b[p]!;
    if (t < 0x80 || t >= 0xe0) {
      this.vTag = V_INT;
      return p + 1;
    }
    if (t >= 0xa0 && t < 0xc0) return this.payload(V_STR, p + 1, t & 0x1f, end);
    switch (t) {
      case 0xc0:
        this.vTag = V_NIL;
        return p + 1;
      case 0xc2:
      case 0xc3:
        this.vTag = V_BOOL;
        return p + 1;
      case 0xc4:
        return p + 2 > end ? -1 : this.payload(V_BIN, p + 2, b[p + 1]!, end);
      case 0xc5:
        return p + 3 > end ? -1 : this.payload(V_BIN, p + 3, b.readUInt16BE(p + 1), end);
      case 0xc6:
        return p + 5 > end ? -1 : this.payload(V_BIN, p + 5, b.readUInt32BE(p + 1), end);
      case 0xd9:
        return p + 2 > end ? -1 : this.payload(V_STR, p + 2, b[p + 1]!, end);
      case 0xda:
        return p + 3 > end ? -1 : this.payload(V_STR, p + 3, b.readUInt16BE(p + 1), end);
      case 0xdb:
        return p + 5 > end ? -1 : this.payload(V_STR, p + 5, b.readUInt32BE(p + 1), end);
      case 0xca: // a NaN: exponent all ones, fraction not zero
        if (
          p + 5 > end ||
          ((b[p + 1]! & 0x7f) === 0x7f &&
            (b[p + 2]! & 0x80) !== 0 &&
            ((b[p + 2]! & 0x7f) | b[p + 3]! | b[p + 4]!) !== 0)
        )
          return -1;
        this.vTag = V_FLOAT;
        return p + 5;
      case 0xcb:
        if (
          p + 9 > end ||
          ((b[p + 1]! & 0x7f) === 0x7f &&
            (b[p + 2]! & 0xf0) === 0xf0 &&
            ((b[p + 2]! & 0x0f) | b[p + 3]! | b[p + 4]! | b[p + 5]! | b[p + 6]! | b[p + 7]! | b[p + 8]!) !== 0)
        )
          return -1;
        this.vTag = V_FLOAT;
        return p + 9;
      case 0xcc:
      case 0xd0:
        this.vTag = V_INT;
        return p + 2 > end ? -1 : p + 2;
      case 0xcd:
      case 0xd1:
        this.vTag = V_INT;
        return p + 3 > end ? -1 : p + 3;
      case 0xce:
      case 0xd2:
        this.vTag = V_INT;
        return p + 5 > end ? -1 : p + 5;
      case 0xcf:
      case 0xd3:
        this.vTag = V_INT;
        return p + 9 > end ? -1 : p + 9;
      default:
        return -1; // maps, arrays, extensions, 0xc1: the decode path settles them
    }
  }

  private payload(tag: number, p: number, n: number, end: number): number {
    if (n > end - p) return -1;
    this.vTag = tag;
    this.vPay = p;
    this.vLen = n;
    return p + n;
  }

  /** Keep the value just scanned as field i of the record: its type byte at `at`, its bytes [from, to). */
  private capture(i: number, at: number, from: number, to: number): void {
    const x = this.fo + i;
    this.present[x] = 1;
    this.tag[x] = this.vTag;
    this.at[x] = at;
    this.pay[x] = this.vPay;
    this.len[x] = this.vLen;
    this.from[x] = from;
    this.to[x] = to;
  }

  private scanMap(b: Buffer, p: number, end: number, sv: ScanVersion): number {
    const bv = this.view(b);
    const t = b[p]!;
    let entries: number;
    if (t >= 0x80 && t <= 0x8f) {
      entries = t & 0x0f;
      p += 1;
    } else if (t === 0xde) {
      if (p + 3 > end) return SCAN_FALLBACK;
      entries = (b[p + 1]! << 8) | b[p + 2]!; // (not readUInt16BE: a call this hot path does not inline)
      p += 3;
    } else if (t === 0xdf) {
      if (p + 5 > end) return SCAN_FALLBACK;
      entries = b.readUInt32BE(p + 1);
      p += 5;
    } else return SCAN_FALLBACK;
    const count = sv.count;
    if (entries > count) return SCAN_FALLBACK; // a key the schema lacks or a repeated key
    const present = this.present;
    const fo = this.fo;
    for (let i = 0; i < count; i++) present[fo + i] = 0;
    const names = sv.names,
      nameOff = sv.nameOff,
      nameLen = sv.nameLen;
    const types = sv.types,
      required = sv.required;
    let hint = 0;
    // the verdict is taken as the fields come (a required field nil, a value not of its field's
    // type), but the body is still scanned to its end: a malformed one falls back whatever it holds
    let incompatible = false;
    for (let e = 0; e < entries; e++) {
      if (p >= end) return SCAN_FALLBACK;
      const keyAt = p;
      const k = b[p]!;
      let kp: number, kl: number;
      if (k >= 0xa0 && k < 0xc0) {
        kp = p + 1;
        kl = k & 0x1f;
      } else if (k === 0xd9 && p + 2 <= end) {
        kp = p + 2;
        kl = b[p + 1]!;
      } else if (k === 0xda && p + 3 <= end) {
        kp = p + 3;
        kl = b.readUInt16BE(p + 1);
      } else if (k === 0xdb && p + 5 <= end) {
        kp = p + 5;
        kl = b.readUInt32BE(p + 1);
      } else return SCAN_FALLBACK;
      if (kl > end - kp) return SCAN_FALLBACK;
      // the field with these name bytes, looking first just after the last one found (producers
      // mostly write a schema's fields in some rotation of its order)
      let fi = -1;
      for (let j = 0; j < count; j++) {
        let c = hint + j;
        if (c >= count) c -= count;
        if (nameLen[c] !== kl || !sameView(names, nameOff[c]!, bv, kp, kl)) continue;
        fi = c;
        break;
      }
      if (fi < 0 || present[fo + fi] === 1 || fi === sv.constructorField) return SCAN_FALLBACK;
      hint = fi + 1;
      p = kp + kl;
      if (p >= end) return SCAN_FALLBACK;
      // a fixstr value (most of them) here, the others by `value` (too big to be inlined)
      const t = b[p]!;
      let q: number;
      if (t >= 0xa0 && t < 0xc0) {
        q = p + 1 + (t & 0x1f);
        if (q > end) return SCAN_FALLBACK;
        this.vTag = V_STR;
        this.vPay = p + 1;
        this.vLen = t & 0x1f;
      } else {
        q = this.value(b, p, end);
        if (q < 0) return SCAN_FALLBACK;
      }
      this.capture(fi, p, kp - keyAt === strHeadBytes(kl) ? keyAt : -1, q);
      if (this.vTag === V_NIL) {
        if (required[fi] === 1) incompatible = true;
      } else if (!(this.vTag === V_STR && types[fi] === T_STRING) && !this.typeOk(b, fo + fi, types[fi]!))
        incompatible = true;
      p = q;
    }
    if (p !== end) return SCAN_FALLBACK;
    this.slotEntries[this.next] = entries;
    if (incompatible) return SCAN_INCOMPATIBLE;
    // every entry is a distinct field: fewer entries than fields means some are absent
    if (entries < count)
      for (let i = 0; i < count; i++) if (present[fo + i] === 0 && required[i] === 1) return SCAN_INCOMPATIBLE;
    return SCAN_FORWARD_INPUT;
  }

  private scanRow(b: Buffer, p: number, end: number, sv: ScanVersion): number {
    const t = b[p]!;
    let n: number;
    if (t >= 0x90 && t <= 0x9f) {
      n = t & 0x0f;
      p += 1;
    } else if (t === 0xdc) {
      if (p + 3 > end) return SCAN_FALLBACK;
      n = (b[p + 1]! << 8) | b[p + 2]!;
      p += 3;
    } else if (t === 0xdd) {
      if (p + 5 > end) return SCAN_FALLBACK;
      n = b.readUInt32BE(p + 1);
      p += 5;
    } else return SCAN_FALLBACK;
    const count = sv.count;
    const fo = this.fo;
    for (let i = 0; i < count; i++) this.present[fo + i] = 0;
    for (let i = 0; i < n; i++) {
      if (p >= end) return SCAN_FALLBACK;
      const q = this.value(b, p, end);
      if (q < 0) return SCAN_FALLBACK;
      if (i < count) this.capture(i, p, p, q);
      p = q;
    }
    if (p !== end) return SCAN_FALLBACK;
    if (n > count) return SCAN_INCOMPATIBLE;
    this.slotEntries[this.next] = n;
    return this.verdict(b, sv, count);
  }

  /** Required fields present and not nil, every value of its field's type. */
  private verdict(b: Buffer, sv: ScanVersion, count: number): number {
    const present = this.present,
      tag = this.tag,
      types = sv.types,
      required = sv.required;
    const fo = this.fo;
    for (let i = 0; i < count; i++) {
      if (present[fo + i] === 0 || tag[fo + i] === V_NIL) {
        if (required[i] === 1) return SCAN_INCOMPATIBLE;
        continue;
      }
      if (!this.typeOk(b, fo + i, types[i]!)) return SCAN_INCOMPATIBLE;
    }
    return SCAN_FORWARD_INPUT;
  }

  /** Whether captured value x (slot * maxFields + field) is of the type. */
  private typeOk(b: Buffer, x: number, type: number): boolean {
    const tag = this.tag[x]!;
    switch (type) {
      case T_STRING:
        return tag === V_STR;
      case T_INT: {
        if (tag === V_INT) return true;
        if (tag !== V_FLOAT) return false;
        // read here, not by floatAt: a double returned from a call may be a heap number
        const at = this.at[x]!;
        const v = this.view(b);
        const d = b[at] === 0xca ? v.getFloat32(at + 1) : v.getFloat64(at + 1);
        return Number.isInteger(d) && d >= INT64_MIN && d < UINT64_LIMIT;
      }
      case T_FLOAT:
        return tag === V_FLOAT || (tag === V_INT && !this.wideInt(b, this.at[x]!));
      case T_BOOL:
        return tag === V_BOOL;
      default:
        return tag === V_BIN;
    }
  }

  private floatAt(b: Buffer, at: number): number {
    return b[at] === 0xca ? b.readFloatBE(at + 1) : b.readDoubleBE(at + 1);
  }

  /** A 64-bit integer outside ±2^53, which the decoder gives as a bigint (not a number). */
  private wideInt(b: Buffer, at: number): boolean {
    const t = b[at]!;
    if (t !== 0xcf && t !== 0xd3) return false;
    const hi = t === 0xcf ? b.readUInt32BE(at + 1) : b.readInt32BE(at + 1);
    return hi > 0x200000 || (hi === 0x200000 && b.readUInt32BE(at + 5) !== 0) || hi < -0x200000;
  }

  /** The integer at b[at] as a number (exact when not wideInt). */
  private intAt(b: Buffer, at: number): number {
    const t = b[at]!;
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    switch (t) {
      case 0xcc:
        return b[at + 1]!;
      case 0xcd:
        return b.readUInt16BE(at + 1);
      case 0xce:
        return b.readUInt32BE(at + 1);
      case 0xcf:
        return b.readUInt32BE(at + 1) * 0x1_0000_0000 + b.readUInt32BE(at + 5);
      case 0xd0:
        return b.readInt8(at + 1);
      case 0xd1:
        return b.readInt16BE(at + 1);
      case 0xd2:
        return b.readInt32BE(at + 1);
      default:
        return b.readInt32BE(at + 1) * 0x1_0000_0000 + b.readUInt32BE(at + 5);
    }
  }

  /** Whether captured value x, of a field of `type`, is already what writeValue writes for it. */
  private canonical(b: Buffer, x: number, type: number): boolean {
    const at = this.at[x]!;
    switch (this.tag[x]) {
      case V_NIL:
      case V_BOOL:
        return true;
      case V_INT:
        return type !== T_FLOAT && shortestInt(b, at);
      case V_FLOAT:
        return type === T_FLOAT && b[at] === 0xcb;
      case V_STR:
        return this.pay[x]! - at === strHeadBytes(this.len[x]!);
      default: {
        const n = this.len[x]!;
        return this.pay[x]! - at === (n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);
      }
    }
  }

  /** The canonical encoding of captured value x's (type-checked) value, as the decode path writes it. */
  private writeValue(w: CanonicalWriter, b: Buffer, x: number, type: number): void {
    const bv = this.view(b);
    const at = this.at[x]!;
    switch (this.tag[x]) {
      case V_NIL:
        w.nil();
        return;
      case V_BOOL:
        w.bool(b[at] === 0xc3);
        return;
      case V_INT:
        if (type === T_FLOAT) w.float(this.intAt(b, at));
        else if (!this.wideInt(b, at)) w.int(this.intAt(b, at));
        else w.tagged8(b[at] === 0xd3 && (b[at + 1]! & 0x80) !== 0 ? 0xd3 : 0xcf, bv, at + 1);
        return;
      case V_FLOAT:
        if (type === T_INT) w.intOfFloat(bv, at);
        else if (b[at] === 0xcb)
          w.bytes(bv, at, 9); // a float64 (not NaN) is written as it came
        else w.float(this.floatAt(b, at));
        return;
      case V_STR:
        w.strBytes(bv, this.pay[x]!, this.len[x]!);
        return;
      default:
        w.binBytes(bv, this.pay[x]!, this.len[x]!);
    }
  }

  /** The rules on the record in slot s (its hashes run), then its canonical output (see redact). */
  private redactIn(b: Buffer, s: number): number {
    const dropped = this.rulesOn(b, s);
    if (dropped === RULES_FALLBACK) return SCAN_FALLBACK;
    if (dropped === RULES_NOOP) return SCAN_FORWARD_INPUT;
    return this.output(b, s, dropped);
  }

  /**
   * The rules on the record in slot s: each rule's `applied` flag and, for a changed field, where
   * its new payload lies. Returns the number of fields dropped when anything changed, else
   * RULES_NOOP or RULES_FALLBACK. (Apart from `output`: each of the two is compiled with its own
   * inlining budget, which takes in the small helpers they call per field.)
   */
  private rulesOn(b: Buffer, s: number): number {
    const bv = this.view(b);
    const sv = this.slotVersion[s]!;
    const fo = s * this.maxFields;
    const jo = s * this.rules.length;
    const rules = this.rules;
    const applied = this.applied;
    const scratch = this.scratch;
    const present = this.present,
      tag = this.tag;
    let sp = 0;
    let changed = false;
    let dropped = 0;
    for (let r = 0; r < rules.length; r++) {
      applied[r] = 0;
      const fi = sv.ruleField[r]!;
      if (fi < 0 || present[fo + fi] === 0 || tag[fo + fi] === V_NIL) continue;
      const x = fo + fi;
      const rule = rules[r]!;
      const pay = this.pay[x]!,
        len = this.len[x]!;
      const str = rule.type === T_STRING;
      // (a hashed string was checked when its hash was queued); in ASCII a code point is a byte
      const plain = str && rule.kind !== K_HASH && ascii(bv, b, pay, len);
      if (str && rule.kind !== K_HASH && !plain && !validUtf8(b, pay, len, bv)) return RULES_FALLBACK;
      let ch = false;
      switch (rule.kind) {
        case K_DROP:
          ch = true;
          break;
        case K_REPLACE:
          if (rule.type === T_FLOAT) {
            // the decode path keeps the value when it is === the VALUE (so -0 and 0 are the same)
            ch = rule.repNumber !== (tag[x] === V_INT ? this.intAt(b, this.at[x]!) : this.floatAt(b, this.at[x]!));
          } else if (str || rule.type === T_BYTES) {
            const rp = rule.repPayload;
            ch = rp.length !== len || !sameBytes(rp, 0, b, pay, len);
          } else {
            const t = this.tiny;
            t.reset(0, 16);
            this.writeValue(t, b, x, rule.type);
            ch = t.pos !== rule.rep.length || !sameBytes(rule.rep, 0, t.buf, 0, t.pos);
          }
          break;
        case K_HASH: {
          // `sha256:` and the hex digits lie together in the hash module's memory
          const d = this.sha.digestAt(this.job[jo + r]!);
          const start = str ? d - SHA_PREFIX.length : d;
          const n = str ? HASH_TEXT_BYTES : 32;
          this.newSrc[r] = NEW_HASH;
          this.newStart[r] = start;
          this.newLen[r] = n;
          ch = n !== len || !sameView(this.sha.view, start, bv, pay, len);
          break;
        }
        case K_MASK: {
          const n = plain ? len : codePoints(b, pay, len);
          const c = rule.char;
          let o = sp;
          let head = 0,
            tail = len,
            masked = n;
          if (n > rule.prefix + rule.suffix) {
            head = plain ? rule.prefix : afterCodePoints(b, pay, len, rule.prefix);
            tail = plain ? len - rule.suffix : afterCodePoints(b, pay, len, n - rule.suffix);
            masked = n - rule.prefix - rule.suffix;
          }
          for (let i = 0; i < head; i++) scratch[o++] = b[pay + i]!;
          if (c.length === 1) {
            const c0 = c[0]!;
            for (let k = 0; k < masked; k++) scratch[o++] = c0;
          } else for (let k = 0; k < masked; k++) for (let i = 0; i < c.length; i++) scratch[o++] = c[i]!;
          for (let i = tail; i < len; i++) scratch[o++] = b[pay + i]!;
          this.newSrc[r] = NEW_SCRATCH;
          this.newStart[r] = sp;
          this.newLen[r] = o - sp;
          ch = o - sp !== len || !sameView(this.scratchView, sp, bv, pay, len);
          sp = o;
          break;
        }
        default: {
          // truncate: a prefix of the value where it lies
          const keep = str && !plain ? afterCodePoints(b, pay, len, rule.n) : Math.min(len, rule.n);
          this.newSrc[r] = NEW_INPUT;
          this.newStart[r] = pay;
          this.newLen[r] = keep;
          ch = keep !== len;
        }
      }
      if (ch) {
        applied[r] = 1;
        changed = true;
        if (rule.kind === K_DROP) dropped++;
      }
    }
    return changed ? dropped : RULES_NOOP;
  }

  /** The canonical output of the record in slot s, its rules applied (`rulesOn`): SCAN_OUTPUT or SCAN_FALLBACK. */
  private output(b: Buffer, s: number, dropped: number): number {
    const bv = this.view(b);
    const sv = this.slotVersion[s]!;
    const fo = s * this.maxFields;
    const rules = this.rules;
    const applied = this.applied;
    const present = this.present,
      tag = this.tag;
    const w = this.writer;
    w.reset(0, this.binLimit);
    w.bytes(bv, this.slotBase[s]!, ENVELOPE_BYTES);
    const count = sv.count;
    const fieldRule = sv.fieldRule,
      types = sv.types;
    // unchanged canonical fields are copied in runs: the bytes [runFrom, runTo) of the input
    const from = this.from,
      to = this.to;
    let runFrom = -1,
      runTo = -1;
    if (this.mapkv) {
      w.mapHeader(this.slotEntries[s]! - dropped);
      for (let i = 0; i < count; i++) {
        const x = fo + i;
        if (present[x] === 0) continue;
        const r = fieldRule[i]!;
        if (r >= 0 && applied[r] === 1) {
          if (rules[r]!.kind === K_DROP) continue;
          if (runFrom >= 0) w.bytes(bv, runFrom, runTo - runFrom);
          runFrom = runTo = -1;
          w.bytes(sv.keys, sv.keyOff[i]!, sv.keyLen[i]!);
          this.writeNew(w, b, r);
        } else {
          if (tag[x] === V_STR && !validUtf8(b, this.pay[x]!, this.len[x]!, bv)) return SCAN_FALLBACK;
          const f = from[x]!;
          if (f >= 0 && this.canonical(b, x, types[i]!)) {
            if (f !== runTo) {
              if (runFrom >= 0) w.bytes(bv, runFrom, runTo - runFrom);
              runFrom = f;
            }
            runTo = to[x]!;
          } else {
            if (runFrom >= 0) w.bytes(bv, runFrom, runTo - runFrom);
            runFrom = runTo = -1;
            w.bytes(sv.keys, sv.keyOff[i]!, sv.keyLen[i]!);
            this.writeValue(w, b, x, types[i]!);
          }
        }
      }
    } else {
      // a row keeps its length and positions: a dropped field becomes nil
      const n = this.slotEntries[s]!;
      w.arrayHeader(n);
      for (let i = 0; i < n; i++) {
        const x = fo + i;
        const r = fieldRule[i]!;
        if (r >= 0 && applied[r] === 1) {
          if (runFrom >= 0) w.bytes(bv, runFrom, runTo - runFrom);
          runFrom = runTo = -1;
          if (rules[r]!.kind === K_DROP) w.nil();
          else this.writeNew(w, b, r);
        } else {
          if (tag[x] === V_STR && !validUtf8(b, this.pay[x]!, this.len[x]!, bv)) return SCAN_FALLBACK;
          if (this.canonical(b, x, types[i]!)) {
            if (from[x] !== runTo) {
              if (runFrom >= 0) w.bytes(bv, runFrom, runTo - runFrom);
              runFrom = from[x]!;
            }
            runTo = to[x]!;
          } else {
            if (runFrom >= 0) w.bytes(bv, runFrom, runTo - runFrom);
            runFrom = runTo = -1;
            this.writeValue(w, b, x, types[i]!);
          }
        }
      }
    }
    if (runFrom >= 0) w.bytes(bv, runFrom, runTo - runFrom);
    this.overflow = w.overflow;
    return SCAN_OUTPUT;
  }

  private writeNew(w: CanonicalWriter, b: Buffer, r: number): void {
    const rule = this.rules[r]!;
    if (rule.kind === K_REPLACE) {
      w.bytes(rule.repView, 0, rule.rep.length);
      return;
    }
    const from = this.newSrc[r];
    const src = from === NEW_SCRATCH ? this.scratchView : from === NEW_HASH ? this.sha.view : this.view(b);
    if (rule.type === T_STRING) w.strBytes(src, this.newStart[r]!, this.newLen[r]!);
    else w.binBytes(src, this.newStart[r]!, this.newLen[r]!);
  }
}
