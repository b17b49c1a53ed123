import { Buffer } from 'node:buffer';
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import process from 'node:process';
import { dirname, resolve } from 'node:path';
import { ByteorError } from '../errors.ts';
import type { KernelHost } from '../plugin-contract.ts';
import type { CompileReportV1 } from '../artifacts/compile-report.ts';
import type { SpecValidationReport } from '../artifacts/spec-validation.ts';
import { decodeEntries, type SpecModel } from './decode.ts';
import { encodeSpec } from './encode.ts';
import { formatDiagnostic } from './format-diagnostic.ts';
import { canonicalTextHash } from './hash.ts';
import { parseKv } from './kv.ts';
import { MAX_SPEC_BYTES } from './limits.ts';
import { unloadedSpecPluginWarnings } from './no-spec-plugins.ts';
import { lowerPlan } from './lower.ts';
import type { Diagnostic, PipelineSpecV1 } from './model.ts';
import { validateSpec } from './validate.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';
import type { CheckOptions, LoadedSpec, SpecCheck } from './loaded-spec.ts';

export type { CheckOptions, LoadedSpec, SpecCheck } from './loaded-spec.ts';

/**
 * The one way verbs read a spec: read → parse lines → decode → load the plugins the spec
 * names → lower an authored plan → encode canonically and hash → validate (kernel rules, then
 * the plugins' `validateSpec` taps). Every verb that takes `--spec` calls `loadSpecFile`.
 * Signatures are stable (docs/spec-kv.md "Loading a spec from code").
 */

/** Environment variable naming the default spec path (ByteOr's ENV_SPEC). */
export const ENV_SPEC = 'BYTEOR_SPEC';
/** The spec path when neither `--spec` nor BYTEOR_SPEC is given. */
export const DEFAULT_SPEC_PATH = '/etc/byteor/spec.kv';

export interface DecodedSpecText {
  model: SpecModel | null;
  spec?: PipelineSpecV1;
  /** the plugins the spec names (`plugins.<i>`), in order */
  plugins: string[];
  errors: Diagnostic[];
  warnings: Diagnostic[];
  report?: { source: 'spec' | 'plan'; diagnostics: Diagnostic[] };
  lines: ReadonlyMap<string, number>;
}

function asText(input: string | Uint8Array): string {
  return typeof input === 'string'
    ? input
    : Buffer.from(input.buffer, input.byteOffset, input.length).toString('latin1');
}

/**
 * Structural decoding only, no kernel: lines, keys, value types, and lowering of an authored
 * plan. Use it to read a spec's stage keys without judging them (e.g. a compatibility report).
 */
export function decodeSpecText(input: string | Uint8Array): DecodedSpecText {
  const kv = parseKv(input);
  if (kv.errors.length > 0) return { model: null, plugins: [], errors: kv.errors, warnings: [], lines: new Map() };
  const dec = decodeEntries(kv.entries);
  const base = { model: dec.model ?? null, warnings: dec.warnings };
  if (!dec.decoded) return { ...base, plugins: [], errors: dec.errors, lines: dec.lines };
  if (dec.decoded.form === 'spec') {
    const spec = dec.decoded.spec;
    return {
      ...base,
      spec,
      plugins: spec.plugins ?? [],
      errors: [],
      report: { source: 'spec', diagnostics: [] },
      lines: dec.lines,
    };
  }
  const plan = dec.decoded.plan;
  const low = lowerPlan(plan, dec.lines);
  if (!low.spec) return { ...base, plugins: plan.plugins ?? [], errors: low.errors, lines: dec.lines };
  return {
    ...base,
    spec: low.spec,
    plugins: plan.plugins ?? [],
    errors: [],
    report: { source: 'plan', diagnostics: low.diagnostics },
    lines: low.lines,
  };
}

