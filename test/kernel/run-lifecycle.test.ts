// The kernel owns a run (kernel/run/run-pipeline.ts): the hooks fire in the documented order for
// both models, a refusing runStarting tap starts nothing, a signal drains (bounded) and a second
// one during the drain aborts; every path closes the adapters and unhooks the signal handlers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { runPipeline } from '../../kernel/run/run-pipeline.ts';
import { ListIngress } from '../../kernel/io/list-ingress.ts';
import {
  ByteorError,
  definePlugin,
  ExitCode,
  PLUGIN_API_VERSION,
  type AdapterHealth,
  type EgressAdapter,
  type IngressAdapter,
  type IngressSink,
  type RunRequest,
} from '../../kernel/index.ts';
import type { LoadedSpec } from '../../kernel/spec/load.ts';
import type { PipelineSpecV1 } from '../../kernel/spec/model.ts';
import { singleRing } from '../exec/harness.ts';
import { laneGraph, lane, ingress as ingressEndpoint, egress as egressEndpoint, stage } from '../lanegraph/harness.ts';

const health = (transport: string): AdapterHealth => ({
  transport,
  connection_state: 'connected',
  message_count: 0,
  lag: null,
  recent_failures: [],
});

/** A kernel whose plugin taps every run hook, writing each call into `log`. */
async function recordingKernel(log: string[], refuse = false): Promise<Kernel> {
  const k = new Kernel();
  await loadPlugins(k, ['core-stages']);
  k.install(
    definePlugin({
      name: 'recorder',
      version: '1.0.0',
      apiVersion: PLUGIN_API_VERSION,
      setup(h) {
        h.hooks.runStarting.tapPromise('recorder', async (run) => {
          log.push(`runStarting(${run.spec.model})`);
          if (refuse)
            throw new ByteorError('BYTEOR_E_POLICY_DENIED', 'refused by the recorder', ExitCode.POLICY_DENIED);
        });
        h.hooks.runStarted.tapPromise('recorder', async () => {
          log.push('runStarted');
        });
        h.hooks.runStopped.tapPromise('recorder', async (_run, s) => {
          log.push(`runStopped(${s.records_out})`);
        });
      },
    }),
    'file:///recorder.js',
  );
  return k;
}

class LoggingEgress implements EgressAdapter {
  constructor(private readonly log: string[]) {}
  async start(): Promise<void> {
    this.log.push('egress.start');
  }
  async write(records: Uint8Array[]): Promise<void> {
    this.log.push(`egress.write(${records.length})`);
  }
  async close(): Promise<void> {
    this.log.push('egress.close');
  }
  health(): AdapterHealth {
    return health('log');
  }
}

class LoggingIngress extends ListIngress {
  constructor(
    records: Uint8Array[],
    private readonly log: string[],
  ) {
    super(records);
  }
  override async start(sink: IngressSink): Promise<void> {
    this.log.push('ingress.start');
    return super.start(sink);
  }
  override async close(): Promise<void> {
    this.log.push('ingress.close');
    return super.close();
  }
}

const loaded = (spec: PipelineSpecV1): LoadedSpec => ({
  path: null,
  text: '',
  spec,
  canonical: '',
  hash: 'sha256:test',
  warnings: [],
  report: { version: 1, source: 'spec', spec_hash: 'sha256:test', diagnostics: [] },
  lines: new Map(),
});

const MODELS: Array<[string, PipelineSpecV1]> = [
  ['single_ring', singleRing([{ key: 'identity', depends_on: [] }])],
  [
    'lane_graph',
    laneGraph({
      lanes: [lane('in'), lane('out')],
      endpoints: [ingressEndpoint('src', 'in'), egressEndpoint('dst', 'out')],
      roles: [stage('id', 'identity', 'in', 'out')],
    }),
  ],
];

const records = (n: number) => Array.from({ length: n }, (_, i) => new TextEncoder().encode(`r${i}`));

function request(spec: PipelineSpecV1, adapters: RunRequest['adapters'], over: Partial<RunRequest> = {}): RunRequest {
  return {
    loaded: loaded(spec),
    specPath: null,
    runDir: null,
    oneShot: true,
    dryRun: false,
    flags: {},
    env: {},
    adapters,
    ...over,
  };
}

for (const [model, spec] of MODELS) {
  test(`${model}: the run hooks fire in order around the adapters, and the summary comes back`, async () => {
    const log: string[] = [];
    const k = await recordingKernel(log);
    const { summary, egressCloseError } = await runPipeline(
      k,
      request(spec, () => ({ ingress: new LoggingIngress(records(5), log), egress: new LoggingEgress(log) })),
    );
    assert.is(egressCloseError, null);
    assert.ok(summary.ok, JSON.stringify(summary.error));
    assert.is(summary.records_in, 5);
    assert.is(summary.records_out, 5);
    const lifecycle = log.filter((l) => !l.startsWith('egress.write'));
    assert.equal(lifecycle, [
      `runStarting(${model})`,
      'egress.start',
      'runStarted',
      'ingress.start',
      'ingress.close',
      'egress.close',
      'runStopped(5)',
    ]);
    // every record left before the egress closed
    assert.ok(
      log.lastIndexOf('egress.close') > Math.max(...log.map((l, i) => (l.startsWith('egress.write') ? i : -1))),
    );
  });
}

