import { z } from 'zod';

/**
 * Command-line flags, each declared once: `flags({ spec: flag.string({ value: 'PATH',
 * description: 'the spec.kv file' }), ... })` gives the node:util parseArgs options, the lines of
 * `--help` and the zod schema of the parsed values (so the type of a verb's `ctx.flags`) from the
 * one declaration. A flag's `schema` checks and converts the raw parseArgs value (a string, a
 * boolean, or a string array for a repeatable flag; undefined when the flag was not given) and
 * its messages are what the user sees (`--NAME: MESSAGE`). A leaf module: zod only.
 */

/** What parsing and --help need to know of one flag (derived from its declaration). */
export interface FlagOption {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** e.g. `PATH`, `N`, `block|drop` — shown in --help */
  value?: string;
  description: string;
}

/** One declared flag: its parse and help facts plus the zod schema of its parsed value. */
export interface Flag<S extends z.ZodType = z.ZodType> extends FlagOption {
  readonly schema: S;
}

interface Described {
  description: string;
  /** a one-letter alias, `-x` */
  short?: string;
}
interface Valued extends Described {
  /** the placeholder in --help: `--name=VALUE` */
  value?: string;
}

/** The default schema of a string flag: optional, and not empty when given. */
const optionalString = () => z.string().min(1).optional();
type OptionalString = ReturnType<typeof optionalString>;
const defaultFalse = () => z.boolean().default(false);
type DefaultFalse = ReturnType<typeof defaultFalse>;
const emptyList = () => z.array(z.string()).default([]);
type EmptyList = ReturnType<typeof emptyList>;

function make<S extends z.ZodType>(type: 'string' | 'boolean', multiple: boolean, o: Valued, schema: S): Flag<S> {
  return Object.freeze({
    type,
    ...(multiple ? { multiple: true } : {}),
    ...(o.short !== undefined ? { short: o.short } : {}),
    ...(o.value !== undefined ? { value: o.value } : {}),
    description: o.description,
    schema,
  });
}

export const flag = {
  /** `--name=VALUE`; parsed by `schema` (default: an optional non-empty string) */
  string<S extends z.ZodType<unknown, string | undefined> = OptionalString>(
    o: Valued & { schema?: S },
  ): Flag<NoInfer<S>> {
    return make('string', false, o, (o.schema ?? optionalString()) as S);
  },
  /** `--name`, a switch; parsed by `schema` (default: false when not given) */
  boolean<S extends z.ZodType<unknown, boolean | undefined> = DefaultFalse>(
    o: Described & { schema?: S },
  ): Flag<NoInfer<S>> {
    return make('boolean', false, o, (o.schema ?? defaultFalse()) as S);
  },
  /** `--name=VALUE`, repeatable; parsed by `schema` (default: the values given, [] when none) */
  list<S extends z.ZodType<unknown, string[] | undefined> = EmptyList>(o: Valued & { schema?: S }): Flag<NoInfer<S>> {
    return make('string', true, o, (o.schema ?? emptyList()) as S);
  },
};

export type FlagShape = Readonly<Record<string, Flag>>;
type SchemaShape<F extends FlagShape> = { -readonly [K in keyof F]: F[K]['schema'] };

/** A verb's (or a verb extension's) flags: one declaration, every use derived from it. */
export interface FlagSet<S extends z.ZodType = z.ZodType> {
  /** name → parse and help facts, in declaration order */
  readonly options: Readonly<Record<string, FlagOption>>;
  /** the parsed values (only the flags given are passed in) → `ctx.flags` */
  readonly schema: S;
}

/** The parsed values of a flag set: what a verb's `ctx.flags` is. */
export type FlagValues<T extends FlagSet> = z.output<T['schema']>;

/** The flags of a verb or a verb extension, declared once. */
export function flags<F extends FlagShape>(shape: F): FlagSet<z.ZodObject<SchemaShape<F>>> {
  const options: Record<string, FlagOption> = {};
  const schemas: Record<string, z.ZodType> = {};
  for (const [name, f] of Object.entries(shape)) {
    const { schema, ...option } = f;
    options[name] = Object.freeze(option);
    schemas[name] = schema;
  }
  return Object.freeze({ options: Object.freeze(options), schema: z.object(schemas) as z.ZodObject<SchemaShape<F>> });
}

/** Whether `x` was made by `flags()` (a plugin's verb or extension is checked when it registers). */
export function isFlagSet(x: unknown): x is FlagSet {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Partial<FlagSet>;
  return (
    typeof s.options === 'object' &&
    s.options !== null &&
    typeof (s.schema as { safeParse?: unknown } | undefined)?.safeParse === 'function'
  );
}

/** The node:util parseArgs options for these flags. */
export function parseArgsOptions(
  options: Readonly<Record<string, FlagOption>>,
): Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> {
  return Object.fromEntries(
    Object.entries(options).map(([k, o]) => [
      k,
      { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) },
    ]),
  );
}

/** `--name=VALUE (repeatable)` as --help shows it on the left of a flag's description. */
export function flagSynopsis(name: string, o: FlagOption): string {
  return `--${name}${o.type === 'string' ? `=${o.value ?? 'VALUE'}` : ''}${o.multiple ? ' (repeatable)' : ''}`;
}
