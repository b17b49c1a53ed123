import { definePlugin, PLUGIN_API_VERSION } from '../../kernel/plugin-contract.ts';
import type { AgentConfig } from './agent-config.ts';
import { AgentReportingErrors } from './errors.ts';

/**
 * Agent reporting: with BYTEOR_API_BASE_URL, BYTEOR_AGENT_ID and BYTEOR_AGENT_API_KEY set, a
 * long-running runtime (every product: they all run through `run`) publishes heartbeats and
 * snapshots to the control plane and refreshes the approval signing key set from it
 * (agent-reporter.ts; the API: agent-api.ts, docs/operator-flow.md). The configuration is
 * checked before anything starts (a wrong one refuses the run); reporting starts once the
 * runtime's run directory answers and ends with a final report when the run stops. A one-shot
 * `run --sp` has no run directory to report from: it says so and runs without reporting.
 */
type Reporter = { start(): void; stop(): Promise<void> };

export default definePlugin({
  name: 'agent-reporting',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: AgentReportingErrors,
  setup(host) {
    if (host.inWorker) return;
    let reporter: Reporter | null = null;
    let config: AgentConfig | null = null;
    host.hooks.runStarting.tapPromise('agent-reporting', async (run) => {
      const { agentConfig } = await import('./agent-config.ts');
      config = agentConfig(run.env); // throws BYTEOR_E_AGENT_CONFIG (exit 2)
      if (config !== null && run.runDir === null) {
        process.stderr.write('agent reporting: off for this one-shot run (it has no run directory to report from)\n');
        config = null;
      }
    });
    host.hooks.runStarted.tapPromise('agent-reporting', async (run) => {
      if (config === null || run.runDir === null) return;
      const { AgentReporter } = await import('./agent-reporter.ts');
      const r = new AgentReporter(config, run.runDir, (line) => {
        process.stderr.write(line);
      });
      reporter = r;
      r.start();
    });
    host.hooks.runStopped.tapPromise('agent-reporting', async () => {
      const r = reporter;
      reporter = null;
      config = null;
      await r?.stop();
    });
  },
});
