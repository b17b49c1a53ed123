import { createHash } from 'node:crypto';
import { ByteorError } from '../../kernel/errors.ts';
import type { FieldType, SchemaContract } from './registry.ts';
import { DataguardErrors } from './errors.ts';

/**
 * Redaction rules, one `--rule=` each (grammar in docs/dataguard.md):
 *   field:drop | field:replace_with=VALUE | field:hash | field:mask=P:S:C | field:truncate=N
 * A rule is parsed, then bound to the schema contract (the field must exist and the action must
 * apply to its type). The policy is the bound rules in field-name order, so the order of the
 * flags does not change the policy, its description or the output.
 */

export type RuleAction =
  | { kind: 'drop' }
  | { kind: 'replace_with'; value: string }
  | { kind: 'hash' }
  | { kind: 'mask'; prefix: number; suffix: number; char: string }
  | { kind: 'truncate'; n: number };

export interface RedactionRule {
  field: string;
  action: RuleAction;
  /** the canonical spelling, e.g. `card:mask=0:4:*` */
  canonical: string;
  /** the flag value as the operator wrote it */
  source: string;
}

/** The value a rule writes, typed for its field (replace_with), computed once at start. */
export type ReplacementValue = string | number | bigint | boolean | Uint8Array;

export interface BoundRule extends RedactionRule {
  type: FieldType;
  /** index of this rule in the policy (the report's counts.rule.<i>.*) */
  index: number;
  /** replace_with only: the VALUE converted to the field's type */
  replacement?: ReplacementValue;
}

export const MAX_RULE_NUMBER = 1_000_000;
const FIELD = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function malformed(rule: string, why: string): ByteorError {
  return DataguardErrors.error(
    'BYTEOR_E_DATAGUARD_RULE_MALFORMED',
    `--rule="${rule}" is malformed: ${why}; the forms are field:drop, field:replace_with=VALUE, field:hash, ` +
      `field:mask=P:S:C, field:truncate=N`,
    { rule },
  );
}

function notApplicable(rule: string, why: string): ByteorError {
  return DataguardErrors.error('BYTEOR_E_DATAGUARD_RULE_FIELD', `--rule="${rule}" cannot be applied: ${why}`, { rule });
}

