import type { TopFrame, TopRow } from './top-frame.ts';

/**
 * The text of one `top` frame for a screen of `cols` × `rows` characters (no escape codes: the
 * terminal loop adds them). Every line fits the width (cut, never wrapped); the worker table gets
 * the lines the header, the adapters and the footer leave, and says how many rows it left out.
 * 80×24 shows the header, ten workers and the adapters of an EdgePlane run.
 */
export interface ScreenSize {
  cols: number;
  rows: number;
}

const num = (n: number) => n.toLocaleString('en-US');
const rate = (r: number | null) =>
  r === null ? '-' : r >= 10_000 ? `${(r / 1000).toFixed(0)}k` : r.toFixed(r < 10 ? 1 : 0);
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;

function cut(line: string, cols: number): string {
  return line.length <= cols ? line : `${line.slice(0, Math.max(0, cols - 1))}…`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function counters(r: TopRow): string {
  return Object.entries(r.counters)
    .map(([k, v]) => `${k}=${num(v)}`)
    .join(' ');
}

function workerLine(r: TopRow, nameWidth: number): string {
  const name = r.name.length > nameWidth ? `${r.name.slice(0, nameWidth - 1)}…` : r.name.padEnd(nameWidth);
  const shard = r.shard === null ? '-' : String(r.shard);
  return (
    `${name} ${shard.padStart(5)} ${rate(r.records_per_s).padStart(8)} ` +
    `${(r.sequence === null ? '-' : num(r.sequence)).padStart(12)} ${num(r.lag).padStart(9)} ` +
    `${r.stalled ? 'STALL' : '     '} ${num(r.dropped).padStart(7)}  ${counters(r)}`
  );
}

export function renderFrame(f: TopFrame, size: ScreenSize, clock: string): string[] {
  const cols = Math.max(20, size.cols);
  const height = Math.max(8, size.rows);
  const head: string[] = [];
  head.push(
    `byteor top - ${f.spec_name} (${f.spec_hash.slice(0, 19)}) ${f.model} - ${f.state} - pid ${f.pid} - up ` +
      `${duration(f.uptime_ms)}`,
  );
  if (!f.alive)
    head.push(
      `DEAD: no live runtime (${f.live_error ?? 'no answer'}); state file of ` +
        `${new Date(f.captured_unix_ms).toISOString()}`,
    );
  const proc = f.process
    ? `cpu ${f.process.cpu_percent === null ? '-' : `${f.process.cpu_percent.toFixed(1)}%`} rss ` +
      `${mib(f.process.rss_bytes)}`
    : 'cpu - rss -';
  head.push(
    `in ${num(f.records.in)} (${rate(f.rates.in_per_s)}/s) out ${num(f.records.out)} (${rate(f.rates.out_per_s)}` +
      `/s) dropped ${num(f.records.dropped)} refused ${num(f.records.refused)} ${proc}`,
  );
  if (f.error) head.push(`error: [${f.error.code}] ${f.error.message}`);

  const adapters: string[] = [];
  if (f.adapters.length > 0) {
    adapters.push(
      `${'ADAPTER'.padEnd(14)} ${'TRANSPORT'.padEnd(10)} ${'STATE'.padEnd(12)} ${'MESSAGES'.padStart(9)} ` +
        `${'LAG'.padStart(12)}  FAILURES`,
    );
    for (const a of f.adapters) {
      const last = a.recent_failures.at(-1);
      adapters.push(
        `${`${a.role} ${a.kind}`.padEnd(14)} ${a.transport.padEnd(10)} ${a.connection_state.padEnd(12)} ` +
          `${num(a.message_count).padStart(9)} ${(a.lag ? `${num(a.lag.value)} ${a.lag.unit}` : '-').padStart(12)}` +
          `  ${a.recent_failures.length}${last ? ` ${last.message}` : ''}`,
      );
    }
  }

  const nameWidth = 22;
  const tableHead =
    `${(f.model === 'single_ring' ? 'STAGE' : 'ROLE').padEnd(nameWidth)} ${'SHARD'.padStart(5)} ` +
    `${'REC/S'.padStart(8)} ${'CURSOR'.padStart(12)} ${'LAG'.padStart(9)} ${''.padEnd(5)} ${'DROPS'.padStart(7)}  ` +
    `COUNTERS`;
  const footer = `q quit - sorted by lag - ${clock}`;
  // head, blank, table head, rows..., [blank, adapters...], footer
  const fixed = head.length + 2 + (adapters.length ? adapters.length + 1 : 0) + 1;
  let room = Math.max(1, height - fixed);
  const shown = f.rows.length <= room ? f.rows : f.rows.slice(0, room - 1);
  room -= shown.length;
  const lines = [...head, '', tableHead, ...shown.map((r) => workerLine(r, nameWidth))];
  if (shown.length < f.rows.length) lines.push(`... ${f.rows.length - shown.length} more (smaller lag)`);
  if (adapters.length) lines.push('', ...adapters);
  lines.push(footer);
  return lines.slice(0, height).map((l) => cut(l, cols));
}
