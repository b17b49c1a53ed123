import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { validUtf8 } from '../../plugins/dataguard/scan-path.ts';

/**
 * validUtf8's ASCII answer (four bytes at a time, the last four read where the text ends) against
 * TextDecoder: mostly-ASCII texts of every length 0..40 at any offset, with at most a few bytes
 * of 0x80 and above placed anywhere (the first, the last, the tail that the last four overlap),
 * as single bytes or as well-formed multi-byte sequences.
 */

const fatal = new TextDecoder('utf-8', { fatal: true });

function decodes(b: Uint8Array): boolean {
  try {
    fatal.decode(b);
    return true;
  } catch {
    return false;
  }
}

test('property: validUtf8 of mostly-ASCII texts equals TextDecoder (any length, offset, high byte position)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 0x7f }), { maxLength: 40 }),
      fc.array(fc.record({ at: fc.nat(39), byte: fc.integer({ min: 0x80, max: 0xff }), seq: fc.boolean() }), {
        maxLength: 2,
      }),
      fc.nat(7),
      (ascii, high, skip) => {
        const text = [...ascii];
        for (const h of high) {
          if (h.at >= text.length) continue;
          // a well-formed two-byte sequence (é) or a lone byte >= 0x80 (malformed)
          if (h.seq) text.splice(h.at, 1, 0xc3, 0xa9);
          else text[h.at] = h.byte;
        }
        const buf = new Uint8Array(skip + text.length + 5).fill(0x80); // high bytes around the text
        buf.set(text, skip);
        assert.is(validUtf8(buf, skip, text.length), decodes(Uint8Array.from(text)), `bytes ${text.join(',')}`);
      },
    ),
    { seed: 20261207, numRuns: 5000 },
  );
});

test.run();
