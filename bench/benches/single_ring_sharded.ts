/**
 * single_ring_sharded: one producer routes each record by its shard key (`prefix:8`, the
 * record's 8-byte key) to one of N rings, each with its own chain of identity stages; egress
 * reads the shards back in ingress order. Shards = cores - 1 (2..8) unless --shards.
 *
 *   P ─┬→ ring 0: [0] → … ─┐
 *      ├→ ring 1: [0] → … ─┼→ egress (ingress order)
 *      └→ …               ─┘
 */
import { defineBench } from '../suite/bench-definition.ts';
import { measureContender } from '../suite/measure.ts';
import { syntheticPayloads } from '../suite/payloads.ts';
import { singleRingSpecText, startSingleRing } from '../suite/single-ring-contender.ts';
import { BENCH_CAPACITY, chainDeps, chooseWait, describeDeps, shardedShape } from '../suite/topology.ts';
import { ringDisclosure } from '../suite/disclosure.ts';

export default defineBench({
  name: 'single_ring_sharded',
  kind: 'bench',
  summary: 'producer → N shards (prefix:8 key) of identity stage chains → egress in ingress order',
  async run(ctx) {
    const o = ctx.options;
    const { shards, stages } = shardedShape(o, ctx.cores);
    const deps = chainDeps(stages);
    const w = chooseWait(o.wait, 1 + shards * stages, ctx.cores);
    const pool = syntheticPayloads(o.payload);
    const spec = {
      name: 'single_ring_sharded',
      kind: 'bench' as const,
      reference: null,
      disclosure: ringDisclosure({
        topology: `${shards} shards × chain ${describeDeps(deps)}, shard_key=prefix:8`,
        stages,
        shards,
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
            name: 'single_ring_sharded',
            stages: deps.map((x) => ({ key: 'identity', deps: x })),
            shards,
            capacity: BENCH_CAPACITY,
            slotBytes: pool.maxBytes,
            wait: w.wait,
            shardKey: 'prefix:8',
          }),
        },
        d,
      ),
    );
  },
});
