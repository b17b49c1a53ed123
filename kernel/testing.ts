/**
 * byteor/testing — what a plugin's own tests need, without knowing the kernel's internals:
 * - `runStage`: a stage family over records in process, as a stage worker runs it (the plugin is
 *   set up with `host.inWorker === true`, its `check` and `create` called the same way), over a
 *   RecordBatch on a plain buffer (`BufferRecordBatch`), returning the records delivered, the
 *   ones dropped and the stage's counters;
 * - `runPlugin`: a whole plugin through `byteor run --sp --state-out` in a temporary directory
 *   (real stage workers, hooks, flags), returning the output records, the exit code and the final
 *   state document with the plugin's snapshot sections.
 * Like byteor/plugin it is an entry for authors only; nothing in kernel/ or plugins/ imports it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FROM_SOURCE, ownModuleUrl } from './package-paths.ts';
import type { PluginDefinition, RecordBatch, StageCounter, StageHandler } from './plugin-contract.ts';
import { Kernel } from './plugin-host.ts';
import { IS_DENO } from './plugin-kernel-copy.ts';
import { KernelErrors } from './errors/kernel-errors.ts';

// ------------------------------------------------------------------------------------------
// A stage family in process

/**
 * A RecordBatch over a plain buffer: record i lives in slot i (`slotBytes` bytes at
 * `i * slotBytes`). It enforces the contract as the ring does: `setLength` beyond `slotBytes`
 * throws BYTEOR_E_RECORD_TOO_LARGE, `drop` hides the record from later stages and the output.
 */
export class BufferRecordBatch implements RecordBatch {
  readonly memory: Uint8Array;
  readonly count: number;
  readonly firstSeq: number;
  readonly slotBytes: number;
  private readonly lengths: Uint32Array;
  private readonly dropped: Uint8Array;

  constructor(records: ReadonlyArray<string | Uint8Array>, opts: { slotBytes: number; firstSeq?: number }) {
    this.slotBytes = opts.slotBytes;
    this.firstSeq = opts.firstSeq ?? 0;
    this.count = records.length;
    this.memory = new Uint8Array(Math.max(1, records.length * opts.slotBytes));
    this.lengths = new Uint32Array(records.length);
    this.dropped = new Uint8Array(records.length);
    const enc = new TextEncoder();
    records.forEach((r, i) => {
      const bytes = typeof r === 'string' ? enc.encode(r) : r;
      if (bytes.length > opts.slotBytes) {
        throw KernelErrors.error(
          'BYTEOR_E_RECORD_TOO_LARGE',
          `record ${this.firstSeq + i} is ${bytes.length} bytes, more than slotBytes=${opts.slotBytes}; refused ` +
            `(never truncated): raise slotBytes`,
          { sequence: this.firstSeq + i },
        );
      }
      this.memory.set(bytes, i * opts.slotBytes);
      this.lengths[i] = bytes.length;
    });
  }

  offset(i: number): number {
    this.at(i);
    return i * this.slotBytes;
  }
  length(i: number): number {
    this.at(i);
    return this.lengths[i]!;
  }
  live(i: number): boolean {
    this.at(i);
    return this.dropped[i] === 0;
  }
  setLength(i: number, n: number): void {
    this.at(i);
    if (!(Number.isInteger(n) && n >= 0 && n <= this.slotBytes)) {
      throw KernelErrors.error(
        'BYTEOR_E_RECORD_TOO_LARGE',
        `a stage set record ${this.firstSeq + i} to ${n} bytes, but slots hold 0..${this.slotBytes} ` +
          `(slot_bytes); records are never truncated`,
        { sequence: this.firstSeq + i },
      );
    }
    this.lengths[i] = n;
  }
  drop(i: number): void {
    this.at(i);
    this.dropped[i] = 1;
  }

  /** The bytes of record i as they are now (a copy). */
  record(i: number): Uint8Array {
    return this.memory.slice(i * this.slotBytes, i * this.slotBytes + this.lengths[i]!);
  }

  private at(i: number): void {
    if (!(Number.isInteger(i) && i >= 0 && i < this.count))
      throw new RangeError(`record index ${i} is outside the batch (0..${this.count - 1})`);
  }
}

