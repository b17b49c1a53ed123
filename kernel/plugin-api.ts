/**
 * byteor/plugin — the one public entry for plugin authors (built-in and third-party alike).
 * Plugins import nothing else from the kernel.
 */
import type { z } from 'zod';
import type { HookTable, RunInfo } from './hooks.ts';
import type { PipelineSpecV1 } from './spec/model.ts';

export const PLUGIN_API_VERSION = 1 as const;

export { ByteorError } from './errors.ts';
export { ExitCode } from './exit-codes.ts';
export { writeJsonArtifact, stableJson } from './artifacts/json.ts';
export type { HookTable, RunInfo, RunSummary, BatchEvent, ValidationSink, StageCounters } from './hooks.ts';
export type { PipelineSpecV1, Diagnostic, StageSpec } from './spec/model.ts';

// ------------------------------------------------------------------------------------------
// Verbs

/** One flag of a verb, in node:util parseArgs form plus a line of help. */
export interface FlagOption {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** e.g. `PATH`, `N`, `block|drop` — shown in --help */
  value?: string;
  description: string;
}

export interface VerbIO {
  /** data (stdout); `--json` output goes here */
  out(text: string): void;
  /** chatter (stderr) */
  err(text: string): void;
  /** true when stderr is a TTY and progress may be drawn */
  readonly tty: boolean;
  /** false when NO_COLOR is set or stderr is not a TTY */
  readonly color: boolean;
}

export interface VerbContext<F = Record<string, unknown>> {
  flags: F;
  /** `--json` was given */
  json: boolean;
  /** positional arguments after the verb */
  positionals: string[];
  kernel: PluginHost;
  io: VerbIO;
  /** process environment (read-only snapshot) */
  env: Readonly<Record<string, string | undefined>>;
}

export interface VerbDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  summary: string;
  /** extra usage text shown by `byteor <verb> --help` */
  usage?: string;
  options: Record<string, FlagOption>;
  /** zod schema for the parsed flags (global flags excluded); its output is `ctx.flags` */
  schema: S;
  /** returns the process exit code; throw a ByteorError for failures */
  run(ctx: VerbContext<z.output<S>>): Promise<number> | number;
}

/**
 * Flags a plugin adds to another plugin's verb (e.g. dataguard adds `--schema-id` to `run`).
 * Parsed values are merged into that verb's `ctx.flags` and forwarded to stage workers.
 */
export interface VerbExtension<S extends z.ZodType = z.ZodType> {
  verb: string;
  options: Record<string, FlagOption>;
  /** zod object schema for the added flags only */
  schema: S;
}

// ------------------------------------------------------------------------------------------
// Stages (resolved inside the stage worker)

/**
 * A batch of ring slots handed to a stage. The object is reused for every batch: never keep a
 * reference to it or to `memory` slices past the call. Payload bytes live in `memory` at
 * `offset(i)`, `length(i)` bytes long; a stage may rewrite them in place (up to `slotBytes`)
 * and set the new length, or drop the record.
 */
export interface RecordBatch {
  /** a view over the whole shared memory; stable for the life of the worker */
  readonly memory: Uint8Array;
  readonly count: number;
  /** sequence of record 0 of this batch (exact below 2^53) */
  readonly firstSeq: number;
  readonly slotBytes: number;
  offset(i: number): number;
  length(i: number): number;
  /** false when an earlier stage dropped the record; dropped records are not shown again */
  live(i: number): boolean;
  setLength(i: number, n: number): void;
  drop(i: number): void;
}

/** A counter in shared memory: `add` is a plain store, safe and allocation-free per message. */
export interface StageCounter {
  add(n: number): void;
  readonly value: number;
}

export interface StageContext {
  /** the full stage key, e.g. `http_post:https://x/y` */
  key: string;
  /** the part after the family prefix (`https://x/y`), or '' for exact keys */
  argument: string;
  stageIndex: number;
  shard: number;
  slotBytes: number;
  /** side effects are recorded, not performed */
  dryRun: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** verb flags forwarded to workers (plain data) */
  flags: Readonly<Record<string, unknown>>;
  /** a named counter visible in snapshots under this stage; call during create() */
  counter(name: string): StageCounter;
}

