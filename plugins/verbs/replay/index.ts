import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { readKeySet } from '../../../kernel/approval/key-set.ts';
import { APPROVAL_FILE, KEY_SET_FILE } from '../../../kernel/approval/material.ts';
import { JournalWindowMeta, journalWindowMetaPath } from '../../../kernel/artifacts/journal-window-meta.ts';
import { stableJson, writeJsonArtifact } from '../../../kernel/artifacts/json.ts';
import { ReplayAuditV1, REPLAY_AUDIT_VERSION } from '../../../kernel/artifacts/replay-audit.ts';
import { openBundle } from '../../../kernel/bundle/open.ts';
import { verifyBundleSignature } from '../../../kernel/bundle/signature.ts';
import { ByteorError } from '../../../kernel/errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import type { RunSummary } from '../../../kernel/hooks.ts';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type FlagValues,
  type EgressAdapter,
  type VerbContext,
} from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { Environment, resolveEnvironment } from '../../../kernel/policy/environment.ts';
import type { PipelineSpecV1 } from '../../../kernel/spec/model.ts';
import { auditActions, planReplay } from './plan.ts';
import { replayRecords } from './run-records.ts';
import { selectRecords } from './select.ts';
import { replaySettings } from './settings.ts';
import { ADAPTER_CONFIG_FILE, egressFromBinding, readAdapterConfig } from '../run/adapter-config.ts';
import { ReplayErrors } from './errors.ts';
import { KernelErrors } from '../../../kernel/errors/kernel-errors.ts';

/**
 * `byteor replay`: re-run a bundle's captured input through the bundle's spec under policy
 * (docs/operator-flow.md). dry_run (the default) never performs a side effect; execute needs
 * the posture to allow it and, where required, an approval verified for the bundle's spec hash
 * and this environment, all checked before anything runs. Every replay of a bundle that
 * verifies writes a replay audit v1, refusals included.
 */

export const DEFAULT_MAX_ACTIONS = 10_000;
export const DEFAULT_MAX_INPUT_BYTES = 128 * 1024 * 1024;

const count = (what: string) =>
  z
    .string()
    .regex(/^\d{1,12}$/, `must be a whole number of ${what}`)
    .transform(Number);

const Flags = flags({
  bundle: flag.string({
    value: 'DIR|FILE.tar.gz',
    description: 'incident bundle to replay (verified against its manifest)',
    schema: z.string().min(1),
  }),
  mode: flag.string({
    value: 'dry_run|execute',
    description: 'dry_run (default) or execute',
    schema: z.enum(['dry_run', 'execute']).default('dry_run'),
  }),
  env: flag.string({
    value: 'dev|staging|prod',
    description: 'environment posture (default $BYTEOR_ENV, else prod)',
    schema: Environment.optional(),
  }),
  approval: flag.string({ value: 'PATH|TOKEN', description: 'approval credential for execute' }),
  'approval-key-set': flag.string({ value: 'PATH', description: 'trusted approval signing keys' }),
  'last-n': flag.string({
    value: 'N',
    description: "replay only the last N records of the bundle's journal window",
    schema: count('records').optional(),
  }),
  'journal-lane': flag.string({ value: 'LANE', description: 'journal lane to replay when the bundle holds several' }),
  out: flag.string({
    value: 'PATH',
    description: 'replay audit file (default BUNDLE.replay-<unix_ms>.json next to the bundle)',
  }),
  output: flag.string({
    value: 'FILE',
    description: 'write the records leaving the pipeline to FILE, one per line (default: discarded, counted)',
  }),
  config: flag.string({
    value: 'PATH',
    description:
      'adapter config whose egress binding carries the records in execute mode (default: runtime_config.txt ' +
      'next to the bundle)',
  }),
  'max-actions': flag.string({
    value: 'N',
    description: `most stage actions (records × stages) a replay may run (default ${DEFAULT_MAX_ACTIONS})`,
    schema: count('actions').default(DEFAULT_MAX_ACTIONS),
  }),
  'max-input-bytes': flag.string({
    value: 'N',
    description: `most input bytes a replay may consume (default ${DEFAULT_MAX_INPUT_BYTES})`,
    schema: count('bytes').default(DEFAULT_MAX_INPUT_BYTES),
  }),
  'require-signed': flag.boolean({
    description:
      'refuse a bundle unless its manifest.sig verifies against an active trusted key (exit 4 ' +
      'unsigned/untrusted, 6 altered)',
  }),
  'signing-keys': flag.string({
    value: 'PATH',
    description: 'trusted bundle signing keys (default --approval-key-set, else signing_keys.json next to the bundle)',
  }),
  set: flag.list({
    value: 'NAME=VALUE',
    description:
      'a product setting (a flag a plugin adds to run, e.g. registry-root=DIR) instead of the one the run recorded',
  }),
});
type Flags = FlagValues<typeof Flags>;

