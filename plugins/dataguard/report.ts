import { z } from 'zod';
import { ByteorError } from '../../kernel/errors.ts';
import { formatKvLines, KvSyntaxError, parseKvLines } from './kv-lines.ts';
import { DataguardErrors } from './errors.ts';

/**
 * The DataGuard report, kv/v1: `key=value` lines in a fixed order, read top to bottom as
 * report.* → schema.* → policy.* → counts.* → cost.* (cost only when sampling was on).
 * The zod schema below is the single source of truth for its keys; `formatReport` writes them in
 * the schema's order and `parseReport` reads them back (round trip: parse(format(r)) = r).
 * Every key is documented in docs/dataguard.md.
 */

export const REPORT_FILE = 'dataguard_report.kv';
export const REPORT_FAMILY = 'dataguard';
export const REPORT_VERSION = 1;

const Count = z.number().int().min(0);
const Id = z.number().int().min(0).max(0xffff_ffff);

export const DataguardReport = z.object({
  report: z.object({
    family: z.literal(REPORT_FAMILY),
    version: z.literal(REPORT_VERSION),
    /** the spec the run executed */
    spec_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    /** the DataGuard stage keys in stage order */
    stages: z.array(z.enum(['dataguard_check', 'dataguard_redact', 'dataguard_fused'])).min(1),
    /** whether the pipeline ran to its end (false: stopped by a failure) */
    run_ok: z.boolean(),
  }),
  schema: z.object({
    registry_root: z.string().min(1),
    schema_id: Id,
    msg_type: Id,
    required_version: Id,
    family_name: z.string().min(1),
    msg_name: z.string().min(1),
    /** the registry versions records were checked against (>= required_version) */
    versions: z.array(Id).min(1),
    mode: z.enum(['mapkv', 'row']),
    framing: z.enum(['base64', 'raw']),
  }),
  policy: z.object({
    active: z.boolean(),
    /** canonical rules, ordered by field name; index i is counts.rule.<i>.* */
    rules: z.array(z.string()),
    /** sha256 of the canonical rules, one per line */
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  }),
  counts: z.object({
    seen: Count,
    accepted: Count,
    rejected: Count,
    decode_err: Count,
    codec_mismatch: Count,
    schema_missing: Count,
    schema_incompatible: Count,
    redact_overflow: Count,
    unfinished: Count,
    out_drop: Count,
    out_forward_input: Count,
    out_forward_output: Count,
    redact_noop: Count,
    redact_applied: Count,
    /** per policy rule: records in which the rule changed its field */
    rule_applied: z.array(Count),
  }),
  cost: z
    .object({
      sample_every: z.number().int().min(1),
      samples: Count,
      decode_ns: Count,
      total_ns: Count,
      /** per record through all DataGuard stages: sum over stages of total_ns / samples */
      avg_record_ns: Count,
      avg_decode_ns: Count,
    })
    .optional(),
});
export type DataguardReport = z.infer<typeof DataguardReport>;

type Pair = readonly [string, string | number | boolean];

/** The report as kv/v1 text. */
export function formatReport(input: DataguardReport): string {
  const r = DataguardReport.parse(input);
  const pairs: Pair[] = [
    ['report.family', r.report.family],
    ['report.version', r.report.version],
    ['report.spec_hash', r.report.spec_hash],
    ['report.stages', r.report.stages.join(',')],
    ['report.run_ok', r.report.run_ok],
    ['schema.registry_root', r.schema.registry_root],
    ['schema.schema_id', r.schema.schema_id],
    ['schema.msg_type', r.schema.msg_type],
    ['schema.required_version', r.schema.required_version],
    ['schema.family_name', r.schema.family_name],
    ['schema.msg_name', r.schema.msg_name],
    ['schema.versions', r.schema.versions.join(',')],
    ['schema.mode', r.schema.mode],
    ['schema.framing', r.schema.framing],
    ['policy.active', r.policy.active],
    ['policy.rules', r.policy.rules.length],
    ...r.policy.rules.map((t, i): Pair => [`policy.rule.${i}`, t]),
    ['policy.digest', r.policy.digest],
  ];
  const c = r.counts;
  for (const k of COUNT_KEYS) pairs.push([`counts.${k}`, c[k]]);
  c.rule_applied.forEach((n, i) => pairs.push([`counts.rule.${i}.applied`, n]));
  if (r.cost) {
    for (const k of COST_KEYS) pairs.push([`cost.${k}`, r.cost[k]]);
  }
  return formatKvLines(pairs);
}

const COUNT_KEYS = [
  'seen',
  'accepted',
  'rejected',
  'decode_err',
  'codec_mismatch',
  'schema_missing',
  'schema_incompatible',
  'redact_overflow',
  'unfinished',
  'out_drop',
  'out_forward_input',
  'out_forward_output',
  'redact_noop',
  'redact_applied',
] as const;
const COST_KEYS = ['sample_every', 'samples', 'decode_ns', 'total_ns', 'avg_record_ns', 'avg_decode_ns'] as const;

