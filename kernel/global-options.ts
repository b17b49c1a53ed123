import type { FlagOption } from './plugin-contract.ts';

/**
 * Flags every verb accepts. A verb or a verb extension that declares one of them (its long name
 * or its short letter) is refused as a duplicate when it registers (kernel/plugin-host.ts).
 */
export const GLOBAL_OPTIONS: Readonly<Record<string, FlagOption>> = Object.freeze({
  plugin: { type: 'string', multiple: true, value: 'NAME|PATH|PACKAGE', description: 'load a plugin (repeatable): a built-in name, a path or an installed package' },
  json: { type: 'boolean', description: 'print data as JSON on stdout' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
});