export interface StageHandler {
  /** process one batch; may be async (awaited before the batch is released downstream) */
  onBatch(batch: RecordBatch): void | Promise<void>;
  /** called once after the last batch (drain) */
  close?(): void | Promise<void>;
}

export type PolicyClass = 'pure' | 'side_effect';
export type ReplaySupport = 'supported' | 'dry_run_only' | 'unsupported';

export interface StageFamily {
  /** exact stage key (`identity`) — give exactly one of key / prefix */
  key?: string;
  /** key prefix family (`http_post:`) */
  prefix?: string;
  summary: string;
  policyClass: PolicyClass;
  replay: ReplaySupport;
  /** check the key's argument at validate time; return an error message or undefined */
  check?(key: string, argument: string): string | undefined;
  /** capabilities an approval credential must carry to run this stage with side effects */
  capabilities?(key: string, argument: string): string[];
  create(ctx: StageContext): StageHandler | Promise<StageHandler>;
}

// ------------------------------------------------------------------------------------------
// Adapters (edges: allocation per record is allowed here, never inside the ring)

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'failed';

export interface AdapterHealth {
  transport: string;
  connection_state: ConnectionState;
  message_count: number;
  lag: { value: number; unit: string } | null;
  recent_failures: Array<{ unix_ms: number; message: string }>;
}

/** Where an ingress adapter delivers records. `push` resolves once the record is in the ring. */
export interface IngressSink {
  push(record: Uint8Array, ackToken?: unknown): void | Promise<void>;
  /**
   * Optional batch form of `push` for records without ack tokens, with no object per record:
   * record i is `bytes[spans[2i], spans[2i+1])`, for i < count, in order. The sink copies each
   * record into a ring slot and claims/publishes per batch. Returns (void) once every record is
   * in the ring, or a promise that resolves then (the ring was full); until it settles the
   * sink still reads `bytes` and `spans`, so the adapter must not change them. A record larger
   * than slot_bytes is refused and counted, as with `push`. Adapters check for it and fall back
   * to `push` (a wrapping sink may not have it).
   */
  pushSpans?(bytes: Uint8Array, spans: Uint32Array, count: number): void | Promise<void>;
  /**
   * Optional: the largest record the sink accepts (slot_bytes). An adapter that reads a record
   * larger than this may stop buffering it at once and call `refuse` with its length instead of
   * pushing it (bounded memory, linear time for a hostile 100 MB line).
   */
  readonly maxRecordBytes?: number;
  /** Optional, with maxRecordBytes: count a record of `bytes` bytes as refused (too large), in order with the pushes. */
  refuse?(bytes: number): void | Promise<void>;
  /** no more records will come */
  end(): void;
  /**
   * the source failed for good (retries exhausted, unrecoverable error): the run stops with
   * exit 1 and this error. Adapters call `end()` instead when a sink has no `fail`.
   */
  fail?(error: Error): void;
}

export interface IngressAdapter {
  start(sink: IngressSink): Promise<void>;
  /** called after the records with these tokens left through egress (at-least-once) */
  ack?(tokens: unknown[]): Promise<void> | void;
  close(): Promise<void>;
  health(): AdapterHealth;
}

/**
 * Records for `EgressAdapter.writeFrom`, read in place from the ring slots, in order (dropped
 * records are not shown). Like RecordBatch, the object is reused for every call: its bytes are
 * valid only until the promise returned by `writeFrom` settles (the slots are released then), so
 * copy whatever must outlive it, and keep no reference to the view or to `memory` slices.
 */
export interface EgressView {
  /** a view over the whole shared memory */
  readonly memory: Uint8Array;
  readonly count: number;
  /** payload bytes of the `count` records together (to size one output buffer) */
  readonly bytes: number;
  /** byte offset of record i in `memory` */
  offset(i: number): number;
  length(i: number): number;
}

