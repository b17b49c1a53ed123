/**
 * The `key=value` line text that DataGuard reads (registry files) and writes (the kv/v1 report).
 * One pair per line, no spaces around `=`, the value is everything after the first `=`.
 * Blank lines and lines starting with `#` are comments. A key appears at most once.
 * Keys are dotted ASCII words (`field.0.name`, `counts.rule.1.applied`).
 */

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export interface KvLine {
  key: string;
  value: string;
  /** 1-based line number in the text */
  line: number;
}

export class KvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Parse the text into ordered pairs; throws KvSyntaxError naming the line. */
export function parseKvLines(text: string): KvLine[] {
  const out: KvLine[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const n = i + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0 || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new KvSyntaxError(`line ${n}: expected key=value, got "${line}"`, n);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (!KEY.test(key))
      throw new KvSyntaxError(`line ${n}: "${key}" is not a valid key (dotted ASCII words, no spaces around "=")`, n);
    const prev = seen.get(key);
    if (prev !== undefined) throw new KvSyntaxError(`line ${n}: key "${key}" is already set on line ${prev}`, n);
    seen.set(key, n);
    out.push({ key, value, line: n });
  }
  return out;
}

/** Encode pairs in the given order, one per line, with a trailing newline. */
export function formatKvLines(pairs: ReadonlyArray<readonly [string, string | number | boolean]>): string {
  let text = '';
  for (const [k, v] of pairs) {
    if (!KEY.test(k)) throw new Error(`kv key "${k}" is not a valid key`);
    const s = String(v);
    if (/[\n\r]/.test(s)) throw new Error(`kv value of "${k}" contains a line break`);
    text += `${k}=${s}\n`;
  }
  return text;
}
