import { definePlugin, PLUGIN_API_VERSION, type RecordBatch, type StageFamily } from '../../kernel/plugin-contract.ts';
import { KernelErrors } from '../../kernel/errors/kernel-errors.ts';

/**
 * The built-in stage keys. Every handler works on the batch in place, allocation-free:
 * - `identity`            forwards records unchanged
 * - `upper`               ASCII lower-case letters to upper case, in place
 * - `drop_if:<text>`      drops records whose bytes equal <text>
 * - `fail_on:<text>`      throws on the first record whose bytes equal <text> (stop_pipeline tests)
 * - `sleep_us:<n>`        busy-waits n microseconds per batch (backpressure tests; never per message)
 */

const enc = new TextEncoder();

function equalsAt(mem: Uint8Array, off: number, len: number, needle: Uint8Array): boolean {
  if (len !== needle.length) return false;
  for (let i = 0; i < len; i++) if (mem[off + i] !== needle[i]) return false;
  return true;
}

const identity: StageFamily = {
  key: 'identity',
  summary: 'forward records unchanged',
  policyClass: 'pure',
  replay: 'supported',
  create: () => ({ onBatch: () => {} }),
};

const upper: StageFamily = {
  key: 'upper',
  summary: 'ASCII upper-case each record in place',
  policyClass: 'pure',
  replay: 'supported',
  create: () => ({
    onBatch(b: RecordBatch) {
      const m = b.memory;
      for (let i = 0; i < b.count; i++) {
        if (!b.live(i)) continue;
        const o = b.offset(i);
        const end = o + b.length(i);
        for (let j = o; j < end; j++) {
          const c = m[j]!;
          if (c >= 97 && c <= 122) m[j] = c - 32;
        }
      }
    },
  }),
};

const dropIf: StageFamily = {
  prefix: 'drop_if:',
  summary: 'drop records equal to the text after the colon',
  policyClass: 'pure',
  replay: 'supported',
  check: (_k, arg) => (arg.length === 0 ? 'drop_if: needs the text to drop, e.g. drop_if:skip' : undefined),
  create(ctx) {
    const needle = enc.encode(ctx.argument);
    const dropped = ctx.counter('dropped');
    return {
      onBatch(b) {
        for (let i = 0; i < b.count; i++) {
          if (b.live(i) && equalsAt(b.memory, b.offset(i), b.length(i), needle)) {
            b.drop(i);
            dropped.add(1);
          }
        }
      },
    };
  },
};

const failOn: StageFamily = {
  prefix: 'fail_on:',
  summary: 'fail the stage on the first record equal to the text (tests stop_pipeline)',
  policyClass: 'pure',
  replay: 'supported',
  check: (_k, arg) =>
    arg.length === 0 ? 'fail_on: needs the text of the failing record, e.g. fail_on:boom' : undefined,
  create(ctx) {
    const needle = enc.encode(ctx.argument);
    return {
      onBatch(b) {
        for (let i = 0; i < b.count; i++) {
          if (b.live(i) && equalsAt(b.memory, b.offset(i), b.length(i), needle)) {
            throw KernelErrors.error(
              'BYTEOR_E_STAGE_FAILED',
              `stage ${ctx.key} failed on record ${b.firstSeq + i} (matched "${ctx.argument}")`,
              { sequence: b.firstSeq + i },
            );
          }
        }
      },
    };
  },
};

const sleepUs: StageFamily = {
  prefix: 'sleep_us:',
  summary: 'wait n microseconds per batch (slow stage for backpressure tests)',
  policyClass: 'pure',
  replay: 'supported',
  check: (_k, arg) =>
    /^\d{1,7}$/.test(arg) ? undefined : `sleep_us: needs a whole number of microseconds (0..9999999), got "${arg}"`,
  create(ctx) {
    const us = Number(ctx.argument);
    const cell = new Int32Array(new SharedArrayBuffer(4));
    return {
      onBatch() {
        if (us >= 1000) Atomics.wait(cell, 0, 0, us / 1000);
        else {
          const until = performance.now() + us / 1000;
          while (performance.now() < until) {
            /* short pause */
          }
        }
      },
    };
  },
};

export default definePlugin({
  name: 'core-stages',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(host) {
    for (const f of [identity, upper, dropIf, failOn, sleepUs]) host.registerStage(f);
  },
});
