/**
 * Splits a byte stream into `\n`-terminated records (the `\n` is not part of the record; a `\r`
 * before it is kept, bytes are never re-encoded). Tracks the stream offset just past each line so
 * that a line-oriented source can checkpoint exactly the lines that were acknowledged.
 */
export class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);
  /** stream offset of the first byte of `carry` */
  private carryStart: number;

  constructor(startOffset = 0) {
    this.carryStart = startOffset;
  }

  /** complete lines in `chunk` (plus what was carried over), each with the offset just past its `\n` */
  *feed(chunk: Buffer): Generator<{ line: Uint8Array; end: number }> {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let from = 0;
    for (let nl = buf.indexOf(10, from); nl !== -1; nl = buf.indexOf(10, from)) {
      // copy: the record must outlive the read buffer (it is pushed asynchronously)
      yield { line: Uint8Array.prototype.slice.call(buf, from, nl), end: this.carryStart + nl + 1 };
      from = nl + 1;
    }
    this.carryStart += from;
    this.carry = from === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(from));
  }

  /** bytes after the last `\n` (a final line without terminator), or null */
  rest(): { line: Uint8Array; end: number } | null {
    if (this.carry.length === 0) return null;
    const out = { line: new Uint8Array(this.carry), end: this.carryStart + this.carry.length };
    this.carryStart += this.carry.length;
    this.carry = Buffer.alloc(0);
    return out;
  }

  /** bytes held back waiting for their `\n` */
  get pending(): number {
    return this.carry.length;
  }
}
