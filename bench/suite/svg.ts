/**
 * `--svg=FILE`: a hand-written SVG of a bench report. Two panels, one row per bench and peer
 * (peers under the bench they are compared with): steady throughput as bars on a log scale,
 * and paced latency as a range from p50 to p99.9 with p99 and max marked, on a log scale.
 */
import type { BenchReport, BenchResult } from './bench-report.ts';
import { micros, rate } from './table.ts';

const W = 1040;
const LABEL = 250;
const PLOT = 600;
const ROW = 22;
const BENCH_COLOR = '#2b6cb0';
const PEER_COLOR = '#dd6b20';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Decades covering the positive values (at least [10^floor, 10^(floor+1)]) for a log axis. */
function decades(values: readonly number[], floor: number): [number, number] {
  const pos = values.filter((v) => v > 0);
  const lo = pos.length ? Math.min(...pos) : 10 ** floor;
  const hi = pos.length ? Math.max(...pos) : 10 ** (floor + 1);
  const a = Math.max(floor, Math.floor(Math.log10(lo)));
  const b = Math.max(a + 1, Math.ceil(Math.log10(hi)));
  return [a, b];
}

function ordered(report: BenchReport): BenchResult[] {
  const out: BenchResult[] = [];
  const benches = report.results.filter((r) => r.kind === 'bench');
  for (const b of benches) {
    out.push(b);
    out.push(...report.results.filter((r) => r.kind === 'peer' && r.reference === b.name));
  }
  out.push(...report.results.filter((r) => r.kind === 'peer' && !benches.some((b) => b.name === r.reference)));
  return out;
}

function axis(
  y0: number,
  height: number,
  lo: number,
  hi: number,
  fmt: (v: number) => string,
): { x: (v: number) => number; svg: string } {
  const x = (v: number) => LABEL + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * PLOT;
  let svg = '';
  for (let e = lo; e <= hi; e++) {
    const xx = x(10 ** e).toFixed(1);
    svg += `<line x1="${xx}" y1="${y0}" x2="${xx}" y2="${y0 + height}" stroke="#ddd"/>`;
    svg +=
      `<text x="${xx}" y="${y0 + height + 14}" font-size="10" text-anchor="middle" fill="#555">` +
      `${escapeXml(fmt(10 ** e))}</text>`;
  }
  return { x, svg };
}