function reportInvalid(why: string): ByteorError {
  return DataguardErrors.error('BYTEOR_E_DATAGUARD_REPORT_INVALID', `the DataGuard report is not valid kv/v1: ${why}`);
}

/** Read kv/v1 text back; throws BYTEOR_E_DATAGUARD_REPORT_INVALID (exit 6). */
export function parseReport(text: string): DataguardReport {
  let lines;
  try {
    lines = parseKvLines(text);
  } catch (e) {
    if (e instanceof KvSyntaxError) throw reportInvalid(e.message);
    throw e;
  }
  const kv = new Map(lines.map((l) => [l.key, l.value]));
  const used = new Set<string>();
  const get = (k: string): string | undefined => {
    used.add(k);
    return kv.get(k);
  };
  const num = (k: string): number | string | undefined => {
    const v = get(k);
    return v !== undefined && /^(0|[1-9][0-9]*)$/.test(v) ? Number(v) : v;
  };
  const bool = (k: string): boolean | string | undefined => {
    const v = get(k);
    return v === 'true' ? true : v === 'false' ? false : v;
  };
  const list = (k: string): string[] | undefined => {
    const v = get(k);
    return v === undefined ? undefined : v === '' ? [] : v.split(',');
  };
  const ruleCount = num('policy.rules');
  const nRules = typeof ruleCount === 'number' ? ruleCount : 0;
  const raw = {
    report: {
      family: get('report.family'),
      version: num('report.version'),
      spec_hash: get('report.spec_hash'),
      stages: list('report.stages'),
      run_ok: bool('report.run_ok'),
    },
    schema: {
      registry_root: get('schema.registry_root'),
      schema_id: num('schema.schema_id'),
      msg_type: num('schema.msg_type'),
      required_version: num('schema.required_version'),
      family_name: get('schema.family_name'),
      msg_name: get('schema.msg_name'),
      versions: list('schema.versions')?.map((v) => (/^(0|[1-9][0-9]*)$/.test(v) ? Number(v) : v)),
      mode: get('schema.mode'),
      framing: get('schema.framing'),
    },
    policy: {
      active: bool('policy.active'),
      rules: Array.from({ length: nRules }, (_, i) => get(`policy.rule.${i}`)),
      digest: get('policy.digest'),
    },
    counts: {
      ...Object.fromEntries(COUNT_KEYS.map((k) => [k, num(`counts.${k}`)])),
      rule_applied: Array.from({ length: nRules }, (_, i) => num(`counts.rule.${i}.applied`)),
    },
    ...([...kv.keys()].some((k) => k.startsWith('cost.'))
      ? { cost: Object.fromEntries(COST_KEYS.map((k) => [k, num(`cost.${k}`)])) }
      : {}),
  };
  const unknown = [...kv.keys()].filter((k) => !used.has(k));
  if (unknown.length > 0) throw reportInvalid(`unknown key ${unknown[0]}`);
  const r = DataguardReport.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw reportInvalid(`${i.path.join('.')}: ${i.message}`);
  }
  return r.data;
}

/**
 * The identities the counts must satisfy; returns one message per broken identity (empty when
 * the report adds up).
 */
export function countIdentityProblems(r: DataguardReport): string[] {
  const c = r.counts;
  const out: string[] = [];
  const reasons = c.decode_err + c.codec_mismatch + c.schema_missing + c.schema_incompatible + c.redact_overflow;
  if (c.seen !== c.accepted + c.rejected + c.unfinished)
    out.push(`seen (${c.seen}) != accepted (${c.accepted}) + rejected (${c.rejected}) + unfinished (${c.unfinished})`);
  if (reasons !== c.rejected) out.push(`reject reasons sum to ${reasons}, rejected is ${c.rejected}`);
  if (c.out_drop !== c.rejected) out.push(`out_drop (${c.out_drop}) != rejected (${c.rejected})`);
  if (c.out_forward_input + c.out_forward_output !== c.accepted)
    out.push(
      `out_forward_input (${c.out_forward_input}) + out_forward_output (${c.out_forward_output}) != accepted (` +
        `${c.accepted})`,
    );
  const redacting = r.report.stages.some((s) => s !== 'dataguard_check');
  if (redacting && c.redact_noop + c.redact_applied !== c.accepted)
    out.push(`redact_noop (${c.redact_noop}) + redact_applied (${c.redact_applied}) != accepted (${c.accepted})`);
  if (!redacting && c.redact_noop + c.redact_applied + c.redact_overflow !== 0)
    out.push('a check-only pipeline reports redaction counts');
  if (c.out_forward_output !== c.redact_applied)
    out.push(`out_forward_output (${c.out_forward_output}) != redact_applied (${c.redact_applied})`);
  if (c.rule_applied.length !== r.policy.rules.length)
    out.push(`${c.rule_applied.length} rule counts for ${r.policy.rules.length} rules`);
  for (let i = 0; i < c.rule_applied.length; i++) {
    if (c.rule_applied[i]! > c.redact_applied + c.redact_overflow)
      out.push(
        `rule ${i} applied ${c.rule_applied[i]} times, more than the ${c.redact_applied + c.redact_overflow} ` +
          `records redaction changed`,
      );
  }
  return out;
}