export interface EgressAdapter {
  start(): Promise<void>;
  /** records in order, each a copy the adapter may keep; resolves when the destination accepted them */
  write(records: Uint8Array[]): Promise<void>;
  /**
   * Optional fast path, used instead of `write` when present: the same records in order, read
   * in place (no copy per record by the kernel); resolves when the destination accepted them.
   */
  writeFrom?(view: EgressView): Promise<void>;
  close(): Promise<void>;
  health(): AdapterHealth;
}

export interface AdapterFactory {
  /** adapter kind as used in configs, e.g. `file`, `nats`, `redis_streams` */
  kind: string;
  summary: string;
  direction: 'ingress' | 'egress' | 'both';
  experimental?: boolean;
  /** settings are the binding's key=value pairs after `<direction>.`, validated by the factory */
  ingress?(settings: Record<string, string>, env: Readonly<Record<string, string | undefined>>): IngressAdapter;
  egress?(settings: Record<string, string>, env: Readonly<Record<string, string | undefined>>): EgressAdapter;
}

// ------------------------------------------------------------------------------------------
// Observation and bundles

export interface SnapshotSection {
  /** key in the snapshot document, e.g. `adapters` */
  name: string;
  /** called on the runtime's main thread when a snapshot is taken; must return plain JSON data */
  collect(run: RunInfo): unknown | Promise<unknown>;
}

export interface BundleContext {
  outDir: string;
  specPath: string;
  specText: string;
  runDir: string | null;
  configPath: string | null;
  flags: Readonly<Record<string, unknown>>;
}

export interface BundleArtifact {
  /** file name inside the bundle directory */
  file: string;
  /** write the file (or return false when the artifact does not apply) */
  write(ctx: BundleContext): Promise<boolean> | boolean;
}

// ------------------------------------------------------------------------------------------
// Plugins

/** A plugin the kernel has installed. */
export interface LoadedPlugin {
  name: string;
  version: string;
  /** the module URL it was imported from (workers import the same) */
  specifier: string;
  dependencies: string[];
}

export interface PluginHost {
  readonly apiVersion: typeof PLUGIN_API_VERSION;
  readonly hooks: HookTable;
  /** true inside a stage worker: only stage families matter there */
  readonly inWorker: boolean;
  registerVerb(verb: VerbDefinition<any>): void;
  /** add flags to a verb (possibly one registered later by another plugin) */
  extendVerb(ext: VerbExtension<any>): void;
  registerStage(family: StageFamily): void;
  registerAdapter(adapter: AdapterFactory): void;
  registerSnapshotSection(section: SnapshotSection): void;
  registerBundleArtifact(artifact: BundleArtifact): void;
  resolveStage(key: string): { family: StageFamily; plugin: string; argument: string } | undefined;
  /** specifiers of the loaded plugins, in load order (workers import the same list) */
  readonly pluginSpecifiers: readonly string[];
  /** the installed plugins, in load order */
  readonly plugins: ReadonlyArray<LoadedPlugin>;
  verbs(): ReadonlyArray<{ verb: VerbDefinition<any>; plugin: string }>;
  verbExtensions(verb: string): ReadonlyArray<{ ext: VerbExtension<any>; plugin: string }>;
  stages(): ReadonlyArray<{ family: StageFamily; plugin: string }>;
  adapters(): ReadonlyArray<{ adapter: AdapterFactory; plugin: string }>;
  snapshotSections(): ReadonlyArray<{ section: SnapshotSection; plugin: string }>;
  bundleArtifacts(): ReadonlyArray<{ artifact: BundleArtifact; plugin: string }>;
}

export interface PluginDefinition {
  name: string;
  version: string;
  apiVersion: number;
  /** names of plugins that must be loaded before this one */
  dependencies?: string[];
  setup(host: PluginHost): void;
}

const PLUGIN_BRAND = Symbol.for('byteor.plugin');

