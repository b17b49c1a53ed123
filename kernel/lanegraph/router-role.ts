/**
 * The loop of a `router` role: one input lane, N output lanes (its consumers).
 *
 * broadcast — every record to every consumer. Each step claims room for the batch in every
 *   consumer: on_full=block waits for each (the slowest consumer gates the router); on_full=drop
 *   gives each consumer what fits (partial delivery, IndexBus's broadcast) and counts the rest in
 *   that consumer lane's drops_full. The batch is copied from the input once (into the consumer
 *   that took the most) and from there into the others. `drops_all_full` counts records that
 *   reached no consumer.
 * work_queue — every record to exactly one consumer, round-robin over the consumers that have
 *   credit (free slots in their lane; a full consumer is skipped, not waited for). When every
 *   consumer is full: on_full=block waits (doorbell) until one frees a slot; on_full=drop drops
 *   the record and counts it in `drops_all_full` (it was offered to no lane, so no lane's
 *   drops_full counts it).
 *
 * Counters (shared memory): `routed.<lane>` per consumer, `drops_all_full`, `batches`, `records`.
 */
import { LANE_HALT, type LaneHandle } from '../core/lane.ts';
import { waitForAny } from './doorbell-wait.ts';
import { claimRoom, copyRun, InputRun, RunCopy, stopReason, type RoleEnd, type RoleRuntime } from './role-runtime.ts';

export async function runRouterRole(rt: RoleRuntime, mode: 'broadcast' | 'work_queue'): Promise<RoleEnd> {
  return mode === 'broadcast' ? broadcast(rt) : workQueue(rt);
}

function broadcast(rt: RoleRuntime): RoleEnd {
  const input = rt.inputs[0]!;
  const inp = input.lane;
  const outs = rt.outputs;
  const n = outs.length;
  const { routed, dropsAll, batches, records } = routerCounters(rt);
  const got = new Int32Array(n);
  const dseq = new Float64Array(n);
  let max = rt.maxBatch;
  for (const o of outs) max = Math.min(max, o.capacity);
  const run = new InputRun(input, Math.max(1, max));
  const copied = new RunCopy();
  for (;;) {
    if (!run.wait()) return stopReason(inp);
    const first = run.first;
    const k = run.count;
    let ref = 0;
    for (let j = 0; j < n; j++) {
      dseq[j] = outs[j]!.next();
      const g = claimRoom(outs[j]!, k, rt.drop);
      if (g < 0) return 'aborted';
      got[j] = g;
      if (g > got[ref]!) ref = j;
    }
    const refOut = outs[ref]!;
    copyRun(input, first, k, got[ref]!, refOut, dseq[ref]!, copied);
    const placed = copied.placed;
    const read = copied.read; // records a journal writer overwrote during the copy are the reader's overrun, not read
    for (let j = 0; j < n; j++) {
      const o = outs[j]!;
      const m = Math.min(got[j]!, placed);
      if (j !== ref && m > 0) refOut.copyRawTo(dseq[ref]!, m, o, dseq[j]!);
      if (got[j]! > m) o.unclaim(got[j]! - m);
      if (m > 0) {
        o.publish();
        routed[j]!.add(m);
      }
      if (read > m) o.countDrops(read - m); // routed + drops_full = records read, per consumer
    }
    if (read > placed) dropsAll.add(read - placed);
    run.release();
    batches.add(1);
    records.add(read);
  }
}

function workQueue(rt: RoleRuntime): RoleEnd {
  const input = rt.inputs[0]!;
  const inp = input.lane;
  const r = input.reader;
  const outs = rt.outputs;
  const n = outs.length;
  const { routed, dropsAll, batches, records } = routerCounters(rt);
  const max = Math.max(1, rt.maxBatch);
  const free = new Float64Array(n);
  const count = new Int32Array(n);
  const placed = new Int32Array(n);
  const dseq = new Float64Array(n);
  const target = new Int32Array(max);
  const bell = rt.doorbell;
  const anyFree = (): boolean => {
    for (let j = 0; j < n; j++) if (outs[j]!.free() > 0) return true;
    return aborted(outs);
  };
  const run = new InputRun(input, max);
  let turn = 0;
  for (;;) {
    if (!run.wait()) return stopReason(inp);
    const first = run.first;
    const k = run.count;
    let done = 0;
    let lost = 0;
    while (done < k) {
      for (let j = 0; j < n; j++) {
        free[j] = outs[j]!.free();
        count[j] = 0;
        placed[j] = 0;
      }
      let assigned = 0;
      for (let i = done; i < k; i++) {
        let pick = -1;
        for (let s = 0; s < n; s++) {
          const c = (turn + s) % n;
          if (free[c]! > 0) {
            pick = c;
            break;
          }
        }
        if (pick < 0) break;
        target[i] = pick;
        free[pick]!--;
        count[pick]!++;
        turn = (pick + 1) % n;
        assigned++;
      }
      if (assigned > 0) {
        for (let j = 0; j < n; j++)
          if (count[j]! > 0) {
            dseq[j] = outs[j]!.next();
            outs[j]!.tryClaim(count[j]!);
          }
        for (let i = done; i < done + assigned; i++) {
          const j = target[i]!;
          placed[j] = placed[j]! + inp.copyTo(r, first + i, 1, outs[j]!, dseq[j]! + placed[j]!);
        }
        for (let j = 0; j < n; j++) {
          if (count[j]! === 0) continue;
          const o: LaneHandle = outs[j]!;
          // a record a journal writer overwrote during its copy is the reader's overrun, not read
          if (placed[j]! < count[j]!) {
            o.unclaim(count[j]! - placed[j]!);
            lost += count[j]! - placed[j]!;
          }
          if (placed[j]! > 0) {
            o.publish();
            routed[j]!.add(placed[j]!);
          }
        }
        done += assigned;
      }
      if (done < k) {
        if (rt.drop) {
          dropsAll.add(k - done);
          done = k;
          break;
        }
        if (!bell) throw new Error('a blocking work-queue router needs a doorbell');
        waitForAny(bell, anyFree, rt.wait, rt.spinNs);
        if (aborted(outs)) return 'aborted';
      }
    }
    run.release();
    batches.add(1);
    records.add(k - lost);
  }
}

/** A router's counters: `routed.<lane>` per consumer, `drops_all_full`, `batches`, `records`. */
function routerCounters(rt: RoleRuntime) {
  return {
    routed: rt.outputs.map((o) => rt.counter(`routed.${o.what}`)),
    dropsAll: rt.counter('drops_all_full'),
    batches: rt.counter('batches'),
    records: rt.counter('records'),
  };
}

function aborted(lanes: LaneHandle[]): boolean {
  for (const l of lanes) if (l.halt() === LANE_HALT.aborted) return true;
  return false;
}
