import { flag, flags, type FlagOption } from './flags.ts';

/**
 * Flags every verb accepts. A verb or a verb extension that declares one of them (its long name
 * or its short letter) is refused as a duplicate when it registers (kernel/plugin-host.ts).
 */
export const GLOBAL_FLAGS = flags({
  plugin: flag.list({
    value: 'NAME|PATH|PACKAGE',
    description: 'load a plugin (repeatable): a built-in name, a path or an installed package',
  }),
  json: flag.boolean({ description: 'print data as JSON on stdout' }),
  help: flag.boolean({ short: 'h', description: 'show help' }),
});

export const GLOBAL_OPTIONS: Readonly<Record<string, FlagOption>> = GLOBAL_FLAGS.options;
