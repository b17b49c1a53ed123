/**
 * single_ring_dag: one producer → a DAG of identity stages over one SingleRing; stages that
 * do not depend on each other read the same slots in parallel.
 *
 *   4 stages (≥ 5 cores, diamond):  P → [0] ─┬→ [1] ─┬→ [3] → egress
 *                                            └→ [2] ─┘
 *   3 stages (join):                P ─┬→ [0] ─┬→ [2] → egress
 *                                      └→ [1] ─┘
 */
import { defineBench } from '../suite/bench-definition.ts';
import { measureContender } from '../suite/measure.ts';
import { syntheticPayloads } from '../suite/payloads.ts';
import { singleRingSpecText, startSingleRing } from '../suite/single-ring-contender.ts';
import { BENCH_CAPACITY, chooseWait, dagShape, describeDeps } from '../suite/topology.ts';
import { ringDisclosure } from '../suite/disclosure.ts';

export default defineBench({
  name: 'single_ring_dag',
  kind: 'bench',
  summary: 'producer → join / diamond DAG of identity stages → egress, one SingleRing',
  async run(ctx) {
    const o = ctx.options;
    const { deps, note } = dagShape(o, ctx.cores);
    const stages = deps.length;
    const w = chooseWait(o.wait, 1 + stages, ctx.cores);
    const pool = syntheticPayloads(o.payload);
    const spec = {
      name: 'single_ring_dag',
      kind: 'bench' as const,
      reference: null,
      disclosure: ringDisclosure({
        topology: `${stages === 4 ? 'diamond' : 'join'} ${describeDeps(deps)}`,
        stages,
        shards: 1,
        wait: w,
        pool,
        batch: o.batch,
      }),
      notes: [note, w.note].filter((x): x is string => x !== null),
    };
    return measureContender(ctx, spec, (d) =>
      startSingleRing(
        {
          plugins: ['core-stages'],
          pool,
          batch: o.batch,
          specText: singleRingSpecText({
            name: 'single_ring_dag',
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
