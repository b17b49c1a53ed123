/**
 * micro_msgpackr_slot: msgpackr encode/decode of an event record straight into / out of a ring
 * slot in a SharedArrayBuffer (the msgpackr recipe of docs/platform-notes.md), against the ordinary pack to a new
 * Buffer. The record is `{ id, ts, payload: 64 bytes }` (bin64), `useRecords: false`.
 *
 * The recipe's gotchas are handled here: the target is a Buffer view of the SAB (strings of 64+
 * characters need `utf8Write`), `useBuffer` gets the whole region plus a 2 KiB guard (with less
 * headroom msgpackr silently allocates), every encoded length is checked against the slot (msgpackr
 * does not), the plain packer runs before `useBuffer` (the target is module-global), and the
 * native extractor must be off (MSGPACKR_NATIVE_ACCELERATION_DISABLED=true, set by bench/run.ts
 * before msgpackr loads: it is 10-20x slower on SAB-backed input).
 */
import { Packr, Unpackr } from 'msgpackr';
import { defineMicro } from '../suite/micro-definition.ts';
import { microResult, runCases } from '../suite/benchmark-suite.ts';

const SLOT = 128;
const SLOTS = 256;
const GUARD = 2048;

export default defineMicro({
  name: 'micro_msgpackr_slot',
  summary: 'msgpackr pack/unpack of {id, ts, payload: bin64} into and out of a SharedArrayBuffer slot vs a new Buffer',
  async run({ maxTimeS }) {
    const native = process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED === 'true' ? 'off' : 'on';
    const notes = [`slot ${SLOT} B, ${SLOTS} slots; msgpackr native extractor ${native}`];
    if (native === 'on')
      notes.push('MSGPACKR_NATIVE_ACCELERATION_DISABLED is not true: decodes from the SAB take the slow native path');
    return microResult(
      'micro_msgpackr_slot',
      () => {
        const payload = Buffer.alloc(64, 7);
        const rec = { id: 123456, ts: 1_700_000_000_000, payload };
        const plain = new Packr({ useRecords: false });
        const unpackr = new Unpackr({ useRecords: false });
        const encoded = plain.pack(rec);
        if (encoded.length > SLOT)
          throw new Error(`the record encodes to ${encoded.length} B, more than a ${SLOT} B slot`);
        notes.push(`record encodes to ${encoded.length} B`);
        const cases = runCases(
          {
            'pack → new Buffer': () => plain.pack(rec),
            'unpack ← Buffer': () => unpackr.unpack(encoded),
          },
          maxTimeS,
        );

        const sab = new SharedArrayBuffer(SLOTS * SLOT + GUARD);
        const ring = Buffer.from(sab);
        const slotPackr = new Packr({ useRecords: false });
        slotPackr.useBuffer(ring);
        let slot = 0;
        const lengths = new Uint32Array(SLOTS);
        const packIntoSlot = () => {
          const s = slot;
          slot = (slot + 1) & (SLOTS - 1);
          slotPackr.position = s * SLOT;
          const v = slotPackr.pack(rec);
          if (v.length > SLOT || v.buffer !== sab)
            throw new Error(
              `msgpackr wrote ${v.length} B ${v.buffer === sab ? 'into' : 'outside'} the slot; the recipe does ` +
                `not hold`,
            );
          lengths[s] = v.length;
          return v;
        };
        for (let i = 0; i < SLOTS; i++) packIntoSlot();
        let at = 0;
        cases.push(
          ...runCases(
            {
              'pack → SAB slot (useBuffer + position)': packIntoSlot,
              'unpack ← SAB slot ({start, end})': () => {
                const s = at;
                at = (at + 1) & (SLOTS - 1);
                return unpackr.unpack(ring, { start: s * SLOT, end: s * SLOT + lengths[s]! });
              },
            },
            maxTimeS,
          ),
        );
        return cases;
      },
      notes,
    );
  },
});
