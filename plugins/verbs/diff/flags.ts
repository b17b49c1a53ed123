import { z } from 'zod';

/** The flags of `byteor diff` (the verb's index registers them; the code that runs it reads their type). */
export const Flags = z.object({
  spec: z.string().min(1).optional(),
  against: z.string().min(1).optional(),
  bundle: z.string().min(1).optional(),
});
export type DiffFlags = z.output<typeof Flags>;
