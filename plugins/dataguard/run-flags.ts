import { z } from 'zod';
import { flag, flags } from '../../kernel/flags.ts';
import type { Framing } from './framing.ts';
import type { PayloadMode } from './envelope.ts';
import { KernelErrors } from '../../kernel/errors/kernel-errors.ts';
import { DataguardErrors } from './errors.ts';

/**
 * The flags DataGuard adds to `run` (host.extendVerb). They are all optional to the parser
 * because `run` also runs specs without DataGuard stages; when the spec has a DataGuard stage,
 * `dataguardConfig` requires the registry four together.
 */

const U32 = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,9})$/, 'expected a whole number')
  .transform(Number)
  .refine((n) => n <= 0xffff_ffff, 'expected a number below 2^32');
const Positive = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, 'expected a whole number >= 1')
  .transform(Number);

export const DATAGUARD_RUN_FLAGS = flags({
  'registry-root': flag.string({
    value: 'DIR',
    description: 'DataGuard: the schema registry directory (required with a dataguard stage)',
  }),
  'schema-id': flag.string({
    value: 'N',
    description: 'DataGuard: the required schema family id (required with a dataguard stage)',
    schema: U32.optional(),
  }),
  'msg-type': flag.string({
    value: 'N',
    description: 'DataGuard: the required message type id (required with a dataguard stage)',
    schema: U32.optional(),
  }),
  'required-version': flag.string({
    value: 'N',
    description: 'DataGuard: the minimum schema version a record must carry (required with a dataguard stage)',
    schema: U32.refine((n) => n >= 1, 'versions start at 1').optional(),
  }),
  mode: flag.string({
    value: 'mapkv|row',
    description: 'DataGuard: payload mode, a msgpack map or a msgpack array in schema field order (default mapkv)',
    schema: z.enum(['mapkv', 'row']).optional(),
  }),
  rule: flag.list({
    value: 'RULE',
    description:
      'DataGuard: redaction rule field:drop | field:replace_with=VALUE | field:hash | field:mask=P:S:C | ' +
      'field:truncate=N',
    schema: z.array(z.string()).optional(),
  }),
  report: flag.string({
    value: 'PATH',
    description: 'DataGuard: write the kv/v1 report here too (it always goes to the run directory when there is one)',
  }),
  'cost-sampling': flag.string({
    value: 'N',
    description: 'DataGuard: time one record in N and add cost.* to the report',
    schema: Positive.optional(),
  }),
  framing: flag.string({
    value: 'base64|raw',
    description: 'DataGuard: a record in a slot is base64 text (line input, default) or raw bytes',
    schema: z.enum(['base64', 'raw']).optional(),
  }),
});
export const DATAGUARD_RUN_OPTIONS = DATAGUARD_RUN_FLAGS.options;
export const DataguardRunFlags = DATAGUARD_RUN_FLAGS.schema;
export type DataguardRunFlags = z.output<typeof DataguardRunFlags>;

/** Everything a DataGuard stage or report needs from the flags, resolved. */
export interface DataguardConfig {
  registryRoot: string;
  schemaId: number;
  msgType: number;
  requiredVersion: number;
  mode: PayloadMode;
  framing: Framing;
  rules: string[];
  reportPath: string | undefined;
  /** time one record in N; undefined = cost sampling off */
  costSampling: number | undefined;
}

const REQUIRED = ['registry-root', 'schema-id', 'msg-type', 'required-version'] as const;

/** The DataGuard flags present in `flags` (parsed run flags), for "given but unused" checks. */
export function givenDataguardFlags(flags: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(DATAGUARD_RUN_OPTIONS).filter(
    (k) => flags[k] !== undefined && !(Array.isArray(flags[k]) && (flags[k] as unknown[]).length === 0),
  );
}

/**
 * Resolve the config from the run's parsed flags (main thread or stage worker: `ctx.flags`
 * carries the same values). Throws BYTEOR_E_DATAGUARD_FLAG_MISSING (exit 2) naming every missing
 * registry flag.
 */
export function dataguardConfig(flags: Readonly<Record<string, unknown>>): DataguardConfig {
  const parsed = DataguardRunFlags.safeParse(
    Object.fromEntries(
      Object.keys(DATAGUARD_RUN_OPTIONS).map((k) => [k, typeof flags[k] === 'number' ? String(flags[k]) : flags[k]]),
    ),
  );
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw KernelErrors.error('BYTEOR_E_USAGE_BAD_FLAG', `--${i.path.join('.')}: ${i.message}`);
  }
  const f = parsed.data;
  const missing = REQUIRED.filter((k) => f[k] === undefined);
  if (missing.length > 0) {
    throw DataguardErrors.error(
      'BYTEOR_E_DATAGUARD_FLAG_MISSING',
      `the spec has a DataGuard stage, so --registry-root, --schema-id, --msg-type and --required-version are ` +
        `all required; missing: ${missing.map((k) => `--${k}`).join(', ')}`,
      { missing: missing.map((k) => `--${k}`) },
    );
  }
  return {
    registryRoot: f['registry-root']!,
    schemaId: f['schema-id']!,
    msgType: f['msg-type']!,
    requiredVersion: f['required-version']!,
    mode: f.mode ?? 'mapkv',
    framing: f.framing ?? 'base64',
    rules: f.rule ?? [],
    reportPath: f.report,
    costSampling: f['cost-sampling'],
  };
}
