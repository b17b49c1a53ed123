/**
 * The loop of a `merge` role (policy round_robin): N input lanes into one output lane, fairly.
 * The merge serves its inputs in a fixed cyclic order: each turn it takes up to MERGE_QUANTUM
 * records from the next input that has any (an empty input is skipped, never waited for), then
 * moves on to the input after it. So a busy input cannot starve another: between two turns of
 * an input, every other input with records gets one. When no input has records it sleeps on
 * its doorbell (every input lane rings it on publish). Order within each input is kept; order
 * across inputs is the order of the turns. The output ends when every input has ended and been
 * drained; nothing is lost on the way (under on_full=drop, records refused by a full output
 * are counted in its drops_full).
 *
 * Counters (shared memory): `taken.<lane>` per input, `batches`, `records`.
 */
import { LANE_HALT } from '../core/lane.ts';
import { waitForAny } from './doorbell-wait.ts';
import { firstReadable, moveToOutput, RunCopy, type RoleEnd, type RoleRuntime } from './role-runtime.ts';

/** Most records one turn takes from one input. */
export const MERGE_QUANTUM = 64;

export function runMergeRole(rt: RoleRuntime): RoleEnd {
  const ins = rt.inputs;
  const n = ins.length;
  const out = rt.outputs[0]!;
  const taken = ins.map((i) => rt.counter(`taken.${i.lane.what}`));
  const batches = rt.counter('batches');
  const records = rt.counter('records');
  const max = Math.max(1, Math.min(MERGE_QUANTUM, rt.maxBatch, out.capacity));
  const next = new Float64Array(n);
  const ended = new Uint8Array(n);
  for (let i = 0; i < n; i++) next[i] = ins[i]!.lane.readerSeq(ins[i]!.reader) + 1;
  const copied = new RunCopy();
  const bell = rt.doorbell;
  if (!bell) throw new Error('a merge needs a doorbell');
  const anyReady = (): boolean => {
    for (let i = 0; i < n; i++) {
      if (ended[i]) continue;
      const l = ins[i]!.lane;
      if (l.available(ins[i]!.reader, next[i]!) >= next[i]! || l.stopped(next[i]!)) return true;
    }
    return false;
  };
  let turn = 0;
  let endedCount = 0;
  for (;;) {
    if (out.halt() === LANE_HALT.aborted) return 'aborted';
    let served = false;
    for (let s = 0; s < n; s++) {
      const i = (turn + s) % n;
      if (ended[i]) continue;
      const input = ins[i]!;
      const inp = input.lane;
      const r = input.reader;
      const avail = inp.available(r, next[i]!);
      if (avail < next[i]!) {
        if (inp.stopped(next[i]!)) {
          if (inp.halt() === LANE_HALT.aborted) return 'aborted';
          ended[i] = 1;
          endedCount++;
        }
        continue;
      }
      const first = firstReadable(input, next[i]!);
      served = true;
      if (first > avail) {
        inp.release(r, first - 1);
        next[i] = first;
        break;
      }
      const k = Math.min(avail - first + 1, max);
      if (!moveToOutput(input, first, k, out, rt.drop, copied)) return 'aborted';
      if (copied.placed > 0) out.publish();
      inp.release(r, first + k - 1);
      next[i] = first + k;
      taken[i]!.add(copied.read);
      batches.add(1);
      records.add(copied.read);
      turn = (i + 1) % n;
      break;
    }
    if (endedCount === n) return 'ended';
    if (!served) {
      waitForAny(bell, anyReady, rt.wait, rt.spinNs);
      if (out.halt() === LANE_HALT.aborted) return 'aborted';
    }
  }
}
