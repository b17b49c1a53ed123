import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonArtifact } from '../../kernel/artifacts/json.ts';
import {
  POLICY_AUDIT_FILE,
  PolicyAuditRecordV1,
  type PolicyAuditRecordV1 as PolicyAuditRecord,
} from '../../kernel/artifacts/policy-audit.ts';
import type { RunInfo } from '../../kernel/hooks.ts';
import { definePlugin, PLUGIN_API_VERSION } from '../../kernel/plugin-contract.ts';
import { execFamily } from './exec.ts';
import { httpPostFamily } from './http-post.ts';
import { evaluateRunPolicy, RUN_POLICY_FLAGS, writePolicyAudit } from './policy-gate.ts';
import { ActiongraphErrors } from './errors.ts';

/**
 * ActionGraph: governed side-effecting stages (`http_post:<url>`, `exec:<program>|<arg>|...`),
 * the run-time policy gate (`--env`, `--approval`, `--approval-key-set` on `run`), and the
 * policy audit record of every run. docs/actiongraph.md.
 */

/**
 * The bundle file that carries the record the gate enforced on the run (the bundle's own policy_audit.json is computed
 * at capture).
 */
export const RUN_POLICY_AUDIT_BUNDLE_FILE = 'run_policy_audit.json';

export default definePlugin({
  name: 'actiongraph',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: ActiongraphErrors,
  setup(host) {
    host.registerStage(httpPostFamily);
    host.registerStage(execFamily);
    if (host.inWorker) return;

    host.extendVerb({ verb: 'run', flags: RUN_POLICY_FLAGS });

    const records = new WeakMap<RunInfo, PolicyAuditRecord>();
    host.hooks.runStarting.tapPromise('actiongraph:policy-gate', async (run) => {
      const outcome = evaluateRunPolicy(host, run);
      records.set(run, outcome.record);
      writePolicyAudit(run.runDir, outcome.record);
      if (outcome.refusal) throw outcome.refusal;
    });
    // the run directory may only exist once the runtime is up: write (again) when it does
    host.hooks.runStarted.tapPromise('actiongraph:policy-audit', async (run) => {
      const record = records.get(run);
      if (record) writePolicyAudit(run.runDir, record);
    });

    host.registerBundleArtifact({
      file: RUN_POLICY_AUDIT_BUNDLE_FILE,
      write(ctx) {
        if (!ctx.runDir) return false;
        let text: string;
        try {
          text = readFileSync(join(ctx.runDir, POLICY_AUDIT_FILE), 'utf8');
        } catch {
          return false;
        }
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const parsed = PolicyAuditRecordV1.safeParse(json);
        const out = join(ctx.outDir, RUN_POLICY_AUDIT_BUNDLE_FILE);
        // a damaged record is evidence too: it is copied byte for byte rather than dropped
        if (parsed.success) writeJsonArtifact(out, PolicyAuditRecordV1, parsed.data);
        else writeFileSync(out, text);
        return true;
      },
    });
  },
});
