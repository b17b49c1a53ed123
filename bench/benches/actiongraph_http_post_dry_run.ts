/**
 * actiongraph_http_post_dry_run: one producer → the ActionGraph `http_post:<url>` stage in a
 * dry run (`run --dry-run`: every action is recorded in the stage's counters, none performed,
 * so no network is involved) → egress. What it measures is the governed side-effect stage's
 * cost on the ring: live-record accounting per batch, counters in shared memory.
 *
 *   P → [http_post:http://127.0.0.1:9/ingest, dry run] → egress
 */
import { defineBench } from '../suite/bench-definition.ts';
import { measureContender } from '../suite/measure.ts';
import { syntheticPayloads } from '../suite/payloads.ts';
import { singleRingSpecText, startSingleRing } from '../suite/single-ring-contender.ts';
import { BENCH_CAPACITY, chooseWait } from '../suite/topology.ts';
import { ringDisclosure } from '../suite/disclosure.ts';

export const DRY_RUN_TARGET = 'http://127.0.0.1:9/ingest';

export default defineBench({
  name: 'actiongraph_http_post_dry_run',
  kind: 'bench',
  summary: 'producer → http_post stage in a dry run (recorded, not performed) → egress',
  async run(ctx) {
    const o = ctx.options;
    const w = chooseWait(o.wait, 2, ctx.cores);
    const pool = syntheticPayloads(o.payload);
    const key = `http_post:${DRY_RUN_TARGET}`;
    const spec = {
      name: 'actiongraph_http_post_dry_run',
      kind: 'bench' as const,
      reference: null,
      disclosure: ringDisclosure({
        topology: `P→0 (${key}, dry run)`,
        stages: 1,
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
          plugins: ['core-stages', 'actiongraph'],
          pool,
          batch: o.batch,
          dryRun: true,
          specText: singleRingSpecText({
            name: 'actiongraph_http_post_dry_run',
            stages: [{ key, deps: [] }],
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
