import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ByteorError } from '../../../kernel/errors.ts';
import type { AdapterFactory, EgressAdapter, IngressAdapter, PluginCatalog } from '../../../kernel/plugin-contract.ts';
import { RunErrors } from './errors.ts';

/**
 * `run --config=PATH`: adapter bindings as `key=value` lines (like spec.kv: no spaces around
 * `=`, `#` comments, blank lines ignored):
 *   ingress.kind=<kind>   ingress.<setting>=<value> ...
 *   egress.kind=<kind>    egress.<setting>=<value> ...
 * A side without `kind` keeps the line adapter (--input / --output). Settings (everything
 * after `<side>.` except `kind`) go to the kind's factory, which validates them.
 */

const KEY = /^(ingress|egress)\.([A-Za-z0-9_.-]+)$/;

/**
 * ByteOr's name for the adapter config file (`--config=/path/to/runtime_config.txt`); replay discovers it next to the
 * bundle.
 */
export const ADAPTER_CONFIG_FILE = 'runtime_config.txt';

export const AdapterBinding = z.object({ kind: z.string().min(1), settings: z.record(z.string(), z.string()) });
export type AdapterBinding = z.infer<typeof AdapterBinding>;
export const AdapterConfig = z.object({ ingress: AdapterBinding.nullable(), egress: AdapterBinding.nullable() });
export type AdapterConfig = z.infer<typeof AdapterConfig>;

function configError(path: string, line: number, message: string): ByteorError {
  return RunErrors.error('BYTEOR_E_CONFIG_INVALID', `${path}:${line}: ${message}`, { config: path, line });
}

export function parseAdapterConfig(text: string, path: string): AdapterConfig {
  const sides: Record<'ingress' | 'egress', { kind?: string; settings: Record<string, string> } | null> = {
    ingress: null,
    egress: null,
  };
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw configError(path, i + 1, `"${line}" is not key=value`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const m = KEY.exec(key);
    if (!m)
      throw configError(
        path,
        i + 1,
        `unknown key "${key}"; keys start with ingress. or egress. (e.g. ingress.kind=nats)`,
      );
    if (seen.has(key)) throw configError(path, i + 1, `duplicate key "${key}"`);
    seen.add(key);
    const side = m[1] as 'ingress' | 'egress';
    const s = (sides[side] ??= { settings: {} });
    if (m[2] === 'kind') s.kind = value;
    else s.settings[m[2]!] = value;
  });
  const out: AdapterConfig = { ingress: null, egress: null };
  for (const side of ['ingress', 'egress'] as const) {
    const s = sides[side];
    if (!s) continue;
    if (!s.kind) throw configError(path, 0, `${side} settings are given but ${side}.kind is missing`);
    out[side] = { kind: s.kind, settings: s.settings };
  }
  return AdapterConfig.parse(out);
}

/**
 * Settings that name a file: `checkpoint`, `*_path`, `*_file` of any adapter, and `path` of the
 * `file` adapter (elsewhere `path` is a URL path). Relative ones are relative to the config file.
 */
const isFileSetting = (kind: string, key: string) =>
  /^(checkpoint|[a-z0-9_]+_(path|file))$/.test(key) || (kind === 'file' && key === 'path');

/**
 * Read `--config=PATH`. A relative file name inside it is taken relative to the config file's
 * directory, not the shell's, so a config works from any directory (docs/edgeplane.md §1).
 * `origin` says how the program came to this file (default `--config=PATH`; replay: found next
 * to the bundle), for error messages that point where it looked.
 */
export function readAdapterConfig(path: string, origin = `--config=${path}`): AdapterConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw RunErrors.error('BYTEOR_E_CONFIG_UNREADABLE', `${origin}: cannot read it (${(e as Error).message})`, {
      config: path,
    });
  }
  const config = parseAdapterConfig(text, path);
  const base = dirname(resolve(path));
  for (const b of [config.ingress, config.egress]) {
    if (!b) continue;
    for (const [k, v] of Object.entries(b.settings))
      if (isFileSetting(b.kind, k) && v !== '' && !isAbsolute(v)) b.settings[k] = resolve(base, v);
  }
  return config;
}

/** Where the adapter factories are looked up (ctx.catalog, or the kernel). */
type AdapterCatalog = Pick<PluginCatalog, 'adapters'>;

function factoryFor(kernel: AdapterCatalog, kind: string, side: 'ingress' | 'egress'): AdapterFactory {
  const found = kernel.adapters().find((a) => a.adapter.kind === kind)?.adapter;
  if (!found) {
    const kinds = kernel
      .adapters()
      .map((a) => a.adapter.kind)
      .sort();
    throw RunErrors.error(
      'BYTEOR_E_ADAPTER_UNKNOWN',
      `${side}.kind=${kind}: no loaded plugin provides adapter kind "${kind}" (loaded: ` +
        `${kinds.length ? kinds.join(', ') : 'none'}); load one, e.g. --plugin=edgeplane`,
      { kind },
    );
  }
  if (!(side === 'ingress' ? found.ingress : found.egress)) {
    throw RunErrors.error(
      'BYTEOR_E_ADAPTER_DIRECTION',
      `${side}.kind=${kind}: adapter kind "${kind}" cannot be used for ${side} (it is ${found.direction})`,
      { kind },
    );
  }
  return found;
}

export function ingressFromBinding(
  kernel: AdapterCatalog,
  b: AdapterBinding,
  env: Readonly<Record<string, string | undefined>>,
): IngressAdapter {
  return factoryFor(kernel, b.kind, 'ingress').ingress!(b.settings, env);
}

export function egressFromBinding(
  kernel: AdapterCatalog,
  b: AdapterBinding,
  env: Readonly<Record<string, string | undefined>>,
): EgressAdapter {
  return factoryFor(kernel, b.kind, 'egress').egress!(b.settings, env);
}