test('a refusing runStarting tap starts nothing: no egress, no workers, no ingress, no other hook', async () => {
  const log: string[] = [];
  const k = await recordingKernel(log, true);
  const signalsBefore = process.listenerCount('SIGINT');
  let made = 0;
  const err = await runPipeline(
    k,
    request(
      MODELS[0]![1],
      () => {
        made++;
        return { ingress: new LoggingIngress(records(3), log), egress: new LoggingEgress(log) };
      },
      { signals: true },
    ),
  ).then(
    () => null,
    (e: unknown) => e,
  );
  assert.instance(err, ByteorError);
  assert.is((err as ByteorError).code, 'BYTEOR_E_POLICY_DENIED');
  assert.equal((err as ByteorError).details, { plugin: 'recorder', hook: 'runStarting' });
  assert.is(made, 1);
  assert.equal(log, ['runStarting(single_ring)']);
  assert.is(process.listenerCount('SIGINT'), signalsBefore);
});

/** An ingress that hands over `n` records, then waits for more until it is closed. */
class OpenIngress implements IngressAdapter {
  private wake: (() => void) | null = null;
  closed = false;
  constructor(
    private readonly n: number,
    private readonly onPushed: () => void,
  ) {}
  async start(sink: IngressSink): Promise<void> {
    void (async () => {
      for (const r of records(this.n)) {
        const p = sink.push(r);
        if (p) await p;
      }
      this.onPushed();
      await new Promise<void>((r) => {
        this.wake = r;
        if (this.closed) r();
      });
      sink.end();
    })();
  }
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
  }
  health(): AdapterHealth {
    return health('open');
  }
}

/** An egress whose writes wait until released (or interrupted: the run aborted). */
class HeldEgress implements EgressAdapter {
  private held: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  out = 0;
  onWrite: (() => void) | null = null;
  async start(): Promise<void> {}
  write(recs: Uint8Array[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.held.push({
        resolve: () => {
          this.out += recs.length;
          resolve();
        },
        reject,
      });
      this.onWrite?.();
    });
  }
  release(): void {
    for (const h of this.held.splice(0)) h.resolve();
  }
  interrupt(): void {
    for (const h of this.held.splice(0)) h.reject(new Error('interrupted'));
  }
  async close(): Promise<void> {}
  health(): AdapterHealth {
    return health('held');
  }
}

test('SIGINT drains what was accepted: the source closes, the records go out, the run ends ok', async () => {
  const log: string[] = [];
  const k = await recordingKernel(log);
  const egress = new HeldEgress();
  let ingress!: OpenIngress;
  const err: string[] = [];
  const pushed = new Promise<void>((r) => {
    ingress = new OpenIngress(4, r);
  });
  const run = runPipeline(
    k,
    request(MODELS[0]![1], () => ({ ingress, egress }), {
      signals: true,
      drainTimeout: { ms: 10_000, label: '10s' },
      err: (t) => err.push(t),
    }),
  );
  await pushed;
  process.emit('SIGINT', 'SIGINT');
  assert.ok(ingress.closed, 'the first signal closes the source at once');
  egress.onWrite = () => egress.release();
  egress.release();
  const { summary } = await run;
  assert.ok(summary.ok, JSON.stringify(summary.error));
  assert.is(summary.records_out, 4);
  assert.match(err.join(''), /SIGINT: draining in-flight records/);
  assert.is(log[log.length - 1], 'runStopped(4)');
  assert.is(process.listenerCount('SIGINT'), 0);
});

test(
  'a second signal during the drain aborts at once ' + '(BYTEOR_E_RUN_INTERRUPTED); runStopped still sees the summary',
  async () => {
    const log: string[] = [];
    const k = await recordingKernel(log);
    const egress = new HeldEgress();
    let ingress!: OpenIngress;
    const pushed = new Promise<void>((r) => {
      ingress = new OpenIngress(4, r);
    });
    const writing = new Promise<void>((r) => {
      egress.onWrite = r;
    });
    const run = runPipeline(
      k,
      request(MODELS[0]![1], () => ({ ingress, egress }), {
        signals: true,
        drainTimeout: { ms: 10_000, label: '10s' },
      }),
    );
    await pushed;
    await writing;
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGTERM', 'SIGTERM'); // the egress still holds the records: the drain is not over
    const { summary } = await run;
    assert.not.ok(summary.ok);
    assert.is(summary.error?.code, 'BYTEOR_E_RUN_INTERRUPTED');
    assert.is(summary.records_in, 4);
    assert.is(summary.records_out + summary.undelivered, 4);
    assert.ok(log.includes(`runStopped(${summary.records_out})`));
    assert.is(process.listenerCount('SIGTERM'), 0);
  },
);

test('a drain that outlasts the drain timeout aborts with BYTEOR_E_DRAIN_TIMEOUT', async () => {
  const k = await recordingKernel([]);
  const egress = new HeldEgress();
  let ingress!: OpenIngress;
  const pushed = new Promise<void>((r) => {
    ingress = new OpenIngress(2, r);
  });
  const run = runPipeline(
    k,
    request(MODELS[0]![1], () => ({ ingress, egress }), { signals: true, drainTimeout: { ms: 200, label: '200ms' } }),
  );
  await pushed;
  process.emit('SIGINT', 'SIGINT');
  const { summary } = await run;
  assert.is(summary.error?.code, 'BYTEOR_E_DRAIN_TIMEOUT');
  assert.match(summary.error!.message, /--drain-timeout=200ms/);
});

test('an adapter factory that throws after the claim leaves no signal handler and fires no hook', async () => {
  const log: string[] = [];
  const k = await recordingKernel(log);
  const err = await runPipeline(
    k,
    request(
      MODELS[0]![1],
      () => {
        throw new ByteorError('BYTEOR_E_INPUT_NOT_FOUND', 'no input', ExitCode.USAGE);
      },
      { signals: true },
    ),
  ).then(
    () => null,
    (e: unknown) => e,
  );
  assert.is((err as ByteorError).code, 'BYTEOR_E_INPUT_NOT_FOUND');
  assert.equal(log, []);
  assert.is(process.listenerCount('SIGINT'), 0);
});

test.run();
