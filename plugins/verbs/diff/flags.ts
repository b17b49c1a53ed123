import { flag, flags, type FlagValues } from '../../../kernel/flags.ts';

/** The flags of `byteor diff` (the verb's index registers them; the code that runs it reads their type). */
export const Flags = flags({
  spec: flag.string({
    value: 'PATH',
    description: 'the spec deployed now (default $BYTEOR_SPEC, else /etc/byteor/spec.kv)',
  }),
  against: flag.string({ value: 'PATH', description: 'the spec to compare it with (the one that ran)' }),
  bundle: flag.string({
    value: 'DIR|FILE.tar.gz',
    description: "compare with an incident bundle's spec.kv instead of --against (verified first)",
  }),
});
export type DiffFlags = FlagValues<typeof Flags>;
