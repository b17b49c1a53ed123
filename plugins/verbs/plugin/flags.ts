import { z } from 'zod';

/** The flags of `byteor plugin` (the verb's index registers them; the code that runs it reads their type). */
export const Flags = z.object({
  name: z.string().min(1).optional(),
});
export type PluginVerbFlags = z.output<typeof Flags>;
