/**
 * byteor/testing (kernel/testing.ts): a stage family over records in process (a RecordBatch over
 * a plain buffer, counters, drops, the worker-side setup) and a whole plugin through
 * `run --sp --state-out` in a temporary directory — what the scaffold of `byteor plugin init`
 * tests with.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BufferRecordBatch, runPlugin, runStage } from '../../kernel/testing.ts';
import { ByteorError } from '../../kernel/errors.ts';
import acme from '../../examples/plugins/acme-audit/index.ts';
import mainThreadOnly from './fixtures/main-thread-stage-plugin.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

test('BufferRecordBatch keeps the RecordBatch rules: slots of slotBytes, no growth past them, drops', () => {
  const b = new BufferRecordBatch(['ab', 'cde'], { slotBytes: 4, firstSeq: 10 });
  assert.equal([b.count, b.firstSeq, b.offset(1), b.length(1), b.live(0)], [2, 10, 4, 3, true]);
  b.setLength(0, 4);
  assert.throws(
    () => b.setLength(1, 5),
    (e: unknown) => e instanceof ByteorError && e.code === 'BYTEOR_E_RECORD_TOO_LARGE' && e.details?.sequence === 11,
  );
  b.drop(1);
  assert.is(b.live(1), false);
  assert.throws(
    () => new BufferRecordBatch(['12345'], { slotBytes: 4 }),
    (e: unknown) => e instanceof ByteorError && e.code === 'BYTEOR_E_RECORD_TOO_LARGE',
  );
});

test('runStage: the example stage over records in process, with its counters and drops', async () => {
  const r = await runStage({
    plugin: acme,
    key: 'audit_tag:eu',
    records: ['a', 'bb', 'cccccc'],
    slotBytes: 8,
    batchSize: 2,
  });
  assert.equal(r.text, ['eu:a', 'eu:bb']);
  assert.equal(r.dropped, [2]);
  assert.equal(r.counters, { tagged: 2, too_long: 1 });
  await runStage({ plugin: acme, key: 'audit_tag:', records: ['a'] }).then(
    () => assert.unreachable('an empty label is refused by check'),
    (e: unknown) => assert.is((e as ByteorError).code, 'BYTEOR_E_STAGE_UNSUPPORTED'),
  );
});

test('runStage sets the plugin up as a stage worker does: a main-thread-only stage is named', async () => {
  await runStage({ plugin: mainThreadOnly, key: 'late_stage', records: ['x'] }).then(
    () => assert.unreachable('the stage is not registered in workers'),
    (e: unknown) => {
      assert.is((e as ByteorError).code, 'BYTEOR_E_PLUGIN_STAGE_NOT_IN_WORKER');
      assert.match((e as Error).message, 'if (host.inWorker) return');
    },
  );
});

test(
  'runPlugin: run --sp with stage workers, flags and ' + 'the final state sections; nothing left in the temp dir',
  async () => {
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('byteor-testing-')).length;
    const r = await runPlugin({
      plugin: './examples/plugins/acme-audit',
      stages: ['audit_tag:eu', 'upper'],
      records: ['a', 'bb'],
      flags: { 'audit-note': 'unit' },
      cwd: repo,
    });
    assert.is(r.exitCode, 0, r.stderr);
    assert.equal(r.output, ['EU:A', 'EU:BB']);
    const section = r.sections.acme_audit as { note: string; records: number; outcome: { ok: boolean } };
    assert.equal([section.note, section.records, section.outcome.ok], ['unit', 2, true]);
    assert.is(readdirSync(tmpdir()).filter((f) => f.startsWith('byteor-testing-')).length, before);
    const bad = await runPlugin({
      plugin: './examples/plugins/acme-audit',
      stages: ['audit_tag:eu'],
      records: ['a'],
      flags: { 'audit-note': '' },
      cwd: repo,
    });
    assert.is(bad.exitCode, 2, bad.stderr);
    assert.match(bad.stderr, '--audit-note');
  },
);

test.run();
