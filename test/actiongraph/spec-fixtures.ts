/** Test support: spec objects in the decoded PipelineSpecV1 shape, and a kernel with actiongraph loaded. */
import { createHash } from 'node:crypto';
import type { PipelineSpecV1 } from '../../kernel/index.ts';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';

export function singleRing(keys: string[], name = 'actions'): PipelineSpecV1 {
  return {
    version: 1,
    name,
    model: 'single_ring',
    single_ring: {
      shards: 1,
      ordering: 'strict',
      producer: 'single',
      scheduling: 'dedicated',
      shard_key: 'record',
      capacity: 1024,
      slot_bytes: 256,
      wait: 'backoff',
      stage_failure_policy: 'stop_pipeline',
      stages: keys.map((key, i) => ({ key, depends_on: i === 0 ? [] : [i - 1] })),
    },
  };
}

/** A stand-in identity for a spec object (the real one is the canonical spec.kv hash). */
export function fakeSpecHash(spec: PipelineSpecV1): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(spec)).digest('hex')}`;
}

export async function actiongraphKernel(): Promise<Kernel> {
  const k = new Kernel();
  await loadPlugins(k, ['core-stages', 'actiongraph']);
  k.hooks.pluginsLoaded.call();
  return k;
}
