/**
 * The bench suite's machinery on a tiny duration: flags, topology sizing, one bench and one peer
 * through real child processes (report shape, ratios, per-thread GC from the preloaded probe),
 * the table, the SVG, the report round trip, and perf_baseline.kv parsing, comparison and update.
 * Timings are never asserted; only shapes, accounting and rules.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchReport, type BenchResult } from '../../bench/suite/bench-report.ts';
import { stableJson } from '../../kernel/artifacts/json.ts';
import { isByteorError } from '../../kernel/errors.ts';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { loadSpecText } from '../../kernel/spec/load.ts';
import { runSuite } from '../../bench/run.ts';
import { parseBenchArgs, type SuiteOptions } from '../../bench/suite/options.ts';
import {
  ALL_NAMES,
  BATCH1_PEER_NAMES,
  BENCH_NAMES,
  FILE_PEER_NAMES,
  MICRO_NAMES,
  PEER_NAMES,
  expandNames,
  referenceOf,
} from '../../bench/suite/registry.ts';
import { chainStages, chooseWait, dagShape, shardedShape, chainDeps } from '../../bench/suite/topology.ts';
import { singleRingSpecText } from '../../bench/suite/single-ring-contender.ts';
import { withRatios } from '../../bench/suite/ratios.ts';
import { renderTable } from '../../bench/suite/table.ts';
import { renderSvg } from '../../bench/suite/svg.ts';
import { compare, derive, parseBaseline, round2, updateBaselineText } from '../../bench/suite/baseline.ts';
import { machineClass } from '../../bench/suite/machine.ts';
import { microMaxTime } from '../../bench/suite/micro-time.ts';
import specCodec from '../../bench/micro/spec_codec.ts';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isByteorError(e) ? `${e.code}/${e.exitCode}` : `not a ByteorError: ${String(e)}`;
  }
  return 'no error';
}

/** Every tag opened is closed in order, attributes are quoted, nothing but whitespace outside the root. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    const between = xml.slice(last, m.index);
    assert.not.ok(/[<>]/.test(between), `stray markup before offset ${m.index}: ${between.slice(0, 40)}`);
    assert.not.ok(/&(?!amp;|lt;|gt;|quot;|apos;|#\d+;)/.test(between), `unescaped & before offset ${m.index}`);
    if (stack.length === 0 && last > 0) assert.is(between.trim(), '', 'text after the root element');
    last = re.lastIndex;
    if (m[0].startsWith('<!--') || m[0].startsWith('<?')) continue;
    if (m[1]) assert.is(stack.pop(), m[2], `</${m[2]}> closes the wrong element`);
    else if (!m[4]) stack.push(m[2]!);
  }
  assert.equal(stack, [], 'unclosed elements');
  assert.is(xml.slice(last).trim(), '');
}

const base: SuiteOptions = {
  names: [],
  machine: false,
  durationS: 0.1,
  stages: null,
  shards: null,
  wait: null,
  payload: 64,
  batch: 64,
  load: 0.5,
  svg: null,
};

test('flags: defaults, names, expansion and bad values with stable codes', () => {
  const o = parseBenchArgs([]);
  assert.equal(o.names, [...ALL_NAMES]);
  assert.is(o.durationS, 4);
  assert.is(o.batch, 256);
  assert.is(o.payload, 64);
  assert.is(o.wait, null);
  assert.equal(parseBenchArgs(['peer_piscina']).names, ['single_ring_chain', ...PEER_NAMES]);
  assert.equal(parseBenchArgs(['single_ring_dag', '--no-peers']).names, ['single_ring_dag']);
  assert.equal(parseBenchArgs(['single_ring_chain', '--no-peers']).names, ['single_ring_chain']);
  assert.equal(expandNames(['micro_validation']), ['micro_validation']);
  const p = parseBenchArgs([
    '--machine',
    '--duration=0.5',
    '--stages=3',
    '--wait=block',
    '--payload=128',
    '--batch=16',
    '--svg=x.svg',
  ]);
  assert.equal(
    [p.machine, p.durationS, p.stages, p.wait, p.payload, p.batch, p.svg],
    [true, 0.5, 3, 'block', 128, 16, 'x.svg'],
  );
  assert.is(
    codeOf(() => parseBenchArgs(['--stages=9'])),
    'BYTEOR_E_BENCH_USAGE/2',
  );
  assert.is(
    codeOf(() => parseBenchArgs(['--wait=sleep'])),
    'BYTEOR_E_BENCH_USAGE/2',
  );
  assert.is(
    codeOf(() => parseBenchArgs(['--bogus'])),
    'BYTEOR_E_BENCH_USAGE/2',
  );
  assert.is(
    codeOf(() => parseBenchArgs(['--duration=0'])),
    'BYTEOR_E_BENCH_USAGE/2',
  );
  assert.is(
    codeOf(() => parseBenchArgs(['single_ring_nope'])),
    'BYTEOR_E_BENCH_UNKNOWN_NAME/2',
  );
  assert.equal(
    [...BENCH_NAMES],
    [
      'single_ring_chain',
      'single_ring_chain_b1',
      'single_ring_dag',
      'single_ring_sharded',
      'edgeplane_identity_stage',
      'actiongraph_http_post_dry_run',
      'dataguard_chain_mapkv',
      'dataguard_fused_mapkv',
      'run_sp_file',
    ],
  );
  // the file peers come with run_sp_file and bring it; --no-peers drops both peer sets
  assert.equal(parseBenchArgs(['peer_cat']).names, ['run_sp_file', ...FILE_PEER_NAMES]);
  assert.equal(parseBenchArgs(['run_sp_file']).names, ['run_sp_file', 'peer_node_streams', 'peer_cat']);
  assert.equal(parseBenchArgs(['run_sp_file', 'single_ring_chain', '--no-peers']).names, [
    'single_ring_chain',
    'run_sp_file',
  ]);
  assert.is(referenceOf('peer_node_streams'), 'run_sp_file');
  assert.is(referenceOf('peer_piscina'), 'single_ring_chain');
  assert.is(referenceOf('run_sp_file'), null);
  // one record per publish: the batch-1 chain and its peers bring each other, right after the chain's set
  assert.equal(parseBenchArgs(['peer_message_port_b1']).names, ['single_ring_chain_b1', ...BATCH1_PEER_NAMES]);
  assert.equal(parseBenchArgs(['single_ring_chain_b1', '--no-peers']).names, ['single_ring_chain_b1']);
  assert.is(referenceOf('peer_js_sab_ring_b1'), 'single_ring_chain_b1');
  const all = parseBenchArgs([]).names;
  assert.is(all.indexOf('single_ring_chain_b1'), all.indexOf(PEER_NAMES[PEER_NAMES.length - 1]) + 1);
});

test('topology: sized by cores, never spinning more busy threads than cores', async () => {
  assert.equal(chooseWait(null, 2, 2), { wait: 'spin', requested: null, note: null });
  assert.is(chooseWait(null, 3, 2).wait, 'block');
  const lowered = chooseWait('spin', 5, 4);
  assert.equal([lowered.wait, lowered.requested], ['block', 'spin']);
  assert.is(chooseWait('backoff', 9, 2).wait, 'backoff', 'an asked-for backoff is kept');
  assert.is(chooseWait('spin', 4, 4).wait, 'spin');
  assert.is(chooseWait('block', 9, 2).wait, 'block');
  assert.is(chainStages({ stages: null }, 2), 2);
  assert.is(chainStages({ stages: null }, 4), 3);
  assert.is(chainStages({ stages: null }, 64), 4);
  assert.is(chainStages({ stages: 1 }, 64), 1);
  assert.equal(shardedShape({ stages: null, shards: null }, 2), { shards: 2, stages: 1 });
  assert.equal(shardedShape({ stages: null, shards: null }, 32), { shards: 8, stages: 1 });
  assert.is(dagShape({ stages: null }, 2).deps.length, 3);
  assert.is(dagShape({ stages: null }, 8).deps.length, 4);
  assert.ok(dagShape({ stages: 2 }, 8).note);
  assert.is(machineClass('x64', 2), 'x64_2c');
  assert.is(machineClass('arm64', 12), 'arm64_16c');
  assert.ok(microMaxTime(4) > 0 && microMaxTime(1000) <= 2);

  // every shape the benches generate is a valid v1 spec
  const kernel = new Kernel();
  await loadPlugins(kernel, ['core-stages']);
  const shapes = [dagShape({ stages: 3 }, 2).deps, dagShape({ stages: 4 }, 8).deps, chainDeps(1), chainDeps(4)];
  for (const deps of shapes) {
    await loadSpecText(
      singleRingSpecText({
        name: 't',
        stages: deps.map((d) => ({ key: 'identity', deps: d })),
        shards: 1,
        capacity: 4096,
        slotBytes: 64,
        wait: 'backoff',
      }),
      kernel,
    );
  }
  await loadSpecText(
    singleRingSpecText({
      name: 't',
      stages: [{ key: 'identity', deps: [] }],
      shards: 3,
      capacity: 1024,
      slotBytes: 64,
      wait: 'block',
      shardKey: 'prefix:8',
    }),
    kernel,
  );
});

test(
  'suite: a bench and a peer in child processes, with ratios, per-thread GC, table, SVG and a report that ' +
    'round-trips',
  async () => {
    const lines: string[] = [];
    const report = await runSuite({ ...base, names: ['single_ring_chain', 'peer_js_sab_ring'] }, (l) => lines.push(l));
    assert.ok(
      lines.some((l) => l.includes('single_ring_chain: done')),
      lines.join('\n'),
    );
    const [ours, peer] = report.results as [BenchResult, BenchResult];
    for (const r of [ours, peer]) {
      assert.ok(r.ok, `${r.name}: ${r.error}`);
      assert.ok(r.steady!.records > 0 && r.steady!.records_per_s > 0);
      assert.ok(r.startup!.ready_ms > 0 && r.startup!.records_per_s > 0);
      assert.ok(r.latency!.records > 0 && r.latency!.co_corrected);
      assert.ok(
        r.latency!.p50_us <= r.latency!.p99_us &&
          r.latency!.p99_us <= r.latency!.p999_us &&
          r.latency!.p999_us <= r.latency!.max_us,
      );
      assert.is(r.disclosure.payload_bytes, 64);
      assert.is(r.disclosure.batch, 64);
      assert.ok(r.disclosure.threads <= 1 + r.disclosure.stages * r.disclosure.shards);
      // 2 cores: the default chain (2 stages + main) must not spin
      if (report.machine.cores <= 2) assert.is.not(r.disclosure.wait, 'spin');
      // the probe reported every stage thread, with numbers
      assert.ok(r.gc!.threads.some((t) => t.role === 'main' && t.minor !== null));
    }
    assert.ok(
      ours.gc!.threads.some((t) => t.role.startsWith('stage 0 (identity)') && t.minor !== null),
      JSON.stringify(ours.gc),
    );
    assert.ok(ours.gc!.threads.some((t) => t.role.startsWith('stage 1 (identity)') && t.minor !== null));
    assert.ok(peer.gc!.threads.some((t) => t.role === 'js ring stage 0' && t.minor !== null));
    assert.is(ours.ratio, null);
    assert.is(peer.reference, 'single_ring_chain');
    assert.ok(peer.ratio!.throughput! > 0 && peer.ratio!.p99! > 0);
    assert.ok(Math.abs(peer.ratio!.throughput! - ours.steady!.records_per_s / peer.steady!.records_per_s) < 0.01);

    assert.is(report.machine.cores >= 1, true);
    assert.ok(report.machine.cpu_model.length > 0 && report.machine.node === process.version);
    const again = BenchReport.parse(JSON.parse(stableJson(report)));
    assert.equal(again, report);
    assert.is(stableJson(again), stableJson(report));

    const table = renderTable(report);
    assert.ok(table.includes('single_ring_chain') && table.includes('  peer_js_sab_ring') && table.includes('x thr'));
    assert.ok(table.includes(report.machine.cpu_model) && table.includes('boundary:'));
    const svg = renderSvg(report);
    assertWellFormedXml(svg);
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"') && svg.includes('peer_js_sab_ring'));
  },
);

test('suite: the batch-1 chain and its JS-ring peer run at one record per publish, under their own names', async () => {
  const report = await runSuite({ ...base, names: ['single_ring_chain_b1', 'peer_js_sab_ring_b1'] }, () => {});
  const [ours, peer] = report.results as [BenchResult, BenchResult];
  assert.is(ours.name, 'single_ring_chain_b1');
  assert.is(peer.name, 'peer_js_sab_ring_b1');
  for (const r of [ours, peer]) {
    assert.ok(r.ok, `${r.name}: ${r.error}`);
    assert.is(r.disclosure.batch, 1);
    assert.ok(r.steady!.records > 0);
  }
  assert.is(ours.kind, 'bench');
  assert.is(ours.reference, null);
  assert.is(peer.kind, 'peer');
  assert.is(peer.reference, 'single_ring_chain_b1');
  assert.ok(Math.abs(peer.ratio!.throughput! - ours.steady!.records_per_s / peer.steady!.records_per_s) < 0.01);
});

test('micro-benchmarks: a suite yields cases with rates', async () => {
  const r = await specCodec.run({ maxTimeS: 0.02 });
  assert.ok(r.ok, r.error ?? '');
  assert.ok(r.cases.length >= 4);
  for (const c of r.cases) assert.ok(c.ops_per_s > 0 && c.mean_ns > 0 && c.samples >= 5, c.case);
  assert.equal([...MICRO_NAMES], ['micro_spec_codec', 'micro_validation', 'micro_msgpackr_slot', 'micro_startup']);
});

test('ratios: ours ÷ peer throughput, peer ÷ ours p99, null when a side failed', () => {
  const mk = (name: string, kind: 'bench' | 'peer', rps: number, p99: number, ok = true): BenchResult => ({
    name,
    kind,
    reference: kind === 'peer' ? 'single_ring_chain' : null,
    ok,
    error: ok ? null : 'x',
    disclosure: {
      topology: '',
      threads: 2,
      stages: 1,
      shards: 1,
      capacity: 8,
      wait: 'spin',
      wait_requested: null,
      payload_bytes: 8,
      payload_shape: '',
      batch: 1,
      process_boundary: '',
      transport: '',
    },
    startup: ok ? { ready_ms: 1, records_per_s: 1, seconds: 1 } : null,
    steady: ok ? { records: 1, seconds: 1, records_per_s: rps, cpu_ns_per_record: 1, cpu_cores: 1 } : null,
    latency: ok
      ? {
          offered_records_per_s: 1,
          records: 1,
          p50_us: 1,
          p99_us: p99,
          p999_us: p99,
          max_us: p99,
          mean_us: 1,
          co_corrected: true,
        }
      : null,
    gc: null,
    ratio: null,
    notes: [],
  });
  const out = withRatios([
    mk('single_ring_chain', 'bench', 1000, 10),
    mk('peer_a', 'peer', 250, 40),
    mk('peer_b', 'peer', 1, 1, false),
  ]);
  assert.equal(out[0]!.ratio, null);
  assert.equal(out[1]!.ratio, { throughput: 4, p99: 4 });
  assert.equal(out[2]!.ratio, { throughput: null, p99: null });
});

test(
  'whole-process benches (run_sp_file and its peers): throughput ratio without p99, their own table section, ' +
    'thresholds without p99',
  () => {
    const mk = (name: string, kind: 'bench' | 'peer', rps: number, seconds: number): BenchResult => ({
      name,
      kind,
      reference: kind === 'peer' ? 'run_sp_file' : null,
      ok: true,
      error: null,
      disclosure: {
        topology: 't',
        threads: 2,
        stages: 1,
        shards: 1,
        capacity: 8,
        wait: 'backoff',
        wait_requested: null,
        payload_bytes: 64,
        payload_shape: '',
        batch: 1,
        process_boundary: 'one fresh process per run, spawn to exit',
        transport: '',
      },
      startup: null,
      steady: { records: 1_000_000, seconds, records_per_s: rps, cpu_ns_per_record: 500, cpu_cores: 1 },
      latency: null,
      gc: null,
      ratio: null,
      notes: [],
    });
    const results = withRatios([
      mk('run_sp_file', 'bench', 2_000_000, 0.5),
      mk('peer_node_streams', 'peer', 1_000_000, 1),
      mk('peer_cat', 'peer', 8_000_000, 0.125),
    ]);
    assert.equal(
      results.map((r) => r.ratio),
      [null, { throughput: 2, p99: null }, { throughput: 0.25, p99: null }],
    );
    const report = {
      machine: {
        machine_class: 'x64_2c',
        cpu_model: 'cpu',
        cores: 2,
        platform: 'linux',
        kernel: 'k',
        node: 'v20',
        v8: '11',
        cpus_allowed: null,
        governor: null,
        load_avg_start: [0, 0, 0],
        load_avg_end: [0, 0, 0],
      },
      options: { duration_s: 1, batch: 1, load: 1 },
      elapsed_s: 1,
      results,
      micro: [],
    } as unknown as BenchReport;
    const table = renderTable(report);
    assert.not.ok(table.includes('FAILED'), table);
    assert.match(table, /whole process, fixed work/);
    assert.match(table, /run_sp_file\s+2\.00 M records\/s\s+500 ms\/run/);
    assert.match(table, /peer_node_streams\s+1\.00 M records\/s\s+1000 ms\/run .* ours 2x/);
    assert.not.ok(table.includes('steady/s'), 'no ring-bench table without ring benches');
    assertWellFormedXml(renderSvg(report));
    assert.equal(derive(report).get('run_sp_file'), { min_records_per_s: 500_000, max_cpu_ns_per_record: 2_000 });
    assert.not.ok(updateBaselineText('', 'x64_2c', derive(report), 'c').includes('max_p99_us'));
  },
);

test('perf_baseline.kv: the shipped file parses and covers every bench on x64_2c; compare, derive and update', () => {
  const shipped = parseBaseline(readFileSync(new URL('../../bench/perf_baseline.kv', import.meta.url), 'utf8'));
  for (const n of BENCH_NAMES) {
    const t = shipped.get(n)?.get('x64_2c');
    // a whole-process bench (run_sp_file) has no latency phase, so no p99 bound
    assert.ok(
      t?.min_records_per_s &&
        (n === 'run_sp_file' ? t.max_p99_us === undefined : t.max_p99_us) &&
        t.max_cpu_ns_per_record,
      `${n} has x64_2c thresholds`,
    );
  }
  assert.is(
    codeOf(() => parseBaseline('single_ring_chain.x64_2c.fastest=1\n')),
    'BYTEOR_E_BENCH_BASELINE_INVALID/6',
  );
  assert.is(
    codeOf(() => parseBaseline('single_ring_chain.x64_2c.max_p99_us=fast\n')),
    'BYTEOR_E_BENCH_BASELINE_INVALID/6',
  );
  assert.is(
    codeOf(() => parseBaseline('a b=1\n')),
    'BYTEOR_E_BENCH_BASELINE_INVALID/6',
  );

  const b = parseBaseline(
    'single_ring_chain.x64_2c.min_records_per_s=1000\nsingle_ring_chain.x64_2c.max_p99_us=50\n' +
      'single_ring_chain.x64_2c.max_cpu_ns_per_record=500\n',
  );
  const report = (rps: number, p99: number, cpu: number, cls = 'x64_2c') =>
    ({
      machine: { machine_class: cls },
      results: [
        {
          name: 'single_ring_chain',
          kind: 'bench',
          ok: true,
          error: null,
          steady: { records_per_s: rps, cpu_ns_per_record: cpu },
          latency: { p99_us: p99 },
        },
        {
          name: 'single_ring_dag',
          kind: 'bench',
          ok: true,
          error: null,
          steady: { records_per_s: 1, cpu_ns_per_record: 1 },
          latency: { p99_us: 1 },
        },
      ],
      micro: [],
    }) as unknown as BenchReport;
  const pass = compare(b, report(2000, 40, 400));
  assert.ok(
    pass.every((l) => l.ok),
    JSON.stringify(pass),
  );
  assert.is(pass.find((l) => l.bench === 'single_ring_dag')!.note, 'no thresholds for x64_2c');
  const fail = compare(b, report(999, 51, 501))
    .filter((l) => !l.ok)
    .map((l) => l.metric);
  assert.equal(fail, ['min_records_per_s', 'max_p99_us', 'max_cpu_ns_per_record']);

  assert.is(round2(123_456, 'down'), 120_000);
  assert.is(round2(123_456, 'up'), 130_000);
  assert.is(round2(7, 'up'), 7);
  const fresh = derive(report(1_000_000, 100, 300));
  assert.equal(fresh.get('single_ring_chain'), {
    min_records_per_s: 250_000,
    max_p99_us: 20_000,
    max_cpu_ns_per_record: 1_200,
  });
  const text =
    '# header\nsingle_ring_chain.x64_2c.min_records_per_s=1\nsingle_ring_chain.arm64_4c.min_records_per_s=7\n';
  const updated = updateBaselineText(text, 'x64_2c', fresh, 'test machine');
  const parsed = parseBaseline(updated);
  assert.is(parsed.get('single_ring_chain')!.get('x64_2c')!.min_records_per_s, 250_000);
  assert.is(parsed.get('single_ring_chain')!.get('arm64_4c')!.min_records_per_s, 7);
  assert.ok(updated.startsWith('# header\n') && updated.includes('# class x64_2c: test machine'));
  // updating twice keeps one comment and one set of lines for the class
  const twice = updateBaselineText(updated, 'x64_2c', fresh, 'again');
  assert.is(twice.split('\n').filter((l) => l.startsWith('# class x64_2c:')).length, 1);
  assert.is(twice.split('\n').filter((l) => l.startsWith('single_ring_chain.x64_2c.')).length, 3);
});

test(
  'perf_baseline.kv: goal lines (collections in the steady window, throughput as a percentage of a peer) are ' +
    'checked and survive --update',
  () => {
    const b = parseBaseline(
      'single_ring_chain.x64_2c.max_steady_gcs=0\nsingle_ring_chain.x64_2c.min_percent_of_peer_js_sab_ring=200\n',
    );
    const report = (gcs: number, ratio: number | null) =>
      ({
        machine: { machine_class: 'x64_2c' },
        results: [
          {
            name: 'single_ring_chain',
            kind: 'bench',
            reference: null,
            ok: true,
            error: null,
            steady: { records_per_s: 10, cpu_ns_per_record: 1 },
            latency: { p99_us: 1 },
            gc: { minor_total: gcs, major_total: 0 },
          },
          ...(ratio === null
            ? []
            : [
                {
                  name: 'peer_js_sab_ring',
                  kind: 'peer',
                  reference: 'single_ring_chain',
                  ok: true,
                  error: null,
                  ratio: { throughput: ratio, p99: 1 },
                },
              ]),
        ],
        micro: [],
      }) as unknown as BenchReport;
    const lines = (r: BenchReport) => compare(b, r).map((l) => [l.metric, l.measured, l.ok]);
    assert.equal(lines(report(0, 2.5)), [
      ['max_steady_gcs', 0, true],
      ['min_percent_of_peer_js_sab_ring', 250, true],
    ]);
    assert.equal(lines(report(3, 1.5)), [
      ['max_steady_gcs', 3, false],
      ['min_percent_of_peer_js_sab_ring', 150, false],
    ]);
    const missing = compare(b, report(0, null)).find((l) => l.metric === 'min_percent_of_peer_js_sab_ring')!;
    assert.is(missing.ok, true, 'a report without the peer does not fail the check');
    assert.match(missing.note!, /not checked: peer_js_sab_ring did not run/);
    assert.is(
      codeOf(() => parseBaseline('single_ring_chain.x64_2c.min_percent_of_=1\n')),
      'BYTEOR_E_BENCH_BASELINE_INVALID/6',
    );
    const text = 'single_ring_chain.x64_2c.max_steady_gcs=0\nsingle_ring_chain.x64_2c.min_records_per_s=1\n';
    const updated = updateBaselineText(text, 'x64_2c', new Map([['single_ring_chain', { min_records_per_s: 5 }]]), 'c');
    assert.ok(
      updated.includes('single_ring_chain.x64_2c.max_steady_gcs=0'),
      'a goal line is not a derived threshold: --update keeps it',
    );
    assert.ok(
      updated.includes('single_ring_chain.x64_2c.min_records_per_s=5') && !updated.includes('min_records_per_s=1\n'),
    );
  },
);

test('perf_baseline.kv: the startup bounds are checked against the median over node -e 0 in the same run', () => {
  const shipped = parseBaseline(readFileSync(new URL('../../bench/perf_baseline.kv', import.meta.url), 'utf8'));
  assert.is(shipped.get('startup_validate')?.get('x64_2c')?.max_overhead_ms, 150);
  const b = parseBaseline('startup_validate.x64_2c.max_overhead_ms=150\n');
  const ms = 1e6;
  const report = (validateMs: number) =>
    ({
      machine: { machine_class: 'x64_2c' },
      results: [],
      micro: [
        {
          name: 'micro_startup',
          ok: true,
          error: null,
          notes: [],
          cases: [
            {
              case: 'node -e 0',
              ops_per_s: 0,
              mean_ns: 0,
              rme_pct: 0,
              samples: 9,
              median_ns: 70 * ms,
              min_ns: 60 * ms,
            },
            {
              case: 'startup_validate',
              ops_per_s: 0,
              mean_ns: 0,
              rme_pct: 0,
              samples: 9,
              median_ns: validateMs * ms,
              min_ns: 0,
            },
            {
              case: 'startup_run_sp',
              ops_per_s: 0,
              mean_ns: 0,
              rme_pct: 0,
              samples: 9,
              median_ns: 900 * ms,
              min_ns: 0,
            },
          ],
        },
      ],
    }) as unknown as BenchReport;
  assert.equal(
    compare(b, report(200)).map((l) => [l.bench, l.metric, l.measured, l.ok]),
    [['startup_validate', 'max_overhead_ms', 130, true]],
  );
  assert.equal(
    compare(b, report(221)).map((l) => [l.measured, l.ok]),
    [[151, false]],
  );
});

test('docs/performance.md documents every BYTEOR_E_BENCH_* code the bench tools use', () => {
  const root = fileURLToPath(new URL('../../bench/', import.meta.url));
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? files(p) : /\.(ts|mjs|cjs)$/.test(n) ? [p] : [];
    });
  const used = new Set(files(root).flatMap((f) => readFileSync(f, 'utf8').match(/BYTEOR_E_BENCH_[A-Z_]+/g) ?? []));
  assert.ok(used.size >= 10);
  const doc = readFileSync(new URL('../../docs/performance.md', import.meta.url), 'utf8');
  for (const code of used) assert.ok(doc.includes(`\`${code}\``), `${code} is not in docs/performance.md`);
});

test.run();
