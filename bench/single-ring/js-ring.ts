/**
 * The plain-JavaScript twin of the WASM ring, for the benchmark only: the same single-producer
 * / one-consumer algorithm and layout ideas (cursor and consumer sequence on their own 128-byte
 * lines, cached cursors, batch claim and publish, spin or spin-then-Atomics.wait with a waiter
 * count), written with Int32Array + Atomics over a SharedArrayBuffer. Sequences are int32
 * (benchmark runs stay below 2^31 records).
 */
const CURSOR = 32; // Int32 index of byte 128
const CURSOR_WAITERS = 33;
const CONSUMER = 64; // byte 256
const CONSUMER_WAITERS = 65;
const SLOTS_BYTES = 1024;
const SPIN_CHUNK = 64;

export function jsRingBytes(capacity: number, slotBytes: number): number {
  return SLOTS_BYTES + capacity * ((8 + slotBytes + 7) & ~7);
}

export class JsRing {
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly stride: number;
  readonly mask: number;
  private next = 0;
  private cachedGate = -1;
  private cachedAvail = -1;

  constructor(readonly sab: SharedArrayBuffer, readonly capacity: number, readonly slotBytes: number, private readonly spinNs: number | null) {
    this.i32 = new Int32Array(sab);
    this.u32 = new Uint32Array(sab);
    this.f64 = new Float64Array(sab);
    this.stride = (8 + slotBytes + 7) & ~7;
    this.mask = capacity - 1;
  }

  /** fresh ring: both sequences at -1 */
  static init(sab: SharedArrayBuffer): void {
    const i32 = new Int32Array(sab);
    Atomics.store(i32, CURSOR, -1);
    Atomics.store(i32, CONSUMER, -1);
  }

  slotOffset(seq: number): number { return SLOTS_BYTES + (seq & this.mask) * this.stride; }
  payloadOffset(seq: number): number { return SLOTS_BYTES + (seq & this.mask) * this.stride + 8; }

  /** wait until Atomics.load(i32[idx]) >= target (spin, or spin then sleep); returns the value */
  private waitAtLeast(idx: number, waitersIdx: number, target: number): number {
    const i32 = this.i32;
    let v = Atomics.load(i32, idx);
    if (v >= target) return v;
    const t0 = performance.now();
    for (;;) {
      for (let i = 0; i < SPIN_CHUNK; i++) { v = Atomics.load(i32, idx); if (v >= target) return v; }
      if (this.spinNs !== null && (performance.now() - t0) * 1e6 >= this.spinNs) break;
    }
    for (;;) {
      Atomics.add(i32, waitersIdx, 1);
      v = Atomics.load(i32, idx);
      if (v < target) Atomics.wait(i32, idx, v, 100);
      Atomics.sub(i32, waitersIdx, 1);
      v = Atomics.load(i32, idx);
      if (v >= target) return v;
    }
  }

  private storeAndWake(idx: number, waitersIdx: number, v: number): void {
    Atomics.store(this.i32, idx, v);
    if (Atomics.load(this.i32, waitersIdx) !== 0) Atomics.notify(this.i32, idx);
  }

  /** claim n slots (waits while full); returns the first sequence */
  claim(n: number): number {
    const first = this.next;
    const wrap = first + n - 1 - this.capacity;
    if (wrap > this.cachedGate) this.cachedGate = this.waitAtLeast(CONSUMER, CONSUMER_WAITERS, wrap);
    this.next = first + n;
    return first;
  }

  publish(): void { this.storeAndWake(CURSOR, CURSOR_WAITERS, this.next - 1); }
  consumerSeq(): number { return Atomics.load(this.i32, CONSUMER); }

  waitFor(target: number): number {
    if (this.cachedAvail >= target) return this.cachedAvail;
    this.cachedAvail = this.waitAtLeast(CURSOR, CURSOR_WAITERS, target);
    return this.cachedAvail;
  }

  release(seq: number): void { this.storeAndWake(CONSUMER, CONSUMER_WAITERS, seq); }
}