export interface StageRunOptions {
  /** the plugin that provides the key (set up as in a stage worker) */
  plugin: PluginDefinition;
  /** plugins it depends on, installed first */
  dependencies?: PluginDefinition[];
  /** the stage key as a spec writes it, e.g. `geo_tag:eu` */
  key: string;
  records: ReadonlyArray<string | Uint8Array>;
  /** slot size (spec `slot_bytes`); default 256 */
  slotBytes?: number;
  /** records per onBatch call; default all in one batch */
  batchSize?: number;
  /** the verb's flags the stage sees (`StageContext.flags`), e.g. flags your plugin adds to `run` */
  flags?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  dryRun?: boolean;
}

export interface StageRunResult {
  /** the records delivered (not dropped), in order */
  records: Uint8Array[];
  /** the same as text (UTF-8) */
  text: string[];
  /** sequences (0-based input positions) of the dropped records */
  dropped: number[];
  /** the stage's named counters (StageContext.counter) */
  counters: Record<string, number>;
}

/**
 * Run one stage key over `records` in this process, the way a stage worker does: set the plugin
 * up in a worker-side kernel (`host.inWorker` is true), resolve the key, run the family's
 * `check`, `create(ctx)`, `onBatch` per batch (awaited), then `close`. Throws the ByteorError the
 * kernel would report (a key the plugin does not register in workers, a refused argument, a
 * stage error).
 */
export async function runStage(opts: StageRunOptions): Promise<StageRunResult> {
  const kernel = new Kernel({ inWorker: true });
  for (const d of opts.dependencies ?? []) kernel.install(d, `byteor-testing:${d.name}`);
  kernel.install(opts.plugin, `byteor-testing:${opts.plugin.name}`);
  const resolved = kernel.resolveStage(opts.key);
  if (!resolved) {
    const outside = new Kernel();
    for (const d of opts.dependencies ?? []) outside.install(d, `byteor-testing:${d.name}`);
    outside.install(opts.plugin, `byteor-testing:${opts.plugin.name}`);
    throw outside.resolveStage(opts.key)
      ? KernelErrors.error(
          'BYTEOR_E_PLUGIN_STAGE_NOT_IN_WORKER',
          `plugin "${opts.plugin.name}" registers stage key "${opts.key}" only outside stage workers ` +
            `(host.inWorker is false); register stage families before "if (host.inWorker) return"`,
          { plugin: opts.plugin.name, key: opts.key },
        )
      : KernelErrors.error(
          'BYTEOR_E_STAGE_UNKNOWN',
          `plugin "${opts.plugin.name}" provides no stage family for key "${opts.key}"`,
          { key: opts.key },
        );
  }
  const refusal = resolved.family.check?.(opts.key, resolved.argument);
  if (refusal)
    throw KernelErrors.error('BYTEOR_E_STAGE_UNSUPPORTED', `stage key "${opts.key}": ${refusal}`, { key: opts.key });
  const slotBytes = opts.slotBytes ?? 256;
  const counters = new Map<string, number>();
  const counter = (name: string): StageCounter => {
    if (!counters.has(name)) counters.set(name, 0);
    return {
      add: (n: number) => {
        counters.set(name, counters.get(name)! + n);
      },
      get value() {
        return counters.get(name)!;
      },
    };
  };
  const handler: StageHandler = await resolved.family.create({
    key: opts.key,
    argument: resolved.argument,
    stageIndex: 0,
    shard: 0,
    slotBytes,
    dryRun: opts.dryRun ?? false,
    env: Object.freeze({ ...(opts.env ?? {}) }),
    flags: Object.freeze({ ...(opts.flags ?? {}) }),
    counter,
  });
  const result: StageRunResult = { records: [], text: [], dropped: [], counters: {} };
  const size = Math.max(1, Math.floor(opts.batchSize ?? opts.records.length));
  for (let first = 0; first < opts.records.length; first += size) {
    const batch = new BufferRecordBatch(opts.records.slice(first, first + size), { slotBytes, firstSeq: first });
    await handler.onBatch(batch);
    for (let i = 0; i < batch.count; i++) {
      if (batch.live(i)) result.records.push(batch.record(i));
      else result.dropped.push(first + i);
    }
  }
  await handler.close?.();
  const dec = new TextDecoder();
  result.text = result.records.map((r) => dec.decode(r));
  result.counters = Object.fromEntries(counters);
  return result;
}

// ------------------------------------------------------------------------------------------
// A whole plugin through `byteor run --sp`

