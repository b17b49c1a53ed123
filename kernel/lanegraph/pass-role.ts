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
import { InputRun, moveToOutput, RunCopy, stopReason, type RoleEnd, type RoleRuntime } from './role-runtime.ts';
import { TurnTimer, turn } from '../exec/event-loop-turns.ts';

export async function runPassRole(rt: RoleRuntime): Promise<RoleEnd> {
  const input = rt.inputs[0]!;
  const out = rt.outputs[0]!;
  const run = new InputRun(input, Math.max(1, Math.min(rt.maxBatch, out.capacity)));
  const batches = rt.counter('batches');
  const records = rt.counter('records');
  const process = rt.process;
  const copied = new RunCopy();
  // a stage role runs plugin code: its timers, promises and I/O get turns (event-loop-turns.ts)
  const turning = process !== null;
  const turns = new TurnTimer();
  for (;;) {
    if (!(turning ? await run.waitTurning() : run.wait())) return stopReason(input.lane);
    const k = run.count;
    const dseq = out.next();
    if (!moveToOutput(input, run.first, k, out, rt.drop, copied)) return 'aborted';
    const placed = copied.placed;
    if (placed > 0) {
      if (process) {
        const p = process(dseq, placed);
        if (p) await p;
      }
      out.publish();
    }
    run.release();
    batches.add(1);
    records.add(copied.read);
    if (turning && turns.due(copied.read)) {
      await turn();
      turns.turned();
    }
  }
}
