import type { StageCounter } from '../../kernel/index.ts';
import { DataguardEngine, DROP, FORWARD_OUTPUT } from '../../plugins/dataguard/engine.ts';
import type { PayloadMode } from '../../plugins/dataguard/envelope.ts';
import { encodeBase64, type Framing } from '../../plugins/dataguard/framing.ts';
import type { SchemaContract } from '../../plugins/dataguard/registry.ts';
import { bindRules, parseRules } from '../../plugins/dataguard/rules.ts';
import { createStageCounters } from '../../plugins/dataguard/stage-counters.ts';
import type { DataguardRole } from '../../plugins/dataguard/spec-rules.ts';

/**
 * A DataGuard engine with counters the test reads (in place, or the decode path as the
 * reference), and one record run through it in a slot (scan-path.test.ts, batch-kernel.test.ts).
 */
export function engineFor(
  role: DataguardRole,
  mode: PayloadMode,
  framing: Framing,
  contract: SchemaContract,
  sources: string[],
  slotBytes: number,
  inPlace: boolean,
) {
  const counters = new Map<string, number>();
  const counter = (name: string): StageCounter => {
    counters.set(name, 0);
    return {
      add: (n) => {
        counters.set(name, counters.get(name)! + n);
      },
      get value() {
        return counters.get(name)!;
      },
    };
  };
  const rules = role === 'check' ? [] : bindRules(parseRules(sources), contract);
  const engine = new DataguardEngine({
    role,
    mode,
    framing,
    contract,
    rules,
    slotBytes,
    inPlace,
    costSampling: undefined,
    counters: createStageCounters(counter, rules.length, false),
  });
  return { engine, counters };
}

export interface Outcome {
  verdict: number;
  bytes: number[];
}

/** Run one record through the engine in a slot of slotBytes; the verdict and the slot's bytes after. */
export function runOne(engine: DataguardEngine, record: Uint8Array, framing: Framing, slotBytes: number): Outcome {
  const mem = new Uint8Array(8 + slotBytes);
  let len = record.length;
  if (framing === 'base64') len = encodeBase64(record, record.length, mem, 8);
  else mem.set(record, 8);
  const verdict = engine.processRecord(mem, 8, len);
  const end = verdict === FORWARD_OUTPUT ? 8 + engine.outLength : 8 + len;
  return { verdict, bytes: verdict === DROP ? [] : [...mem.subarray(8, end)] };
}
