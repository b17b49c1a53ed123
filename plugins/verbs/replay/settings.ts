import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EnvironmentCapture, ENVIRONMENT_FILE } from '../../../kernel/artifacts/environment-capture.ts';
import { RunInvocation, RUN_INVOCATION_FILE } from '../../../kernel/artifacts/run-invocation.ts';
import type { ReplayPreparation } from '../../../kernel/hooks.ts';
import type { VerbCapabilities } from '../../../kernel/plugin-contract.ts';
import { REDACTED_VALUE } from '../../../kernel/redact.ts';
import { ReplayErrors } from './errors.ts';

/**
 * A replay runs with the run's product settings — the flags plugins add to `run` (DataGuard's
 * registry, schema and rules, a third-party plugin's flags) — so a bundle replays without the
 * operator knowing them: they are read from the bundle's invocation.json (the runtime's argv,
 * recorded at start), overridden one by one with `replay --set=NAME=VALUE`, adjusted by the
 * plugins (hooks.replayPreparing: paths, outputs) and parsed with each plugin's own schema. The
 * replay audit lists every setting and where it came from.
 *
 * Flags that replay governs itself (policy: --env, --approval, --approval-key-set; --dry-run is
 * replay's --mode) are not settings.
 */

export interface ReplaySetting {
  flag: string;
  value: string | string[];
  source: string;
}

const REPLAY_GOVERNS = new Set(['env', 'approval', 'approval-key-set', 'dry-run']);

function readJson<T>(path: string, parse: (x: unknown) => T): T | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    return parse(JSON.parse(text));
  } catch {
    return null;
  }
}

/** The runtime's invocation and working directory, when the bundle carries them. */
export function recordedRun(bundleDir: string): { invocation: RunInvocation | null; cwd: string | null } {
  const invocation = readJson(join(bundleDir, RUN_INVOCATION_FILE), (x) => RunInvocation.parse(x));
  const env = readJson(join(bundleDir, ENVIRONMENT_FILE), (x) => EnvironmentCapture.parse(x));
  // environment.json is the runtime's own when invocation.json is there (same pid)
  const cwd = env && invocation && env.pid === invocation.host.pid ? env.cwd : null;
  return { invocation, cwd };
}

/** `NAME=VALUE` of each --set, checked against the settings the loaded plugins declare. */
function parseSets(sets: readonly string[], known: ReadonlyMap<string, { multiple: boolean }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of sets) {
    const eq = s.indexOf('=');
    const name = eq > 0 ? s.slice(0, eq).replace(/^--/, '') : '';
    if (!name)
      throw ReplayErrors.error(
        'BYTEOR_E_REPLAY_SETTING_INVALID',
        `--set=${s}: expected NAME=VALUE, e.g. --set=registry-root=/srv/registry`,
        { set: s },
      );
    if (!known.has(name)) {
      throw ReplayErrors.error(
        'BYTEOR_E_REPLAY_SETTING_UNKNOWN',
        `--set=${s}: no loaded plugin adds --${name} to run (settings here: ` +
          `${[...known.keys()].sort().join(', ') || 'none'}); load the plugin that does (--plugin=NAME or the ` +
          `spec's plugins)`,
        { setting: name },
      );
    }
    out.set(name, [...(out.get(name) ?? []), s.slice(eq + 1)]);
  }
  return out;
}

/**
 * The run flags a replay passes to the pipeline (RunInfo.flags, as `run` would have), with the
 * list of settings and their sources for the audit.
 */
export function replaySettings(
  ctx: Pick<VerbCapabilities, 'catalog' | 'prepareReplay'>,
  bundleDir: string,
  sets: readonly string[],
): { flags: Record<string, unknown>; settings: ReplaySetting[] } {
  const extensions = ctx.catalog.verbExtensions('run');
  const known = new Map<string, { multiple: boolean }>();
  for (const { ext } of extensions) {
    for (const [name, o] of Object.entries(ext.flags.options))
      if (!REPLAY_GOVERNS.has(name)) known.set(name, { multiple: Boolean(o.multiple) });
  }
  const { invocation, cwd } = recordedRun(bundleDir);
  const prep: ReplayPreparation = { bundleDir, runtimeCwd: cwd, settings: {}, sources: {} };
  if (invocation && known.size > 0) {
    // the CLI's own arguments; an older record has only the process's argv (the verb's flags follow the verb)
    const at = invocation.argv.indexOf(invocation.verb);
    const args = invocation.args ?? (at >= 0 ? invocation.argv.slice(at + 1) : []);
    const options = Object.fromEntries(
      [...known].map(([n, k]) => [n, { type: 'string' as const, ...(k.multiple ? { multiple: true } : {}) }]),
    );
    // booleans of other plugins and flags of the run verb itself are not ours: strict off, ours typed
    const { values } = parseArgs({ args, options, strict: false, allowPositionals: true });
    for (const name of known.keys()) {
      const v = values[name];
      if (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
        prep.settings[name] = v as string | string[];
        prep.sources[name] = 'recorded';
      }
    }
  }
  for (const [name, values] of parseSets(sets, known)) {
    prep.settings[name] = known.get(name)!.multiple ? values : values[values.length - 1]!;
    prep.sources[name] = 'command_line';
  }
  ctx.prepareReplay(prep); // the kernel fires hooks.replayPreparing

  for (const [name, v] of Object.entries(prep.settings)) {
    if ((Array.isArray(v) ? v : [v]).includes(REDACTED_VALUE)) {
      throw ReplayErrors.error(
        'BYTEOR_E_REPLAY_SETTING_REDACTED',
        `--${name} was recorded redacted (its value looks secret); give it to the replay with --set=${name}=VALUE`,
        { setting: name },
      );
    }
  }
  const flags: Record<string, unknown> = {};
  for (const { ext, plugin } of extensions) {
    const raw: Record<string, unknown> = {};
    for (const name of Object.keys(ext.flags.options)) if (name in prep.settings) raw[name] = prep.settings[name];
    const r = ext.flags.schema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const name = String(issue.path[0] ?? '');
      throw ReplayErrors.error(
        'BYTEOR_E_REPLAY_SETTING_INVALID',
        `--${name} (${prep.sources[name] ?? 'default'}) for plugin "${plugin}": ${issue.message}; give the ` +
          `value to use with --set=${name}=VALUE`,
        { setting: name, plugin },
      );
    }
    Object.assign(flags, r.data as object);
  }
  const settings = Object.keys(prep.settings)
    .sort()
    .map((flag) => ({ flag, value: prep.settings[flag]!, source: prep.sources[flag] ?? 'recorded' }));
  return { flags, settings };
}
