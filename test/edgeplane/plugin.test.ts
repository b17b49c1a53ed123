import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { AdaptersSectionSchema } from '../../plugins/edgeplane/health.ts';
import { RecordingSink } from './helpers.ts';

test('the edgeplane plugin registers every adapter kind and the adapters snapshot section', async () => {
  const k = new Kernel();
  await loadPlugins(k, ['edgeplane']);
  assert.equal(
    k
      .adapters()
      .map((a) => a.adapter.kind)
      .sort(),
    [
      'file',
      'grpc',
      'http',
      'nats',
      'nats_jetstream',
      'postgres',
      'rabbitmq_streams',
      'redis_streams',
      's3',
      'stdio',
      'websocket',
    ],
  );
  assert.ok(k.adapters().every((a) => a.plugin === 'edgeplane'));
  assert.ok(k.snapshotSections().some((s) => s.section.name === 'adapters'));
});

test('the adapters section reports the live bindings with their health', async () => {
  const k = new Kernel();
  await loadPlugins(k, ['edgeplane']);
  const dir = mkdtempSync(join(tmpdir(), 'byteor-ep-plugin-'));
  try {
    writeFileSync(join(dir, 'in.txt'), 'a\nb\n');
    const file = k.adapter('file')!.adapter;
    const ing = file.ingress!({ path: join(dir, 'in.txt') }, {});
    const eg = file.egress!({ path: join(dir, 'out.txt') }, {});
    const section = k.snapshotSections().find((s) => s.section.name === 'adapters')!.section;
    const before = AdaptersSectionSchema.parse(await section.collect({} as never));
    assert.equal(
      before.map((e) => [e.role, e.connection_state]),
      [
        ['ingress', 'connecting'],
        ['egress', 'connecting'],
      ],
    );
    const sink = new RecordingSink();
    await eg.start();
    await ing.start(sink);
    await sink.until(() => sink.ended, 5_000, 'end');
    await eg.write(sink.records);
    const live = AdaptersSectionSchema.parse(await section.collect({} as never));
    assert.equal(live[0], {
      role: 'ingress',
      kind: 'file',
      endpoint: join(dir, 'in.txt'),
      transport: 'file',
      connection_state: 'connected',
      message_count: 2,
      lag: { value: 0, unit: 'bytes' },
      recent_failures: [],
    });
    assert.is(live[1]!.message_count, 2);
    assert.equal(JSON.parse(JSON.stringify(live)), live, 'plain JSON');
    await ing.close();
    await eg.close();
    const after = AdaptersSectionSchema.parse(await section.collect({} as never));
    assert.equal(
      after.map((e) => e.connection_state),
      ['closed', 'closed'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
