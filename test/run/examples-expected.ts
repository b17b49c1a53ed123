// The SingleRing examples and the output every runtime must print for examples/records.txt.
import { readFileSync } from 'node:fs';

export const EXAMPLES = ['chain', 'chain_authored', 'diamond', 'sharded'] as const;

/** every example has one `upper` stage and otherwise passes records through */
export function expectedOutput(): Buffer {
  return Buffer.from(readFileSync('examples/records.txt', 'latin1').toUpperCase(), 'latin1');
}