/** Declare a plugin. The result is the module's default export. */
export function definePlugin<P extends PluginDefinition>(def: P): P {
  return Object.freeze({ ...def, [PLUGIN_BRAND]: true }) as P;
}

export function isPluginDefinition(x: unknown): x is PluginDefinition {
  return typeof x === 'object' && x !== null && typeof (x as PluginDefinition).name === 'string'
    && typeof (x as PluginDefinition).setup === 'function';
}

export type SpecModel = PipelineSpecV1['model'];

// ------------------------------------------------------------------------------------------
// Approvals (credential v1, trusted key sets, capability matching) — docs/approvals.md

export { canonicalJson } from './approval/canonical-json.ts';
export { ApprovalErrorCode } from './approval/error-codes.ts';
export {
  APPROVAL_CREDENTIAL_VERSION, ApprovalPayloadV1, EnvironmentPosture, Rfc3339Time, SpecHash, Capability,
} from './approval/payload.ts';
export { capabilityCovers, missingCapabilities } from './approval/capabilities.ts';
export { decodeApprovalCredential, signApprovalCredential, toEd25519PrivateKey, decodeBase64url, encodeBase64url } from './approval/credential.ts';
export type { DecodedCredential } from './approval/credential.ts';
export { trustedKeySet, readKeySet, generateSigningKey, publicKeyFromRaw, rawPublicKey } from './approval/key-set.ts';
export type { TrustedKeySet } from './approval/key-set.ts';
export { verifyApprovalCredential, DEFAULT_ISSUED_AT_SKEW_MS } from './approval/verify.ts';
export type { ApprovalExpectation } from './approval/verify.ts';
export { APPROVAL_FILE, KEY_SET_FILE, findApprovalCredential, keySetPath, verifyApprovalMaterial } from './approval/material.ts';
export type { ApprovalFlags, ApprovalCredentialText, VerifiedApproval } from './approval/material.ts';
export { SigningKeySet, SigningKey, SigningKeyStatus } from './artifacts/signing-key-set.ts';

// ------------------------------------------------------------------------------------------
// Policy (environment posture, side-effect and replay policy, decisions, policy audit v1) — docs/policy.md

export { Environment, DEFAULT_ENVIRONMENT, ENV_VAR_ENVIRONMENT, resolveEnvironment } from './policy/environment.ts';
export type { ResolvedEnvironment } from './policy/environment.ts';
export {
  Decision, SideEffectsPolicy, ReplayPolicy, EnvironmentPolicy, DEFAULT_POLICIES, ENV_VAR_SIDE_EFFECTS_POLICY,
  ENV_VAR_REPLAY_POLICY, policyForEnvironment, decideAction,
} from './policy/engine.ts';
export type { ActionClass, DecisionContext } from './policy/engine.ts';
export { specActions, requiredCapabilities, overallDecision } from './policy/spec-actions.ts';
export type { SpecAction } from './policy/spec-actions.ts';
export { policyAuditRecordForSpec, specSummary } from './policy/audit-record.ts';
export type { PolicyAuditInput } from './policy/audit-record.ts';
export {
  PolicyAuditRecordV1, PolicyAuditSpecSummary, PolicyAuditAction, PolicyAuditApproval, POLICY_AUDIT_FILE,
} from './artifacts/policy-audit.ts';

// ------------------------------------------------------------------------------------------
// Capabilities and compatibility (stage catalog, capability document, compatibility report v1) — docs/plugins.md

/** the zod the kernel validates with: build verb, extension and artifact schemas with it */
export { z } from 'zod';
export { RUNTIME_NAME, packageVersion } from './version.ts';
export { INTRINSIC_STAGE_PLUGINS, stageCatalog, stageKeySource, stageKeyRequirement } from './stage-catalog.ts';
export type { StageKeyRequirement } from './stage-catalog.ts';
export {
  COMPATIBILITY_REPORT_VERSION, CompatibilityReport, StageCompatibilityRequirement, StageKeySourceId, PolicyClassId, ReplaySupportId,
} from './artifacts/compatibility-report.ts';
export type { StageKeySource } from './artifacts/compatibility-report.ts';
export { CAPABILITY_DOCUMENT_VERSION, RuntimeCapabilityDocument, StageCatalogEntry } from './artifacts/capability-document.ts';

