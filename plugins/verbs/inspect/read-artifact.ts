import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';

/** One bundle artifact as inspect reads it: absent, present but failing its schema, or parsed. */
export type Read<T> = { status: 'missing' } | { status: 'unreadable'; why: string } | { status: 'ok'; value: T };

/** Read `file` of the bundle as JSON and parse it with `schema`. */
export function readJson<S extends z.ZodType>(dir: string, file: string, schema: S): Read<z.output<S>> {
  const path = join(dir, file);
  if (!existsSync(path)) return { status: 'missing' };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return { status: 'unreadable', why: `not JSON: ${(e as Error).message}` };
  }
  const r = schema.safeParse(json);
  if (!r.success)
    return {
      status: 'unreadable',
      why: r.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    };
  return { status: 'ok', value: r.data };
}

/** Read a text artifact and parse it with `parse` (which throws on a malformed one). */
export function readText<T>(dir: string, file: string, parse: (text: string) => T): Read<T> {
  const path = join(dir, file);
  if (!existsSync(path)) return { status: 'missing' };
  try {
    return { status: 'ok', value: parse(readFileSync(path, 'utf8')) };
  } catch (e) {
    return { status: 'unreadable', why: (e as Error).message };
  }
}
