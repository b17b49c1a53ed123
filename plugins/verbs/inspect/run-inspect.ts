import { stableJson } from '../../../kernel/artifacts/json.ts';
import { InspectReport, INSPECT_REPORT_VERSION, type InspectStep } from '../../../kernel/artifacts/inspect-report.ts';
import { openBundle } from '../../../kernel/bundle/open.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import type { VerbContext } from '../../../kernel/plugin-contract.ts';
import { readBundleView } from './bundle-view.ts';
import { environmentStep } from './environment-step.ts';
import { focusOf, productsOf } from './focus.ts';
import type { InspectFlags } from './flags.ts';
import { nextStep } from './next-step.ts';
import { policyStep } from './policy-step.ts';
import { productStep } from './product-step.ts';
import { specFailed, specStep } from './spec-step.ts';
import { stateStep } from './state-step.ts';
import { inspectText } from './text.ts';

export async function runInspect(ctx: VerbContext<InspectFlags>): Promise<number> {
  const bundle = await openBundle(ctx.flags.bundle); // exit 6 unless it verifies
  try {
    const v = readBundleView(bundle);
    const first = specStep(v);
    // a spec that failed validation (or, without spec_validation.json, a manifest saying so) stops the walk
    const stop =
      specFailed(first) || ((first.status === 'missing' || first.status === 'unreadable') && !v.manifest.spec_ok);
    const steps: InspectStep[] = stop
      ? [first]
      : [first, policyStep(v), environmentStep(v, ctx.flags.profile), stateStep(v), productStep(v)];
    const stoppedAt = stop ? 1 : null;
    const products = stop ? [] : productsOf(v);
    const report = InspectReport.parse({
      inspect_v: INSPECT_REPORT_VERSION,
      bundle: v.given,
      manifest: {
        verified: true,
        signed: v.signed,
        files: v.manifest.files.length,
        created_unix_ms: v.manifest.created_unix_ms,
        spec_hash: v.manifest.spec_hash,
        spec_ok: v.manifest.spec_ok,
        snapshot_source: v.manifest.snapshot_source,
        journal_records: v.manifest.journal_records,
      },
      model: v.spec?.model ?? null,
      profile: ctx.flags.profile,
      products,
      focus: focusOf(v, products),
      steps,
      stopped_at: stoppedAt,
      next_step: nextStep(v, steps, stoppedAt),
    });
    ctx.io.out(ctx.json ? stableJson(report) : inspectText(report));
    return ExitCode.OK;
  } finally {
    bundle.close();
  }
}
