/**
 * The plugin contract: the types a plugin implements and the kernel calls (verbs, stage
 * families, adapters, snapshot sections, bundle artifacts, the plugin host) and definePlugin.
 * Kernel and built-in plugins import it from here; third-party plugins get it, with the kernel
 * helpers they may use, from `byteor/plugin` (kernel/plugin-api.ts). Nothing in kernel/ or
 * plugins/ imports plugin-api.ts (test/kernel/no-barrel-imports.test.ts): that barrel loads the
 * whole kernel, and a cold `byteor validate` must not.
 */
import type { z } from 'zod';
import type { WaitKind } from './core/ring.ts';
import type { HookTable, ReplayPreparation, RunInfo, RunSummary, TapOnly } from './hooks.ts';
import type { CheckOptions, LoadedSpec, SpecCheck } from './spec/loaded-spec.ts';
import type { PipelineSpecV1 } from './spec/model.ts';
import type { AdapterHealth } from './adapter-health.ts';
import type { FlagSet } from './flags.ts';
import type { PluginDependencies, pluginDefinitionSchema } from './plugin-definition-schema.ts';

// Error tables (a leaf module: it loads only ByteorError and the exit codes)
export { defineErrors, rephrase } from './errors/define-errors.ts';
export type { ErrorCode, ErrorCodeOf, ErrorEntry, ErrorTable } from './errors/define-errors.ts';

// flag and flags (values, kernel/flags.ts) come with byteor/plugin; the contract has their types only
export type { Flag, FlagOption, FlagSet, FlagValues } from './flags.ts';

export const PLUGIN_API_VERSION = 1 as const;

// ------------------------------------------------------------------------------------------
// Verbs

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

/** The read side of the plugin host: what the loaded plugins registered. */
export type PluginCatalog = Pick<
  PluginHost,
  | 'plugins'
  | 'verbs'
  | 'verbExtensions'
  | 'stages'
  | 'resolveStage'
  | 'adapters'
  | 'snapshotSections'
  | 'bundleArtifacts'
>;

/**
 * What a verb may ask of the kernel (VerbContext): run a spec through the kernel's run
 * lifecycle, load and check specs, look up what the plugins provide (catalog), and have the
 * kernel fire `replayPreparing`. Only the kernel calls hooks.
 */
export interface VerbCapabilities {
  /** run a loaded spec from start to drain (kernel/run/run-pipeline.ts): the run hooks fire in order */
  run(request: RunRequest): Promise<RunOutcome>;
  /** read, decode, load the spec's plugins, lower, hash and validate (throws BYTEOR_E_SPEC_INVALID) */
  loadSpec(path: string, opts?: Omit<CheckOptions, 'path'>): Promise<LoadedSpec>;
  loadSpecText(text: string | Uint8Array, opts?: CheckOptions): Promise<LoadedSpec>;
  /** the same, never throwing for the spec's own problems */
  checkSpec(path: string, opts?: Omit<CheckOptions, 'path'>): Promise<SpecCheck>;
  checkSpecText(text: string | Uint8Array, opts?: CheckOptions): Promise<SpecCheck>;
  /**
   * what the loaded plugins provide (read only): plugins, verbs, stage families, adapter factories, sections, artifacts
   */
  readonly catalog: PluginCatalog;
  /** fire hooks.replayPreparing: the plugins adjust the replay's settings in place */
  prepareReplay(prep: ReplayPreparation): void;
}

export interface VerbContext<F = Record<string, unknown>> extends VerbCapabilities {
  flags: F;
  /** `--json` was given */
  json: boolean;
  /** positional arguments after the verb */
  positionals: string[];
  io: VerbIO;
  /** process environment (read-only snapshot) */
  env: Readonly<Record<string, string | undefined>>;
  /** the arguments this CLI invocation was given (verb, flags, --plugin ones), as typed */
  argv?: readonly string[];
}

export interface VerbDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  summary: string;
  /** extra usage text shown by `byteor <verb> --help` */
  usage?: string;
  /** its flags (global flags excluded), declared once with `flags({...})`; `ctx.flags` is their schema's output */
  flags: FlagSet<S>;
  /** returns the process exit code; throw a ByteorError for failures */
  run(ctx: VerbContext<z.output<S>>): Promise<number> | number;
}

/**
 * Flags a plugin adds to another plugin's verb (e.g. dataguard adds `--schema-id` to `run`).
 * Parsed values are merged into that verb's `ctx.flags` and forwarded to stage workers.
 */
export interface VerbExtension<S extends z.ZodType = z.ZodType> {
  verb: string;
  /** the added flags only, declared with `flags({...})` */
  flags: FlagSet<S>;
}

// ------------------------------------------------------------------------------------------
// Runs: the kernel owns the lifecycle (kernel/run/run-pipeline.ts); a verb says what differs

export interface RunAdapters {
  ingress: IngressAdapter;
  egress: EgressAdapter;
}

/** The running pipeline, as a caller's watcher sees it (e.g. `run`'s progress line). */
export interface RunningPipeline {
  /** records in and out so far */
  records(): { in: number; out: number };
}