function count(rule: string, what: string, text: string): number {
  if (!/^[0-9]{1,7}$/.test(text))
    throw malformed(rule, `${what} must be a whole number 0..${MAX_RULE_NUMBER}, got "${text}"`);
  const n = Number(text);
  if (n > MAX_RULE_NUMBER) throw malformed(rule, `${what} must be at most ${MAX_RULE_NUMBER}, got ${n}`);
  return n;
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export function canonicalRule(field: string, a: RuleAction): string {
  switch (a.kind) {
    case 'drop':
      return `${field}:drop`;
    case 'hash':
      return `${field}:hash`;
    case 'replace_with':
      return `${field}:replace_with=${a.value}`;
    case 'mask':
      return `${field}:mask=${a.prefix}:${a.suffix}:${a.char}`;
    case 'truncate':
      return `${field}:truncate=${a.n}`;
  }
}

/** Parse one `--rule=` value; throws BYTEOR_E_DATAGUARD_RULE_MALFORMED quoting it. */
export function parseRule(source: string): RedactionRule {
  if (CONTROL.test(source)) throw malformed(source, 'it contains a control character');
  const colon = source.indexOf(':');
  if (colon < 0) throw malformed(source, 'there is no ":" between the field and the action');
  const field = source.slice(0, colon);
  const rest = source.slice(colon + 1);
  if (!FIELD.test(field)) throw malformed(source, `"${field}" is not a field name`);
  let action: RuleAction;
  if (rest === 'drop') action = { kind: 'drop' };
  else if (rest === 'hash') action = { kind: 'hash' };
  else if (rest.startsWith('replace_with='))
    action = { kind: 'replace_with', value: rest.slice('replace_with='.length) };
  else if (rest.startsWith('truncate='))
    action = { kind: 'truncate', n: count(source, 'N', rest.slice('truncate='.length)) };
  else if (rest.startsWith('mask=')) {
    const body = rest.slice('mask='.length);
    const c1 = body.indexOf(':');
    const c2 = c1 < 0 ? -1 : body.indexOf(':', c1 + 1);
    if (c1 < 0 || c2 < 0)
      throw malformed(
        source,
        'mask needs P:S:C (keep P leading and S trailing characters, mask the rest with the character C)',
      );
    const prefix = count(source, 'P', body.slice(0, c1));
    const suffix = count(source, 'S', body.slice(c1 + 1, c2));
    const char = body.slice(c2 + 1);
    if (codePoints(char) !== 1)
      throw malformed(source, `the mask character C must be exactly one character, got "${char}"`);
    action = { kind: 'mask', prefix, suffix, char };
  } else {
    throw malformed(source, `unknown action "${rest}"`);
  }
  return { field, action, canonical: canonicalRule(field, action), source };
}

/** Parse every `--rule=`, refuse two rules for one field, and order them by field name. */
export function parseRules(sources: readonly string[]): RedactionRule[] {
  const rules = sources.map(parseRule);
  const byField = new Map<string, RedactionRule>();
  for (const r of rules) {
    const prev = byField.get(r.field);
    if (prev) {
      throw DataguardErrors.error(
        'BYTEOR_E_DATAGUARD_RULE_FIELD',
        `--rule="${prev.source}" and --rule="${r.source}" both name field "${r.field}"; give one rule per field`,
        { rule: r.source },
      );
    }
    byField.set(r.field, r);
  }
  return [...byField.values()].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
}

const INT = /^-?(0|[1-9][0-9]*)$/;
const FLOAT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

function replacementFor(rule: RedactionRule, type: FieldType, value: string): ReplacementValue {
  switch (type) {
    case 'string':
      return value;
    case 'bytes':
      return new TextEncoder().encode(value);
    case 'bool':
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw notApplicable(rule.source, `field "${rule.field}" is a bool, so VALUE must be true or false`);
    case 'int': {
      if (!INT.test(value))
        throw notApplicable(rule.source, `field "${rule.field}" is an int, so VALUE must be a whole number`);
      const big = BigInt(value);
      if (big < INT64_MIN || big > UINT64_MAX)
        throw notApplicable(rule.source, `VALUE ${value} does not fit a 64-bit integer`);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    case 'float':
      if (!FLOAT.test(value))
        throw notApplicable(rule.source, `field "${rule.field}" is a float, so VALUE must be a decimal number`);
      return Number(value);
  }
}

const APPLIES: Record<RuleAction['kind'], readonly FieldType[]> = {
  drop: ['string', 'int', 'float', 'bool', 'bytes'],
  replace_with: ['string', 'int', 'float', 'bool', 'bytes'],
  hash: ['string', 'bytes'],
  mask: ['string'],
  truncate: ['string', 'bytes'],
};

/**
 * Bind parsed rules to the contract: each field must exist in some version at or above the
 * required one (fields keep their type across compatible versions), and the action must apply
 * to the field's type. Throws BYTEOR_E_DATAGUARD_RULE_FIELD quoting the rule.
 */
export function bindRules(rules: readonly RedactionRule[], contract: SchemaContract): BoundRule[] {
  const newest = contract.versions[contract.versions.length - 1]!;
  return rules.map((r, index) => {
    const f = newest.fields.find((x) => x.name === r.field);
    if (!f) {
      throw notApplicable(
        r.source,
        `schema ${contract.schemaId}/${contract.msgType} (${contract.msgName}) has no field "${r.field}" in ` +
          `versions ${contract.requiredVersion}..${newest.version}; its fields are ` +
          `${newest.fields.map((x) => x.name).join(', ')}`,
      );
    }
    if (!APPLIES[r.action.kind].includes(f.type)) {
      throw notApplicable(
        r.source,
        `${r.action.kind} applies to ${APPLIES[r.action.kind].join(' and ')} fields, and "${r.field}" is ${f.type}`,
      );
    }
    const bound: BoundRule = { ...r, type: f.type, index };
    if (r.action.kind === 'replace_with') bound.replacement = replacementFor(r, f.type, r.action.value);
    return bound;
  });
}

/** The policy's canonical text (one canonical rule per line) and its digest `sha256:<hex>`. */
export function policyDigest(rules: readonly RedactionRule[]): string {
  return `sha256:${createHash('sha256')
    .update(rules.map((r) => `${r.canonical}\n`).join(''))
    .digest('hex')}`;
}
