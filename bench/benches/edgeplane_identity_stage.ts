/**
 * edgeplane_identity_stage: EdgePlane's adapters around an identity stage, over real loopback
 * WebSockets. A load-generator thread sends each record as one binary message to EdgePlane's
 * websocket ingress (server mode); the record goes through the ring and one identity stage;
 * EdgePlane's websocket egress sends it to the load generator's server, where it is counted.
 *
 *   load generator ──ws──▶ [EdgePlane websocket ingress → ring → identity → EdgePlane websocket egress] ──ws──▶ load
 *   generator
 *       (its own thread)              (runtime main thread + 1 stage worker)
 *
 * What it measures is the edge: WebSocket framing, the adapters' per-record handling and the
 * runtime around one do-nothing stage. The load generator is a busy thread too, so on 2 cores
 * the stage waits with block (bench/suite/topology.ts).
 */
import v8 from 'node:v8';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { loadSpecText } from '../../kernel/spec/load.ts';
import { SingleRingRun } from '../../kernel/exec/single-ring-executor.ts';
import { startModuleWorker } from '../../kernel/exec/module-worker.ts';
import type { EgressAdapter, IngressAdapter, RunInfo } from '../../kernel/plugin-api.ts';
import type { SingleRingPipeline } from '../../kernel/spec/model.ts';
import type { WaitKind } from '../../kernel/core/ring.ts';
import type { Worker } from 'node:worker_threads';
import { defineBench } from '../suite/bench-definition.ts';
import type { DriverResult } from '../suite/driver.ts';
import { failedResult, resultFrom } from '../suite/measure.ts';
import { syntheticPayloads } from '../suite/payloads.ts';
import { singleRingSpecText } from '../suite/single-ring-contender.ts';
import { ThreadGcCollector } from '../suite/thread-gc.ts';
import { BENCH_CAPACITY, chooseWait } from '../suite/topology.ts';
import { ringDisclosure } from '../suite/disclosure.ts';
import { packageVersion } from '../peers/package-version.ts';
import { BenchErrors } from '../errors.ts';

const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const LOADGEN = new URL(`../suite/websocket-loadgen-worker${EXT}`, import.meta.url);

type LoadgenMessage =
  | { type: 'sink'; port: number }
  | { type: 'mark'; what: 'start' | 'end' }
  | { type: 'result'; result: DriverResult }
  | { type: 'error'; message: string };

interface Pipeline {
  run: SingleRingRun;
  ingress: IngressAdapter;
  egress: EgressAdapter;
}

async function startPipeline(
  sinkPort: number,
  wait: WaitKind,
  slotBytes: number,
  batch: number,
): Promise<Pipeline & { ingressPort: number }> {
  const kernel = new Kernel();
  await loadPlugins(kernel, ['core-stages', 'edgeplane']);
  const ws = kernel.adapter('websocket')?.adapter;
  if (!ws?.ingress || !ws.egress)
    throw BenchErrors.error('BYTEOR_E_BENCH_SETUP', 'the edgeplane plugin provides no websocket adapter');
  const loaded = await loadSpecText(
    singleRingSpecText({
      name: 'edgeplane_identity_stage',
      stages: [{ key: 'identity', deps: [] }],
      shards: 1,
      capacity: BENCH_CAPACITY,
      slotBytes,
      wait,
    }),
    kernel,
  );
  const spec = loaded.spec as SingleRingPipeline;
  const egress = ws.egress({ url: `ws://127.0.0.1:${sinkPort}/`, frame: 'binary' }, {});
  const ingress = ws.ingress({ mode: 'server', host: '127.0.0.1', port: '0' }, {});
  await egress.start();
  const info: RunInfo = {
    spec,
    specHash: loaded.hash,
    specPath: null,
    runDir: null,
    oneShot: false,
    dryRun: false,
    flags: {},
    env: {},
  };
  const run = await SingleRingRun.start({ kernel, spec, run: info, egress, ingress, maxBatch: batch });
  await ingress.start(run.sink);
  const ingressPort = (ingress as unknown as { port?: number }).port;
  if (!ingressPort)
    throw BenchErrors.error('BYTEOR_E_BENCH_SETUP', 'the websocket ingress did not report the port it listens on');
  return { run, ingress, egress, ingressPort };
}

