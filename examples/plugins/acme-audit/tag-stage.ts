import { type RecordBatch, type StageFamily } from 'byteor/plugin';

/**
 * `audit_tag:<label>`: prefixes every live record with `<label>:` in place.
 *
 * The handler follows the RecordBatch rules: it works on the batch it is given and keeps no
 * reference to it, allocates nothing per record (the label bytes are encoded once in
 * `create`), rewrites the payload inside its slot and sets the new length. A record that would
 * no longer fit in the slot is dropped and counted (`too_long`), never truncated.
 */
const LABEL = /^[A-Za-z0-9_-]{1,32}$/;

export const auditTag: StageFamily = {
  prefix: 'audit_tag:',
  summary: 'prefix each record with "<label>:" in place (records that would not fit are dropped and counted)',
  policyClass: 'pure',
  replay: 'supported',
  check: (_key, label) =>
    LABEL.test(label)
      ? undefined
      : `audit_tag: needs a label of 1 to 32 letters, digits, "_" or "-", e.g. audit_tag:eu, got "${label}"`,
  create(ctx) {
    const tag = new TextEncoder().encode(`${ctx.argument}:`);
    const tagged = ctx.counter('tagged');
    const tooLong = ctx.counter('too_long');
    return {
      onBatch(b: RecordBatch) {
        const mem = b.memory;
        for (let i = 0; i < b.count; i++) {
          if (!b.live(i)) continue;
          const off = b.offset(i);
          const len = b.length(i);
          if (len + tag.length > b.slotBytes) {
            b.drop(i);
            tooLong.add(1);
            continue;
          }
          mem.copyWithin(off + tag.length, off, off + len);
          mem.set(tag, off);
          b.setLength(i, len + tag.length);
          tagged.add(1);
        }
      },
    };
  },
};
