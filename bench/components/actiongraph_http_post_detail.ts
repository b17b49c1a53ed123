/**
 * ActionGraph in detail, beside the suite's `actiongraph_http_post_dry_run`
 * (bench/benches/actiongraph_http_post_dry_run.ts, run by `npm run bench`): a SingleRing
 * `identity → http_post:<url>` pipeline run with `--dry-run` through the `run` verb, every side
 * effect recorded and none performed. Reported beside it, on the same machine and input:
 * - `identity_identity` — the same pipeline with `identity` in place of http_post (the ring's own
 *   cost: the dry-run overhead is the ratio);
 * - `actiongraph_http_post_live` — the same pipeline performing the POSTs (env dev) against a real
 *   node:http server in a child process, BYTEOR_ACTION_CONCURRENCY in flight per batch;
 * - the dry-run handler alone on batches of real ring slots (ns and heap bytes per record).
 *
 *   node --no-liftoff --conditions=source --import tsx bench/components/actiongraph_http_post_detail.ts [--records=N]
 *   [--live-records=N] [--rounds=N] [--json]
 *
 * Pipelines go through the real `run --sp` verb in this process (stage workers, ring, egress to
 * /dev/null); throughput is records_in / elapsed_ms of the run summary, median of the rounds,
 * pipelines alternating. The dry run is also checked to have sent nothing (the target counts).
 * `benchActiongraphHttpPostDetail()` returns the results as data.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../kernel/cli.ts';
import type { RunSummary, StageFamily } from '../../kernel/plugin-api.ts';
import { httpPostFamily } from '../../plugins/actiongraph/http-post.ts';
import { SabRecordBatch, stageContext } from '../../test/actiongraph/record-batch.ts';

export interface ActiongraphBenchResult {
  name: string;
  records: number;
  records_per_s: number;
  ns_per_record: number;
  /** heap bytes per record (handler only, GC-free window); null for pipelines */
  alloc_bytes_per_record: number | null;
  rounds: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const SERVER = `
const http = require('node:http'); let n = 0;
const s = http.createServer((req, res) => { req.on('data', () => {}); req.on('end', () => { n++; res.end('ok'); }); });
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
process.on('message', () => process.send(n));
`;

async function startTarget(): Promise<{ url: string; count(): Promise<number>; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return {
    url: `http://127.0.0.1:${port}/hook`,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (n) => resolve(Number(n)));
        child.send('count');
      }),
    stop: () => child.kill(),
  };
}

async function runPipeline(
  dir: string,
  name: string,
  stageKey: string,
  input: string,
  args: string[],
  env: Record<string, string>,
): Promise<RunSummary> {
  const spec = join(dir, `${name}.kv`);
  writeFileSync(
    spec,
    [
      'spec.version=1',
      'spec.model=single_ring',
      `spec.name=${name}`,
      'single_ring.capacity=1024',
      'single_ring.slot_bytes=256',
      'single_ring.wait=backoff',
      'single_ring.stages.0.key=identity',
      `single_ring.stages.1.key=${stageKey}`,
      'single_ring.stages.1.depends_on.0=0',
      '',
    ].join('\n'),
  );
  let out = '';
  let err = '';
  const code = await main(
    ['run', '--sp', `--spec=${spec}`, `--input=${input}`, '--output=/dev/null', '--json', ...args],
    {
      io: {
        out: (t) => {
          out += t;
        },
        err: (t) => {
          err += t;
        },
        tty: false,
        color: false,
      },
      env: { ...process.env, ...env },
      preload: ['actiongraph'],
    },
  );
  if (code !== 0) throw new Error(`${name} exited ${code}: ${err}`);
  return JSON.parse(out) as RunSummary;
}

/** The dry-run handler alone: batches of 256 real slots, median ns/record, heap bytes/record. */
function handlerOnly(records: number, rounds: number): ActiongraphBenchResult {
  const family: StageFamily = httpPostFamily;
  const ctx = stageContext('http_post:http://127.0.0.1:9/hook', { prefix: 'http_post:', dryRun: true });
  const handler = family.create(ctx) as { onBatch(b: SabRecordBatch): void };
  const batches = Array.from(
    { length: Math.ceil(records / 256) },
    (_, b) =>
      new SabRecordBatch(
        Array.from(
          { length: Math.min(256, records - b * 256) },
          (_, i) => `{"order":${b * 256 + i},"amount":${i}.25,"pad":"xxxxxxxxxxxxxxxx"}`,
        ),
        { firstSeq: b * 256 },
      ),
  );
  const per: number[] = [];
  let alloc = Infinity;
  for (let r = 0; r < rounds; r++) {
    const h0 = process.memoryUsage().heapUsed;
    const t0 = process.hrtime.bigint();
    for (const b of batches) handler.onBatch(b);
    const ns = Number(process.hrtime.bigint() - t0);
    const grew = process.memoryUsage().heapUsed - h0;
    if (grew >= 0) alloc = Math.min(alloc, grew / records);
    per.push(ns / records);
  }
  const ns = median(per);
  return {
    name: 'actiongraph_http_post_dry_run_handler',
    records,
    records_per_s: Math.round(1e9 / ns),
    ns_per_record: Math.round(ns * 10) / 10,
    alloc_bytes_per_record: Number.isFinite(alloc) ? Math.round(alloc * 100) / 100 : null,
    rounds,
  };
}

