import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  writeJsonArtifact,
  z,
  type BatchEvent,
  type BundleArtifact,
  type RunInfo,
  type RunSummary,
  type SnapshotSection,
} from 'byteor/plugin';
import { AcmeErrors } from './errors.ts';

/**
 * What acme-audit observes on the runtime's main thread: ingress batches (the `ingressBatch`
 * hook fires once per published batch, never per record) and the run's outcome. It is shown
 * live in snapshots (section `acme_audit`), written into the run directory when the run stops
 * (`acme_audit_state.json`) and copied into incident bundles (`acme_audit.json`).
 */
export const AUDIT_STATE_FILE = 'acme_audit_state.json';
export const AUDIT_BUNDLE_FILE = 'acme_audit.json';

export const AuditState = z.object({
  audit_v: z.literal(1),
  spec_hash: z.string(),
  note: z.string().nullable(),
  batches: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  /** from the run summary, once the run stopped */
  outcome: z
    .object({
      ok: z.boolean(),
      records_in: z.number().int(),
      records_out: z.number().int(),
      dropped: z.number().int(),
      /** sums of the audit_tag stages' counters */
      tagged: z.number().int(),
      too_long: z.number().int(),
    })
    .nullable(),
});
export type AuditState = z.infer<typeof AuditState>;

export class AuditRecorder {
  private state: AuditState | null = null;

  runStarted(run: RunInfo): void {
    const note = run.flags['audit-note'];
    this.state = {
      audit_v: 1,
      spec_hash: run.specHash,
      note: typeof note === 'string' ? note : null,
      batches: 0,
      records: 0,
      outcome: null,
    };
  }

  ingressBatch(batch: BatchEvent): void {
    if (!this.state) return;
    this.state.batches++;
    this.state.records += batch.count;
  }

  runStopped(run: RunInfo, summary: RunSummary): void {
    if (!this.state) return;
    const sum = (name: string) =>
      summary.counters.filter((c) => c.key.startsWith('audit_tag:')).reduce((n, c) => n + (c.values[name] ?? 0), 0);
    this.state.outcome = {
      ok: summary.ok,
      records_in: summary.records_in,
      records_out: summary.records_out,
      dropped: summary.dropped,
      tagged: sum('tagged'),
      too_long: sum('too_long'),
    };
    if (run.runDir) writeJsonArtifact(join(run.runDir, AUDIT_STATE_FILE), AuditState, this.state);
  }

  readonly section: SnapshotSection = {
    name: 'acme_audit',
    collect: () => (this.state ? AuditState.parse(this.state) : null),
  };
}

/** Copies the run directory's audit state into an incident bundle (not applicable without one). */
export const auditBundleArtifact: BundleArtifact = {
  file: AUDIT_BUNDLE_FILE,
  write(ctx) {
    const src = ctx.runDir ? join(ctx.runDir, AUDIT_STATE_FILE) : null;
    if (!src || !existsSync(src)) return false;
    const parsed = AuditState.safeParse(JSON.parse(readFileSync(src, 'utf8')));
    if (!parsed.success) {
      throw AcmeErrors.error(
        'BYTEOR_E_ACME_STATE_INVALID',
        `${src} does not match the acme audit state schema: ${parsed.error.issues[0]!.message}`,
        { path: src },
      );
    }
    writeJsonArtifact(join(ctx.outDir, AUDIT_BUNDLE_FILE), AuditState, parsed.data);
    return true;
  },
};
