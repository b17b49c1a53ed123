import { Unpackr } from 'msgpackr';
import { ACTION_CODE, K_DROP, K_HASH, K_MASK, K_REPLACE } from './action-codes.ts';
import type { RecordBatch } from '../../kernel/plugin-contract.ts';
import { CanonicalWriter, encodeCanonicalString, mapLengthAt, writeTyped } from './canonical-msgpack.ts';
import { ENVELOPE_BYTES, codecOfMode, readEnvelope, type EnvelopeHeader, type PayloadMode } from './envelope.ts';
import { base64DecodedMax, decodeBase64, encodeBase64, type Framing } from './framing.ts';
import { bytesEqual, hashBytes, hashString, maskString, truncateBytes, truncateString } from './redact-values.ts';
import { T_BOOL, T_FLOAT, T_INT, T_STRING, TYPE_CODE } from './field-types.ts';
import type { SchemaContract } from './registry.ts';
import type { BoundRule, ReplacementValue } from './rules.ts';
import type { DataguardRole } from './spec-rules.ts';
import { rulesScannable, ScanPath, SCAN_FALLBACK, SCAN_FORWARD_INPUT, SCAN_INCOMPATIBLE } from './scan-path.ts';
import { BatchKernel, kernelApplies, K_FALLBACK, K_OUTPUT, KERNEL_RECORDS } from './batch-kernel.ts';
import { copyBytes } from '../../kernel/io/byte-copy.ts';
import type { DataguardStageCounters, RejectReason } from './stage-counters.ts';
import {
  baseIndex,
  C_ACCEPTED,
  C_OUT_DROP,
  C_OUT_FORWARD_INPUT,
  C_OUT_FORWARD_OUTPUT,
  C_REDACT_APPLIED,
  C_REDACT_NOOP,
  C_REJECTED,
  C_SEEN,
  CountBuffer,
  ruleAt,
} from './count-buffer.ts';

/**
 * The per-record work of the three DataGuard stages, on the reused RecordBatch in place:
 *
 *   unframe (base64 → bytes into a private scratch buffer; raw: read in the slot)
 *   → envelope header (decode_err, codec_mismatch, schema_incompatible, schema_missing)
 *   → the in-place path (scan-path.ts): check the msgpack body where it lies and, for redact/fused,
 *     apply the rules and re-encode canonically into a reused writer (with `hash` rules, onBatch
 *     checks up to KEEP_RECORDS records first and keeps them, their hashed values queued, then
 *     hashes them in one WebAssembly call and redacts each: base64 records are kept decoded in an
 *     arena); what it does not settle goes to
 *   → the decode path: one msgpackr decode of the body (decode_err), the check against the
 *     record's schema version (codec_mismatch, schema_incompatible, decode_err), the rules on the
 *     decoded values and a canonical encode (the implementation before the scan; both paths give
 *     the same verdicts, counts and bytes, test/dataguard/scan-path.test.ts)
 *   → check: forward the input unchanged
 *   → redact/fused: nothing changed → forward the input unchanged (redact_noop); else rewrite the
 *     slot (redact_applied), or reject when the result does not fit the slot (redact_overflow;
 *     never truncated).
 *
 * A rejected record is dropped (out_drop). Every record a stage sees is counted exactly once as
 * accepted or rejected, and every rejection has exactly one reason. The in-place path allocates
 * nothing per record; the decode path allocates the object and its strings and the values a rule
 * creates (a hash, a masked string).
 */

const INT64_MIN = -(2 ** 63);
const UINT64_LIMIT = 2 ** 64;

const KEEP = 0,
  REPLACED = 1,
  DROPPED = 2;

/** Outcome of one record. */
export const FORWARD_INPUT = 0;
export const FORWARD_OUTPUT = 1;
export const DROP = 2;
/** (within a batch) checked and kept: redacted with the others kept once their hashes ran */
const KEPT = 3;

/**
 * Records of a batch checked and kept before their hashes run together (one call into
 * build/sha256.wasm, four values at a time) and they are redacted.
 */
const KEEP_RECORDS = 64;

interface CompiledField {
  name: string;
  type: number;
  required: boolean;
  /** the canonical msgpack encoding of the field name (map key) */
  key: Uint8Array;
}

interface CompiledVersion {
  version: number;
  fields: CompiledField[];
  /** per policy rule: the field's position in this version, or -1 */
  ruleField: Int32Array;
}

