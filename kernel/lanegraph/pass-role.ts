/**
 * The loop of a `stage` role and of a `bridge` role: one input lane, one output lane. Each step
 * takes up to maxBatch readable records, claims room in the output (on_full), copies them into
 * the claimed slots, lets the stage handler work on them there (in place, as a SingleRing stage
 * does: the same RecordBatch), publishes them, and only then releases the input — so a record
 * is always held by some lane until the next lane has it. A bridge is the same loop without a
 * handler: it moves records between lanes of different kinds unchanged.
 *
 * Reading a fanout_broadcast lane never modifies its shared slots: the handler sees the copy.
 * Under on_full=drop the records that find no room are dropped before the handler sees them.
 */
import { LANE_HALT } from '../core/lane.ts';
import { claimOutput, firstReadable, stopReason, type RoleEnd, type RoleRuntime } from './role-runtime.ts';

export async function runPassRole(rt: RoleRuntime): Promise<RoleEnd> {
  const input = rt.inputs[0]!;
  const inp = input.lane;
  const r = input.reader;
  const out = rt.outputs[0]!;
  const max = Math.max(1, Math.min(rt.maxBatch, out.capacity));
  const batches = rt.counter('batches');
  const records = rt.counter('records');
  const process = rt.process;
  let next = inp.readerSeq(r) + 1;
  for (;;) {
    const avail = inp.waitFor(r, next);
    if (avail < next || inp.halt() === LANE_HALT.aborted) return stopReason(inp);
    const first = firstReadable(input, next);
    if (first > avail) { inp.release(r, first - 1); next = first; continue; }
    const k = Math.min(avail - first + 1, max);
    const dseq = out.next();
    const got = claimOutput(out, k, rt.drop);
    if (got < 0) return 'aborted';
    const placed = got > 0 ? inp.copyTo(r, first, got, out, dseq) : 0;
    if (placed < got) out.unclaim(got - placed);
    if (placed > 0) {
      if (process) {
        const p = process(dseq, placed);
        if (p) await p;
      }
      out.publish();
    }
    inp.release(r, first + k - 1);
    batches.add(1);
    records.add(k);
    next = first + k;
  }
}
