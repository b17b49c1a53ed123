import { z } from 'zod';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type FlagValues,
  type VerbContext,
} from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { TopErrors } from './errors.ts';

/**
 * `byteor top`: a live view of a runtime from its run directory (top-loop.ts). The module stays
 * light: the loop, the renderer and the snapshot client are imported when the verb runs.
 */
const Flags = flags({
  'run-dir': flag.string({ value: 'DIR', description: "the runtime's run directory (default as snapshot)" }),
  interval: flag.string({
    value: 'SECONDS',
    description: 'refresh every SECONDS (default 1, at least 0.1)',
    schema: z
      .string()
      .regex(/^(\d{1,4})(\.\d{1,3})?$/, 'must be a number of seconds, e.g. 1 or 0.5')
      .transform(Number)
      .refine((s) => s >= 0.1, 'must be at least 0.1 seconds')
      .default(1),
  }),
  once: flag.boolean({ description: 'print one frame and exit' }),
  count: flag.string({
    value: 'N',
    description: 'stop after N refreshes',
    schema: z
      .string()
      .regex(/^[1-9]\d{0,8}$/, 'must be a whole number >= 1')
      .transform(Number)
      .optional(),
  }),
  'timeout-ms': flag.string({
    value: 'MS',
    description: 'how long to wait for a live answer (default 1000)',
    schema: z
      .string()
      .regex(/^\d{1,6}$/, 'must be a whole number of milliseconds')
      .transform(Number)
      .default(1000),
  }),
});

async function run(ctx: VerbContext<FlagValues<typeof Flags>>): Promise<number> {
  const { runTop } = await import('./top-loop.ts');
  return runTop(ctx);
}

export default definePlugin({
  name: 'top',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: TopErrors,
  setup(host) {
    host.registerVerb({
      name: 'top',
      summary: 'live view of a runtime: per stage/role records/s, cursor, lag, stalls, drops, adapters, CPU and memory',
      usage: `Full screen on a terminal, refreshed every --interval seconds, sorted by lag; q quits. --once prints one
frame, --json one JSON line per refresh (rates included); when stdout is not a terminal, plain
text frames without escape codes. A dead runtime's state file is shown marked DEAD. See
docs/operator-flow.md.`,
      flags: Flags,
      run,
    });
  },
});
