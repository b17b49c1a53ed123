/**
 * Whole-process, fixed-work benches: one command copies a newline-delimited input file to an
 * output file (`byteor run --sp`, a Node streams script, `cat`), started as a fresh process
 * per repetition and timed from spawn to exit, as a user at a shell would see it. Used by
 * run_sp_file and its peers peer_node_streams and peer_cat (each in its own bench child).
 *
 * The input is FILE_COPY_RECORDS lines of FILE_COPY_LINE_BYTES bytes (newline included),
 * generated from the line index (the same bytes on every run and machine) in a private temp
 * directory, removed afterwards. One untimed run warms the page cache and the binary; then
 * FILE_COPY_RUNS timed runs, each output compared with the input byte for byte (a contender
 * that loses, adds or reorders a byte fails). The result is the median run: records/s = records
 * ÷ its wall time; CPU = the children's user + system time (Linux /proc), per record.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchDisclosure, BenchResult } from './bench-report.ts';
import { failedResult } from './measure.ts';

export const FILE_COPY_RECORDS = 1_000_000;
/** bytes per line, the newline included */
export const FILE_COPY_LINE_BYTES = 64;
export const FILE_COPY_RUNS = 5;
export const FILE_COPY_REFERENCE = 'run_sp_file';

/** One timed command: argv[0] is run with argv[1..]; `{in}` and `{out}` stand for the files. */
export interface FileCopyCommand {
  argv: string[];
  /** the command writes to its stdout, which goes to the output file (cat) */
  stdoutToOutput?: boolean;
  cwd?: string;
}

export interface FileCopyContender {
  name: string;
  kind: 'bench' | 'peer';
  summary: string;
  disclosure: Omit<BenchDisclosure, 'payload_bytes' | 'payload_shape' | 'batch' | 'wait_requested'> & { batch: number };
  command(): FileCopyCommand;
  notes?: string[];
}

/** Line i of the input: an 8-byte decimal key (`k` + 7 digits), lower-case letters, `\n`. */
export function writeFileCopyInput(path: string, records = FILE_COPY_RECORDS): void {
  const lines = 16_384;
  const block = Buffer.allocUnsafe(lines * FILE_COPY_LINE_BYTES);
  const fd = openSync(path, 'w');
  try {
    for (let first = 0; first < records; first += lines) {
      const n = Math.min(lines, records - first);
      for (let k = 0; k < n; k++) {
        const i = first + k;
        const o = k * FILE_COPY_LINE_BYTES;
        block.write(`k${String((i * 2654435761) % 10_000_000).padStart(7, '0')}`, o, 'latin1');
        for (let j = 8; j < FILE_COPY_LINE_BYTES - 1; j++) block[o + j] = 97 + ((i + j) % 26);
        block[o + FILE_COPY_LINE_BYTES - 1] = 10;
      }
      writeSync(fd, block, 0, n * FILE_COPY_LINE_BYTES);
    }
  } finally {
    closeSync(fd);
  }
}

/** Children's CPU so far in clock ticks (utime + stime of waited-for children), null off Linux. */
function childTicks(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 16 and 17 of stat (cutime, cstime) are 13 and 14 after the ")"
    return Number(f[13]) + Number(f[14]);
  } catch {
    return null;
  }
}
const TICK_NS = 1e9 / 100; // USER_HZ: 100 on Linux

interface Run {
  wallNs: number;
  cpuNs: number | null;
}

function runOnce(cmd: FileCopyCommand, input: string, output: string): Promise<Run> {
  const args = cmd.argv.map((a) => a.replaceAll('{in}', input).replaceAll('{out}', output));
  const outFd = cmd.stdoutToOutput ? openSync(output, 'w') : null;
  const ticks = childTicks();
  const t = process.hrtime.bigint();
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(args[0]!, args.slice(1), {
      cwd: cmd.cwd,
      stdio: ['ignore', outFd ?? 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallNs = Number(process.hrtime.bigint() - t);
      if (outFd !== null) closeSync(outFd);
      if (code !== 0) {
        reject(new Error(`${args.join(' ')} exited ${code ?? signal}: ${stderr.trim().slice(-400)}`));
        return;
      }
      const after = childTicks();
      resolve({ wallNs, cpuNs: ticks === null || after === null ? null : (after - ticks) * TICK_NS });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export async function measureFileCopy(c: FileCopyContender): Promise<BenchResult> {
  const disclosure: BenchDisclosure = {
    ...c.disclosure,
    wait_requested: null,
    payload_bytes: FILE_COPY_LINE_BYTES,
    payload_shape:
      `${FILE_COPY_RECORDS} lines of ${FILE_COPY_LINE_BYTES} B (newline included): 8-byte decimal key + ` +
      `lower-case letters, generated from the line index`,
  };
  const spec = {
    name: c.name,
    kind: c.kind,
    reference: c.kind === 'peer' ? FILE_COPY_REFERENCE : null,
    disclosure,
    notes: [...(c.notes ?? [])],
  };
  const dir = mkdtempSync(join(tmpdir(), `byteor-bench-${c.name}-`));
  try {
    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    writeFileCopyInput(input);
    const expected = readFileSync(input);
    const cmd = c.command();
    await runOnce(cmd, input, output); // warm-up: page cache, binary, compile cache
    const runs: Run[] = [];
    for (let i = 0; i < FILE_COPY_RUNS; i++) {
      rmSync(output, { force: true });
      runs.push(await runOnce(cmd, input, output));
      if (!readFileSync(output).equals(expected))
        throw new Error(`run ${i + 1}: the output file is not the input, byte for byte`);
    }
    const wallNs = median(runs.map((r) => r.wallNs));
    const cpu = runs.every((r) => r.cpuNs !== null) ? median(runs.map((r) => r.cpuNs!)) : null;
    const seconds = wallNs / 1e9;
    spec.notes.push(
      `whole process per run, spawn to exit (process start included); median of ${FILE_COPY_RUNS} runs after ` +
        `one warm-up: ${(wallNs / 1e6).toFixed(0)} ms per run (runs ` +
        `${runs.map((r) => (r.wallNs / 1e6).toFixed(0)).join(', ')} ms)`,
    );
    if (cpu === null) spec.notes.push('CPU not measured (no /proc/self/stat): cpu/rec shows 0');
    return {
      ...spec,
      ok: true,
      error: null,
      startup: null,
      steady: {
        records: FILE_COPY_RECORDS,
        seconds: Math.round(seconds * 1000) / 1000,
        records_per_s: Math.round(FILE_COPY_RECORDS / seconds),
        cpu_ns_per_record: cpu === null ? 0 : Math.round((cpu / FILE_COPY_RECORDS) * 10) / 10,
        cpu_cores: cpu === null ? 0 : Math.round((cpu / wallNs) * 100) / 100,
      },
      latency: null,
      gc: null,
      ratio: null,
    };
  } catch (e) {
    return failedResult(spec, e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
