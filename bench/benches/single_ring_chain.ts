/**
 * single_ring_chain: one producer → a chain of identity stages (each waits for the one before
 * it) → egress, over one SingleRing. Stages = cores - 1 (2..4) unless --stages.
 *
 *   P → [0] → [1] → … → [n-1] → egress          (one ring; every stage reads the slot in place)
 *
 * The peer set (bench/peers/) runs this same topology over other transports.
 */
import { defineBench } from '../suite/bench-definition.ts';
import { measureContender } from '../suite/measure.ts';
import { syntheticPayloads } from '../suite/payloads.ts';
import { singleRingSpecText, startSingleRing } from '../suite/single-ring-contender.ts';
import { BENCH_CAPACITY, chainDeps, chainStages, chooseWait, describeDeps } from '../suite/topology.ts';
import { ringDisclosure } from '../suite/disclosure.ts';

export default defineBench({
  name: 'single_ring_chain',
  kind: 'bench',
  summary: 'producer → chain of identity stages → egress, one SingleRing',
  async run(ctx) {
    const o = ctx.options;
    const stages = chainStages(o, ctx.cores);
    const deps = chainDeps(stages);
    const w = chooseWait(o.wait, 1 + stages, ctx.cores);
    const pool = syntheticPayloads(o.payload);
    const spec = {
      name: 'single_ring_chain',
      kind: 'bench' as const,
      reference: null,
      disclosure: ringDisclosure({
        topology: `chain ${describeDeps(deps)}`,
        stages,
        shards: 1,
        wait: w,
        pool,
        batch: o.batch,
      }),
      notes: w.note ? [w.note] : [],
    };
    return measureContender(ctx, spec, (d) =>
      startSingleRing(
        {
          plugins: ['core-stages'],
          pool,
          batch: o.batch,
          specText: singleRingSpecText({
            name: 'single_ring_chain',
            stages: deps.map((x) => ({ key: 'identity', deps: x })),
            shards: 1,
            capacity: BENCH_CAPACITY,
            slotBytes: pool.maxBytes,
            wait: w.wait,
          }),
        },
        d,
      ),
    );
  },
});
