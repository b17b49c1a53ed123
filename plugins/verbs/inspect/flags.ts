import { z } from 'zod';
import { TuningProfile } from '../../../kernel/artifacts/doctor-report.ts';

/** The flags of `byteor inspect` (the verb's index registers them; the code that runs it reads their type). */
export const Flags = z.object({
  bundle: z.string().min(1),
  profile: TuningProfile.default('default'),
});
export type InspectFlags = z.output<typeof Flags>;