/** Check spec text against the loaded plugins; loads the plugins the spec names first. */
export async function validateSpecText(
  input: string | Uint8Array,
  kernel: KernelHost,
  opts: CheckOptions = {},
): Promise<SpecCheck> {
  const path = opts.path ?? null;
  const text = asText(input);
  const dec = decodeSpecText(input);
  const fail = (errors: Diagnostic[], extra: Partial<SpecCheck> = {}): SpecCheck => ({
    ok: false,
    path,
    text,
    model: dec.model,
    hash: null,
    errors,
    warnings: dec.warnings,
    lines: dec.lines,
    ...extra,
  });
  if (!dec.spec) return fail(dec.errors);
  const skip = opts.specPlugins === false && dec.plugins.length > 0;
  if (!skip) {
    const pluginErrors = await loadSpecPlugins(dec.plugins, kernel, path, dec.lines);
    if (pluginErrors.length > 0) return fail(pluginErrors);
  }

  const spec = dec.spec;
  const canonical = encodeSpec(spec);
  const hash = canonicalTextHash(canonical);
  const v = validateSpec(spec, { kernel, lines: dec.lines, ...(skip ? { unloadedSpecPlugins: dec.plugins } : {}) });
  const report: CompileReportV1 = {
    version: 1,
    source: dec.report!.source,
    spec_hash: hash,
    diagnostics: dec.report!.diagnostics,
  };
  const skipped = skip ? unloadedSpecPluginWarnings(dec.plugins, dec.lines) : [];
  return {
    ok: v.errors.length === 0,
    path,
    text,
    model: spec.model,
    spec,
    canonical,
    hash,
    errors: v.errors,
    warnings: [...dec.warnings, ...skipped, ...v.warnings],
    report,
    lines: dec.lines,
    ...(skip ? { unloadedSpecPlugins: [...dec.plugins] } : {}),
  };
}

