/**
 * dataguard_fused_mapkv: one producer → dataguard_fused (check and redact in one stage, one
 * in-place scan of the msgpack bytes per record) → egress. Same records, rules and output as the chain.
 *
 *   P → [0 dataguard_fused] → egress
 */
import { defineBench } from '../suite/bench-definition.ts';
import { measureContender } from '../suite/measure.ts';
import { singleRingSpecText, startSingleRing } from '../suite/single-ring-contender.ts';
import { BENCH_CAPACITY, chooseWait } from '../suite/topology.ts';
import { ringDisclosure } from '../suite/disclosure.ts';
import { DATAGUARD_SLOT_BYTES, dataguardFlags, dataguardPool } from '../suite/dataguard-workload.ts';

export default defineBench({
  name: 'dataguard_fused_mapkv',
  kind: 'bench',
  summary: 'producer → dataguard_fused (check + redact, one scan) → egress (mapkv records)',
  async run(ctx) {
    const o = ctx.options;
    const w = chooseWait(o.wait, 2, ctx.cores);
    const pool = dataguardPool();
    const spec = {
      name: 'dataguard_fused_mapkv',
      kind: 'bench' as const,
      reference: null,
      disclosure: ringDisclosure({
        topology: 'P→0 (dataguard_fused)',
        stages: 1,
        shards: 1,
        wait: w,
        pool,
        batch: o.batch,
      }),
      notes: [...(w.note ? [w.note] : []), '--payload does not apply: the records are DataGuard mapkv records'],
    };
    return measureContender(ctx, spec, (d) =>
      startSingleRing(
        {
          plugins: ['core-stages', 'dataguard'],
          pool,
          batch: o.batch,
          flags: dataguardFlags(),
          specText: singleRingSpecText({
            name: 'dataguard_fused_mapkv',
            stages: [{ key: 'dataguard_fused', deps: [] }],
            shards: 1,
            capacity: BENCH_CAPACITY,
            slotBytes: DATAGUARD_SLOT_BYTES,
            wait: w.wait,
          }),
        },
        d,
      ),
    );
  },
});
