// A worker's start-up collection (kernel/exec/startup-garbage.ts): a real full collection of the
// calling thread's heap, and no `gc` global left behind for other contexts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import vm from 'node:vm';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { collectStartupGarbage } from '../../kernel/exec/startup-garbage.ts';

/** Kinds of the collections of this thread while `f` runs (entries arrive after it returned). */
async function collectionsDuring(f: () => void): Promise<number[]> {
  const kinds: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) kinds.push((e as unknown as { detail: { kind: number } }).detail.kind);
  });
  obs.observe({ entryTypes: ['gc'] });
  f();
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return kinds;
}

test('full: it runs a full collection of this thread', async () => {
  const kinds = await collectionsDuring(() => assert.is(collectStartupGarbage(), true));
  assert.ok(kinds.includes(constants.NODE_PERFORMANCE_GC_MAJOR), `collections seen: ${JSON.stringify(kinds)}`);
});

test('young: it empties the young generation only', async () => {
  const kinds = await collectionsDuring(() => assert.is(collectStartupGarbage('young'), true));
  assert.equal(kinds, [constants.NODE_PERFORMANCE_GC_MINOR]);
});

test('no context made after it, and no worker, gets a gc global', async () => {
  collectStartupGarbage();
  assert.is(vm.runInNewContext('typeof gc'), 'undefined');
  const w = new Worker("require('node:worker_threads').parentPort.postMessage(typeof gc)", { eval: true });
  const seen = await new Promise((r) => w.once('message', r));
  await w.terminate();
  assert.is(seen, 'undefined');
});

test.run();
