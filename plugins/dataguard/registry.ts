import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ByteorError } from '../../kernel/errors.ts';
import { KvSyntaxError, parseKvLines } from './kv-lines.ts';
import { DataguardErrors } from './errors.ts';

/**
 * The file-backed schema registry (layout and rules in docs/dataguard.md):
 *
 *   <registry-root>/<schema_id>/family.kv            family.id, family.name
 *   <registry-root>/<schema_id>/<msg_type>/v<N>.kv   one file per version of one message type
 *
 * A version file names its tuple (schema.id, schema.msg_type, schema.version, which must match
 * its path), the message name and its fields in order (field.<i>.name|type|required).
 * Versions of a message type are backward compatible: a newer version keeps every field of the
 * older one at the same position with the same type and required flag, and may only append
 * optional fields.
 */

export const FIELD_TYPES = ['string', 'int', 'float', 'bool', 'bytes'] as const;
export const FieldType = z.enum(FIELD_TYPES);
export type FieldType = z.infer<typeof FieldType>;

const Id = z.number().int().min(0).max(0xffff_ffff);
const FieldName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/,
    'a field name is 1-64 characters: a letter or "_", then letters, digits, "_", "." or "-"',
  )
  .refine((s) => !s.startsWith('__'), 'a field name must not start with "__"');

export const SchemaField = z.object({
  name: FieldName,
  type: FieldType,
  required: z.boolean(),
});
export type SchemaField = z.infer<typeof SchemaField>;

export const FamilyFile = z.object({
  id: Id,
  name: z.string().min(1),
});
export type FamilyFile = z.infer<typeof FamilyFile>;

export const VersionSchema = z
  .object({
    schema_id: Id,
    msg_type: Id,
    msg_name: z.string().min(1),
    version: Id.min(1),
    fields: z.array(SchemaField).min(1).max(256),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.fields.forEach((f, i) => {
      if (seen.has(f.name))
        ctx.addIssue({ code: 'custom', path: ['fields', i, 'name'], message: `field "${f.name}" is declared twice` });
      seen.add(f.name);
    });
  });
export type VersionSchema = z.infer<typeof VersionSchema>;

/** What a run checks records against: the required tuple and every registry version at or above it. */
export interface SchemaContract {
  registryRoot: string;
  schemaId: number;
  msgType: number;
  requiredVersion: number;
  familyName: string;
  msgName: string;
  /** versions >= requiredVersion, ascending */
  versions: VersionSchema[];
}

const DECIMAL = /^(0|[1-9][0-9]{0,9})$/;
const VERSION_FILE = /^v([1-9][0-9]{0,9})\.kv$/;

function registryInvalid(file: string, why: string): ByteorError {
  return DataguardErrors.error(
    'BYTEOR_E_DATAGUARD_REGISTRY_INVALID',
    `schema registry file ${file} is invalid: ${why}; fix the file (layout in docs/dataguard.md)`,
    { file },
  );
}

function readKv(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw registryInvalid(file, `cannot read it (${(e as Error).message})`);
  }
  try {
    return new Map(parseKvLines(text).map((l) => [l.key, l.value]));
  } catch (e) {
    if (e instanceof KvSyntaxError) throw registryInvalid(file, e.message);
    throw e;
  }
}

function zodWhy(err: z.ZodError): string {
  const i = err.issues[0]!;
  return `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`;
}

function toInt(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  return DECIMAL.test(v) ? Number(v) : v;
}

function toBool(v: string | undefined): boolean | string | undefined {
  return v === 'true' ? true : v === 'false' ? false : v;
}

/** Parse a family.kv file. */
export function readFamilyFile(file: string): FamilyFile {
  const kv = readKv(file);
  for (const k of kv.keys())
    if (k !== 'family.id' && k !== 'family.name')
      throw registryInvalid(file, `unknown key "${k}" (allowed: family.id, family.name)`);
  const r = FamilyFile.safeParse({ id: toInt(kv.get('family.id')), name: kv.get('family.name') });
  if (!r.success) throw registryInvalid(file, zodWhy(r.error));
  return r.data;
}