function stageCount(spec: PipelineSpecV1): number {
  return spec.model === 'single_ring'
    ? spec.single_ring.stages.length
    : spec.lane_graph.roles.filter((r) => r.kind === 'stage').length;
}

/** Say so when the journal window was written under other specs than the bundle's (its meta lists them). */
function warnForeignRecords(bundleDir: string, lane: string, specHash: string, err: (t: string) => void): void {
  let meta: JournalWindowMeta;
  try {
    meta = JournalWindowMeta.parse(JSON.parse(readFileSync(join(bundleDir, journalWindowMetaPath(lane)), 'utf8')));
  } catch {
    return;
  }
  const other = meta.spec_hashes.filter((h) => h !== specHash);
  if (other.length > 0)
    err(
      `warning: part of the journal window was written by runtimes of other specs (${other.join(', ')}); it is ` +
        `replayed through the bundle's spec ${specHash}\n`,
    );
}

async function run(ctx: VerbContext<Flags>): Promise<number> {
  const { flags } = ctx;
  const createdUnixMs = Date.now();
  const bundle = await openBundle(flags.bundle);
  try {
    if (flags['require-signed']) {
      // who made the bundle: its manifest.sig must verify against an active key of the trusted set
      // (--signing-keys, else --approval-key-set, else signing_keys.json next to the bundle)
      const setPath = resolve(
        flags['signing-keys'] ?? flags['approval-key-set'] ?? join(dirname(bundle.given), KEY_SET_FILE),
      );
      const signer = verifyBundleSignature(bundle.dir, readKeySet(setPath), setPath);
      ctx.io.err(`bundle signed by key "${signer.kid}" (${setPath})\n`);
    }
    const outPath = resolve(flags.out ?? `${bundle.given.replace(/\.tar\.gz$/, '')}.replay-${createdUnixMs}.json`);
    if (existsSync(outPath)) {
      throw ReplayErrors.error(
        'BYTEOR_E_REPLAY_AUDIT_EXISTS',
        `replay audit ${outPath} already exists; audits are never overwritten — choose another --out`,
        { out: outPath },
      );
    }
    const specPath = join(bundle.dir, 'spec.kv');
    const loaded = await ctx.loadSpecText(readFileSync(specPath), { path: specPath });
    if (bundle.manifest.spec_hash !== loaded.hash) {
      throw KernelErrors.error(
        'BYTEOR_E_BUNDLE_INVALID',
        `incident bundle ${bundle.given}: its spec.kv hashes to ${loaded.hash}, but its manifest says ` +
          `${bundle.manifest.spec_hash}; re-export the bundle`,
      );
    }
    const environment = resolveEnvironment(flags.env, ctx.env).environment;
    // approval material: the flags, else approval.cred / signing_keys.json next to the bundle (never inside it)
    const beside = dirname(bundle.given);
    const approvalFlags = {
      approval: flags.approval ?? (existsSync(join(beside, APPROVAL_FILE)) ? join(beside, APPROVAL_FILE) : undefined),
      approvalKeySet: flags['approval-key-set'] ?? join(beside, KEY_SET_FILE),
      specPath: null,
      materialDir: beside, // errors name these paths, not "next to the spec"
    };
    const egress = replayEgress(ctx, beside);
    const selection = selectRecords(bundle.dir, flags['last-n'], flags['journal-lane']);
    warnForeignRecords(bundle.dir, selection.journal_lane, loaded.hash, ctx.io.err);
    const plan = planReplay({
      spec: loaded.spec,
      specHash: loaded.hash,
      kernel: ctx.catalog,
      mode: flags.mode,
      environment,
      env: ctx.env,
      approvalFlags,
    });

    let refusal = plan.refusal;
    const invocations = selection.records.length * stageCount(loaded.spec);
    if (!refusal && invocations > flags['max-actions']) {
      refusal = ReplayErrors.error(
        'BYTEOR_E_REPLAY_LIMIT',
        `replay of ${selection.records.length} records through ${stageCount(loaded.spec)} stages is ` +
          `${invocations} actions, over the limit of ${flags['max-actions']}; select fewer records (--last-n) or ` +
          `raise --max-actions`,
        { actions: invocations, max_actions: flags['max-actions'] },
      );
    }
    if (!refusal && selection.selected_bytes > flags['max-input-bytes']) {
      refusal = ReplayErrors.error(
        'BYTEOR_E_REPLAY_LIMIT',
        `replay input is ${selection.selected_bytes} bytes, over the limit of ${flags['max-input-bytes']}; ` +
          `select fewer records (--last-n) or raise --max-input-bytes`,
        { selected_bytes: selection.selected_bytes, max_input_bytes: flags['max-input-bytes'] },
      );
    }

    // the run's product settings: recorded in the bundle, overridden with --set, adjusted by plugins
    const { flags: settingFlags, settings } = replaySettings(ctx, bundle.dir, flags.set);
    for (const s of settings)
      ctx.io.err(
        `replay setting --${s.flag}=${Array.isArray(s.value) ? s.value.join(' --' + s.flag + '=') : s.value} (` +
          `${s.source})\n`,
      );

    let summary: RunSummary | null = null;
    let failure: ByteorError | null = refusal;
    if (!refusal) {
      try {
        summary = await replayRecords({
          run: ctx.run,
          loaded,
          records: selection.records,
          dryRun: flags.mode === 'dry_run',
          env: ctx.env,
          ...(flags.output !== undefined ? { output: flags.output } : {}),
          ...(egress ? { egress } : {}),
          // the run-time gates (e.g. ActionGraph's) see the same environment and approval material
          flags: {
            ...settingFlags,
            env: environment,
            ...(approvalFlags.approval ? { approval: approvalFlags.approval } : {}),
            'approval-key-set': approvalFlags.approvalKeySet,
          },
        });
        if (!summary.ok && summary.error)
          failure = ReplayErrors.relay(summary.error.code, 'BYTEOR_E_REPLAY_FAILED', summary.error.message);
      } catch (e) {
        failure =
          e instanceof ByteorError
            ? e
            : ReplayErrors.error('BYTEOR_E_REPLAY_FAILED', `replay failed: ${(e as Error).message}`);
      }
    }

    const { records: _records, ...input } = selection;
    const audit = writeJsonArtifact(outPath, ReplayAuditV1, {
      audit_v: REPLAY_AUDIT_VERSION,
      created_unix_ms: createdUnixMs,
      bundle_dir: bundle.given,
      spec_sha256: loaded.hash.slice('sha256:'.length),
      input,
      policy: { env: environment, approval_provided: plan.approval !== null, mode: flags.mode },
      actions: auditActions(loaded.spec, plan.actions),
      result: {
        ok: failure === null,
        records_in: summary?.records_in ?? 0,
        records_out: summary?.records_out ?? 0,
        dropped: summary?.dropped ?? 0,
        error: failure ? { code: failure.code, message: failure.message } : null,
      },
      settings,
      approval: plan.approval
        ? {
            approval_id: plan.approval.payload.approval_id,
            kid: plan.approval.payload.kid,
            issued_by: plan.approval.payload.issued_by,
            expires_at: plan.approval.payload.expires_at,
          }
        : null,
    });
    ctx.io.err(`replay audit written to ${outPath}\n`);
    if (failure) throw Object.assign(failure, { details: { ...(failure.details ?? {}), audit: outPath } });
    if (ctx.json) ctx.io.out(stableJson({ audit_path: outPath, audit }));
    else
      ctx.io.out(
        `replay ${flags.mode} of ${selection.records.length} records (${selection.journal_lane}) through ` +
          `${loaded.hash} in ${environment}: ${audit.result!.records_out} out, ${audit.result!.dropped} dropped; ` +
          `audit ${outPath}\n`,
      );
    return ExitCode.OK;
  } finally {
    bundle.close();
  }
}

