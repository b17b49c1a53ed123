import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunSummary } from '../../kernel/index.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-run.ts';

/** The shipped example runs as documented: the spec names its plugin (plugins.0=actiongraph). */

/** The --json summary (a failed run prints its error document after it). */
function summaryOf(out: string): RunSummary {
  return JSON.parse(out.slice(0, out.indexOf('\n}\n') + 3)) as RunSummary;
}
function stageCounters(s: RunSummary, keyStart: string): Record<string, number> {
  return s.counters.find((c) => c.key.startsWith(keyStart))!.values;
}

test(
  'examples/actiongraph/notify.kv loads the plugin from the spec: dry run in prod (BYTEOR_ENV) records, a real ' +
    'run is refused',
  async () => {
    const dry = await runCli(
      [
        'run',
        '--sp',
        '--spec=examples/actiongraph/notify.kv',
        '--input=examples/records.txt',
        '--output=/dev/null',
        '--dry-run',
        '--json',
      ],
      { env: { BYTEOR_ENV: 'prod' } },
    );
    assert.is(dry.code, 0, dry.err);
    const s = summaryOf(dry.out);
    assert.equal([stageCounters(s, 'http_post:').dry_run, stageCounters(s, 'exec:').dry_run], [36, 36]);
    const real = await runCli(
      ['run', '--sp', '--spec=examples/actiongraph/notify.kv', '--input=examples/records.txt', '--output=/dev/null'],
      { env: { BYTEOR_ENV: 'prod' } },
    );
    assert.is(real.code, 4);
    assert.match(
      real.err,
      /capabilities: exec:\/bin\/sh\|-c\|printf '%s\\n' "\$\(cat\)" >> \/tmp\/byteor-notify\.log, http_post:http:\/\/127\.0\.0\.1:8080\/hook\./,
    );
  },
);

test(
  'the example exec stage appends one whole line per record, however many run at once (a real run in dev, its log ' +
    'moved to a temporary file)',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byteor-notify-'));
    try {
      const log = join(dir, 'notify.log');
      const example = readFileSync('examples/actiongraph/notify.kv', 'utf8');
      const execKey = /^single_ring\.stages\.2\.key=(exec:.*)$/m.exec(example)![1]!;
      assert.ok(execKey.includes('/tmp/byteor-notify.log'), execKey);
      const spec = join(dir, 'notify_exec.kv');
      writeFileSync(
        spec,
        example
          .split('\n')
          .filter((l) => !l.startsWith('single_ring.stages.'))
          .join('\n') +
          (`single_ring.stages.0.key=identity\nsingle_ring.stages.1.key=` +
            `${execKey.replace('/tmp/byteor-notify.log', log)}\nsingle_ring.stages.1.depends_on.0=0\n`),
      );
      const r = await runCli(
        ['run', '--sp', `--spec=${spec}`, '--input=examples/records.txt', '--output=/dev/null', '--env=dev'],
        { env: { BYTEOR_EXEC_ALLOWLIST: '/bin/sh' }, preload: ['actiongraph'] },
      );
      assert.is(r.code, 0, r.err);
      // exec stages run concurrently: one line per record (each a single append), in any order
      const sorted = (t: string) => t.split('\n').filter(Boolean).sort();
      const lines = readFileSync(log, 'utf8');
      assert.ok(lines.endsWith('\n'));
      assert.equal(sorted(lines), sorted(readFileSync('examples/records.txt', 'utf8')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test.run();