async function stopPipeline(p: Pipeline, expected: number): Promise<void> {
  await p.ingress.close();
  p.run.stop();
  const s = await p.run.done;
  await p.egress.close();
  if (!s.ok)
    throw BenchErrors.relay(
      s.error?.code ?? 'BYTEOR_E_BENCH_FAILED',
      'BYTEOR_E_BENCH_FAILED',
      `the pipeline failed: ${s.error?.message ?? 'unknown error'}`,
    );
  if (s.records_in !== expected || s.records_out !== expected) {
    throw BenchErrors.error(
      'BYTEOR_E_BENCH_LOST_RECORDS',
      `the load generator sent ${expected} records; the pipeline took ${s.records_in} and delivered ${s.records_out}`,
    );
  }
}

export default defineBench({
  name: 'edgeplane_identity_stage',
  kind: 'bench',
  summary: 'load generator ─ws→ EdgePlane websocket ingress → identity → websocket egress ─ws→ load generator',
  async run(ctx) {
    const o = ctx.options;
    const w = chooseWait(o.wait, 3, ctx.cores);
    const pool = syntheticPayloads(o.payload);
    const spec = {
      name: 'edgeplane_identity_stage',
      kind: 'bench' as const,
      reference: null,
      disclosure: ringDisclosure({
        topology:
          'ws client → EdgePlane websocket ingress (server) → P→0 (identity) → EdgePlane websocket egress → ws server',
        stages: 1,
        shards: 1,
        wait: w,
        pool,
        batch: o.batch,
        extraThreads: 1,
        boundary:
          'one process, loopback TCP: load generator on its own thread, runtime main thread (adapters, ' +
          'producer, egress) and one stage worker',
        transport:
          `WebSocket (ws ${packageVersion('ws')}), one binary message per record, both directions; SingleRing ` +
          `inside`,
      }),
      notes: [
        ...(w.note ? [w.note] : []),
        'the load-generator thread counts among the threads; latency is from the scheduled send at the client ' +
          'to arrival at the destination server',
      ],
    };
    const gc = new ThreadGcCollector();
    let loadgen: Worker | null = null;
    let pipeline: Pipeline | null = null;
    try {
      const heap: { start?: number; end?: number } = {};
      loadgen = startModuleWorker(LOADGEN, {
        workerData: {
          durationS: o.durationS,
          batch: o.batch,
          load: o.load,
          payload: o.payload,
          window: 2 * BENCH_CAPACITY,
          benchRole: 'load generator',
        },
      });
      const lg = loadgen;
      const result = await new Promise<DriverResult>((resolve, reject) => {
        lg.on('error', reject);
        lg.on('exit', (code) => reject(new Error(`the load generator exited (code ${code}) before it reported`)));
        lg.on('message', (m: LoadgenMessage) => {
          if (m.type === 'sink') {
            startPipeline(m.port, w.wait, pool.maxBytes, o.batch).then((p) => {
              pipeline = p;
              lg.postMessage({ type: 'ingress', port: p.ingressPort });
            }, reject);
          } else if (m.type === 'mark') {
            heap[m.what] = v8.getHeapStatistics().used_heap_size;
          } else if (m.type === 'result') resolve(m.result);
          else reject(new Error(m.message));
        });
      });
      if (!pipeline) throw new Error('the pipeline did not start');
      await stopPipeline(pipeline, result.sent);
      pipeline = null;
      return await resultFrom(spec, result, gc, (heap.end ?? 0) - (heap.start ?? 0));
    } catch (e) {
      return failedResult(spec, e);
    } finally {
      gc.close();
      if (pipeline) {
        const p: Pipeline = pipeline;
        p.run.abort(BenchErrors.error('BYTEOR_E_BENCH_FAILED', 'the bench failed'));
        await p.ingress.close().catch(() => {});
        await p.egress.close().catch(() => {});
      }
      await loadgen?.terminate();
    }
  },
});
