import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  BundleManifest,
  BUNDLE_MANIFEST_FILE,
  INCIDENT_BUNDLE_VERSION,
} from '../../../kernel/artifacts/bundle-manifest.ts';
import { BundleSpecValidation } from '../../../kernel/artifacts/bundle-spec-validation.ts';
import { EnvironmentCapture, ENVIRONMENT_FILE } from '../../../kernel/artifacts/environment-capture.ts';
import { JournalWindowMeta, journalWindowMetaPath } from '../../../kernel/artifacts/journal-window-meta.ts';
import { stableJson, writeJsonArtifact } from '../../../kernel/artifacts/json.ts';
import { PolicyAuditRecordV1, POLICY_AUDIT_FILE } from '../../../kernel/artifacts/policy-audit.ts';
import { RuntimeInfo, RUNTIME_INFO_FILE } from '../../../kernel/artifacts/runtime-info.ts';
import { RuntimeStateDocument } from '../../../kernel/artifacts/runtime-state.ts';
import { SPEC_VALIDATION_FILE } from '../../../kernel/artifacts/spec-validation.ts';
import { writeBundleArchive } from '../../../kernel/bundle/archive.ts';
import { writeJournalWindow } from '../../../kernel/bundle/journal-window.ts';
import { hashBundleFiles } from '../../../kernel/bundle/manifest.ts';
import { makePrivateDir, sealPrivateModes } from '../../../kernel/bundle/private-modes.ts';
import { readBundleSigningKey, signBundleManifest } from '../../../kernel/bundle/signature.ts';
import { ByteorError } from '../../../kernel/errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import { readJournal } from '../../../kernel/journal/journal-reader.ts';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type FlagValues,
  type BundleContext,
  type VerbContext,
} from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { resolveEnvironment } from '../../../kernel/policy/environment.ts';
import { redactConfigText, redactJson, redactValue } from '../../../kernel/redact.ts';
import { runDirPaths } from '../../../kernel/rundir/run-dir.ts';
import { captureSnapshot } from '../../../kernel/snapshot/capture.ts';
import { describeSpec, renderDescription } from '../../../kernel/spec/describe.ts';
import { formatDiagnostic } from '../../../kernel/spec/format-diagnostic.ts';
import {
  readSpecFile,
  resolveSpecPath,
  specValidationReport,
  type LoadedSpec,
  type SpecCheck,
} from '../../../kernel/spec/load.ts';
import { RUNTIME_NAME, packageVersion } from '../../../kernel/version.ts';
import { runDirFromFlags } from '../../../kernel/rundir/runtime-path.ts';
import { captureEnvironment } from './environment.ts';
import { copyRuntimeRecord } from './runtime-record.ts';
import { bundlePolicyRecord } from './policy-record.ts';
import { IncidentBundleErrors } from './errors.ts';

/**
 * `byteor incident-bundle`: the canonical triage handoff, ByteOr's incident bundle directory v1
 * (docs/operator-flow.md). It works when the spec is invalid (the bundle says so) and when the
 * runtime is dead. The bundle is written into a staging directory next to `--out` and renamed
 * into place once complete, so a bundle directory is never half-written.
 */

const Flags = flags({
  out: flag.string({
    value: 'DIR',
    description: 'bundle directory to create (must not exist, or be empty)',
    schema: z.string().min(1),
  }),
  spec: flag.string({
    value: 'PATH',
    description: 'the spec the runtime ran (default $BYTEOR_SPEC, else /etc/byteor/spec.kv)',
  }),
  config: flag.string({ value: 'PATH', description: 'runtime_config.txt to include' }),
  'run-dir': flag.string({
    value: 'DIR',
    description: 'run directory of the (live or dead) runtime: snapshot, journal, plugin artifacts',
  }),
  'ring-path': flag.string({
    value: 'PATH',
    description:
      "ByteOr's name for where the runtime's ring lives: its run directory (or its control.sock / state.json)",
  }),
  'lane-path': flag.string({
    value: 'PATH',
    description:
      "ByteOr's name for where the runtime's lanes live: its run directory (or its control.sock / state.json)",
  }),
  'last-n': flag.string({
    value: 'N',
    description: 'journal records to include, the most recent (default 1000)',
    schema: z
      .string()
      .regex(/^\d{1,9}$/, 'must be a whole number of records')
      .transform(Number)
      .default(1000),
  }),
  archive: flag.boolean({ description: 'also write DIR.tar.gz' }),
  env: flag.string({
    value: 'dev|staging|prod',
    description: 'environment posture for policy_audit.json (default $BYTEOR_ENV, else prod)',
    schema: z.string().optional(),
  }),
  'sign-key': flag.string({
    value: 'FILE',
    description: 'sign manifest.json with this Ed25519 private key (byteor approval keygen): manifest.sig',
  }),
});
type Flags = FlagValues<typeof Flags>;

