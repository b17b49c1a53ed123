// SharedOffset: where a typed array starts in the shared memory, -1 for one elsewhere, the
// answer kept per array (the producer and the staging area ask per push, per record at batch 1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SharedOffset } from '../../kernel/exec/shared-offset.ts';

const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });

test('a view of the shared memory: its byte offset there; any other array: -1', () => {
  const s = new SharedOffset(new Uint8Array(memory.buffer).buffer);
  assert.is(s.of(new Uint8Array(memory.buffer, 4096, 64)), 4096);
  assert.is(s.of(new Uint32Array(memory.buffer, 256, 4)), 256);
  assert.is(s.of(new Uint8Array(64)), -1);
  assert.is(s.of(new Uint8Array(new SharedArrayBuffer(8192), 4096, 64)), -1, 'another shared buffer');
});

test('the answer follows the array asked about, whatever came before', () => {
  const s = new SharedOffset(memory.buffer);
  const lent = new Uint8Array(memory.buffer, 100, 10);
  const heap = new Uint8Array(10);
  const other = new Uint8Array(memory.buffer, 200, 10);
  const seq: Array<[Uint8Array, number]> = [
    [lent, 100],
    [lent, 100],
    [heap, -1],
    [lent, 100],
    [other, 200],
    [other, 200],
    [heap, -1],
    [heap, -1],
  ];
  for (const [a, want] of seq) assert.is(s.of(a), want);
});

test.run();
