/**
 * micro_spec_codec: the spec.kv codec on the shipped examples: parse key=value lines, decode
 * into the typed spec, canonical encode, and the sha256 spec hash.
 */
import { readFileSync } from 'node:fs';
import { parseKv } from '../../kernel/spec/kv.ts';
import { decodeSpecText } from '../../kernel/spec/load.ts';
import { encodeSpec } from '../../kernel/spec/encode.ts';
import { specHash } from '../../kernel/spec/hash.ts';
import { defineMicro } from '../suite/micro-definition.ts';
import { microResult, runCases } from '../suite/benchmark-suite.ts';

const example = (f: string) => readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8');

export default defineMicro({
  name: 'micro_spec_codec',
  summary: 'spec.kv parse, decode, canonical encode and hash (examples/diamond.kv, examples/sharded.kv)',
  async run({ maxTimeS }) {
    const notes: string[] = [];
    return microResult(
      'micro_spec_codec',
      () => {
        const diamond = example('diamond.kv');
        const sharded = example('sharded.kv');
        const spec = decodeSpecText(diamond).spec;
        if (!spec) throw new Error('examples/diamond.kv does not decode');
        notes.push(`diamond.kv ${diamond.length} B, sharded.kv ${sharded.length} B`);
        return runCases(
          {
            'parseKv diamond.kv': () => parseKv(diamond),
            'decodeSpecText diamond.kv': () => decodeSpecText(diamond),
            'decodeSpecText sharded.kv': () => decodeSpecText(sharded),
            'encodeSpec (canonical) diamond': () => encodeSpec(spec),
            'specHash diamond': () => specHash(spec),
          },
          maxTimeS,
        );
      },
      notes,
    );
  },
});
