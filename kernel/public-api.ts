/**
 * The kernel's programmatic API beyond the plugin contract: specs (codec, validation, lowering,
 * hashing, describe, dot), approvals, policy, the stage catalog and compatibility report, the
 * operator artifacts and the runtime (executors, line adapters, run directory, journal,
 * snapshots). Part of the package's main entry `byteor` (kernel/index.ts); plugin authors import
 * only `byteor/plugin` (kernel/plugin-api.ts). Nothing inside kernel/ or plugins/ imports it.
 */
// ------------------------------------------------------------------------------------------
// Approvals (credential v1, trusted key sets, capability matching) — docs/approvals.md

export { canonicalJson } from './approval/canonical-json.ts';
export { ApprovalErrorCode } from './approval/error-codes.ts';
export {
  APPROVAL_CREDENTIAL_VERSION,
  ApprovalPayloadV1,
  EnvironmentPosture,
  Rfc3339Time,
  SpecHash,
  Capability,
} from './approval/payload.ts';
export { capabilityCovers, missingCapabilities } from './approval/capabilities.ts';
export {
  decodeApprovalCredential,
  signApprovalCredential,
  toEd25519PrivateKey,
  decodeBase64url,
  encodeBase64url,
} from './approval/credential.ts';
export type { DecodedCredential } from './approval/credential.ts';
export { trustedKeySet, readKeySet, generateSigningKey, publicKeyFromRaw, rawPublicKey } from './approval/key-set.ts';
export type { TrustedKeySet } from './approval/key-set.ts';
export { verifyApprovalCredential, DEFAULT_ISSUED_AT_SKEW_MS } from './approval/verify.ts';
export type { ApprovalExpectation } from './approval/verify.ts';
export {
  APPROVAL_FILE,
  KEY_SET_FILE,
  findApprovalCredential,
  keySetPath,
  verifyApprovalMaterial,
} from './approval/material.ts';
export type { ApprovalFlags, ApprovalCredentialText, VerifiedApproval } from './approval/material.ts';
export { SigningKeySet, SigningKey, SigningKeyStatus } from './artifacts/signing-key-set.ts';

// ------------------------------------------------------------------------------------------
// Policy (environment posture, side-effect and replay policy, decisions, policy audit v1) — docs/policy.md

export { Environment, DEFAULT_ENVIRONMENT, ENV_VAR_ENVIRONMENT, resolveEnvironment } from './policy/environment.ts';
export type { ResolvedEnvironment } from './policy/environment.ts';
export {
  Decision,
  SideEffectsPolicy,
  ReplayPolicy,
  EnvironmentPolicy,
  DEFAULT_POLICIES,
  ENV_VAR_SIDE_EFFECTS_POLICY,
  ENV_VAR_REPLAY_POLICY,
  policyForEnvironment,
  decideAction,
} from './policy/engine.ts';
export type { ActionClass, DecisionContext } from './policy/engine.ts';
export { specActions, requiredCapabilities, overallDecision } from './policy/spec-actions.ts';
export type { SpecAction } from './policy/spec-actions.ts';
export { policyAuditRecordForSpec, specSummary } from './policy/audit-record.ts';
export type { PolicyAuditInput } from './policy/audit-record.ts';
export {
  PolicyAuditRecordV1,
  PolicyAuditSpecSummary,
  PolicyAuditAction,
  PolicyAuditApproval,
  POLICY_AUDIT_FILE,
} from './artifacts/policy-audit.ts';

// ------------------------------------------------------------------------------------------
// Capabilities and compatibility (stage catalog, capability document, compatibility report v1) — docs/plugins.md

/** the zod the kernel validates with: build verb, extension and artifact schemas with it */
export { RUNTIME_NAME, packageVersion } from './version.ts';
export { INTRINSIC_STAGE_PLUGINS, stageCatalog, stageKeySource, stageKeyRequirement } from './stage-catalog.ts';
export type { StageKeyRequirement } from './stage-catalog.ts';
export {
  COMPATIBILITY_REPORT_VERSION,
  CompatibilityReport,
  StageCompatibilityRequirement,
  StageKeySourceId,
  PolicyClassId,
  ReplaySupportId,
} from './artifacts/compatibility-report.ts';
export type { StageKeySource } from './artifacts/compatibility-report.ts';
export {
  CAPABILITY_DOCUMENT_VERSION,
  RuntimeCapabilityDocument,
  StageCatalogEntry,
} from './artifacts/capability-document.ts';

// ------------------------------------------------------------------------------------------
// Specs (spec.kv codec, validation, lowering, hashing, describe, dot) — docs/spec-kv.md

export {
  loadSpecFile,
  loadSpecText,
  validateSpecFile,
  validateSpecText,
  decodeSpecText,
  readSpecFile,
  resolveSpecPath,
  specValidationReport,
  specInvalidError,
  ENV_SPEC,
  DEFAULT_SPEC_PATH,
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
  SEQUENCED_SLOTS_V1_GATING,
  FANOUT_V1_MAX_CONSUMERS,
  FEATURE_GATED_LANE_KINDS,
  SINGLE_RING_MAX_SHARDS,
} from './spec/limits.ts';
export type {
  SingleRingPipeline,
  LaneGraphPipeline,
  SingleRingSpec,
  LaneGraphSpec,
  LaneSpec,
  EndpointSpec,
  RoleSpec,
  LaneKind,
} from './spec/model.ts';
export { describeSpec, renderDescription } from './spec/describe.ts';
export { specToDot, dotId } from './spec/dot.ts';
export { CompileReportV1 } from './artifacts/compile-report.ts';
export { SpecValidationReport, SPEC_VALIDATION_FILE } from './artifacts/spec-validation.ts';
export { SpecDescription, StageDescription, RoleDescription } from './artifacts/spec-description.ts';

