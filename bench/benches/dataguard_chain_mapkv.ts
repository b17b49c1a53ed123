/**
 * dataguard_chain_mapkv: one producer → dataguard_check (drops what the registry refuses) →
 * dataguard_redact (applies the rules) → egress: two stages, two in-place scans per record.
 *
 *   P → [0 dataguard_check] → [1 dataguard_redact] → egress
 */
import { defineBench } from '../suite/bench-definition.ts';
import { measureContender } from '../suite/measure.ts';
import { singleRingSpecText, startSingleRing } from '../suite/single-ring-contender.ts';
import { BENCH_CAPACITY, chooseWait } from '../suite/topology.ts';
import { ringDisclosure } from '../suite/disclosure.ts';
import { DATAGUARD_SLOT_BYTES, dataguardFlags, dataguardPool } from '../suite/dataguard-workload.ts';

export default defineBench({
  name: 'dataguard_chain_mapkv',
  kind: 'bench',
  summary: 'producer → dataguard_check → dataguard_redact → egress (mapkv records)',
  async run(ctx) {
    const o = ctx.options;
    const w = chooseWait(o.wait, 3, ctx.cores);
    const pool = dataguardPool();
    const spec = {
      name: 'dataguard_chain_mapkv',
      kind: 'bench' as const,
      reference: null,
      disclosure: ringDisclosure({
        topology: 'chain P→0 (dataguard_check), 0→1 (dataguard_redact)',
        stages: 2,
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
            name: 'dataguard_chain_mapkv',
            stages: [
              { key: 'dataguard_check', deps: [] },
              { key: 'dataguard_redact', deps: [0] },
            ],
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