// ------------------------------------------------------------------------------------------
// Specs (spec.kv codec, validation, lowering, hashing, describe, dot) — docs/spec-kv.md

export {
  loadSpecFile, loadSpecText, validateSpecFile, validateSpecText, decodeSpecText, readSpecFile, resolveSpecPath,
  specValidationReport, specInvalidError, ENV_SPEC, DEFAULT_SPEC_PATH,
} from './spec/load.ts';
export type { LoadedSpec, SpecCheck, DecodedSpecText, CheckOptions } from './spec/load.ts';
export { parseKv, formatKv } from './spec/kv.ts';
export type { KvEntry, KvParseResult } from './spec/kv.ts';
export { encodeSpec } from './spec/encode.ts';
export { specHash, canonicalTextHash, SPEC_HASH_RE } from './spec/hash.ts';
export { validateSpec } from './spec/validate.ts';
export type { ValidationResult } from './spec/validate.ts';
export { lowerPlan } from './spec/lower.ts';
export { parseShardKey } from './spec/shard-key.ts';
export type { ShardKey } from './spec/shard-key.ts';
export { formatDiagnostic } from './spec/format-diagnostic.ts';
export {
  SEQUENCED_SLOTS_V1_GATING, FANOUT_V1_MAX_CONSUMERS, FEATURE_GATED_LANE_KINDS, SINGLE_RING_MAX_SHARDS,
} from './spec/limits.ts';
export type { SingleRingPipeline, LaneGraphPipeline, SingleRingSpec, LaneGraphSpec, LaneSpec, EndpointSpec, RoleSpec, LaneKind } from './spec/model.ts';
export { describeSpec, renderDescription } from './spec/describe.ts';
export { specToDot, dotId } from './spec/dot.ts';
export { CompileReportV1 } from './artifacts/compile-report.ts';
export { SpecValidationReport, SPEC_VALIDATION_FILE } from './artifacts/spec-validation.ts';
export { SpecDescription, StageDescription, RoleDescription } from './artifacts/spec-description.ts';

// ------------------------------------------------------------------------------------------
// Operator flow artifacts (doctor report, snapshot, incident bundle, replay audit) — docs/operator-flow.md

export {
  DOCTOR_REPORT_VERSION, DoctorReport, DoctorItem, DoctorItemStatus, DoctorRequirement, TuningProfile,
} from './artifacts/doctor-report.ts';
export { ENVIRONMENT_FILE, EnvironmentCapture } from './artifacts/environment-capture.ts';
export {
  REDACTED_VALUE, SECRET_NAME_STEMS, SECRET_NAME_WORDS, isSecretName, nameTokens, redactArgv, redactConfigText, redactHeaders, redactJson,
  redactNamed, redactValue, redactedEnv,
} from './redact.ts';
export { RUNTIME_INFO_FILE, RuntimeInfo } from './artifacts/runtime-info.ts';
export { BUNDLE_MANIFEST_FILE, INCIDENT_BUNDLE_VERSION, BundleManifest, BundleFileEntry } from './artifacts/bundle-manifest.ts';
export { BundleSpecValidation } from './artifacts/bundle-spec-validation.ts';
export { REPLAY_AUDIT_VERSION, REPLAY_AUDIT_FILE, ReplayAuditV1, ReplayAuditInput, ReplayAuditPolicy, ReplayAuditAction } from './artifacts/replay-audit.ts';
export { listBundleFiles, hashBundleFiles, verifyBundleDir, sha256Hex } from './bundle/manifest.ts';
export { writeBundleArchive, extractBundleArchive } from './bundle/archive.ts';
export { BUNDLE_SIGNATURE_FILE, BundleSignature, BundleSignatureCode, readBundleSigningKey, signBundleManifest, verifyBundleSignature } from './bundle/signature.ts';
export { BUNDLE_DIR_MODE, BUNDLE_FILE_MODE, makePrivateDir, sealPrivateModes } from './bundle/private-modes.ts';
export { BUNDLE_JOURNAL_DIR, journalWindowPath, writeJournalWindow, readJournalWindow, journalWindowLanes } from './bundle/journal-window.ts';
export { captureSnapshot } from './snapshot/capture.ts';
export type { CapturedSnapshot } from './snapshot/capture.ts';
export { JournalWindowMeta, journalWindowMetaPath } from './artifacts/journal-window-meta.ts';