/**
 * The adapter config of a replay (ByteOr: `--config=…`, else discovered next to the extracted
 * bundle): its egress binding carries the replayed records in execute mode only — its writes
 * are side effects, so a dry run leaves it unused and says so. The ingress binding is not used
 * (the input is the bundle's journal window). Errors name the file that was read.
 */
function replayEgress(ctx: VerbContext<Flags>, beside: string): EgressAdapter | null {
  const { flags } = ctx;
  const found = join(beside, ADAPTER_CONFIG_FILE);
  const path = flags.config ?? (existsSync(found) ? found : null);
  if (path === null) return null;
  const origin = flags.config !== undefined ? `--config=${flags.config}` : `${found} (found next to the bundle)`;
  const config = readAdapterConfig(path, origin);
  if (config.ingress)
    ctx.io.err(
      `note: ${origin}: ingress.kind=${config.ingress.kind} is not used (replay reads the bundle's journal window)\n`,
    );
  if (!config.egress) return null;
  if (flags.output !== undefined) {
    throw KernelErrors.error(
      'BYTEOR_E_USAGE_BAD_FLAG',
      `--output=${flags.output} and egress.kind=${config.egress.kind} of ${origin} both say where the replayed ` +
        `records go; give one`,
    );
  }
  if (flags.mode !== 'execute') {
    ctx.io.err(
      `note: ${origin}: egress.kind=${config.egress.kind} is not used in a dry run (its writes are side ` +
        `effects); the records are ${flags.output ? 'written to --output' : 'counted, not kept'}\n`,
    );
    return null;
  }
  try {
    const egress = egressFromBinding(ctx.catalog, config.egress, ctx.env);
    ctx.io.err(`replay egress: egress.kind=${config.egress.kind} of ${origin}\n`);
    return egress;
  } catch (e) {
    if (e instanceof ByteorError) throw Object.assign(e, { message: `${origin}: ${e.message}` });
    throw e;
  }
}

export default definePlugin({
  name: 'replay',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: ReplayErrors,
  setup(host) {
    host.registerVerb({
      name: 'replay',
      summary: "replay a bundle's captured input through its spec under policy (dry_run first); writes a replay audit",
      usage: [
        'dry_run (default) never performs a side effect. execute needs the environment posture to allow it and,',
        "when required, an approval for the bundle's spec hash and this environment (byteor approval sign).",
        'Approval material defaults: approval.cred and signing_keys.json next to the bundle.',
        `Adapter config: --config, else ${'runtime_config.txt'} next to the bundle; its egress binding carries the`,
        'records in execute mode only (a dry run does not write through it); its ingress binding is not used.',
        "Product settings (the flags plugins add to run: DataGuard's registry, schema, rules, ...) are the ones the",
        "run recorded (the bundle's invocation.json); --set=NAME=VALUE replaces one; the audit lists each and " +
          'its source.',
      ].join('\n'),
      flags: Flags,
      run,
    });
  },
});
