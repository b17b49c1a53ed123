import { KernelErrors } from './errors/kernel-errors.ts';

/**
 * A plugin's module code runs when it is imported; if it waits for something that never happens
 * (a top-level `await` on a connection, a lock, stdin), every verb would hang before it starts.
 * The loader therefore imports a plugin with a deadline: BYTEOR_PLUGIN_IMPORT_TIMEOUT_MS
 * (default 10 s), then BYTEOR_E_PLUGIN_IMPORT_TIMEOUT naming the plugin. The abandoned import
 * cannot be cancelled; the process entry ends the process once it has reported (a timer the
 * plugin started would otherwise keep it alive).
 */
export const PLUGIN_IMPORT_TIMEOUT_ENV = 'BYTEOR_PLUGIN_IMPORT_TIMEOUT_MS';
export const DEFAULT_PLUGIN_IMPORT_TIMEOUT_MS = 10_000;
/** the most setTimeout can wait (about 24.8 days) */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The import deadline from the environment (unset or empty: the default). */
export function pluginImportTimeoutMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env[PLUGIN_IMPORT_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return DEFAULT_PLUGIN_IMPORT_TIMEOUT_MS;
  const ms = /^[0-9]+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_MS)) {
    throw KernelErrors.error(
      'BYTEOR_E_USAGE_BAD_ENV',
      `${PLUGIN_IMPORT_TIMEOUT_ENV}=${raw} is not a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}; ` +
        `unset it (default ${DEFAULT_PLUGIN_IMPORT_TIMEOUT_MS}) or set e.g. ${PLUGIN_IMPORT_TIMEOUT_ENV}=30000`,
      { variable: PLUGIN_IMPORT_TIMEOUT_ENV, value: raw },
    );
  }
  return ms;
}

let abandoned = 0;

/** How many plugin imports this process gave up on (their module code may still be running). */
export function abandonedPluginImports(): number {
  return abandoned;
}

/**
 * `import(url)` for plugin `spec`, or BYTEOR_E_PLUGIN_IMPORT_TIMEOUT (exit 1, hook `load`) when
 * it has not settled after `timeoutMs`. A failure of the import itself is passed through.
 */
export async function importWithTimeout(url: string, spec: string, timeoutMs: number): Promise<{ default?: unknown }> {
  const imported = import(url) as Promise<{ default?: unknown }>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  try {
    const first = await Promise.race([imported, late]);
    if (first !== 'late') return first;
  } finally {
    clearTimeout(timer);
  }
  abandoned++;
  imported.then(undefined, () => {
    /* settled after we gave up: nobody is waiting for it */
  });
  const err = KernelErrors.error(
    'BYTEOR_E_PLUGIN_IMPORT_TIMEOUT',
    `plugin "${spec}" (${url}) did not finish importing within ${timeoutMs} ms: its module code waits for ` +
      `something that never happens; fix or remove the plugin, or give it longer with ${PLUGIN_IMPORT_TIMEOUT_ENV}` +
      `=MS`,
    { plugin: spec, hook: 'load', timeout_ms: timeoutMs },
  );
  throw err;
}
