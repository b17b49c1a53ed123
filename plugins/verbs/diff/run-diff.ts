import { join } from 'node:path';
import { stableJson } from '../../../kernel/artifacts/json.ts';
import {
  SpecDiff,
  SPEC_DIFF_VERSION,
  type SpecChange,
  type SpecDiffSide,
} from '../../../kernel/artifacts/spec-diff.ts';
import { openBundle } from '../../../kernel/bundle/open.ts';
import { rephrase } from '../../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import type { VerbCapabilities, VerbContext } from '../../../kernel/plugin-contract.ts';
import { diffSpecs } from '../../../kernel/spec/diff.ts';
import { readSpecFile, resolveSpecPath, specInvalidError } from '../../../kernel/spec/load.ts';
import type { PipelineSpecV1 } from '../../../kernel/spec/model.ts';
import type { DiffFlags } from './flags.ts';
import { DiffErrors } from './errors.ts';

interface Side {
  side: SpecDiffSide;
  spec: PipelineSpecV1;
}

/** Read, decode, lower and validate one side; an invalid spec is exit 3 naming which side it is. */
async function load(
  bytes: Uint8Array,
  path: string,
  label: string,
  side: SpecDiffSide['source'],
  shownPath: string,
  checkSpecText: VerbCapabilities['checkSpecText'],
): Promise<Side> {
  const check = await checkSpecText(bytes, { path });
  if (!check.ok) {
    const e = specInvalidError(check);
    throw rephrase(e, `${label}: ${e.message}`, e.details);
  }
  const spec = check.spec!;
  return { side: { source: side, path: shownPath, spec_hash: check.hash!, model: spec.model, name: spec.name }, spec };
}

function text(d: SpecDiff): string {
  const head = (c: string, s: SpecDiffSide) =>
    `${c} ${s.source === 'bundle' ? `bundle ${s.path}` : s.path} (${s.model} ${s.name}, ${s.spec_hash})`;
  const lines = [head('---', d.from), head('+++', d.to)];
  if (d.same) lines.push('same spec: no semantic difference');
  const line = (c: SpecChange) =>
    c.change === 'added'
      ? `+ ${c.path}: ${c.after}`
      : c.change === 'removed'
        ? `- ${c.path}: ${c.before}`
        : `~ ${c.path}: ${c.before} -> ${c.after}`;
  for (const c of d.changes) lines.push(line(c));
  if (!d.same) lines.push(`${d.changes.length} change${d.changes.length === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

export async function runDiff(ctx: VerbContext<DiffFlags>): Promise<number> {
  const { flags } = ctx;
  if ((flags.against === undefined) === (flags.bundle === undefined)) {
    throw DiffErrors.error(
      'BYTEOR_E_DIFF_USAGE',
      'diff needs exactly one of --against=SPEC and --bundle=DIR|FILE.tar.gz to compare --spec with; see byteor ' +
        'diff --help',
    );
  }
  const specPath = resolveSpecPath(flags.spec, ctx.env);
  let from: Side;
  if (flags.bundle !== undefined) {
    const bundle = await openBundle(flags.bundle);
    try {
      const inBundle = join(bundle.dir, 'spec.kv');
      from = await load(
        readSpecFile(inBundle),
        inBundle,
        `the spec of bundle ${bundle.given}`,
        'bundle',
        bundle.given,
        ctx.checkSpecText,
      );
    } finally {
      bundle.close();
    }
  } else {
    from = await load(
      readSpecFile(flags.against!),
      flags.against!,
      `--against=${flags.against}`,
      'spec',
      flags.against!,
      ctx.checkSpecText,
    );
  }
  const to = await load(readSpecFile(specPath), specPath, `--spec=${specPath}`, 'spec', specPath, ctx.checkSpecText);
  const changes = diffSpecs(from.spec, to.spec);
  if (changes.length === 0 && from.side.spec_hash !== to.side.spec_hash) {
    // every field of the model is compared; a hash that differs anyway is a field diff does not know yet
    changes.push({
      path: '(canonical spec)',
      change: 'changed',
      before: from.side.spec_hash,
      after: to.side.spec_hash,
    });
  }
  const doc = SpecDiff.parse({
    diff_v: SPEC_DIFF_VERSION,
    same: changes.length === 0,
    from: from.side,
    to: to.side,
    changes,
  });
  ctx.io.out(ctx.json ? stableJson(doc) : text(doc));
  return doc.same ? ExitCode.OK : ExitCode.RUNTIME_FAILURE;
}
