import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SchemaField } from '../../plugins/dataguard/registry.ts';

/** The bundled example registry (schema 7 payments, message type 1 card_auth, versions 1 and 2). */
export const EXAMPLE_REGISTRY = new URL('../../examples/dataguard/registry', import.meta.url).pathname;

export function familyKv(id: number, name = `family${id}`): string {
  return `family.id=${id}\nfamily.name=${name}\n`;
}

export function versionKv(
  schemaId: number,
  msgType: number,
  version: number,
  fields: readonly SchemaField[],
  msgName = 'msg',
): string {
  let t = `schema.id=${schemaId}\nschema.msg_type=${msgType}\nschema.msg_name=${msgName}\nschema.version=${version}\n`;
  fields.forEach((f, i) => {
    t += `field.${i}.name=${f.name}\nfield.${i}.type=${f.type}\nfield.${i}.required=${f.required}\n`;
  });
  return t;
}

/** A temporary registry directory holding `files` (relative path → text); remove() deletes it. */
export function tempRegistry(files: Record<string, string>): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'byteor-dg-registry-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