const RUNTIME_CONFIG_FILE = 'runtime_config.txt';

/**
 * Every artifact of the bundle goes through the kernel's redactor before it is written
 * (kernel/redact.ts): JSON documents by value (URL credentials, inline secret pairs), the
 * runtime config by key name and value, the spec by value. A spec that carried credentials
 * is therefore not the spec that ran (its hash no longer matches the manifest's spec_hash and
 * replay refuses it): secrets belong in the environment or the --config file, not in specs.
 */
const writeRedacted: typeof writeJsonArtifact = (path, schema, value) =>
  writeJsonArtifact(path, schema, redactJson(value));
const SPEC_FILE = 'spec.kv';

function specValidation(check: SpecCheck, catalog: VerbContext['catalog']): BundleSpecValidation {
  const base = specValidationReport(check);
  if (!check.ok)
    return { ...base, error: check.errors.map((d) => formatDiagnostic(d, 'error', check.path)).join('\n') };
  const loaded: LoadedSpec = {
    path: check.path,
    text: check.text,
    spec: check.spec!,
    canonical: check.canonical!,
    hash: check.hash!,
    warnings: check.warnings,
    report: check.report!,
    lines: check.lines,
  };
  return { ...base, description: renderDescription(describeSpec(loaded, catalog)) };
}

/** The spec's bytes, unchanged unless they carry credentials (then redacted as text). */
function redactedSpec(bytes: Uint8Array): Uint8Array | string {
  const text = Buffer.from(bytes).toString('utf8');
  const red = redactValue(text);
  return red === text ? bytes : red;
}

/**
 * A plugin wrote its artifact itself (into the 0700 staging directory): its text is redacted in place before the
 * manifest hashes it.
 */
function redactPluginArtifact(path: string): void {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return;
  } // a directory or nothing: the manifest decides
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return;
  } // binary: left as written
  const red = redactValue(text);
  if (red !== text) writeFileSync(path, red, { mode: 0o600 });
}

function outDirFree(out: string): void {
  if (!existsSync(out)) return;
  let empty = false;
  try {
    empty = readdirSync(out).length === 0;
  } catch {
    /* not a directory */
  }
  if (!empty)
    throw IncidentBundleErrors.error(
      'BYTEOR_E_BUNDLE_OUT_EXISTS',
      `--out=${out} already exists and is not an empty directory; bundles are never overwritten — choose a new --out`,
      { out },
    );
}

const JOURNAL_LANE = 'ingress';

/**
 * From the run directory: the snapshot (live, else the state file) and the last N journal
 * records. Either may be unavailable (a runtime that never started, a journal that is off):
 * the bundle is still written and the manifest says what is missing and why.
 */
