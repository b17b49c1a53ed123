/**
 * Canonical JSON, the byte form an approval payload is signed in: object keys sorted by UTF-16
 * code unit (the order `Array.prototype.sort` gives, as in RFC 8785), no whitespace, arrays in
 * their given order, strings and numbers as `JSON.stringify` writes them. Properties whose value
 * is `undefined` are left out (as `JSON.stringify` does). Non-finite numbers, bigints, functions
 * and symbols cannot be represented and throw.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot represent the number ${value}`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot represent a value of type ${typeof value}`);
  }
}
