import { ACTION_CODE } from './action-codes.ts';
import { encodeCanonicalString, encodeCanonicalValue } from './canonical-msgpack.ts';
import { codecOfMode, type PayloadMode } from './envelope.ts';
import { packagedWasm } from './wasm-module.ts';
import { T_BYTES, T_STRING, TYPE_CODE } from './field-types.ts';
import type { SchemaContract } from './registry.ts';
import type { BoundRule } from './rules.ts';

/**
 * DataGuard's batch kernel, build/dataguard.wasm (assembly/dataguard.ts): the common case of a
 * DataGuard stage (check; for a redacting one also hash, rules, canonical body) for many records
 * in one call; what it does not settle, record by record, is left to the engine's JS path
 * (FALLBACK). This file lays out its
 * memory (the policy once, then per call the records in, the bodies out) and reads the results.
 * One instance per engine, sized once: nothing is allocated per record or per call.
 */

/** The raw exports of build/dataguard.wasm. */
interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  dgBatch(
    cfg: number,
    recs: number,
    count: number,
    caps: number,
    jobs: number,
    maxJobs: number,
    msgs: number,
    msgsEnd: number,
    digests: number,
    out: number,
    outEnd: number,
  ): void;
  CFG_VERSIONS: WebAssembly.Global;
  CFG_RULE_TABLE: WebAssembly.Global;
  RULE_BYTES: WebAssembly.Global;
  V_FIELDS: WebAssembly.Global;
  FIELD_BYTES: WebAssembly.Global;
  REC_BYTES: WebAssembly.Global;
  FIELD_CAP_BYTES: WebAssembly.Global;
  ST_FORWARD_INPUT: WebAssembly.Global;
  ST_OUTPUT: WebAssembly.Global;
}

/** A record's outcome in the kernel. */
export const K_FALLBACK = 0;
export const K_FORWARD_INPUT = 2;
export const K_OUTPUT = 3;
/** records per call */
export const KERNEL_RECORDS = 256;

const PAGE = 65536;
const DIGEST_BYTES = 80;
const JOB_BYTES = 16;

/**
 * Whether the kernel can take a policy: mapkv bodies, at most 31 rules, one per field, every rule
 * that rewrites a value on a string or bytes field, every version number below 256.
 */
export function kernelApplies(mode: PayloadMode, contract: SchemaContract, rules: readonly BoundRule[]): boolean {
  return (
    mode === 'mapkv' &&
    rules.length <= 31 &&
    new Set(rules.map((r) => r.field)).size === rules.length &&
    rules.every((r) => r.action.kind === 'drop' || r.type === 'string' || r.type === 'bytes') &&
    contract.versions.every((v) => v.version < 256)
  );
}

export class BatchKernel {
  private readonly x: KernelExports;
  /** the module's memory, and views of it (made once: the memory never grows after the constructor) */
  readonly bytes: Buffer;
  readonly view: DataView;
  private readonly u32: Uint32Array;
  private readonly cfg: number;
  private readonly recs: number;
  private readonly recWords: number;
  private readonly caps: number;
  private readonly jobs: number;
  private readonly maxJobs: number;
  private readonly msgs: number;
  private readonly msgsEnd: number;
  private readonly digests: number;
  private readonly out: number;
  private readonly outEnd: number;
  /** the input area: record k is placed at inputAt + k * limit */
  private readonly inputAt: number;
  /** the largest record (envelope and body) a slot holds */
  readonly limit: number;
  private readonly stOutput: number;
  private readonly stForward: number;
  /** records placed since begin() */
  count = 0;