export async function benchActiongraphHttpPostDetail(
  opts: { records?: number; liveRecords?: number; rounds?: number } = {},
): Promise<ActiongraphBenchResult[]> {
  const records = opts.records ?? 100_000;
  const liveRecords = opts.liveRecords ?? 2_000;
  const rounds = opts.rounds ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'byteor-bench-ag-'));
  const target = await startTarget();
  try {
    const line = (i: number) => `{"order":${i},"amount":${i % 1000}.25,"pad":"xxxxxxxxxxxxxxxx"}\n`;
    const input = join(dir, 'records.txt');
    writeFileSync(input, Array.from({ length: records }, (_, i) => line(i)).join(''));
    const liveInput = join(dir, 'live.txt');
    writeFileSync(liveInput, Array.from({ length: liveRecords }, (_, i) => line(i)).join(''));
    const dry: number[] = [];
    const base: number[] = [];
    const live: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const d = await runPipeline(dir, 'dry', `http_post:${target.url}`, input, ['--dry-run', '--env=prod'], {});
      const recorded = d.counters.find((c) => c.key.startsWith('http_post:'))!.values.dry_run;
      if (recorded !== records || d.records_out !== records)
        throw new Error(`dry run recorded ${recorded} of ${records}`);
      dry.push(d.records_in / (d.elapsed_ms / 1000));
      const b = await runPipeline(dir, 'base', 'identity', input, [], {});
      base.push(b.records_in / (b.elapsed_ms / 1000));
      const l = await runPipeline(dir, 'live', `http_post:${target.url}`, liveInput, ['--env=dev'], {});
      live.push(l.records_in / (l.elapsed_ms / 1000));
    }
    const sent = await target.count();
    if (sent !== rounds * liveRecords)
      throw new Error(
        `the target saw ${sent} POSTs, expected ${rounds * liveRecords} (live runs only: a dry run sends nothing)`,
      );
    const res = (name: string, n: number, xs: number[]): ActiongraphBenchResult => {
      const rps = median(xs);
      return {
        name,
        records: n,
        records_per_s: Math.round(rps),
        ns_per_record: Math.round(1e9 / rps),
        alloc_bytes_per_record: null,
        rounds,
      };
    };
    return [
      res('actiongraph_http_post_dry_run', records, dry),
      res('identity_identity', records, base),
      res('actiongraph_http_post_live', liveRecords, live),
      handlerOnly(Math.min(records, 262_144), Math.max(5, rounds)),
    ];
  } finally {
    target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const num = (name: string) => {
    const v = process.argv.find((a) => a.startsWith(`--${name}=`));
    return v ? Number(v.split('=')[1]) : undefined;
  };
  const results = await benchActiongraphHttpPostDetail({
    records: num('records'),
    liveRecords: num('live-records'),
    rounds: num('rounds'),
  });
  if (process.argv.includes('--json'))
    console.log(
      JSON.stringify(
        { machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version }, results },
        null,
        2,
      ),
    );
  else {
    console.log(
      `actiongraph benches — ${cpus().length} cores (${cpus()[0]?.model}), Node ${process.version}, wait ` +
        `backoff, 2 stage threads + main`,
    );
    for (const r of results) {
      console.log(
        `  ${r.name.padEnd(40)} ${String(r.records_per_s).padStart(10)} records/s  ` +
          `${String(r.ns_per_record).padStart(8)} ns/record` +
          `${r.alloc_bytes_per_record !== null ? `  ${r.alloc_bytes_per_record} heap B/record` : ''}  (${r.records}` +
          ` records, median of ${r.rounds})`,
      );
    }
    const dry = results[0]!.records_per_s;
    const base = results[1]!.records_per_s;
    console.log(`  dry-run http_post vs identity: ${(dry / base).toFixed(2)}x`);
  }
}