export function renderSvg(report: BenchReport): string {
  const rows = ordered(report);
  const ok = rows.filter((r) => r.ok && r.steady && r.latency);
  const panelH = Math.max(1, rows.length) * ROW;
  const top1 = 70;
  const top2 = top1 + panelH + 60;
  const H = top2 + panelH + 60;
  const m = report.machine;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `font-family="sans-serif">`,
  );
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(
    `<text x="10" y="20" font-size="14" font-weight="bold">` +
      `${escapeXml(`byteor-ts bench — ${m.cpu_model}, ${m.cores} cores (${m.machine_class}), Node ${m.node}`)}` +
      `</text>`,
  );
  parts.push(
    `<text x="10" y="38" font-size="11" fill="#444">` +
      (`${escapeXml(`load ${m.load_avg_start.join(' ')} → ${m.load_avg_end.join(' ')}; batch ${report.options.batch}; ${report.options.duration_s} s per phase; latency paced at ${report.options.load} x steady throughput (coordinated omission corrected)`)}` +
        `</text>`),
  );
  parts.push(
    `<rect x="${W - 230}" y="8" width="10" height="10" fill="${BENCH_COLOR}"/><text x="${W - 215}" y="17" ` +
      `font-size="11">ByteOr bench</text>`,
  );
  parts.push(
    `<rect x="${W - 130}" y="8" width="10" height="10" fill="${PEER_COLOR}"/><text x="${W - 115}" y="17" ` +
      `font-size="11">peer</text>`,
  );

  // throughput panel
  const [tlo, thi] = decades(
    ok.map((r) => r.steady!.records_per_s),
    0,
  );
  parts.push(
    `<text x="10" y="${top1 - 10}" font-size="13" font-weight="bold">Steady throughput (records/s, log scale)</text>`,
  );
  const ta = axis(top1, panelH, tlo, thi, rate);
  parts.push(ta.svg);
  rows.forEach((r, i) => {
    const y = top1 + i * ROW;
    const color = r.kind === 'peer' ? PEER_COLOR : BENCH_COLOR;
    parts.push(`<text x="${r.kind === 'peer' ? 22 : 10}" y="${y + 15}" font-size="11">${escapeXml(r.name)}</text>`);
    if (!r.ok || !r.steady) {
      parts.push(`<text x="${LABEL + 4}" y="${y + 15}" font-size="11" fill="#a00">failed</text>`);
      return;
    }
    const x1 = ta.x(r.steady.records_per_s);
    parts.push(
      `<rect x="${LABEL}" y="${y + 4}" width="${Math.max(1, x1 - LABEL).toFixed(1)}" height="${ROW - 8}" fill="` +
        `${color}"/>`,
    );
    const ratio = r.ratio?.throughput != null ? ` (ours ${r.ratio.throughput}x)` : '';
    parts.push(
      `<text x="${(x1 + 4).toFixed(1)}" y="${y + 15}" font-size="10">` +
        `${escapeXml(`${rate(r.steady.records_per_s)}${ratio}`)}</text>`,
    );
  });

  // latency panel
  const [llo, lhi] = decades(
    ok.flatMap((r) => [r.latency!.p50_us, r.latency!.max_us]),
    -1,
  );
  parts.push(
    `<text x="10" y="${top2 - 10}" font-size="13" font-weight="bold">Latency (µs, log scale): bar p50 → p99.9, ` +
      `◆ p99, × max</text>`,
  );
  const la = axis(top2, panelH, llo, lhi, micros);
  parts.push(la.svg);
  rows.forEach((r, i) => {
    const y = top2 + i * ROW;
    const color = r.kind === 'peer' ? PEER_COLOR : BENCH_COLOR;
    parts.push(`<text x="${r.kind === 'peer' ? 22 : 10}" y="${y + 15}" font-size="11">${escapeXml(r.name)}</text>`);
    if (r.ok && r.steady && !r.latency) {
      parts.push(
        `<text x="${LABEL + 4}" y="${y + 15}" font-size="11" fill="#555">whole process: no latency phase</text>`,
      );
      return;
    }
    if (!r.ok || !r.latency) {
      parts.push(`<text x="${LABEL + 4}" y="${y + 15}" font-size="11" fill="#a00">failed</text>`);
      return;
    }
    const l = r.latency;
    const a = la.x(l.p50_us);
    const b = la.x(l.p999_us);
    const c = la.x(l.p99_us);
    const mx = la.x(l.max_us);
    const cy = y + ROW / 2;
    parts.push(
      `<rect x="${a.toFixed(1)}" y="${y + 6}" width="${Math.max(2, b - a).toFixed(1)}" height="${ROW - 12}" ` +
        `fill="${color}" opacity="0.6"/>`,
    );
    parts.push(`<path d="M${c.toFixed(1)} ${cy - 6} l6 6 l-6 6 l-6 -6 z" fill="${color}"/>`);
    parts.push(
      `<path d="M${(mx - 4).toFixed(1)} ${cy - 4} l8 8 M${(mx + 4).toFixed(1)} ${cy - 4} l-8 8" stroke="#333" ` +
        `stroke-width="1.5"/>`,
    );
    parts.push(
      `<text x="${(Math.max(mx, b) + 8).toFixed(1)}" y="${y + 15}" font-size="10">` +
        `${escapeXml(`p50 ${micros(l.p50_us)} · p99 ${micros(l.p99_us)}`)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