/** Read a spec file's bytes; a missing or unreadable file is a usage error (exit 2). */
export function readSpecFile(path: string): Uint8Array {
  const unreadable = (why: string) =>
    KernelErrors.error(
      'BYTEOR_E_SPEC_UNREADABLE',
      `cannot read spec file ${path}: ${why}; pass --spec=PATH (or set ${ENV_SPEC})`,
      { path },
    );
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a writer must not hang (it is refused just below)
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw unreadable(
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (e as Error).message,
    );
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw unreadable('it is a directory');
    if (!st.isFile()) {
      const kind = st.isFIFO()
        ? 'a FIFO'
        : st.isCharacterDevice()
          ? 'a character device'
          : st.isBlockDevice()
            ? 'a block device'
            : st.isSocket()
              ? 'a socket'
              : 'not a regular file';
      throw KernelErrors.error(
        'BYTEOR_E_SPEC_NOT_REGULAR',
        `spec ${path} is ${kind}, not a regular file; specs are read from regular files only (copy it into a ` +
          `file and pass --spec=FILE)`,
        { path },
      );
    }
    // read at most MAX_SPEC_BYTES + 1 bytes, whatever the file claims its size is
    const buf = Buffer.allocUnsafe(MAX_SPEC_BYTES + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > MAX_SPEC_BYTES) {
        throw KernelErrors.error(
          'BYTEOR_E_SPEC_TOO_LARGE',
          `spec ${path} is larger than ${MAX_SPEC_BYTES} bytes; spec.kv files are limited to that (is this the ` +
            `right file?)`,
          { path, limit: MAX_SPEC_BYTES },
        );
      }
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, n);
  } catch (e) {
    if (e instanceof ByteorError) throw e;
    throw unreadable((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  } finally {
    closeSync(fd);
  }
}

export async function validateSpecFile(
  path: string,
  kernel: KernelHost,
  opts: Omit<CheckOptions, 'path'> = {},
): Promise<SpecCheck> {
  return validateSpecText(readSpecFile(path), kernel, { ...opts, path });
}

/** The SpecValidationReport (validate --json, spec_validation.json) of a check. */
export function specValidationReport(check: SpecCheck): SpecValidationReport {
  return { ok: check.ok, spec_hash: check.hash, model: check.model, errors: check.errors, warnings: check.warnings };
}

/** The error a verb throws for an invalid spec: exit 3, `details.errors` lists every diagnostic. */
export function specInvalidError(check: SpecCheck): ByteorError {
  const where = check.path ?? 'text';
  const shown = check.errors
    .slice(0, 3)
    .map((d) => formatDiagnostic(d, 'error'))
    .join('; ');
  const more = check.errors.length > 3 ? `; and ${check.errors.length - 3} more` : '';
  // a spec checked without its plugins must not be pointed at a command that imports them
  const hint = check.path
    ? `; run "byteor validate --spec=${check.path}${check.unloadedSpecPlugins ? ' --no-spec-plugins' : ''}" for ` +
      `the full list`
    : '';
  return KernelErrors.error(
    'BYTEOR_E_SPEC_INVALID',
    `spec ${where} is invalid (${check.errors.length} error${check.errors.length === 1 ? '' : 's'}): ${shown}` +
      `${more}${hint}`,
    { path: check.path, spec_hash: check.hash, model: check.model, errors: check.errors, warnings: check.warnings },
  );
}

/** Load a valid spec from text, or throw BYTEOR_E_SPEC_INVALID (exit 3). */
export async function loadSpecText(
  input: string | Uint8Array,
  kernel: KernelHost,
  opts: CheckOptions = {},
): Promise<LoadedSpec> {
  const check = await validateSpecText(input, kernel, opts);
  if (!check.ok) throw specInvalidError(check);
  return {
    path: check.path,
    text: check.text,
    spec: check.spec!,
    canonical: check.canonical!,
    hash: check.hash!,
    warnings: check.warnings,
    report: check.report!,
    lines: check.lines,
  };
}

/**
 * Load a valid spec file, or throw: BYTEOR_E_SPEC_UNREADABLE (exit 2) when it cannot be read,
 * BYTEOR_E_SPEC_INVALID (exit 3) when it is not a valid spec.
 */
export async function loadSpecFile(
  path: string,
  kernel: KernelHost,
  opts: Omit<CheckOptions, 'path'> = {},
): Promise<LoadedSpec> {
  return loadSpecText(readSpecFile(path), kernel, { ...opts, path });
}

/** `--spec` flag, else $BYTEOR_SPEC, else /etc/byteor/spec.kv. */
export function resolveSpecPath(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return flag ?? env[ENV_SPEC] ?? DEFAULT_SPEC_PATH;
}

/**
 * Install the plugins a spec names (`plugins.<i>=NAME|PATH`) into the kernel, as `--plugin`
 * would. Relative paths resolve from the spec's directory, names and packages as for --plugin.
 */
async function loadSpecPlugins(
  names: string[],
  kernel: KernelHost,
  path: string | null,
  lines: ReadonlyMap<string, number>,
): Promise<Diagnostic[]> {
  if (names.length === 0) return [];
  const errors: Diagnostic[] = [];
  const at = (i: number) => ({
    key: `plugins.${i}`,
    ...(lines.get(`plugins.${i}`) !== undefined ? { line: lines.get(`plugins.${i}`)! } : {}),
  });
  if (typeof (kernel as { install?: unknown }).install !== 'function') {
    return [
      {
        code: 'BYTEOR_E_SPEC_PLUGIN_LOAD',
        message: 'the spec names plugins, but this plugin host cannot load plugins (pass the kernel itself)',
        ...at(0),
      },
    ];
  }
  const { loadPlugin } = await import('../plugin-loader.ts');
  type K = Parameters<typeof loadPlugin>[0];
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const base = path && (name.startsWith('.') || name.startsWith('/')) ? dirname(resolve(path)) : process.cwd();
    try {
      await loadPlugin(kernel as unknown as K, name, base);
    } catch (e) {
      const code = e instanceof ByteorError ? ` [${e.code}]` : '';
      errors.push({
        code: 'BYTEOR_E_SPEC_PLUGIN_LOAD',
        message: `plugins.${i}=${name}: ${e instanceof Error ? e.message : String(e)}${code}`,
        ...at(i),
      });
    }
  }
  return errors;
}
