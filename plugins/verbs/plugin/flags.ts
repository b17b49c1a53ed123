import { flag, flags, type FlagValues } from '../../../kernel/flags.ts';

/** The flags of `byteor plugin` (the verb's index registers them; the code that runs it reads their type). */
export const Flags = flags({
  name: flag.string({
    value: 'NAME',
    description:
      'the package and plugin name (npm-style, e.g. geo-tag or @acme/geo-tag); default: the base name of DIR',
  }),
});
export type PluginVerbFlags = FlagValues<typeof Flags>;
