/**
 * byteor/plugin — the public entry for third-party plugin authors, and only the contract
 * (kernel/plugin-contract.ts) with what a plugin needs to follow it: flags, errors, the adapter
 * health and run summary schemas, artifact writing and the zod the kernel validates with. The
 * kernel's programmatic API (specs, approvals, policy, artifacts, executors) is the package's
 * main entry `byteor` (kernel/index.ts, kernel/public-api.ts). Nothing inside kernel/ or
 * plugins/ imports this module (they import the module that defines each name).
 */
export * from './plugin-contract.ts';
export { flag, flags } from './flags.ts';
export { AdapterHealth, ConnectionState } from './adapter-health.ts';
export { ByteorError } from './errors.ts';
export { ExitCode } from './exit-codes.ts';
export { writeJsonArtifact, stableJson } from './artifacts/json.ts';
export type { HookTable, TapOnly, RunInfo, BatchEvent, ValidationSink } from './hooks.ts';
export { RunSummary, StageCounters } from './artifacts/run-summary.ts';
export type { PipelineSpecV1, Diagnostic, StageSpec } from './spec/model.ts';
export { z } from 'zod';