/** Parse a v<N>.kv version file. */
export function readVersionFile(file: string): VersionSchema {
  const kv = readKv(file);
  const fields: Array<Record<string, unknown>> = [];
  const base: Record<string, unknown> = {};
  const HEAD: Record<string, string> = {
    'schema.id': 'schema_id',
    'schema.msg_type': 'msg_type',
    'schema.msg_name': 'msg_name',
    'schema.version': 'version',
  };
  for (const [k, v] of kv) {
    if (k in HEAD) {
      base[HEAD[k]!] = k === 'schema.msg_name' ? v : toInt(v);
      continue;
    }
    const m = /^field\.(0|[1-9][0-9]{0,2})\.(name|type|required)$/.exec(k);
    if (!m)
      throw registryInvalid(
        file,
        `unknown key "${k}" (allowed: schema.id, schema.msg_type, schema.msg_name, schema.version, ` +
          `field.<i>.name|type|required)`,
      );
    const i = Number(m[1]);
    fields[i] ??= {};
    fields[i]![m[2]!] = m[2] === 'required' ? toBool(v) : v;
  }
  for (let i = 0; i < fields.length; i++) {
    if (!fields[i])
      throw registryInvalid(file, `field.${i} is missing (field indices must be 0, 1, 2, ... without gaps)`);
  }
  const r = VersionSchema.safeParse({ ...base, fields });
  if (!r.success) throw registryInvalid(file, zodWhy(r.error));
  return r.data;
}

/**
 * Why `newer` is not a backward-compatible successor of `older`, or undefined when it is.
 */
