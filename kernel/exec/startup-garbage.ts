/**
 * A worker that runs stage code collects its start-up garbage before it reports ready, so that
 * collection does not land in the run.
 *
 * Why: a stage worker's heap grows while it loads its modules (the kernel, the stage plugins,
 * their dependencies: 10-15 MB), and V8 starts incremental marking then. A worker on the hot path
 * allocates nothing, so no allocation drives that marking to its end: V8 finishes it from a task,
 * about 0.5 s after the worker started, with one scavenge and one or two full collections (the
 * bench suite counted "1 minor / 2 major" on stage threads in its steady window, in about half the
 * runs; docs/performance.md, eighth pass). Collected here, before `ready`, the worker enters its
 * loop with its start-up garbage gone and V8's limits set from a heap that is live data only.
 *
 * How: V8 exposes a collection to JavaScript only behind `--expose-gc`. The flag is set for the
 * moment it takes to create one `vm` context (whose global `gc` is the collector of this thread's
 * heap) and cleared at once, so no other context or thread gets a `gc` global. Deno has no such
 * switch: nothing is done there.
 */
import vm from 'node:vm';
import { withGcExposed } from '../runtime-flags.ts';

type Collector = (options?: { type: 'minor' }) => void;

/** This thread's collector, or null where the runtime offers none (Deno). */
function collector(): Collector | null {
  try {
    const gc: unknown = withGcExposed(() => vm.runInNewContext('gc'));
    return typeof gc === 'function' ? (gc as Collector) : null;
  } catch {
    return null; // no `gc` in the context: the flag is not there to set
  }
}

/**
 * One synchronous collection of this thread's heap; false where there is none. `full` (a stage
 * worker before `ready`: a few ms) collects the whole heap; `young` (the main thread as ingress
 * starts: about a ms) empties the young generation only, so the run's first scavenge comes after
 * a whole young generation of the run's own allocation, not after what set-up left in it.
 */
export function collectStartupGarbage(kind: 'full' | 'young' = 'full'): boolean {
  const gc = collector();
  if (gc === null) return false;
  // no argument is a full collection; Node 20's V8 reads any options object, `type: 'major'`
  // included, as a young-generation one
  if (kind === 'full') gc();
  else gc({ type: 'minor' });
  return true;
}
