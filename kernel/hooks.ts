import { AsyncSeriesHook, SyncHook } from 'tapable';
import type { PipelineSpecV1, Diagnostic } from './spec/model.ts';
import type { RunSummary } from './artifacts/run-summary.ts';

/**
 * The kernel's hook table: lifecycle, configuration and per-batch events only. The per-message
 * path never enters tapable. The table is created once per kernel and frozen, so plugins can
 * tap hooks but never add, replace or remove one.
 */

/** Passed to `validateSpec` taps so a plugin can add errors and warnings of its own. */
export interface ValidationSink {
  error(d: Diagnostic): void;
  warning(d: Diagnostic): void;
}

/** What a run looks like to lifecycle taps (policy gates, product reports). */
export interface RunInfo {
  spec: PipelineSpecV1;
  specHash: string;
  specPath: string | null;
  runDir: string | null;
  /** `--sp` one-shot bring-up or the long-running form */
  oneShot: boolean;
  /** side effects are recorded, not performed */
  dryRun: boolean;
  /** parsed verb flags (plugins read their own, e.g. `--env`, `--approval`) */
  flags: Readonly<Record<string, unknown>>;
  env: Readonly<Record<string, string | undefined>>;
}

/** The summary of a finished run and its stage counters: zod schemas in kernel/artifacts/run-summary.ts. */
export type { RunSummary, StageCounters } from './artifacts/run-summary.ts';

/**
 * What `replay` is about to run with: the settings a plugin added to `run` (its extendVerb flags)
 * as they were recorded by the runtime (the bundle's invocation.json) or given with
 * `replay --set=NAME=VALUE`, raw (strings, before the plugin's schema). A plugin taps
 * `replayPreparing` to say what its settings need from the run: a path recorded relative to the
 * runtime's working directory resolved against `runtimeCwd`, an output of the run (a report path)
 * not written again by a replay. Values are set or deleted in `settings`; `sources` says where
 * each came from ('recorded' | 'command_line' | a plugin's name when it rewrote one).
 */
export interface ReplayPreparation {
  bundleDir: string;
  /** the runtime's working directory (the bundle's environment.json), null when unknown */
  runtimeCwd: string | null;
  settings: Record<string, string | string[]>;
  sources: Record<string, string>;
}

/**
 * Emitted once per published ingress batch (never per message). The object is reused for every
 * batch (the hot path allocates nothing): read its fields in the tap, never keep the object.
 */
export interface BatchEvent {
  shard: number;
  firstSeq: number;
  count: number;
}

export function createHookTable() {
  return Object.freeze({
    /** every plugin's setup has run; the registries are complete */
    pluginsLoaded: new SyncHook<[]>([]),
    /** after structural decoding; taps add plugin-specific errors and warnings */
    validateSpec: new SyncHook<[PipelineSpecV1, ValidationSink]>(['spec', 'sink']),
    /** before any worker starts; a tap that throws refuses the run (e.g. policy, exit 4) */
    runStarting: new AsyncSeriesHook<[RunInfo]>(['run']),
    /** all workers are up and the ingress is about to open */
    runStarted: new AsyncSeriesHook<[RunInfo]>(['run']),
    /** once per published ingress batch */
    ingressBatch: new SyncHook<[BatchEvent]>(['batch']),
    /** the pipeline has drained (or failed) and workers are stopped */
    runStopped: new AsyncSeriesHook<[RunInfo, RunSummary]>(['run', 'summary']),
    /** `replay` has its recorded and given settings and runs next; taps adjust them (ReplayPreparation) */
    replayPreparing: new SyncHook<[ReplayPreparation]>(['replay']),
  });
}

export type HookTable = ReturnType<typeof createHookTable>;

/** The tap methods of a hook: what a plugin may do with it. */
type TapMethods = 'tap' | 'tapAsync' | 'tapPromise';

/**
 * A hook table as plugins see it (PluginHost.hooks): every hook can be tapped, none can be
 * called or intercepted — only the kernel calls hooks (kernel/run/run-pipeline.ts and friends),
 * so `host.hooks.runStarting.promise(...)` in a plugin is a compile error.
 */
export type TapOnly<T> = { readonly [K in keyof T]: Readonly<Pick<T[K], Extract<keyof T[K], TapMethods>>> };