interface CompiledRule {
  index: number;
  kind: number;
  type: number;
  replacement: ReplacementValue | undefined;
  prefix: number;
  suffix: number;
  char: string;
  n: number;
}

export interface EngineOptions {
  role: DataguardRole;
  mode: PayloadMode;
  framing: Framing;
  contract: SchemaContract;
  rules: readonly BoundRule[];
  slotBytes: number;
  counters: DataguardStageCounters;
  /** time one record in N (undefined: off) */
  costSampling: number | undefined;
  /**
   * Check and redact by scanning the msgpack bytes in place (default), leaving to the decode path
   * only what the scan does not settle; false: decode every record (the reference the tests
   * compare the scan with).
   */
  inPlace?: boolean;
}

function isC1(v: unknown): boolean {
  return (
    typeof v === 'object' && v !== null && (v as { constructor?: { name?: string } }).constructor?.name === 'C1Type'
  );
}

/** Whether a replacement equals the (type-checked) value it would replace. */
function sameValue(rep: ReplacementValue, v: unknown): boolean {
  if (rep instanceof Uint8Array) return v instanceof Uint8Array && bytesEqual(rep, v);
  if (typeof rep === 'bigint' || typeof v === 'bigint') {
    // an int field: compare exactly whichever of number / bigint each side is
    return (
      (typeof v === 'bigint' || typeof v === 'number') &&
      BigInt(rep as bigint | number) === BigInt(v as bigint | number)
    );
  }
  return Object.is(rep, v);
}