export interface RunRequest {
  loaded: LoadedSpec;
  specPath: string | null;
  /**
   * The long-running form: claim this run directory (`flag` undefined: the default location)
   * for the control socket, state file and ingress journal. null: one-shot, no run directory.
   */
  runDir: { flag: string | undefined } | null;
  /** made once the run directory is claimed (constructors may check paths, never open them) */
  adapters(): RunAdapters;
  /** RunInfo.oneShot (`--sp`, replay) */
  oneShot: boolean;
  dryRun: boolean;
  /** the verb's parsed flags (RunInfo.flags: plugins read their own; forwarded to stage workers) */
  flags: Readonly<Record<string, unknown>>;
  env: Readonly<Record<string, string | undefined>>;
  /** override of the spec's wait strategy */
  wait?: WaitKind;
  /** most slots per stage call */
  maxBatch?: number;
  /** stop the source after this many records, then drain */
  maxRecords?: number;
  /**
   * how long a stop (signal, control socket) waits for accepted records to leave (ms), and the
   * deadline as the operator gave it; without it a stop drains unbounded
   */
  drainTimeout?: { ms: number; label: string };
  /** the first SIGINT/SIGTERM drains, the second aborts (the CLI's run); off for replay and embedding */
  signals?: boolean;
  /** chatter (stderr): signals, refusals, warnings, the run directory; none when absent */
  err?(text: string): void;
  /** with a run directory, once its control socket listens: record the run there (invocation.json, environment.json) */
  recorded?(run: { runDir: string; info: RunInfo; startedUnixMs: number }): void;
  /** called once the pipeline runs; what it returns is stopped when the run is over */
  watch?(run: RunningPipeline): { stop(): void } | null;
  /** write the final state document here too (`--state-out`) */
  stateOut?: string;
}

export interface RunOutcome {
  summary: RunSummary;
  /** the egress failed to close after the run (its records were out) */
  egressCloseError: unknown;
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

export type { AdapterHealth, ConnectionState } from './adapter-health.ts';

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
   * Optional: lend the adapter a read buffer of `bytes` bytes in the runtime's shared memory, for
   * the run. Records read into it and pushed with `pushSpans` are copied into their slots from
   * there directly (one copy less per record). Returns null when none is left: read into your own
   * buffer. The rule of `pushSpans` holds: do not overwrite bytes a pending push still reads.
   */
  readBuffer?(bytes: number): Uint8Array | null;
  /**
   * Optional: the largest record the sink accepts (slot_bytes). An adapter that reads a record
   * larger than this may stop buffering it at once and call `refuse` with its length instead of
   * pushing it (bounded memory, linear time for a hostile 100 MB line).
   */
  readonly maxRecordBytes?: number;
  /**
   * Optional, with maxRecordBytes: count a record of `bytes` bytes as refused (too large), in order with the pushes.
   */
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
 * valid only until `writeFrom` returned, or the promise it returned settled (the slots are released then), so
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
   * An adapter that accepted them before returning (a buffer it owns, a synchronous write)
   * returns nothing: the kernel then releases the slots at once and moves on without a promise
   * (the allocation-free path of the main thread).
   */
  writeFrom?(view: EgressView): Promise<void> | void;
  /**
   * Optional: the run aborted (drain timeout, second signal, a failure elsewhere) while a write
   * may be pending, e.g. retrying through a destination outage: stop retrying, so the pending
   * write rejects soon. Called once, on the main thread; `close()` follows.
   */
  interrupt?(): void;
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
  /** tap only: the kernel calls the hooks (TapOnly) */
  readonly hooks: TapOnly<HookTable>;
  /** true inside a stage worker: only stage families matter there */
  readonly inWorker: boolean;
  registerVerb<S extends z.ZodType>(verb: VerbDefinition<S>): void;
  /** add flags to a verb (possibly one registered later by another plugin) */
  extendVerb<S extends z.ZodType>(ext: VerbExtension<S>): void;
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

/**
 * The kernel as its own modules see it (spec validation, executors, the run lifecycle): the
 * plugin host with the full hook table, which only the kernel calls.
 */
export interface KernelHost extends Omit<PluginHost, 'hooks'> {
  readonly hooks: HookTable;
}

/** A plugin's default export, inferred from its zod schema (kernel/plugin-definition-schema.ts; checked at load). */
export type PluginDefinition = z.output<ReturnType<typeof pluginDefinitionSchema<PluginHost>>>;
export type { PluginDependencies } from './plugin-definition-schema.ts';

/**
 * definePlugin stamps a definition with the copy of byteor that made it (this module's URL), so
 * the kernel can tell a plugin that imported another copy of byteor (a second install next to
 * the plugin, under Deno without the import map) from one that talks to it.
 */
export const PLUGIN_BRAND = Symbol.for('byteor.plugin');
export const KERNEL_COPY: string = import.meta.url;

/** Declare a plugin (types, and the kernel copy it was made with). The result is the module's default export. */
export function definePlugin<P extends PluginDefinition>(def: P): P {
  return Object.freeze({ ...def, [PLUGIN_BRAND]: KERNEL_COPY }) as P;
}

/** The names of a definition's dependencies, either form. */
export function dependencyNames(deps: PluginDependencies | undefined): string[] {
  if (!deps) return [];
  return Array.isArray(deps) ? [...deps] : Object.keys(deps);
}

export type SpecModel = PipelineSpecV1['model'];
