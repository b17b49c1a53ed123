import { definePlugin, flag, flags, PLUGIN_API_VERSION, z } from 'byteor/plugin';
import { auditTag } from './tag-stage.ts';
import { acmeSeq } from './seq-adapter.ts';
import { AuditRecorder, auditBundleArtifact } from './audit-state.ts';
import { AcmeErrors } from './errors.ts';

/**
 * acme-audit: an example third-party byteor plugin (docs/plugins.md walks through it).
 *   byteor capabilities --plugin=./examples/plugins/acme-audit
 *   byteor run --sp --spec=SPEC --plugin=./examples/plugins/acme-audit --audit-note=TEXT
 * It adds a stage family (`audit_tag:<label>`), an adapter (`acme_seq`), a snapshot section
 * (`acme_audit`), a bundle artifact (`acme_audit.json`) and a flag on `run` (`--audit-note`).
 * Stage workers import this module too (by the same specifier) and run `setup` with
 * `host.inWorker === true`; only the stage family matters there.
 */
export default definePlugin({
  name: 'acme-audit',
  version: '1.0.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: AcmeErrors,
  setup(host) {
    host.registerStage(auditTag);
    if (host.inWorker) return;

    host.registerAdapter(acmeSeq);
    host.extendVerb({
      verb: 'run',
      flags: flags({
        'audit-note': flag.string({
          value: 'TEXT',
          description: 'a note recorded in the acme audit state (acme-audit)',
          schema: z.string().min(1).max(200).optional(),
        }),
      }),
    });
    const recorder = new AuditRecorder();
    host.registerSnapshotSection(recorder.section);
    host.registerBundleArtifact(auditBundleArtifact);
    host.hooks.runStarted.tapPromise('acme-audit', async (run) => recorder.runStarted(run));
    host.hooks.ingressBatch.tap('acme-audit', (batch) => recorder.ingressBatch(batch));
    host.hooks.runStopped.tapPromise('acme-audit', async (run, summary) => recorder.runStopped(run, summary));
  },
});
