import { definePlugin, PLUGIN_API_VERSION } from '../../kernel/plugin-contract.ts';
import { flag, flags } from '../../kernel/flags.ts';
import { ListenAddress } from './listen-address.ts';
import { MetricsErrors } from './errors.ts';

/**
 * `run --metrics=HOST:PORT`: Prometheus text exposition of the runtime at `/metrics` and a
 * `/healthz`, served by the runtime's main thread (metrics-server.ts). Every value is read at
 * scrape time from the runtime's own snapshot (the document `snapshot` returns: shared-memory
 * counters and positions) — nothing is counted per record, no hook runs per record. The server
 * binds before any worker starts (a busy address refuses the run) and closes when the run stops.
 * Needs the long-running form (its control socket); with --sp it is refused.
 */
const Flags = flags({
  metrics: flag.string({
    value: 'HOST:PORT',
    description: 'serve Prometheus /metrics and /healthz on HOST:PORT (port 0: any; the address is printed on stderr)',
    schema: ListenAddress.optional(),
  }),
});

export default definePlugin({
  name: 'metrics',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: MetricsErrors,
  setup(host) {
    if (host.inWorker) return;
    host.extendVerb({ verb: 'run', flags: Flags });
    let server: { close(): Promise<void> } | null = null;
    host.hooks.runStarting.tapPromise('metrics', async (run) => {
      const address = run.flags.metrics as ListenAddress | undefined;
      if (address === undefined) return;
      if (run.runDir === null) {
        throw MetricsErrors.error(
          'BYTEOR_E_METRICS_NEEDS_RUN_DIR',
          "--metrics needs the long-running form of run (its values come from the run directory's control " +
            'socket); drop --sp, or use byteor top --run-dir=DIR',
        );
      }
      const { MetricsServer } = await import('./metrics-server.ts');
      const s = new MetricsServer(run.runDir, run.specHash);
      const bound = await s.listen(address.host, address.port);
      server = s;
      process.stderr.write(`metrics: serving http://${bound}/metrics and /healthz\n`);
    });
    host.hooks.runStopped.tapPromise('metrics', async () => {
      const s = server;
      server = null;
      await s?.close();
    });
  },
});
