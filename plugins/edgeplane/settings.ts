import { z } from 'zod';
import { ByteorError } from '../../kernel/errors.ts';
import { redactValue } from '../../kernel/redact.ts';
import { EdgeplaneErrors } from './errors.ts';

/**
 * Adapter settings arrive as the `key=value` strings of one binding (`ingress.*` or `egress.*`
 * of the `--config` file, with the direction prefix removed). Each adapter declares a zod object
 * of string-typed fields built from the helpers below; `parseSettings` validates the binding
 * before anything connects, refuses unknown keys, and names the offending key in the error
 * (`ingress.port: ...`) with the stable code BYTEOR_E_EDGEPLANE_CONFIG (exit 2).
 */

export type Direction = 'ingress' | 'egress';

export const text = () => z.string().min(1, 'must not be empty');

export const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);
export const bool = () =>
  z
    .string()
    .refine((s) => TRUE.has(s) || FALSE.has(s), 'must be true or false')
    .transform((s) => TRUE.has(s));

export const url = (protocols: readonly string[]) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    `must be a URL with scheme ${protocols.join(' or ')}`,
  );

/** a TCP port; 0 asks the OS for a free one (the bound port is shown in the adapter's endpoint) */
export const port = () => int(0, 65535);

export function configError(message: string, details?: Record<string, unknown>): ByteorError {
  return EdgeplaneErrors.error('BYTEOR_E_EDGEPLANE_CONFIG', message, details);
}

export function parseSettings<S extends z.ZodObject<z.ZodRawShape>>(
  schema: S,
  settings: Readonly<Record<string, string>>,
  direction: Direction,
  kind: string,
): z.output<S> {
  const known = Object.keys(schema.shape);
  for (const key of Object.keys(settings)) {
    if (!known.includes(key)) {
      throw configError(
        `${direction}.${key}: unknown setting for adapter kind "${kind}"; known settings: ${known.join(', ')}`,
        { key: `${direction}.${key}`, kind },
      );
    }
  }
  const r = schema.safeParse(settings);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = `${direction}.${issue.path.map(String).join('.')}`;
  const given = issue.path.length ? settings[String(issue.path[0])] : undefined;
  const what = given === undefined ? `required for adapter kind "${kind}"` : `${issue.message} (got "${given}")`;
  throw configError(`${key}: ${what}; fix it in the --config file`, { key, kind });
}

/**
 * `user:secret@` replaced by `<redacted>@` (the kernel's one redactor), so endpoints can be shown in snapshots and
 * errors
 */
export function redactUrl(u: string): string {
  return redactValue(u);
}