export function compatibilityProblem(older: VersionSchema, newer: VersionSchema): string | undefined {
  for (let i = 0; i < older.fields.length; i++) {
    const a = older.fields[i]!;
    const b = newer.fields[i];
    if (!b) return `version ${newer.version} removes field "${a.name}" (position ${i}) of version ${older.version}`;
    if (b.name !== a.name)
      return (
        `version ${newer.version} has field "${b.name}" at position ${i} where version ${older.version} has "` +
        `${a.name}" (fields keep their positions)`
      );
    if (b.type !== a.type)
      return `version ${newer.version} changes the type of field "${a.name}" from ${a.type} to ${b.type}`;
    if (b.required !== a.required)
      return (
        `version ${newer.version} changes field "${a.name}" from ${a.required ? 'required' : 'optional'} to ` +
        `${b.required ? 'required' : 'optional'}`
      );
  }
  for (let i = older.fields.length; i < newer.fields.length; i++) {
    const b = newer.fields[i]!;
    if (b.required)
      return (
        `version ${newer.version} adds required field "${b.name}" (a field added in a newer version must be ` +
        `optional)`
      );
  }
  return undefined;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Load the contract for one (schema id, message type, required version) from the registry.
 * Fails with an operator-visible error when the root is unusable, a file is malformed, the
 * schema is missing, the registry's newest version is older than required, or two versions at
 * or above the required one are incompatible.
 */
export function loadSchemaContract(
  registryRoot: string,
  schemaId: number,
  msgType: number,
  requiredVersion: number,
): SchemaContract {
  if (!isDir(registryRoot)) {
    throw DataguardErrors.error(
      'BYTEOR_E_DATAGUARD_REGISTRY_ROOT',
      `--registry-root=${registryRoot} is not a readable directory; point it at the schema registry (layout in ` +
        `docs/dataguard.md)`,
      { registry_root: registryRoot },
    );
  }
  const tuple = `schema id ${schemaId}, msg type ${msgType}`;
  const familyDir = join(registryRoot, String(schemaId));
  const familyPath = join(familyDir, 'family.kv');
  if (!isDir(familyDir)) {
    throw DataguardErrors.error(
      'BYTEOR_E_DATAGUARD_SCHEMA_MISSING',
      `the schema registry at ${registryRoot} has no schema family ${schemaId} (expected ${familyPath}); check ` +
        `--schema-id or add the family to the registry`,
      { registry_root: registryRoot, schema_id: schemaId },
    );
  }
  const family = readFamilyFile(familyPath);
  if (family.id !== schemaId)
    throw registryInvalid(familyPath, `family.id=${family.id} does not match its directory ${schemaId}`);
  const msgDir = join(familyDir, String(msgType));
  if (!isDir(msgDir)) {
    throw DataguardErrors.error(
      'BYTEOR_E_DATAGUARD_SCHEMA_MISSING',
      `the schema registry at ${registryRoot} has no message type ${msgType} in family ${schemaId} (` +
        `${family.name}); expected the directory ${msgDir}; check --msg-type`,
      { registry_root: registryRoot, schema_id: schemaId, msg_type: msgType },
    );
  }
  const all: VersionSchema[] = [];
  for (const name of readdirSync(msgDir).sort()) {
    if (!name.endsWith('.kv')) continue;
    const file = join(msgDir, name);
    const m = VERSION_FILE.exec(name);
    if (!m) throw registryInvalid(file, 'a version file is named v<N>.kv with N >= 1 and no leading zeros');
    const v = readVersionFile(file);
    if (v.schema_id !== schemaId || v.msg_type !== msgType || v.version !== Number(m[1])) {
      throw registryInvalid(
        file,
        `it declares schema.id=${v.schema_id} schema.msg_type=${v.msg_type} schema.version=${v.version}, but ` +
          `its path says ${schemaId}/${msgType}/v${m[1]}`,
      );
    }
    all.push(v);
  }
  all.sort((a, b) => a.version - b.version);
  if (all.length === 0) {
    throw DataguardErrors.error(
      'BYTEOR_E_DATAGUARD_SCHEMA_MISSING',
      `the schema registry has no versions for ${tuple} (no v<N>.kv file in ${msgDir})`,
      { registry_root: registryRoot, schema_id: schemaId, msg_type: msgType },
    );
  }
  for (const v of all) {
    if (v.msg_name !== all[0]!.msg_name)
      throw registryInvalid(
        join(msgDir, `v${v.version}.kv`),
        `schema.msg_name=${v.msg_name} differs from version ${all[0]!.version} (${all[0]!.msg_name})`,
      );
  }
  const newest = all[all.length - 1]!.version;
  if (newest < requiredVersion) {
    throw DataguardErrors.error(
      'BYTEOR_E_DATAGUARD_SCHEMA_OLDER',
      `the schema registry's newest version for ${tuple} is ${newest}, older than --required-version=` +
        `${requiredVersion}; deploy the newer schema to ${msgDir} or lower --required-version`,
      {
        registry_root: registryRoot,
        schema_id: schemaId,
        msg_type: msgType,
        required_version: requiredVersion,
        newest_version: newest,
      },
    );
  }
  const versions = all.filter((v) => v.version >= requiredVersion);
  if (versions[0]!.version !== requiredVersion) {
    throw DataguardErrors.error(
      'BYTEOR_E_DATAGUARD_SCHEMA_MISSING',
      `the schema registry has no version ${requiredVersion} for ${tuple} (it has ` +
        `${all.map((v) => v.version).join(', ')}); add v${requiredVersion}.kv or choose an existing ` +
        `--required-version`,
      { registry_root: registryRoot, schema_id: schemaId, msg_type: msgType, required_version: requiredVersion },
    );
  }
  for (let i = 1; i < versions.length; i++) {
    const why = compatibilityProblem(versions[i - 1]!, versions[i]!);
    if (why) {
      throw DataguardErrors.error(
        'BYTEOR_E_DATAGUARD_SCHEMA_INCOMPATIBLE',
        `the schema registry's versions for ${tuple} are incompatible: ${why}; a breaking change needs a new ` +
          `message type`,
        {
          registry_root: registryRoot,
          schema_id: schemaId,
          msg_type: msgType,
          older: versions[i - 1]!.version,
          newer: versions[i]!.version,
        },
      );
    }
  }
  return {
    registryRoot,
    schemaId,
    msgType,
    requiredVersion,
    familyName: family.name,
    msgName: all[0]!.msg_name,
    versions,
  };
}
