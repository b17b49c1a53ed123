import { accessSync, constants, copyFileSync, existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { writePrivateFile } from '../../kernel/io/private-file.ts';
import type { RunInfo } from '../../kernel/hooks.ts';
import { definePlugin, PLUGIN_API_VERSION } from '../../kernel/plugin-contract.ts';
import { buildReport } from './report-counts.ts';
import { countIdentityProblems, formatReport, REPORT_FILE } from './report.ts';
import { DATAGUARD_RUN_FLAGS, givenDataguardFlags } from './run-flags.ts';
import { resolveRunContract, type DataguardRunContract } from './run-contract.ts';
import { checkDataguardStages, dataguardStagesOf } from './spec-rules.ts';
import { DATAGUARD_STAGE_FAMILIES } from './stages.ts';
import { DataguardErrors } from './errors.ts';

/**
 * DataGuard (docs/dataguard.md): schema checks against a file-backed registry, deterministic
 * redaction, and the kv/v1 report. Preloaded by `byteor-dataguard`, or `--plugin=dataguard`.
 */

export default definePlugin({
  name: 'dataguard',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: DataguardErrors,
  setup(host) {
    for (const f of DATAGUARD_STAGE_FAMILIES) host.registerStage(f);
    if (host.inWorker) return; // a stage worker needs only the stage families
    host.extendVerb({ verb: 'run', flags: DATAGUARD_RUN_FLAGS });

    host.hooks.validateSpec.tap('dataguard', (spec, sink) => {
      for (const d of checkDataguardStages(spec)) sink.error(d);
    });

    const runs = new WeakMap<RunInfo, DataguardRunContract>();

    // what a replay needs from the run: the registry the run read (a path the runtime may have
    // given relative to its working directory); the run's report is its output, not a setting
    host.hooks.replayPreparing.tap('dataguard', (prep) => {
      const root = prep.settings['registry-root'];
      if (
        typeof root === 'string' &&
        prep.sources['registry-root'] === 'recorded' &&
        !isAbsolute(root) &&
        prep.runtimeCwd
      ) {
        prep.settings['registry-root'] = resolve(prep.runtimeCwd, root);
        prep.sources['registry-root'] = "recorded (resolved by dataguard against the runtime's working directory)";
      }
      if (prep.sources.report === 'recorded') {
        delete prep.settings.report;
        delete prep.sources.report;
      }
    });

    host.hooks.runStarting.tapPromise('dataguard', async (run) => {
      const stages = dataguardStagesOf(run.spec);
      if (stages.length === 0) {
        const given = givenDataguardFlags(run.flags);
        if (given.length > 0) {
          throw DataguardErrors.error(
            'BYTEOR_E_DATAGUARD_FLAGS_UNUSED',
            `${given.map((f) => `--${f}`).join(', ')} given, but the spec has no DataGuard stage ` +
              `(dataguard_check, dataguard_redact, dataguard_fused); check --spec or drop the flags`,
          );
        }
        return;
      }
      const rc = resolveRunContract(run.flags);
      if (rc.rules.length > 0 && !stages.some((s) => s.role !== 'check')) {
        throw DataguardErrors.error(
          'BYTEOR_E_DATAGUARD_RULES_UNUSED',
          `--rule given, but the spec's only DataGuard stage is dataguard_check, which never redacts; add a ` +
            `dataguard_redact stage after it or use dataguard_fused`,
        );
      }
      if (rc.config.reportPath !== undefined) {
        const dir = dirname(resolve(rc.config.reportPath));
        try {
          if (!statSync(dir).isDirectory()) throw new Error('not a directory');
          accessSync(dir, constants.W_OK);
        } catch {
          throw DataguardErrors.error(
            'BYTEOR_E_DATAGUARD_REPORT_PATH',
            `--report=${rc.config.reportPath}: the directory ${dir} does not exist or is not writable; create ` +
              `it or choose another path`,
          );
        }
      }
      runs.set(run, rc);
    });

    host.hooks.runStopped.tapPromise('dataguard', async (run, summary) => {
      const stages = dataguardStagesOf(run.spec);
      if (stages.length === 0) return;
      const rc = runs.get(run) ?? resolveRunContract(run.flags);
      const report = buildReport({
        specHash: run.specHash,
        runOk: summary.ok,
        stages,
        counters: summary.counters,
        config: rc.config,
        contract: rc.contract,
        rules: rc.rules,
      });
      const text = formatReport(report);
      const targets = [rc.config.reportPath, run.runDir ? join(run.runDir, REPORT_FILE) : undefined].filter(
        (p): p is string => p !== undefined,
      );
      for (const path of targets) {
        try {
          writePrivateFile(path, text);
        } catch (e) {
          throw DataguardErrors.error(
            'BYTEOR_E_DATAGUARD_REPORT_WRITE',
            `cannot write the DataGuard report to ${path}: ${(e as Error).message}`,
            { path },
          );
        }
      }
      const problems = countIdentityProblems(report);
      if (problems.length > 0 && summary.ok) {
        throw DataguardErrors.error(
          'BYTEOR_E_DATAGUARD_COUNTS_INCONSISTENT',
          `the DataGuard counts do not add up (${problems.join('; ')}); this is a bug, please report it with ` +
            `the report file`,
          { problems },
        );
      }
    });

    host.registerBundleArtifact({
      file: REPORT_FILE,
      write(ctx) {
        if (!ctx.runDir) return false;
        const src = join(ctx.runDir, REPORT_FILE);
        if (!existsSync(src)) return false;
        copyFileSync(src, join(ctx.outDir, REPORT_FILE));
        return true;
      },
    });
  },
});
