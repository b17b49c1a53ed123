/**
 * `single_ring.shard_key`: how a record's shard key is taken from its bytes (used only when
 * `single_ring.shards > 1`; docs/spec-kv.md "Shard keys"):
 * - `record`                  all of the record's bytes
 * - `prefix:<n>`              the first n bytes (fewer when the record is shorter), 1 <= n
 * - `delimited:<c>:<field>`   field number <field> (0-based) of the record split on the single
 *                             printable ASCII character <c>; a record with fewer fields has the
 *                             empty key
 */
export type ShardKey =
  | { kind: 'record' }
  | { kind: 'prefix'; bytes: number }
  | { kind: 'delimited'; separator: number; field: number };

const PREFIX_RE = /^prefix:(0|[1-9][0-9]{0,6})$/;
const DELIMITED_RE = /^delimited:([\x20-\x7e]):(0|[1-9][0-9]{0,3})$/;

/** Parse a shard_key value; returns an error message (saying what is accepted) when it is not one. */
export function parseShardKey(text: string): { ok: true; key: ShardKey } | { ok: false; message: string } {
  if (text === 'record') return { ok: true, key: { kind: 'record' } };
  const p = PREFIX_RE.exec(text);
  if (p) {
    const bytes = Number(p[1]);
    if (bytes < 1) return { ok: false, message: `single_ring.shard_key=${text}: prefix length must be >= 1` };
    return { ok: true, key: { kind: 'prefix', bytes } };
  }
  const d = DELIMITED_RE.exec(text);
  if (d) return { ok: true, key: { kind: 'delimited', separator: d[1]!.charCodeAt(0), field: Number(d[2]) } };
  return {
    ok: false,
    message:
      `single_ring.shard_key=${text} is not a shard key; use record, prefix:<n> (first n bytes) or ` +
      `delimited:<c>:<field> (e.g. delimited:,:0)`,
  };
}
