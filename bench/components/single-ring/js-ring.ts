/**
 * The plain-JavaScript twin of the WASM ring, for the benchmark only: the same single-producer
 * / one-consumer algorithm and layout ideas (cursor and consumer sequence on their own 128-byte
 * lines, cached cursors, batch claim and publish, spin or spin-then-Atomics.wait with a waiter
 * count), written with Int32Array + Atomics over a SharedArrayBuffer. Sequences are int32
 * (benchmark runs stay below 2^31 records).
 *
 * With `cells` > 1 (bench/peers/js_sab_ring.ts, a chain): consumer cell c waits on cell c - 1
 * (cell 0 on the cursor) and the producer gates on the last cell; each cell on its own line.
 *
 * Its wake is the core's (assembly/wait.ts): a sleeper announces itself (waiter count + 1) and
 * arms the word it sleeps on (an armed flag set to 1) before it re-reads the value; a writer
 * stores, and notifies only when someone is announced and it takes the arm (exchange to 0), so a
 * woken thread slow to run draws one notify, not one per store until it runs. Here the sleeper
 * waits on the value word itself (sequences are int32), so the arm is a word of its own.
 */
const CURSOR = 32; // Int32 index of byte 128; the next word is its waiter count, the one after its armed flag
const CONSUMER = 64; // byte 256: consumer cells, each value, waiter count, armed flag
/** Int32 offsets, from a cell's value word, of its waiter count and its armed flag */
const WAITERS = 1;
const ARMED = 2;
const SLOTS_BYTES = 1024;
/** consumer cells that fit below the slots (one 128-byte line each, from byte 256) */
export const JS_RING_MAX_CELLS = 6;
const cellWord = (c: number) => CONSUMER + 32 * c;
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

  constructor(
    readonly sab: SharedArrayBuffer,
    readonly capacity: number,
    readonly slotBytes: number,
    private readonly spinNs: number | null,
    readonly cells = 1,
  ) {
    if (cells < 1 || cells > JS_RING_MAX_CELLS) throw new Error(`a JsRing has 1..${JS_RING_MAX_CELLS} consumer cells`);
    this.i32 = new Int32Array(sab);
    this.u32 = new Uint32Array(sab);
    this.f64 = new Float64Array(sab);
    this.stride = (8 + slotBytes + 7) & ~7;
    this.mask = capacity - 1;
  }

  /** fresh ring: every sequence at -1 */
  static init(sab: SharedArrayBuffer, cells = 1): void {
    const i32 = new Int32Array(sab);
    Atomics.store(i32, CURSOR, -1);
    for (let c = 0; c < cells; c++) Atomics.store(i32, cellWord(c), -1);
  }

  /** Int32 index of consumer cell c's sequence (a sleeper waits on this word) */
  cellIndex(c: number): number {
    return cellWord(c);
  }
  /** Announce a sleep on consumer cell c and arm it (the wake above); always pair with `withdraw`. */
  announce(c: number): void {
    this.arm(cellWord(c));
  }
  withdraw(c: number): void {
    this.disarm(cellWord(c));
  }
  /** announce a sleep on the word at `idx` and arm it */
  private arm(idx: number): void {
    Atomics.add(this.i32, idx + WAITERS, 1);
    Atomics.store(this.i32, idx + ARMED, 1);
  }
  private disarm(idx: number): void {
    Atomics.sub(this.i32, idx + WAITERS, 1);
  }

  slotOffset(seq: number): number {
    return SLOTS_BYTES + (seq & this.mask) * this.stride;
  }
  payloadOffset(seq: number): number {
    return SLOTS_BYTES + (seq & this.mask) * this.stride + 8;
  }

  /** wait until Atomics.load(i32[idx]) >= target (spin, or spin then sleep); returns the value */
  private waitAtLeast(idx: number, target: number): number {
    const i32 = this.i32;
    let v = Atomics.load(i32, idx);
    if (v >= target) return v;
    const t0 = performance.now();
    for (;;) {
      for (let i = 0; i < SPIN_CHUNK; i++) {
        v = Atomics.load(i32, idx);
        if (v >= target) return v;
      }
      if (this.spinNs !== null && (performance.now() - t0) * 1e6 >= this.spinNs) break;
    }
    for (;;) {
      this.arm(idx);
      v = Atomics.load(i32, idx);
      if (v < target) Atomics.wait(i32, idx, v, 100);
      this.disarm(idx);
      v = Atomics.load(i32, idx);
      if (v >= target) return v;
    }
  }

  private storeAndWake(idx: number, v: number): void {
    const i32 = this.i32;
    Atomics.store(i32, idx, v);
    if (Atomics.load(i32, idx + WAITERS) !== 0 && Atomics.exchange(i32, idx + ARMED, 0) === 1) Atomics.notify(i32, idx);
  }

  /** claim n slots (waits while full); returns the first sequence */
  claim(n: number): number {
    const first = this.next;
    const wrap = first + n - 1 - this.capacity;
    const gate = cellWord(this.cells - 1);
    if (wrap > this.cachedGate) this.cachedGate = this.waitAtLeast(gate, wrap);
    this.next = first + n;
    return first;
  }

  /** claim n slots if they are free now; returns the first sequence, or -1 when full */
  tryClaim(n: number): number {
    const first = this.next;
    const wrap = first + n - 1 - this.capacity;
    if (wrap > this.cachedGate) {
      this.cachedGate = Atomics.load(this.i32, cellWord(this.cells - 1));
      if (wrap > this.cachedGate) return -1;
    }
    this.next = first + n;
    return first;
  }

  publish(): void {
    this.storeAndWake(CURSOR, this.next - 1);
  }
  consumerSeq(cell = 0): number {
    return Atomics.load(this.i32, cellWord(cell));
  }

  /** wait until consumer cell `cell` may take `target` (what the cell before it released) */
  waitFor(target: number, cell = 0): number {
    if (this.cachedAvail >= target) return this.cachedAvail;
    const dep = cell === 0 ? CURSOR : cellWord(cell - 1);
    this.cachedAvail = this.waitAtLeast(dep, target);
    return this.cachedAvail;
  }

  release(seq: number, cell = 0): void {
    this.storeAndWake(cellWord(cell), seq);
  }
}