// ------------------------------------------------------------------------------------------
// Operator flow artifacts (doctor report, snapshot, incident bundle, replay audit) — docs/operator-flow.md

export {
  DOCTOR_REPORT_VERSION,
  DoctorReport,
  DoctorItem,
  DoctorItemStatus,
  DoctorRequirement,
  TuningProfile,
} from './artifacts/doctor-report.ts';
export { ENVIRONMENT_FILE, EnvironmentCapture } from './artifacts/environment-capture.ts';
export {
  REDACTED_VALUE,
  SECRET_NAME_STEMS,
  SECRET_NAME_WORDS,
  isSecretName,
  nameTokens,
  redactArgv,
  redactConfigText,
  redactHeaders,
  redactJson,
  redactNamed,
  redactValue,
  redactedEnv,
} from './redact.ts';
export { RunInvocation, RUN_INVOCATION_FILE, RUN_INVOCATION_VERSION } from './artifacts/run-invocation.ts';
export { RUNTIME_INFO_FILE, RuntimeInfo } from './artifacts/runtime-info.ts';
export {
  BUNDLE_MANIFEST_FILE,
  INCIDENT_BUNDLE_VERSION,
  BundleManifest,
  BundleFileEntry,
} from './artifacts/bundle-manifest.ts';
export { BundleSpecValidation } from './artifacts/bundle-spec-validation.ts';
export {
  REPLAY_AUDIT_VERSION,
  REPLAY_AUDIT_FILE,
  ReplayAuditV1,
  ReplayAuditInput,
  ReplayAuditPolicy,
  ReplayAuditAction,
} from './artifacts/replay-audit.ts';
export { listBundleFiles, hashBundleFiles, verifyBundleDir, sha256Hex } from './bundle/manifest.ts';
export { writeBundleArchive, extractBundleArchive } from './bundle/archive.ts';
export {
  BUNDLE_SIGNATURE_FILE,
  BundleSignature,
  BundleSignatureCode,
  readBundleSigningKey,
  signBundleManifest,
  verifyBundleSignature,
} from './bundle/signature.ts';
export { BUNDLE_DIR_MODE, BUNDLE_FILE_MODE, makePrivateDir, sealPrivateModes } from './bundle/private-modes.ts';
export {
  BUNDLE_JOURNAL_DIR,
  journalWindowPath,
  writeJournalWindow,
  readJournalWindow,
  journalWindowLanes,
} from './bundle/journal-window.ts';
export { captureSnapshot } from './snapshot/capture.ts';
export type { CapturedSnapshot } from './snapshot/capture.ts';
export { JournalWindowMeta, journalWindowMetaPath } from './artifacts/journal-window-meta.ts';

// ------------------------------------------------------------------------------------------
// Runtime: SingleRing executor, line adapters, run directory, journal, snapshots — docs/runtime.md

export { SingleRingRun, COUNTERS_PER_STAGE, DEFAULT_MAX_BATCH } from './exec/single-ring-executor.ts';
export type {
  SingleRingRunOptions,
  RunObservation,
  ShardObservation,
  StageObservation,
  RunState,
} from './exec/single-ring-executor.ts';
export { WAIT_KINDS, DEFAULT_SPIN_NS } from './core/ring.ts';
export type { WaitKind } from './core/ring.ts';
export { LineIngress, LINE_CHUNK_BYTES } from './io/line-ingress.ts';
export type { LineIngressOptions } from './io/line-ingress.ts';
export { LineEgress } from './io/line-egress.ts';
export type { LineEgressOptions } from './io/line-egress.ts';
export {
  SingleRingSnapshot,
  SnapshotShard,
  SnapshotStage,
  StalledStage,
  SINGLE_RING_SNAPSHOT_FILE,
  SINGLE_RING_SNAPSHOT_VERSION,
} from './artifacts/single-ring-snapshot.ts';
export {
  prepareRunDir,
  claimRunDir,
  locateRunDir,
  runDirPaths,
  userRunDir,
  DEFAULT_RUN_DIR,
  CONTROL_SOCKET,
  STATE_FILE,
  JOURNAL_DIR,
  type ClaimedRunDir,
} from './rundir/run-dir.ts';
export { LOCK_FILE, type RunDirLock } from './rundir/run-dir-lock.ts';
export type { RunDirPaths } from './rundir/run-dir.ts';
export { runDirFromFlags, RUNTIME_PATH_FLAGS } from './rundir/runtime-path.ts';
export { processStartTicks, processAlive } from './rundir/process-identity.ts';
export type { RuntimePathFlags } from './rundir/runtime-path.ts';
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
  LaneGraphState,
  LaneGraphCounts,
  LaneState,
  LaneReaderState,
  RoleState,
  RouterConsumerState,
  EndpointState,
  StalledReader,
  Health,
  LANE_GRAPH_STATE_FILE,
  LANE_GRAPH_STATE_VERSION,
} from './artifacts/lane-graph-state.ts';
export { RuntimeStateDocument, runtimeStateFile } from './artifacts/runtime-state.ts';