  /** `checkOnly`: the check role (no rules; a record that passes is forwarded as it came) */
  constructor(
    mode: PayloadMode,
    contract: SchemaContract,
    rules: readonly BoundRule[],
    limit: number,
    checkOnly: boolean,
  ) {
    this.x = new WebAssembly.Instance(
      packagedWasm('build/dataguard.wasm', 'assembly/dataguard.ts', 'BYTEOR_E_DATAGUARD_KERNEL_MODULE'),
      {},
    ).exports as unknown as KernelExports;
    const g = (n: WebAssembly.Global) => n.value as number;
    const x = this.x;
    this.limit = limit;
    this.stOutput = g(x.ST_OUTPUT);
    this.stForward = g(x.ST_FORWARD_INPUT);
    // the policy: names, keys, replacements and mask characters first, then the tables
    const strings: Uint8Array[] = [];
    const versions = contract.versions;
    const maxFields = Math.max(1, ...versions.map((v) => v.fields.length));
    const ruleBytes = g(x.RULE_BYTES),
      fieldBytes = g(x.FIELD_BYTES),
      vFields = g(x.V_FIELDS);
    const cfgBytes =
      g(x.CFG_RULE_TABLE) +
      rules.length * ruleBytes +
      versions.reduce((a, v) => a + vFields + v.fields.length * fieldBytes + 4 * rules.length, 0);
    const base = (x.heapBase() + 63) & ~63;
    this.cfg = base;
    let at = base + cfgBytes;
    const place = (b: Uint8Array): number => {
      strings.push(b);
      const p = at;
      at += b.length;
      return p;
    };
    type Layout = { words: Array<[number, number]> };
    const layout: Layout = { words: [] };
    const put = (addr: number, v: number) => layout.words.push([addr, v]);
    put(base + 0, codecOfMode(mode));
    put(base + 4, contract.schemaId);
    put(base + 8, contract.msgType);
    put(base + 12, contract.requiredVersion);
    put(base + 16, rules.length);
    put(base + 20, limit);
    put(base + 24, maxFields);
    put(base + 28, checkOnly ? 1 : 0);
    const ruleTable = base + g(x.CFG_RULE_TABLE);
    rules.forEach((r, i) => {
      const a = ruleTable + i * ruleBytes;
      const type = TYPE_CODE[r.type];
      put(a + 0, ACTION_CODE[r.action.kind]);
      put(a + 4, type);
      if (r.replacement !== undefined && (type === T_STRING || type === T_BYTES)) {
        const rep = encodeCanonicalValue(r.replacement, type);
        const payload =
          typeof r.replacement === 'string'
            ? Buffer.from(r.replacement, 'utf8')
            : Buffer.from(r.replacement as Uint8Array);
        put(a + 8, place(rep));
        put(a + 12, rep.length);
        put(a + 16, place(payload));
        put(a + 20, payload.length);
      }
      if (r.action.kind === 'mask') {
        const c = Buffer.from(r.action.char, 'utf8');
        put(a + 24, r.action.prefix);
        put(a + 28, r.action.suffix);
        put(a + 32, place(c));
        put(a + 36, c.length);
      }
      if (r.action.kind === 'truncate') put(a + 40, r.action.n);
    });
    let vd = ruleTable + rules.length * ruleBytes;
    for (const v of versions) {
      put(base + g(x.CFG_VERSIONS) + 4 * v.version, vd);
      put(vd + 0, v.fields.length);
      put(vd + 4, v.fields.findIndex((f) => f.name === 'constructor') >>> 0);
      const ruleFields = vd + vFields + v.fields.length * fieldBytes;
      put(vd + 8, ruleFields);
      v.fields.forEach((f, i) => {
        const a = vd + vFields + i * fieldBytes;
        const name = Buffer.from(f.name, 'utf8');
        const key = encodeCanonicalString(f.name);
        put(a + 0, place(name));
        put(a + 4, name.length);
        put(a + 8, place(key));
        put(a + 12, key.length);
        put(a + 16, TYPE_CODE[f.type]);
        put(a + 20, f.required ? 1 : 0);
        put(a + 24, rules.findIndex((r) => r.field === f.name) >>> 0);
      });
      rules.forEach((r, i) => put(ruleFields + 4 * i, v.fields.findIndex((f) => f.name === r.field) >>> 0));
      vd = ruleFields + 4 * rules.length;
    }
    // the per-call areas
    const hashRules = rules.filter((r) => r.action.kind === 'hash').length;
    const align = (n: number) => (n + 63) & ~63;
    at = align(at);
    this.recs = at;
    this.recWords = g(x.REC_BYTES) / 4;
    at = align(at + KERNEL_RECORDS * g(x.REC_BYTES));
    this.caps = at;
    at = align(at + KERNEL_RECORDS * (maxFields * g(x.FIELD_CAP_BYTES) + 4 * rules.length));
    this.maxJobs = Math.max(1, KERNEL_RECORDS * hashRules);
    this.jobs = at;
    at = align(at + this.maxJobs * JOB_BYTES);
    this.digests = at;
    at = align(at + this.maxJobs * DIGEST_BYTES);
    this.msgs = at;
    at = align(at + (hashRules === 0 ? 64 : KERNEL_RECORDS * (limit + 136 * hashRules)));
    this.msgsEnd = at;
    this.inputAt = at;
    at = align(at + KERNEL_RECORDS * limit);
    this.out = at;
    at = align(at + KERNEL_RECORDS * limit + 2 * limit + 160);
    this.outEnd = at;
    const mem = x.memory;
    if (at > mem.buffer.byteLength) mem.grow(Math.ceil((at - mem.buffer.byteLength) / PAGE));
    this.bytes = Buffer.from(mem.buffer);
    this.view = new DataView(mem.buffer);
    this.u32 = new Uint32Array(mem.buffer);
    let p = base + cfgBytes;
    for (const b of strings) {
      this.bytes.set(b, p);
      p += b.length;
    }
    for (const [addr, v] of layout.words) this.view.setUint32(addr, v >>> 0, true);
  }

  /** Start a call: no record placed. */
  begin(): void {
    this.count = 0;
  }

  /** Where the next record's bytes go (limit bytes of room), until place() takes it. */
  nextInput(): number {
    return this.inputAt + this.count * this.limit;
  }

  /** The record of `n` bytes at nextInput() is the next one of this call; its number. */
  place(n: number): number {
    const k = this.count++;
    const w = (this.recs >>> 2) + k * this.recWords;
    this.u32[w] = this.inputAt + k * this.limit;
    this.u32[w + 1] = n;
    return k;
  }

  /** Whether another record can be placed in this call. */
  room(): boolean {
    return this.count < KERNEL_RECORDS;
  }

  /** Run the kernel over the records placed. */
  run(): void {
    if (this.count === 0) return;
    this.x.dgBatch(
      this.cfg,
      this.recs,
      this.count,
      this.caps,
      this.jobs,
      this.maxJobs,
      this.msgs,
      this.msgsEnd,
      this.digests,
      this.out,
      this.outEnd,
    );
  }

  /** Record k's outcome: K_FALLBACK, K_FORWARD_INPUT or K_OUTPUT. */
  status(k: number): number {
    const s = this.u32[(this.recs >>> 2) + k * this.recWords + 2]!;
    return s === this.stOutput ? K_OUTPUT : s === this.stForward ? K_FORWARD_INPUT : K_FALLBACK;
  }
  /** K_OUTPUT: where record k's new bytes are, their length, and the rules applied (bit r). */
  outAt(k: number): number {
    return this.u32[(this.recs >>> 2) + k * this.recWords + 3]!;
  }
  outLength(k: number): number {
    return this.u32[(this.recs >>> 2) + k * this.recWords + 4]!;
  }
  applied(k: number): number {
    return this.u32[(this.recs >>> 2) + k * this.recWords + 5]!;
  }
}