export interface PluginRunOptions {
  /** `--plugin=` value(s): a path (absolute, or relative to `cwd`), an installed package name, a built-in name */
  plugin: string | string[];
  /** the stage keys of a generated one-shard SingleRing spec (each depending on the previous) */
  stages?: string[];
  /** or the spec.kv text itself */
  spec?: string;
  /** input records (lines) */
  records: ReadonlyArray<string>;
  /** slot_bytes of the generated spec; default 256 */
  slotBytes?: number;
  /** more `run` flags, e.g. `{ 'geo-note': 'drill' }` → `--geo-note=drill` (true → `--flag`) */
  flags?: Record<string, string | boolean>;
  /** where package names are resolved from (node_modules walking up); default process.cwd() */
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** milliseconds before the run is killed; default 60000 */
  timeoutMs?: number;
}

export interface PluginRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** the output records (lines) */
  output: string[];
  /** the final state document (`run --state-out`), null when the run wrote none */
  state: { sections: Record<string, unknown>; [field: string]: unknown } | null;
  /** the plugins' snapshot sections of the final state ({} when none) */
  sections: Record<string, unknown>;
}

/** Flags of this byteor's own CLI process: the sources under tsx in byteor's checkout, else the built package. */
function cliCommand(): { cmd: string; args: string[] } {
  const main = fileURLToPath(ownModuleUrl('kernel/main'));
  if (IS_DENO)
    return {
      cmd: (globalThis as unknown as { Deno: { execPath(): string } }).Deno.execPath(),
      args: ['run', '-A', main],
    };
  return {
    cmd: process.execPath,
    args: FROM_SOURCE ? ['--conditions=source', `--import=${import.meta.resolve('tsx')}`, main] : [main],
  };
}

function generatedSpec(stages: string[], slotBytes: number): string {
  const lines = [
    'spec.version=1',
    'spec.model=single_ring',
    'spec.name=byteor_testing',
    'single_ring.shards=1',
    'single_ring.ordering=strict',
    'single_ring.producer=single',
    'single_ring.scheduling=dedicated',
    `single_ring.slot_bytes=${slotBytes}`,
    'single_ring.wait=block',
  ];
  stages.forEach((k, i) => {
    lines.push(`single_ring.stages.${i}.key=${k}`);
    if (i > 0) lines.push(`single_ring.stages.${i}.depends_on.0=${i - 1}`);
  });
  return lines.join('\n') + '\n';
}

/**
 * Run `byteor run --sp` with the plugin over `records` in a temporary directory (removed after),
 * in a child process of this byteor's CLI: real stage workers, hooks and flags. Resolves with the
 * exit code, the output records and the final state document; a failed run is a result (look at
 * `exitCode` and `stderr`), not a throw.
 */
export async function runPlugin(opts: PluginRunOptions): Promise<PluginRunResult> {
  if (!opts.spec && !opts.stages?.length)
    throw KernelErrors.error(
      'BYTEOR_E_USAGE_BAD_FLAG',
      'runPlugin needs `stages` (stage keys) or `spec` (spec.kv text)',
    );
  const dir = mkdtempSync(join(tmpdir(), 'byteor-testing-'));
  try {
    const specPath = join(dir, 'spec.kv');
    const input = join(dir, 'input.txt');
    const output = join(dir, 'output.txt');
    const stateOut = join(dir, 'state.json');
    writeFileSync(specPath, opts.spec ?? generatedSpec(opts.stages!, opts.slotBytes ?? 256));
    writeFileSync(input, opts.records.map((r) => `${r}\n`).join(''));
    const plugins = (Array.isArray(opts.plugin) ? opts.plugin : [opts.plugin]).map((p) => `--plugin=${p}`);
    const flags = Object.entries(opts.flags ?? {})
      .filter(([, v]) => v !== false)
      .map(([k, v]) => (v === true ? `--${k}` : `--${k}=${v}`));
    const { cmd, args } = cliCommand();
    const argv = [
      ...args,
      'run',
      '--sp',
      `--spec=${specPath}`,
      `--input=${input}`,
      `--output=${output}`,
      `--state-out=${stateOut}`,
      ...plugins,
      ...flags,
    ];
    const child = spawn(cmd, argv, {
      cwd: opts.cwd ?? process.cwd(),
      env: { ...process.env, ...(opts.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    }).finally(() => clearTimeout(timer));
    const out = existsSync(output) ? readFileSync(output, 'utf8') : '';
    const state = existsSync(stateOut)
      ? (JSON.parse(readFileSync(stateOut, 'utf8')) as PluginRunResult['state'])
      : null;
    return {
      exitCode,
      stdout,
      stderr,
      output: out === '' ? [] : out.replace(/\n$/, '').split('\n'),
      state,
      sections: state?.sections ?? {},
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
