import { Buffer } from 'node:buffer';
import type { Diagnostic } from './model.ts';
import { MAX_KV_ERRORS, MAX_SPEC_BYTES } from './limits.ts';

/**
 * The line-level spec.kv codec: text → `key=value` entries with 1-based line numbers.
 * Never throws on bad input: every problem is a diagnostic with a stable code and its line.
 * Rules (docs/spec-kv.md "Lines"): printable ASCII only (0x20..0x7E; no tabs or control
 * characters), LF or CRLF line ends, blank lines and `#` comment lines ignored, exactly
 * `key=value` with no whitespace around `=` or at either end of the line, dotted keys made of
 * `[A-Za-z0-9_]` segments, each key at most once.
 */

export interface KvEntry {
  key: string;
  value: string;
  /** 1-based line number in the source text */
  line: number;
}

export interface KvParseResult {
  entries: KvEntry[];
  errors: Diagnostic[];
}

const KEY_RE = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

function describeChar(code: number, fromBytes: boolean): string {
  if (code === 0x09) return 'a tab character';
  if (code < 0x20 || code === 0x7f) return `control character 0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
  return fromBytes
    ? `byte 0x${code.toString(16).toUpperCase()} (not ASCII)`
    : `character U+${code.toString(16).toUpperCase().padStart(4, '0')} (not ASCII)`;
}

/** Parse spec.kv text. Pass the file's bytes (preferred) or a string. */
export function parseKv(input: string | Uint8Array): KvParseResult {
  const fromBytes = typeof input !== 'string';
  const size = fromBytes ? input.length : input.length;
  const errors: Diagnostic[] = [];
  if (size > MAX_SPEC_BYTES) {
    return {
      entries: [],
      errors: [
        {
          code: 'BYTEOR_E_SPEC_TOO_LARGE',
          message:
            `the spec is ${size} bytes; spec.kv files are limited to ${MAX_SPEC_BYTES} bytes (is this the right ` +
            `file?)`,
        },
      ],
    };
  }
  // latin1 maps every byte to one char of the same code, so the checks below see raw bytes
  const text = fromBytes ? Buffer.from(input.buffer, input.byteOffset, input.length).toString('latin1') : input;

  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const line = countLines(text, nul);
    return {
      entries: [],
      errors: [
        {
          code: 'BYTEOR_E_SPEC_BINARY',
          message:
            `the spec is a binary file (NUL byte at line ${line}, offset ${nul}); spec.kv is ASCII text of ` +
            `key=value lines`,
          line,
        },
      ],
    };
  }

  const entries: KvEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const add = (d: Diagnostic): boolean => {
    if (errors.length >= MAX_KV_ERRORS) return false;
    errors.push(d);
    if (errors.length === MAX_KV_ERRORS) {
      errors.push({
        code: 'BYTEOR_E_SPEC_KV_TOO_MANY_ERRORS',
        message: `stopped after ${MAX_KV_ERRORS} errors (line ${d.line}); fix these and run validate again`,
        line: d.line,
      });
      return false;
    }
    return true;
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw = lines[i]!;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.length === 0) continue;

    let bad = -1;
    for (let c = 0; c < raw.length; c++) {
      const code = raw.charCodeAt(c);
      if (code < 0x20 || code > 0x7e) {
        bad = c;
        break;
      }
    }
    if (bad >= 0) {
      if (
        !add({
          code: 'BYTEOR_E_SPEC_KV_NON_ASCII',
          message:
            `line ${lineNo}, column ${bad + 1}: ${describeChar(raw.charCodeAt(bad), fromBytes)}; spec.kv is ` +
            `printable ASCII text (no tabs, control characters or non-ASCII)`,
          line: lineNo,
        })
      )
        break;
      continue;
    }
    if (raw.startsWith('#')) continue;
    if (raw.trim().length === 0) {
      if (
        !add({
          code: 'BYTEOR_E_SPEC_KV_WHITESPACE',
          message: `line ${lineNo} holds only spaces; leave blank lines empty`,
          line: lineNo,
        })
      )
        break;
      continue;
    }
    const eq = raw.indexOf('=');
    if (eq < 0) {
      if (
        !add({
          code: 'BYTEOR_E_SPEC_KV_NO_EQUALS',
          message: `line ${lineNo} has no "=": every line is key=value (comment lines start with #)`,
          line: lineNo,
        })
      )
        break;
      continue;
    }
    const key = raw.slice(0, eq);
    const value = raw.slice(eq + 1);
    if (raw !== raw.trim() || key !== key.trimEnd() || value !== value.trimStart()) {
      if (
        !add({
          code: 'BYTEOR_E_SPEC_KV_WHITESPACE',
          message: `line ${lineNo}: whitespace around "=" or at either end of the line is not allowed; write key=value`,
          key: key.trim() || undefined,
          line: lineNo,
        })
      )
        break;
      continue;
    }
    if (key.length === 0) {
      if (
        !add({
          code: 'BYTEOR_E_SPEC_KV_EMPTY_KEY',
          message: `line ${lineNo} starts with "=": the key is missing`,
          line: lineNo,
        })
      )
        break;
      continue;
    }
    if (!KEY_RE.test(key)) {
      if (
        !add({
          code: 'BYTEOR_E_SPEC_KV_BAD_KEY',
          message:
            `line ${lineNo}: "${key}" is not a key: keys are segments of letters, digits and "_" joined by single ` +
            `dots (e.g. single_ring.stages.0.key)`,
          key,
          line: lineNo,
        })
      )
        break;
      continue;
    }
    const first = seen.get(key);
    if (first !== undefined) {
      if (
        !add({
          code: 'BYTEOR_E_SPEC_KV_DUPLICATE',
          message: `${key} is set twice (lines ${first} and ${lineNo}); keep one`,
          key,
          line: lineNo,
        })
      )
        break;
      continue;
    }
    seen.set(key, lineNo);
    entries.push({ key, value, line: lineNo });
  }

  if (entries.length === 0 && errors.length === 0) {
    errors.push({
      code: 'BYTEOR_E_SPEC_EMPTY',
      message:
        'the spec has no key=value lines; a spec needs at least spec.version=1, ' +
        'spec.model=single_ring|lane_graph and spec.name=NAME',
    });
  }
  return { entries, errors };
}

function countLines(text: string, upTo: number): number {
  let n = 1;
  for (let i = 0; i < upTo; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Join entries as spec.kv text (one `key=value` per line, LF, trailing newline). */
export function formatKv(entries: ReadonlyArray<{ key: string; value: string }>): string {
  let out = '';
  for (const e of entries) out += `${e.key}=${e.value}\n`;
  return out;
}
