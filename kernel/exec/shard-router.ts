/**
 * Routes each ingress record to a shard by a stable hash of its shard key
 * (`single_ring.shard_key`, kernel/spec/shard-key.ts): 32-bit FNV-1a of the key bytes, modulo
 * the shard count. The same key always lands on the same shard, so per-key order is the ring's
 * order. Allocation-free per record.
 */
import type { ShardKey } from '../spec/shard-key.ts';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of bytes[start, end). */
export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h >>> 0;
}

export class ShardRouter {
  constructor(
    readonly shards: number,
    readonly key: ShardKey,
  ) {}

  /** Shard of the record `bytes[from, to)` (the whole array by default). */
  shardOf(bytes: Uint8Array, from = 0, to = bytes.length): number {
    if (this.shards === 1) return 0;
    const k = this.key;
    let start = from;
    let end = to;
    if (k.kind === 'prefix') {
      if (end > from + k.bytes) end = from + k.bytes;
    } else if (k.kind === 'delimited') {
      // field `k.field` (0-based) of the record split on `k.separator`; a missing field is the empty key
      let field = 0;
      end = -1;
      for (let i = from; i <= to; i++) {
        if (i === to || bytes[i] === k.separator) {
          if (field === k.field) {
            end = i;
            break;
          }
          field++;
          start = i + 1;
        }
      }
      if (end < 0) {
        start = 0;
        end = 0;
      }
    }
    return fnv1a(bytes, start, end) % this.shards;
  }
}