async function captureRunDir(runDir: string, stage: string, lastN: number, ctx: VerbContext<Flags>) {
  const errors: BundleManifest['capture_errors'] = [];
  const note = (what: 'snapshot' | 'journal', e: unknown) => {
    const code = e instanceof ByteorError ? e.code : 'BYTEOR_E_INTERNAL';
    const message = e instanceof Error ? e.message : String(e);
    errors.push({ what, code, message });
    ctx.io.err(`warning: no ${what} in the bundle: ${message}\n`);
  };
  let snapshotSource: 'live' | 'state_file' | null = null;
  try {
    const cap = await captureSnapshot(runDir);
    writeRedacted(join(stage, cap.file), RuntimeStateDocument, cap.snapshot);
    snapshotSource = cap.source;
  } catch (e) {
    note('snapshot', e);
  }
  let journalRecords = 0;
  try {
    const j = readJournal(runDirPaths(runDir).journal, { lastN });
    if (j.records.length > 0) {
      writeJournalWindow(
        stage,
        JOURNAL_LANE,
        j.records.map((r) => r.payload),
      );
      writeRedacted(join(stage, journalWindowMetaPath(JOURNAL_LANE)), JournalWindowMeta, {
        lane: JOURNAL_LANE,
        records: j.records.length,
        last_n: lastN,
        run_ids: [...new Set(j.records.map((r) => r.run_id))],
        spec_hashes: j.spec_hashes,
        first_unix_ms: j.records[0]!.unix_ms,
        last_unix_ms: j.records[j.records.length - 1]!.unix_ms,
        source_segments: j.segments,
        torn: j.torn,
      });
    } else {
      errors.push({
        what: 'journal',
        code: 'BYTEOR_E_BUNDLE_NO_JOURNAL',
        message: `the run directory ${runDir} has no journal records`,
      });
    }
    journalRecords = j.records.length;
  } catch (e) {
    note('journal', e);
  }
  return { snapshotSource, journalRecords, errors };
}

