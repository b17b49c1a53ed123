/**
 * The machine half of the disclosure block: CPU model, the cores this process may use
 * (affinity respected, so `taskset` shows), Node and V8, kernel, governor, load, and the
 * machine class that perf_baseline.kv keys its thresholds by.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { BenchMachine } from './bench-report.ts';

/** CPUs this process may run on (sched_getaffinity through libuv). */
export function usableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function cpusAllowed(): string | null {
  const m = /^Cpus_allowed_list:\s*(.+)$/m.exec(readOr('/proc/self/status') ?? '');
  return m ? m[1]!.trim() : null;
}

/** Baseline class: architecture and usable cores, bucketed (2, 4, 8, 16, 32+). */
export function machineClass(arch = process.arch, cores = usableCores()): string {
  const bucket = cores <= 1 ? 1 : cores <= 2 ? 2 : cores <= 4 ? 4 : cores <= 8 ? 8 : cores <= 16 ? 16 : 32;
  return `${arch}_${bucket}c`;
}

const loads = (): [number, number, number] =>
  os.loadavg().map((x) => Math.round(x * 100) / 100) as [number, number, number];

export function describeMachine(loadStart: [number, number, number] = loads()): BenchMachine {
  const cpus = os.cpus();
  return {
    machine_class: machineClass(),
    cpu_model: (cpus[0]?.model ?? 'unknown').trim(),
    cores: usableCores(),
    logical_cpus: cpus.length,
    cpus_allowed: cpusAllowed(),
    governor: readOr('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor')?.trim() ?? null,
    arch: process.arch,
    platform: process.platform,
    kernel: os.release(),
    node: process.version,
    v8: process.versions.v8,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    load_avg_start: loadStart,
    load_avg_end: loads(),
  };
}

export { loads as loadAverage };
