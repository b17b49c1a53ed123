import * as assert from 'uvu/assert';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { validateSpecText, type SpecCheck } from '../../kernel/spec/load.ts';
import type { Diagnostic } from '../../kernel/spec/model.ts';

/** A kernel with the built-in stage keys (identity, upper, drop_if:, fail_on:, sleep_us:). */
export async function coreKernel(): Promise<Kernel> {
  const k = new Kernel();
  await loadPlugins(k, ['core-stages']);
  return k;
}

/** spec.kv text from lines (LF, trailing newline). */
export function kv(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

export const SR_HEADER = ['spec.version=1', 'spec.model=single_ring', 'spec.name=t'];
export const LG_HEADER = ['spec.version=1', 'spec.model=lane_graph', 'spec.name=t'];

export async function check(text: string | Uint8Array, kernel?: Kernel): Promise<SpecCheck> {
  return validateSpecText(text, kernel ?? (await coreKernel()));
}

/** Assert exactly one diagnostic with this code, and (when given) this message and line. */
export function expectOne(
  list: Diagnostic[],
  code: string,
  want: { message?: string | RegExp; line?: number; key?: string } = {},
): Diagnostic {
  const hits = list.filter((d) => d.code === code);
  assert.is(hits.length, 1, `expected one ${code}, got: ${JSON.stringify(list, null, 1)}`);
  const d = hits[0]!;
  if (typeof want.message === 'string') assert.is(d.message, want.message);
  else if (want.message) assert.match(d.message, want.message);
  if (want.line !== undefined) assert.is(d.line, want.line, `line of ${code}`);
  if (want.key !== undefined) assert.is(d.key, want.key, `key of ${code}`);
  return d;
}

export function codes(list: Diagnostic[]): string[] {
  return list.map((d) => d.code);
}

/** 1-based line of `key=` in spec text. */
export function lineOf(text: string, key: string): number {
  const i = text.split('\n').findIndex((l) => l.startsWith(`${key}=`));
  if (i < 0) throw new Error(`no line ${key}= in:\n${text}`);
  return i + 1;
}