async function run(ctx: VerbContext<Flags>): Promise<number> {
  const { flags, catalog } = ctx;
  const out = resolve(flags.out);
  outDirFree(out);
  const specPath = resolveSpecPath(flags.spec, ctx.env);
  const specBytes = readSpecFile(specPath);
  const environment = resolveEnvironment(flags.env, ctx.env).environment;
  if (flags.config !== undefined && !existsSync(flags.config)) {
    throw IncidentBundleErrors.error(
      'BYTEOR_E_BUNDLE_CONFIG_UNREADABLE',
      `--config=${flags.config} does not exist; pass the runtime_config.txt the runtime used, or leave --config out`,
    );
  }

  if (flags.archive && existsSync(`${out}.tar.gz`)) {
    throw IncidentBundleErrors.error(
      'BYTEOR_E_BUNDLE_OUT_EXISTS',
      `${out}.tar.gz already exists; bundles are never overwritten — choose a new --out`,
      { out: `${out}.tar.gz` },
    );
  }

  const signKey = flags['sign-key'] !== undefined ? readBundleSigningKey(flags['sign-key']) : null;

  const stage = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  makePrivateDir(stage); // 0700 from the start: nothing below it is readable by others while it is written
  try {
    writeFileSync(join(stage, SPEC_FILE), redactedSpec(specBytes), { mode: 0o600 });
    const check = await ctx.checkSpecText(specBytes, { path: specPath });
    writeRedacted(join(stage, SPEC_VALIDATION_FILE), BundleSpecValidation, specValidation(check, catalog));
    writeRedacted(join(stage, RUNTIME_INFO_FILE), RuntimeInfo, {
      crate: { name: RUNTIME_NAME, version: packageVersion() },
      js_runtime: (globalThis as { Deno?: unknown }).Deno
        ? { name: 'deno', version: process.versions.deno ?? 'unknown' }
        : { name: 'node', version: process.versions.node },
      plugins: catalog.plugins.map((p) => ({ name: p.name, version: p.version })),
    });
    const parsed = check.ok
      ? { spec: check.spec!, hash: check.hash! }
      : { error: check.errors.map((d) => formatDiagnostic(d, 'error', specPath)).join('; ') };
    writeRedacted(
      join(stage, POLICY_AUDIT_FILE),
      PolicyAuditRecordV1,
      bundlePolicyRecord({ specPath, parsed, environment, env: ctx.env, catalog }),
    );
    if (flags.config !== undefined)
      writeFileSync(join(stage, RUNTIME_CONFIG_FILE), redactConfigText(readFileSync(flags.config, 'utf8')), {
        mode: 0o600,
      });
    const runDir = runDirFromFlags(flags) ?? null;
    // environment.json: the runtime's own (recorded in its run directory), else this process's
    const record =
      runDir !== null
        ? copyRuntimeRecord(runDir, stage, writeRedacted, ctx.io.err)
        : { environment: false, invocation: false };
    if (!record.environment) {
      writeRedacted(join(stage, ENVIRONMENT_FILE), EnvironmentCapture, captureEnvironment(ctx.env));
      if (runDir !== null)
        ctx.io.err(
          `warning: ${runDir} holds no environment.json of its runtime; the bundle's environment.json describes ` +
            `this incident-bundle process\n`,
        );
    }
    const captured =
      runDir !== null
        ? await captureRunDir(runDir, stage, flags['last-n'], ctx)
        : { snapshotSource: null, journalRecords: 0, errors: [] };

    const bctx: BundleContext = {
      outDir: stage,
      specPath,
      specText: check.text,
      runDir,
      configPath: flags.config ?? null,
      flags,
    };
    const artifacts: BundleManifest['artifacts'] = [];
    const taken = new Set(readdirSync(stage));
    for (const { artifact, plugin } of catalog.bundleArtifacts()) {
      if (
        taken.has(artifact.file) ||
        artifact.file === BUNDLE_MANIFEST_FILE ||
        !/^[A-Za-z0-9_.-]+$/.test(artifact.file) ||
        artifact.file.startsWith('.')
      ) {
        artifacts.push({
          file: artifact.file,
          plugin,
          outcome: 'failed',
          error:
            `"${artifact.file}" is not a plain file name or is a name the bundle itself uses; the artifact was ` +
            `not written`,
        });
        ctx.io.err(
          `warning: plugin "${plugin}" bundle artifact "${artifact.file}" refused: reserved or not a plain file name\n`,
        );
        continue;
      }
      try {
        const wrote = await artifact.write(bctx);
        if (wrote) redactPluginArtifact(join(stage, artifact.file));
        artifacts.push({ file: artifact.file, plugin, outcome: wrote ? 'written' : 'not_applicable', error: null });
      } catch (e) {
        rmSync(join(stage, artifact.file), { recursive: true, force: true });
        artifacts.push({
          file: artifact.file,
          plugin,
          outcome: 'failed',
          error: e instanceof Error ? e.message : String(e),
        });
        ctx.io.err(
          `warning: plugin "${plugin}" could not write ${artifact.file}: ` +
            `${e instanceof Error ? e.message : String(e)}\n`,
        );
      }
    }

    sealPrivateModes(stage);
    const manifest = writeRedacted(join(stage, BUNDLE_MANIFEST_FILE), BundleManifest, {
      bundle_v: INCIDENT_BUNDLE_VERSION,
      created_unix_ms: Date.now(),
      spec_hash: check.hash,
      spec_ok: check.ok,
      snapshot_source: captured.snapshotSource,
      journal_records: captured.journalRecords,
      capture_errors: captured.errors,
      artifacts,
      files: hashBundleFiles(stage),
    });
    if (signKey) signBundleManifest(stage, signKey);
    sealPrivateModes(stage);
    if (existsSync(out)) rmSync(out, { recursive: true }); // the empty directory checked above
    renameSync(stage, out);
    let archive: string | null = null;
    if (flags.archive) {
      archive = `${out}.tar.gz`;
      await writeBundleArchive(out, archive);
    }

    if (ctx.json) ctx.io.out(stableJson({ bundle_dir: out, archive, manifest }));
    else {
      ctx.io.out(
        `incident bundle ${out}${archive ? ` (+ ${archive})` : ''}: ` +
          `${manifest.files.length + 1 + (signKey ? 1 : 0)} files${signKey ? ' (signed)' : ''}, spec ` +
          `${check.ok ? `valid (${check.hash})` : 'INVALID (see spec_validation.json)'}\n`,
      );
    }
    return ExitCode.OK;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export default definePlugin({
  name: 'incident-bundle',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: IncidentBundleErrors,
  setup(host) {
    host.registerVerb({
      name: 'incident-bundle',
      summary: 'export the incident bundle (v1 directory, optionally .tar.gz) for triage and replay',
      usage: [
        'Writes spec.kv, spec_validation.json, runtime.json, policy_audit.json, environment.json, and when present',
        'runtime_config.txt, the snapshot, the last N journal records and plugin artifacts, plus manifest.json',
        '(sha256 of every file). Secrets are redacted before anything is written (docs/security.md); files are ' +
          '0600, directories 0700.',
        "With --run-dir, environment.json is the runtime's own and invocation.json (how it was started) is copied from",
        'its run directory; without one, environment.json describes this process.',
      ].join('\n'),
      flags: Flags,
      run,
    });
  },
});