export class DataguardEngine {
  private readonly role: DataguardRole;
  private readonly mapkv: boolean;
  private readonly codec: number;
  private readonly raw: boolean;
  private readonly contract: SchemaContract;
  /** by version number (an array: a record's lookup is an indexed load; a number no version has gives undefined) */
  private readonly versions: Array<CompiledVersion | undefined> = [];
  private readonly rules: CompiledRule[];
  /** per compiled rule: the position of its rule.<i>.applied counter in `counts` */
  private readonly ruleCount: Int32Array;
  private readonly c: DataguardStageCounters;
  /** the counts of the records processed since the last flush (once per batch) */
  private readonly counts: CountBuffer;
  private readonly cn: Int32Array;
  // int64AsType 'auto' (numbers up to 2^53, bigints beyond) is implemented by msgpackr 2.1 but missing from its types
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'bigint' });
  private readonly unpackRange = { start: ENVELOPE_BYTES, end: 0 };
  private readonly header: EnvelopeHeader = { codec: 0, schemaId: 0, msgType: 0, version: 0 };
  private readonly input: Buffer;
  private readonly writer: CanonicalWriter;
  /** largest binary record a slot holds under this framing */
  private readonly binLimit: number;
  /** per schema position of the current record: field present (1) or absent (0), its value */
  private readonly present: Uint8Array;
  private readonly values: unknown[];
  private rowLength = 0;
  /** per schema position: KEEP, REPLACED (value in outValue) or DROPPED */
  private readonly outKind: Uint8Array;
  private readonly outValue: unknown[];
  /** the in-place path (undefined: every record takes the decode path) */
  private readonly scan: ScanPath | undefined;
  /** onBatch keeps checked records until their hashes have run (a redacting role with `hash` rules) */
  private readonly keeping: boolean;
  /** base64 framing, keeping: the kept records' bytes, one after the other from 0 */
  private readonly arena: Buffer | undefined;
  private arenaPos = 0;
  // per kept record: its position in the batch, binary length and start (in the slot or the arena), version
  private readonly keptIndex: Int32Array;
  private readonly keptLength: Int32Array;
  private readonly keptBase: Int32Array;
  private readonly keptVersion: Array<CompiledVersion | undefined>;
  /** records settled by the in-place path / by the decode path (plain numbers, for tests and benches) */
  scanned = 0;
  decoded = 0;
  /** of the in-place ones, those the batch kernel settled */
  kernelled = 0;
  /** the batch kernel (build/dataguard.wasm; undefined: the JS path takes every record) */
  private readonly kernel: BatchKernel | undefined;
  /** per record placed in the kernel: its position in the batch */
  private readonly kernelIndex: Int32Array;
  private mem: Uint8Array | undefined;
  private memBuf: Buffer | undefined;
  /** a view of the batch's memory (raw framing: the writer's record is copied into the slot through it) */
  private memView: DataView | undefined;
  private readonly sampleEvery: number;
  private sampleCountdown: number;
  private decodeMs = 0;
  /** new byte length of the slot after FORWARD_OUTPUT */
  outLength = 0;

  constructor(o: EngineOptions) {
    this.role = o.role;
    this.mapkv = o.mode === 'mapkv';
    this.codec = codecOfMode(o.mode);
    this.raw = o.framing === 'raw';
    this.contract = o.contract;
    this.c = o.counters;
    this.binLimit = this.raw ? o.slotBytes : base64DecodedMax(o.slotBytes);
    this.input = Buffer.alloc(Math.max(this.binLimit, ENVELOPE_BYTES));
    this.writer = new CanonicalWriter(Math.max(this.binLimit, ENVELOPE_BYTES));
    let maxFields = 0;
    for (const v of o.contract.versions) {
      const fields = v.fields.map((f) => ({
        name: f.name,
        type: TYPE_CODE[f.type],
        required: f.required,
        key: encodeCanonicalString(f.name),
      }));
      const ruleField = new Int32Array(o.rules.length);
      o.rules.forEach((r, i) => {
        ruleField[i] = v.fields.findIndex((f) => f.name === r.field);
      });
      this.versions[v.version] = { version: v.version, fields, ruleField };
      maxFields = Math.max(maxFields, fields.length);
    }
    this.present = new Uint8Array(maxFields);
    this.values = new Array(maxFields).fill(null);
    this.outKind = new Uint8Array(maxFields);
    this.outValue = new Array(maxFields).fill(null);
    this.rules = o.rules.map((r) => ({
      index: r.index,
      kind: ACTION_CODE[r.action.kind],
      type: TYPE_CODE[r.type],
      replacement: r.replacement,
      prefix: r.action.kind === 'mask' ? r.action.prefix : 0,
      suffix: r.action.kind === 'mask' ? r.action.suffix : 0,
      char: r.action.kind === 'mask' ? r.action.char : '',
      n: r.action.kind === 'truncate' ? r.action.n : 0,
    }));
    const keeping =
      o.inPlace !== false &&
      rulesScannable(o.rules) &&
      o.role !== 'check' &&
      o.rules.some((r) => r.action.kind === 'hash');
    this.counts = new CountBuffer(o.counters);
    this.cn = this.counts.n;
    this.ruleCount = Int32Array.from(this.rules, (r) => ruleAt(r.index));
    this.scan =
      o.inPlace !== false && rulesScannable(o.rules)
        ? new ScanPath(o.mode, o.contract, o.rules, this.writer, this.binLimit, keeping ? KEEP_RECORDS : 1)
        : undefined;
    this.keeping = keeping;
    const kept = keeping ? KEEP_RECORDS : 0;
    this.arena = keeping && !this.raw ? Buffer.alloc(Math.max(4 * this.input.length, 64 * 1024)) : undefined;
    this.keptIndex = new Int32Array(kept);
    this.keptLength = new Int32Array(kept);
    this.keptBase = new Int32Array(kept);
    this.keptVersion = new Array<CompiledVersion | undefined>(kept).fill(undefined);
    this.sampleEvery = o.costSampling ?? 0;
    this.sampleCountdown = this.sampleEvery;
    this.kernel =
      this.scan !== undefined && this.sampleEvery === 0 && kernelApplies(o.mode, o.contract, o.rules)
        ? new BatchKernel(o.mode, o.contract, o.rules, this.binLimit, o.role === 'check')
        : undefined;
    this.kernelIndex = new Int32Array(this.kernel === undefined ? 0 : KERNEL_RECORDS);
  }

  /** Process every live record of the batch in place. */
  onBatch(b: RecordBatch): void {
    try {
      this.batch(b);
    } finally {
      this.counts.flush();
    }
  }

  private batch(b: RecordBatch): void {
    const mem = b.memory;
    if (this.kernel !== undefined) {
      this.kernelBatch(b);
      return;
    }
    if (!this.keeping) {
      for (let i = 0; i < b.count; i++) {
        if (!b.live(i)) continue;
        const r = this.record(mem, b.offset(i), b.length(i));
        this.settle(b, i, r);
      }
      return;
    }
    // records are checked and kept (their hashes queued) until the slots or the hash memory run
    // out, then hashed in one call and redacted; a timed record is processed alone
    const scan = this.scan!;
    const arena = this.arena;
    for (let i = 0; i < b.count; i++) {
      if (!b.live(i)) continue;
      let r: number;
      if (this.sampleEvery !== 0 && this.sampleCountdown === 1) {
        this.redactKept(b);
        r = this.record(mem, b.offset(i), b.length(i));
      } else {
        if (!scan.roomToKeep() || (arena !== undefined && this.arenaPos + this.input.length > arena.length))
          this.redactKept(b);
        if (this.mem !== mem) this.setMemory(mem);
        this.cn[C_SEEN]++;
        if (this.sampleEvery !== 0) this.sampleCountdown--;
        r = this.process(mem, b.offset(i), b.length(i), false, i);
      }
      this.settle(b, i, r);
    }
    this.redactKept(b);
  }

  /**
   * The batch through the kernel, KERNEL_RECORDS records a call: each live record's bytes are put
   * in its memory (raw: copied; base64: decoded there), one call checks and redacts them, and
   * each is forwarded, rewritten or, when the kernel left it, taken by the JS path whole.
   */
  private kernelBatch(b: RecordBatch): void {
    const k = this.kernel!;
    const mem = b.memory;
    if (this.mem !== mem) this.setMemory(mem);
    const idx = this.kernelIndex;
    let i = 0;
    while (i < b.count) {
      k.begin();
      for (; i < b.count && k.room(); i++) {
        if (!b.live(i)) continue;
        const off = b.offset(i),
          len = b.length(i);
        const at = k.nextInput();
        let n: number;
        if (this.raw) {
          n = len <= k.limit ? len : -1;
          if (n >= 0) copyBytes(this.memView!, off, k.view, at, n);
        } else n = decodeBase64(mem, off, len, k.bytes, at);
        if (n < 0 || n > k.limit) {
          this.settle(b, i, this.record(mem, off, len));
          continue;
        }
        idx[k.place(n)] = i;
      }
      k.run();
      for (let j = 0; j < k.count; j++) {
        const bi = idx[j]!;
        const st = k.status(j);
        if (st === K_FALLBACK) {
          this.settle(b, bi, this.record(mem, b.offset(bi), b.length(bi)));
          continue;
        }
        const c = this.cn;
        c[C_SEEN]++;
        this.scanned++;
        this.kernelled++;
        if (st !== K_OUTPUT) {
          // forwarded as it came: checked (the check role), or no rule changed it
          if (this.role !== 'check') c[C_REDACT_NOOP]++;
          this.acceptInput();
          continue;
        }
        const applied = k.applied(j);
        const at = this.ruleCount;
        for (let r = 0; r < at.length; r++) if ((applied & (1 << r)) !== 0) c[at[r]!]!++;
        const from = k.outAt(j),
          n = k.outLength(j);
        const off = b.offset(bi);
        if (this.raw) {
          copyBytes(k.view, from, this.memView!, off, n);
          this.outLength = n;
        } else this.outLength = encodeBase64(k.bytes, n, mem, off, from);
        c[C_ACCEPTED]++;
        c[C_REDACT_APPLIED]++;
        c[C_OUT_FORWARD_OUTPUT]++;
        b.setLength(bi, this.outLength);
      }
    }
  }

  /** Apply a record's outcome to the batch. */
  private settle(b: RecordBatch, i: number, r: number): void {
    if (r === DROP) b.drop(i);
    else if (r === FORWARD_OUTPUT) b.setLength(i, this.outLength);
  }

  /** Run the kept records' hashes (one call), then redact each and write it back or drop it. */
  private redactKept(b: RecordBatch): void {
    const scan = this.scan!;
    const kept = scan.kept;
    if (kept === 0) return;
    scan.runHashes();
    const mem = b.memory;
    const src = this.raw ? this.memBuf! : this.arena!;
    for (let k = 0; k < kept; k++) {
      const i = this.keptIndex[k]!;
      const off = b.offset(i);
      let r = scan.redactKept(src, k);
      if (r !== SCAN_FALLBACK) {
        this.scanned++;
        r = this.scanRedacted(r, mem, off);
      } else {
        this.decoded++;
        const base = this.keptBase[k]!,
          n = this.keptLength[k]!;
        src.copy(this.input, 0, base, base + n);
        r = this.decodePath(this.keptVersion[k]!, mem, off, n, false);
      }
      this.settle(b, i, r);
    }
    scan.clearKept();
    this.arenaPos = 0;
  }

  private setMemory(mem: Uint8Array): void {
    // the batch's memory view is stable for the worker's life: one Buffer view over it, once
    this.mem = mem;
    this.memBuf = Buffer.from(mem.buffer, mem.byteOffset, mem.byteLength);
    this.memView = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  }

  /**
   * One record at mem[off, off+len). Returns FORWARD_INPUT (slot untouched), FORWARD_OUTPUT (slot
   * rewritten, new length in `outLength`) or DROP.
   */
  processRecord(mem: Uint8Array, off: number, len: number): number {
    const r = this.record(mem, off, len);
    this.counts.flush();
    return r;
  }

  /** processRecord, its counts left in `counts` */
  private record(mem: Uint8Array, off: number, len: number): number {
    if (this.mem !== mem) this.setMemory(mem);
    this.cn[C_SEEN]++;
    if (this.sampleEvery === 0 || --this.sampleCountdown !== 0) return this.process(mem, off, len, false);
    this.sampleCountdown = this.sampleEvery;
    const t0 = performance.now();
    this.decodeMs = 0;
    const r = this.process(mem, off, len, true);
    const cost = this.c.cost!;
    cost.samples.add(1);
    cost.totalNs.add(Math.round((performance.now() - t0) * 1e6));
    cost.decodeNs.add(Math.round(this.decodeMs * 1e6));
    return r;
  }

  private reject(reason: RejectReason): number {
    const n = this.cn;
    n[C_REJECTED]++;
    n[baseIndex(reason)]++;
    n[C_OUT_DROP]++;
    return DROP;
  }

  private acceptInput(): number {
    this.cn[C_ACCEPTED]++;
    this.cn[C_OUT_FORWARD_INPUT]++;
    return FORWARD_INPUT;
  }

  /**
   * One record; `keepAs` >= 0 (its position in the batch): a record whose redaction needs hashes
   * may be kept (KEPT) for redactKept.
   */
  private process(mem: Uint8Array, off: number, len: number, timed: boolean, keepAs = -1): number {
    const input = this.input;
    // the record's binary bytes are src[base, base+n): raw framing reads them in the slot itself
    // (copied into `input` only for the decode path), base64 decodes them into `input` (or, when
    // the record may be kept, into the arena after the kept ones)
    let src: Buffer, base: number, n: number;
    if (this.raw) {
      if (len > input.length) return this.reject('decode_err');
      src = this.memBuf!;
      base = off;
      n = len;
    } else if (keepAs >= 0) {
      src = this.arena!;
      base = this.arenaPos;
      n = decodeBase64(mem, off, len, src, base);
      // (the arena has room for `input.length` bytes: what does not fit `input` is refused as there)
      if (n < 0 || n > input.length) return this.reject('decode_err');
    } else {
      n = decodeBase64(mem, off, len, input);
      if (n < 0) return this.reject('decode_err');
      src = input;
      base = 0;
    }
    const h = this.header;
    if (!readEnvelope(src, base, n, h)) return this.reject('decode_err');
    if (h.codec !== this.codec) return this.reject('codec_mismatch');
    const k = this.contract;
    if (h.schemaId !== k.schemaId || h.msgType !== k.msgType || h.version < k.requiredVersion)
      return this.reject('schema_incompatible');
    const cv = this.versions[h.version];
    if (cv === undefined) return this.reject('schema_missing');
    if (n === ENVELOPE_BYTES) return this.reject('decode_err');

    const scan = this.scan;
    if (scan !== undefined) {
      const t0 = timed ? performance.now() : 0;
      const v = scan.check(src, base, n, h.version);
      if (timed) this.decodeMs += performance.now() - t0;
      if (v !== SCAN_FALLBACK) {
        if (v === SCAN_INCOMPATIBLE) {
          this.scanned++;
          return this.reject('schema_incompatible');
        }
        if (this.role === 'check') {
          this.scanned++;
          return this.acceptInput();
        }
        const q = scan.queueHashes(src);
        if (q > 0 && keepAs >= 0) {
          const k = scan.kept;
          this.keptIndex[k] = keepAs;
          this.keptLength[k] = n;
          this.keptBase[k] = base;
          this.keptVersion[k] = cv;
          scan.keep();
          if (!this.raw) this.arenaPos += n;
          return KEPT;
        }
        if (q >= 0) {
          if (q > 0) scan.runHashes();
          const r = scan.redact(src);
          if (r !== SCAN_FALLBACK) {
            this.scanned++;
            return this.scanRedacted(r, mem, off);
          }
        }
      }
    }
    this.decoded++;
    if (src !== input) src.copy(input, 0, base, base + n);
    return this.decodePath(cv, mem, off, n, timed);
  }

  /** Count and write back what the in-place path's redaction did (as `redact` below does). */
  private scanRedacted(r: number, mem: Uint8Array, off: number): number {
    if (r === SCAN_FORWARD_INPUT) {
      this.cn[C_REDACT_NOOP]++;
      return this.acceptInput();
    }
    const scan = this.scan!;
    const applied = scan.applied;
    const n = this.cn,
      at = this.ruleCount;
    for (let i = 0; i < applied.length; i++) n[at[i]!] += applied[i]!;
    if (scan.overflow) return this.reject('redact_overflow');
    return this.writeBack(mem, off);
  }

  /** The decode path: one msgpackr decode into objects, then check and redact on the values. */
  private decodePath(cv: CompiledVersion, mem: Uint8Array, off: number, n: number, timed: boolean): number {
    let value: unknown;
    const t0 = timed ? performance.now() : 0;
    try {
      this.unpackRange.end = n;
      value = this.unpackr.unpack(this.input, this.unpackRange);
    } catch {
      return this.reject('decode_err');
    }
    if (timed) this.decodeMs += performance.now() - t0;

    const problem = this.mapkv ? this.checkMap(value, cv) : this.checkRow(value, cv);
    if (problem !== undefined) return this.reject(problem);
    if (this.role === 'check') return this.acceptInput();
    return this.redact(cv, mem, off);
  }

  private typeOk(v: unknown, t: number): boolean {
    switch (t) {
      case T_STRING:
        return typeof v === 'string';
      case T_INT:
        return typeof v === 'number'
          ? Number.isInteger(v) && v >= INT64_MIN && v < UINT64_LIMIT
          : typeof v === 'bigint';
      case T_FLOAT:
        return typeof v === 'number';
      case T_BOOL:
        return typeof v === 'boolean';
      default:
        return v instanceof Uint8Array;
    }
  }

  /**
   * Check a mapkv body against the record's version and capture each field's value (present flag
   * and value per schema position) for redaction and encoding.
   */
  private checkMap(value: unknown, cv: CompiledVersion): RejectReason | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array)
      return 'codec_mismatch';
    if ((value as object).constructor !== Object) return isC1(value) ? 'decode_err' : 'codec_mismatch';
    const obj = value as Record<string, unknown>;
    const fields = cv.fields;
    const has = this.present;
    const vals = this.values;
    let present = 0;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      let v = obj[f.name];
      // one keyed load in the common case; a miss (or a name inherited from Object.prototype,
      // which a decoded map never holds as a function) is settled by hasOwn
      if ((v === undefined || typeof v === 'function') && !Object.hasOwn(obj, f.name)) {
        if (f.required) return 'schema_incompatible';
        has[i] = 0;
        vals[i] = null;
        continue;
      }
      if (typeof v === 'function') v = undefined;
      present++;
      has[i] = 1;
      vals[i] = v;
      if (v === null || v === undefined) {
        if (f.required) return 'schema_incompatible';
        continue;
      }
      if (!this.typeOk(v, f.type)) return isC1(v) ? 'decode_err' : 'schema_incompatible';
    }
    const declared = mapLengthAt(this.input, ENVELOPE_BYTES);
    if (declared !== present) {
      // more entries than known fields: repeated keys (malformed) or keys the schema lacks
      return Object.keys(obj).length < declared ? 'decode_err' : 'schema_incompatible';
    }
    return undefined;
  }

  /** Check a row body (array in schema field order) and capture its values like checkMap. */
  private checkRow(value: unknown, cv: CompiledVersion): RejectReason | undefined {
    if (!Array.isArray(value)) return isC1(value) ? 'decode_err' : 'codec_mismatch';
    const fields = cv.fields;
    if (value.length > fields.length) return 'schema_incompatible';
    this.rowLength = value.length;
    const has = this.present;
    const vals = this.values;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (i >= value.length) {
        if (f.required) return 'schema_incompatible';
        has[i] = 0;
        vals[i] = null;
        continue;
      }
      const v = value[i];
      has[i] = 1;
      vals[i] = v;
      if (v === null || v === undefined) {
        if (f.required) return 'schema_incompatible';
        continue;
      }
      if (!this.typeOk(v, f.type)) return isC1(v) ? 'decode_err' : 'schema_incompatible';
    }
    return undefined;
  }

  private redact(cv: CompiledVersion, mem: Uint8Array, off: number): number {
    const rules = this.rules;
    const outKind = this.outKind;
    const outValue = this.outValue;
    const has = this.present;
    const vals = this.values;
    let changed = false;
    for (let r = 0; r < rules.length; r++) {
      const fi = cv.ruleField[r]!;
      if (fi < 0) continue;
      outKind[fi] = KEEP;
      if (has[fi] === 0) continue;
      const v = vals[fi];
      if (v === null || v === undefined) continue;
      const rule = rules[r]!;
      let nv: unknown = v;
      switch (rule.kind) {
        case K_DROP:
          outKind[fi] = DROPPED;
          changed = true;
          this.cn[this.ruleCount[r]!]!++;
          continue;
        case K_REPLACE:
          if (!sameValue(rule.replacement!, v)) nv = rule.replacement!;
          break;
        case K_HASH:
          nv = rule.type === T_STRING ? hashString(v as string) : hashBytes(v as Uint8Array);
          break;
        case K_MASK:
          nv = maskString(v as string, rule.prefix, rule.suffix, rule.char);
          break;
        default:
          nv = rule.type === T_STRING ? truncateString(v as string, rule.n) : truncateBytes(v as Uint8Array, rule.n);
          break;
      }
      if (nv !== v && !(nv instanceof Uint8Array && v instanceof Uint8Array && bytesEqual(nv, v))) {
        outKind[fi] = REPLACED;
        outValue[fi] = nv;
        changed = true;
        this.cn[this.ruleCount[r]!]!++;
      }
    }
    if (!changed) {
      this.cn[C_REDACT_NOOP]++;
      return this.acceptInput();
    }

    const w = this.writer;
    w.reset(0, this.binLimit);
    this.input.copy(w.buf, 0, 0, ENVELOPE_BYTES);
    w.pos = ENVELOPE_BYTES;
    const fields = cv.fields;
    if (this.mapkv) {
      let count = 0;
      for (let i = 0; i < fields.length; i++) if (has[i] === 1 && outKind[i] !== DROPPED) count++;
      w.mapHeader(count);
      for (let i = 0; i < fields.length; i++) {
        if (has[i] === 0 || outKind[i] === DROPPED) continue;
        const f = fields[i]!;
        w.raw(f.key);
        this.writeValue(outKind[i] === REPLACED ? outValue[i] : vals[i], f.type);
      }
    } else {
      // a row keeps its length and positions: a dropped field becomes nil
      const n = this.rowLength;
      w.arrayHeader(n);
      for (let i = 0; i < n; i++) {
        const kind = outKind[i]!;
        if (kind === DROPPED) w.nil();
        else this.writeValue(kind === REPLACED ? outValue[i] : vals[i], fields[i]!.type);
      }
    }
    // reset the rules' per-field state for the next record
    for (let r = 0; r < rules.length; r++) {
      const fi = cv.ruleField[r]!;
      if (fi >= 0) {
        outKind[fi] = KEEP;
        outValue[fi] = null;
      }
    }
    if (w.overflow) return this.reject('redact_overflow');
    return this.writeBack(mem, off);
  }

  /** Write the writer's record into the slot (framed) and count it as forwarded rewritten. */
  private writeBack(mem: Uint8Array, off: number): number {
    const w = this.writer;
    if (this.raw) {
      w.copyOut(this.memView!, off);
      this.outLength = w.pos;
    } else {
      this.outLength = encodeBase64(w.buf, w.pos, mem, off);
    }
    const c = this.cn;
    c[C_ACCEPTED]++;
    c[C_REDACT_APPLIED]++;
    c[C_OUT_FORWARD_OUTPUT]++;
    return FORWARD_OUTPUT;
  }

  private writeValue(v: unknown, type: number): void {
    writeTyped(this.writer, v, type);
  }
}
