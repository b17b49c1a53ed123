import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunSummary } from '../../kernel/plugin-api.ts';
import { runCli } from './cli-run.ts';

/** The shipped example runs as documented: the spec names its plugin (plugins.0=actiongraph). */

/** The --json summary (a failed run prints its error document after it). */
function summaryOf(out: string): RunSummary { return JSON.parse(out.slice(0, out.indexOf('\n}\n') + 3)) as RunSummary; }
function stageCounters(s: RunSummary, keyStart: string): Record<string, number> {
  return s.counters.find((c) => c.key.startsWith(keyStart))!.values;
}

test('examples/actiongraph/notify.kv loads the plugin from the spec: dry run in prod (BYTEOR_ENV) records, a real run is refused', async () => {
  const dry = await runCli(['run', '--sp', '--spec=examples/actiongraph/notify.kv', '--input=examples/records.txt', '--output=/dev/null', '--dry-run', '--json'], { env: { BYTEOR_ENV: 'prod' } });
  assert.is(dry.code, 0, dry.err);
  const s = summaryOf(dry.out);
  assert.equal([stageCounters(s, 'http_post:').dry_run, stageCounters(s, 'exec:').dry_run], [36, 36]);
  const real = await runCli(['run', '--sp', '--spec=examples/actiongraph/notify.kv', '--input=examples/records.txt', '--output=/dev/null'], { env: { BYTEOR_ENV: 'prod' } });
  assert.is(real.code, 4);
  assert.match(real.err, /capabilities: exec:\/bin\/sh\|-c\|cat >> \/tmp\/byteor-notify\.log, http_post:http:\/\/127\.0\.0\.1:8080\/hook\./);
});

test.run();
