import { z } from 'zod';
import { TuningProfile } from '../../../kernel/artifacts/doctor-report.ts';
import { flag, flags, type FlagValues } from '../../../kernel/flags.ts';

/** The flags of `byteor inspect` (the verb's index registers them; the code that runs it reads their type). */
export const Flags = flags({
  bundle: flag.string({
    value: 'DIR|FILE.tar.gz',
    description: 'incident bundle to read (verified against its manifest first)',
    schema: z.string().min(1),
  }),
  profile: flag.string({
    value: 'default|low-latency|isolated-core',
    description: 'the tuning contract environment.json is compared with (doctor\'s profiles; default "default")',
    schema: TuningProfile.default('default'),
  }),
});
export type InspectFlags = FlagValues<typeof Flags>;
