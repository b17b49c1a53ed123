import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { BundleManifest } from '../../../kernel/artifacts/bundle-manifest.ts';
import { BundleSpecValidation } from '../../../kernel/artifacts/bundle-spec-validation.ts';
import { EnvironmentCapture, ENVIRONMENT_FILE } from '../../../kernel/artifacts/environment-capture.ts';
import { LANE_GRAPH_STATE_FILE } from '../../../kernel/artifacts/lane-graph-state.ts';
import { PolicyAuditRecordV1, POLICY_AUDIT_FILE } from '../../../kernel/artifacts/policy-audit.ts';
import { ReplayAuditV1, REPLAY_AUDIT_FILE } from '../../../kernel/artifacts/replay-audit.ts';
import { RuntimeInfo, RUNTIME_INFO_FILE } from '../../../kernel/artifacts/runtime-info.ts';
import { RuntimeStateDocument } from '../../../kernel/artifacts/runtime-state.ts';
import { SINGLE_RING_SNAPSHOT_FILE } from '../../../kernel/artifacts/single-ring-snapshot.ts';
import { SPEC_VALIDATION_FILE } from '../../../kernel/artifacts/spec-validation.ts';
import { BUNDLE_SIGNATURE_FILE } from '../../../kernel/bundle/manifest.ts';
import type { OpenBundle } from '../../../kernel/bundle/open.ts';
import { decodeSpecText } from '../../../kernel/spec/load.ts';
import type { PipelineSpecV1 } from '../../../kernel/spec/model.ts';
import { parseReport, REPORT_FILE, type DataguardReport } from '../../dataguard/report.ts';
import { readJson, readText, type Read } from './read-artifact.ts';

/** The ActionGraph gate's record of the run, copied into bundles (plugins/actiongraph). */
export const RUN_POLICY_AUDIT_FILE = 'run_policy_audit.json';
/** EdgePlane's adapter config, copied (redacted) by `incident-bundle --config` */
export const RUNTIME_CONFIG_FILE = 'runtime_config.txt';

/** Everything inspect reads from a verified bundle, read once. */
export interface BundleView {
  given: string;
  dir: string;
  archive: boolean;
  manifest: BundleManifest;
  signed: boolean;
  /** the bundle's spec.kv decoded (structure only, no plugins needed); null when it does not decode */
  spec: PipelineSpecV1 | null;
  validation: Read<BundleSpecValidation>;
  policy: Read<PolicyAuditRecordV1>;
  environment: Read<EnvironmentCapture>;
  runtimeInfo: Read<RuntimeInfo>;
  /** the state document and the file it was read from (null when neither is in the bundle) */
  state: Read<RuntimeStateDocument>;
  stateFile: string | null;
  runPolicy: Read<PolicyAuditRecordV1>;
  dataguard: Read<DataguardReport>;
  runtimeConfig: string | null;
  /**
   * replay audits of this bundle: inside it (replay_audit.json) and next to it (<bundle>.replay-<ms>.json), oldest
   * first
   */
  replayAudits: Array<{ file: string; read: Read<ReplayAuditV1> }>;
}

function replayAuditsOf(b: OpenBundle): BundleView['replayAudits'] {
  const out: BundleView['replayAudits'] = [];
  if (existsSync(join(b.dir, REPLAY_AUDIT_FILE)))
    out.push({ file: REPLAY_AUDIT_FILE, read: readJson(b.dir, REPLAY_AUDIT_FILE, ReplayAuditV1) });
  const beside = dirname(b.given);
  const prefix = `${basename(b.given).replace(/\.tar\.gz$/, '')}.replay-`;
  let names: string[] = [];
  try {
    names = readdirSync(beside);
  } catch {
    /* no directory listing: none found */
  }
  const stamp = (n: string) => Number(n.slice(prefix.length, -'.json'.length));
  for (const n of names
    .filter((x) => x.startsWith(prefix) && /^\d+\.json$/.test(x.slice(prefix.length)))
    .sort((x, y) => stamp(x) - stamp(y))) {
    out.push({ file: join(beside, n), read: readJson(beside, n, ReplayAuditV1) });
  }
  return out;
}

export function readBundleView(b: OpenBundle): BundleView {
  const stateFile = existsSync(join(b.dir, SINGLE_RING_SNAPSHOT_FILE))
    ? SINGLE_RING_SNAPSHOT_FILE
    : existsSync(join(b.dir, LANE_GRAPH_STATE_FILE))
      ? LANE_GRAPH_STATE_FILE
      : null;
  let spec: PipelineSpecV1 | null = null;
  try {
    spec = decodeSpecText(readFileSync(join(b.dir, 'spec.kv'))).spec ?? null;
  } catch {
    spec = null;
  }
  const cfgPath = join(b.dir, RUNTIME_CONFIG_FILE);
  return {
    given: b.given,
    dir: b.dir,
    archive: b.given !== b.dir,
    manifest: b.manifest,
    signed: existsSync(join(b.dir, BUNDLE_SIGNATURE_FILE)),
    spec,
    validation: readJson(b.dir, SPEC_VALIDATION_FILE, BundleSpecValidation),
    policy: readJson(b.dir, POLICY_AUDIT_FILE, PolicyAuditRecordV1),
    environment: readJson(b.dir, ENVIRONMENT_FILE, EnvironmentCapture),
    runtimeInfo: readJson(b.dir, RUNTIME_INFO_FILE, RuntimeInfo),
    state: stateFile ? readJson(b.dir, stateFile, RuntimeStateDocument) : { status: 'missing' },
    stateFile,
    runPolicy: readJson(b.dir, RUN_POLICY_AUDIT_FILE, PolicyAuditRecordV1),
    dataguard: readText(b.dir, REPORT_FILE, parseReport),
    runtimeConfig: existsSync(cfgPath) ? readFileSync(cfgPath, 'utf8') : null,
    replayAudits: replayAuditsOf(b),
  };
}

/** Every stage key of the spec (SingleRing stages, LaneGraph stage roles). */
export function stageKeys(spec: PipelineSpecV1 | null): Array<{ stage: string; key: string }> {
  if (!spec) return [];
  if (spec.model === 'single_ring') return spec.single_ring.stages.map((s, i) => ({ stage: `stage-${i}`, key: s.key }));
  return spec.lane_graph.roles
    .filter((r) => r.kind === 'stage' && r.key !== undefined)
    .map((r) => ({ stage: r.name, key: r.key! }));
}
