/**
 * The flags of `npm run bench` (bench/run.ts), parsed with node:util parseArgs and checked by
 * one zod schema; the parsed options travel to each bench child process as JSON.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { flag, flags, parseArgsOptions } from '../../kernel/flags.ts';
import { ALL_NAMES, BATCH1_REFERENCE, expandNames, FILE_PEER_REFERENCE, isPeer, PEER_REFERENCE } from './registry.ts';
import { BenchErrors } from '../errors.ts';

const int = (min: number, max: number, what: string) =>
  z
    .string()
    .regex(/^[0-9]+$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${what} must be in ${min}..${max}`);

const WaitName = z.enum(['spin', 'backoff', 'block']);

/** Each flag once: the parseArgs options, the flag lines of USAGE and the zod schema come from it. */
export const BENCH_FLAGS = flags({
  machine: flag.boolean({ description: 'the report as JSON on stdout (bench_report_v 1) instead of the table' }),
  json: flag.boolean({ description: 'the same as --machine' }),
  duration: flag.string({
    value: 'S',
    description: 'seconds of each measured phase (steady state, then paced latency); default 4',
    schema: z
      .string()
      .regex(/^[0-9]*\.?[0-9]+$/, 'must be a number of seconds, e.g. --duration=2.5')
      .transform(Number)
      .refine((s) => s >= 0.05 && s <= 600, 'must be between 0.05 and 600 seconds')
      .default(4),
  }),
  stages: flag.string({
    value: 'N',
    description: 'stages of single_ring_chain, per shard of single_ring_sharded, and of the peers (1..4)',
    schema: int(1, 4, '--stages').optional(),
  }),
  shards: flag.string({
    value: 'N',
    description: 'shards of single_ring_sharded',
    schema: int(1, 64, '--shards').optional(),
  }),
  wait: flag.string({
    value: 'W',
    description: 'wait strategy; default spin where the busy threads fit the cores, else block',
    schema: WaitName.optional(),
  }),
  payload: flag.string({
    value: 'B',
    description: 'record payload bytes of the synthetic benches; default 64',
    schema: int(8, 65536, '--payload').default(64),
  }),
  batch: flag.string({
    value: 'N',
    description: 'producer publish batch and most slots per stage call; default 256',
    schema: int(1, 4096, '--batch').default(256),
  }),
  load: flag.string({
    value: 'F',
    description: 'the latency phase offers F x the measured steady throughput; default 0.25',
    schema: z
      .string()
      .regex(/^[0-9]*\.?[0-9]+$/, 'must be a fraction, e.g. --load=0.5')
      .transform(Number)
      .refine((f) => f > 0 && f <= 1, 'must be above 0 and at most 1')
      .default(0.25),
  }),
  svg: flag.string({ value: 'FILE', description: 'also draw throughput and latency per bench and peer as SVG' }),
  'no-peers': flag.boolean({ description: 'run the benches that have peers without them' }),
});

/** What every bench child receives. */
export const SuiteOptions = z.object({
  names: z.array(z.string()),
  machine: z.boolean(),
  durationS: z.number(),
  stages: z.number().int().nullable(),
  shards: z.number().int().nullable(),
  wait: WaitName.nullable(),
  payload: z.number().int(),
  batch: z.number().int(),
  load: z.number(),
  svg: z.string().nullable(),
});
export type SuiteOptions = z.infer<typeof SuiteOptions>;

const flagLines = Object.entries(BENCH_FLAGS.options)
  .map(([name, o]) => `${`--${name}${o.type === 'string' ? `=${o.value}` : ''}`.padEnd(13)} ${o.description}`)
  .join('\n');

export const USAGE = `usage: npm run bench -- [NAME...] [--machine] [--duration=S] [--stages=N] [--shards=N]
         [--wait=spin|backoff|block] [--payload=BYTES] [--batch=N] [--load=F] [--svg=FILE] [--no-peers]

names: ${ALL_NAMES.join(', ')}
  (none = all; ${PEER_REFERENCE}, ${BATCH1_REFERENCE} and ${FILE_PEER_REFERENCE} run with their peers unless
  --no-peers; ${BATCH1_REFERENCE} and its peers run at --batch=1 whatever --batch says)
${flagLines}
`;

export function parseBenchArgs(argv: readonly string[]): SuiteOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: parseArgsOptions(BENCH_FLAGS.options),
    });
  } catch (e) {
    throw BenchErrors.error('BYTEOR_E_BENCH_USAGE', `${(e as Error).message}\n${USAGE}`);
  }
  const unknown = parsed.positionals.filter((n) => !ALL_NAMES.includes(n));
  if (unknown.length) {
    throw BenchErrors.error(
      'BYTEOR_E_BENCH_UNKNOWN_NAME',
      `unknown bench name ${unknown.map((n) => `"${n}"`).join(', ')}; known names: ${ALL_NAMES.join(', ')}`,
      { names: unknown },
    );
  }
  const r = BENCH_FLAGS.schema.safeParse(parsed.values);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw BenchErrors.error('BYTEOR_E_BENCH_USAGE', `--${String(i.path[0])}: ${i.message}\n${USAGE}`);
  }
  const f = r.data;
  let names = expandNames(parsed.positionals);
  if (f['no-peers']) names = names.filter((n) => !isPeer(n));
  return {
    names,
    machine: f.machine || f.json,
    durationS: f.duration,
    stages: f.stages ?? null,
    shards: f.shards ?? null,
    wait: f.wait ?? null,
    payload: f.payload,
    batch: f.batch,
    load: f.load,
    svg: f.svg ?? null,
  };
}