// ------------------------------------------------------------------------------------------
// Runtime: SingleRing executor, line adapters, run directory, journal, snapshots — docs/runtime.md

export { SingleRingRun, COUNTERS_PER_STAGE, DEFAULT_MAX_BATCH } from './exec/single-ring-executor.ts';
export type { SingleRingRunOptions, RunObservation, ShardObservation, StageObservation, RunState } from './exec/single-ring-executor.ts';
export { WAIT_KINDS, DEFAULT_SPIN_NS } from './core/ring.ts';
export type { WaitKind } from './core/ring.ts';
export { LineIngress, LINE_CHUNK_BYTES } from './io/line-ingress.ts';
export type { LineIngressOptions } from './io/line-ingress.ts';
export { LineEgress } from './io/line-egress.ts';
export type { LineEgressOptions } from './io/line-egress.ts';
export { SingleRingSnapshot, SnapshotShard, SnapshotStage, StalledStage, SINGLE_RING_SNAPSHOT_FILE, SINGLE_RING_SNAPSHOT_VERSION } from './artifacts/single-ring-snapshot.ts';
export { prepareRunDir, locateRunDir, runDirPaths, userRunDir, DEFAULT_RUN_DIR, CONTROL_SOCKET, STATE_FILE, JOURNAL_DIR } from './rundir/run-dir.ts';
export type { RunDirPaths } from './rundir/run-dir.ts';
export { queryRuntime } from './rundir/control-client.ts';
export type { QueryOptions } from './rundir/control-client.ts';
export { ControlOp, ControlRequest, ControlResponse } from './rundir/control-protocol.ts';
export { readStateFile, writeStateFile, STATE_INTERVAL_MS } from './rundir/state-file.ts';
export { RuntimeMonitor } from './rundir/runtime-monitor.ts';
export type { RuntimeMonitorOptions } from './rundir/runtime-monitor.ts';
export { JournalWriter, existingSegments } from './journal/journal-writer.ts';
export type { JournalWriterOptions } from './journal/journal-writer.ts';
export { readJournal } from './journal/journal-reader.ts';
export type { JournalRecord, JournalRead } from './journal/journal-reader.ts';
export { segmentName, DEFAULT_SEGMENT_BYTES, DEFAULT_KEEP_SEGMENTS } from './journal/journal-format.ts';

// ------------------------------------------------------------------------------------------
// LaneGraph: executor, run-directory monitor, lane_graph_state.json — docs/lanegraph.md

export { LaneGraphRun, COUNTERS_PER_ROLE, DEFAULT_ROLE_BATCH } from './lanegraph/executor.ts';
export type { LaneGraphRunOptions, LaneGraphObservation, LaneGraphRunState } from './lanegraph/executor.ts';
export { LaneGraphMonitor } from './lanegraph/monitor.ts';
export type { LaneGraphMonitorOptions } from './lanegraph/monitor.ts';
export {
  LaneGraphState, LaneGraphCounts, LaneState, LaneReaderState, RoleState, RouterConsumerState, EndpointState, StalledReader, Health,
  LANE_GRAPH_STATE_FILE, LANE_GRAPH_STATE_VERSION,
} from './artifacts/lane-graph-state.ts';
export { RuntimeStateDocument, runtimeStateFile } from './artifacts/runtime-state.ts';
