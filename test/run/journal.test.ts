// The ingress journal: per-batch appends, segment rotation and retention, lastN reads, a torn
// tail tolerated, a foreign file refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, writeFileSync, appendFileSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JournalWriter } from '../../kernel/journal/journal-writer.ts';
import { readJournal } from '../../kernel/journal/journal-reader.ts';
import { segmentName } from '../../kernel/journal/journal-format.ts';
import { makeRing } from '../core/pipeline-fixture.ts';
import { ByteorError } from '../../kernel/errors.ts';
import { tempDir } from './cli-harness.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Publish `texts` through a ring in batches of `batch`, journaling each batch. */
function journalThrough(w: JournalWriter, texts: string[], batch: number, shard = 0) {
  const { ring } = makeRing({ capacity: 64, slotBytes: 64, deps: [[]], egress: false, wait: 'block' });
  for (let i = 0; i < texts.length; i += batch) {
    const first = ring.next();
    const k = ring.tryClaim(Math.min(batch, texts.length - i));
    for (let j = 0; j < k; j++) ring.write(first + j, enc.encode(texts[i + j]!));
    w.batch(ring, shard, first, k);
    ring.publish();
    ring.release(0, first + k - 1);
  }
}

test('records come back in order with their index, shard, sequence and run id; lastN is the newest N', () => {
  const dir = tempDir('byteor-journal-');
  const w = new JournalWriter(dir, { specHash: 'sha256:abc', runId: 'run-1' });
  const texts = Array.from({ length: 300 }, (_, i) => `record ${i}${'x'.repeat(i % 13)}`);
  journalThrough(w, texts, 16, 2);
  w.close();
  const all = readJournal(dir);
  assert.is(all.records.length, 300);
  assert.equal(
    all.records.map((r) => dec.decode(r.payload)),
    texts,
  );
  assert.equal(
    all.records.map((r) => r.index),
    texts.map((_, i) => i),
  );
  assert.ok(all.records.every((r) => r.shard === 2 && r.run_id === 'run-1'));
  assert.is(all.records[17]!.sequence, 17);
  assert.equal(all.spec_hashes, ['sha256:abc']);
  assert.not.ok(all.torn);
  const last = readJournal(dir, { lastN: 5 });
  assert.equal(
    last.records.map((r) => r.index),
    [295, 296, 297, 298, 299],
  );
});

test('segments rotate at the size limit, a batch never spans two, old segments are pruned', () => {
  const dir = tempDir('byteor-journal-');
  const w = new JournalWriter(dir, { specHash: 'sha256:abc', segmentBytes: 4096, keepSegments: 3 });
  const texts = Array.from({ length: 2000 }, (_, i) => `r${i}`);
  journalThrough(w, texts, 10);
  w.close();
  const files = readdirSync(dir).sort();
  assert.is(files.length, 3, 'only the newest 3 are kept');
  for (const f of files.slice(0, -1)) assert.ok(statSync(join(dir, f)).size <= 4096, `${f} within the limit`);
  const r = readJournal(dir);
  assert.ok(r.records.length > 0 && r.records.length < 2000);
  assert.is(r.records[r.records.length - 1]!.index, 1999, 'the newest record is kept');
  assert.is(r.records.length % 10, 0, 'whole batches only');
  const idx = r.records.map((x) => x.index);
  assert.equal(
    idx,
    idx.map((_, i) => idx[0]! + i),
    'a contiguous window',
  );
});

test('a restarted runtime continues the numbering; a torn tail is skipped and reported', () => {
  const dir = tempDir('byteor-journal-');
  const a = new JournalWriter(dir, { specHash: 'sha256:a', runId: 'first' });
  journalThrough(a, ['a0', 'a1'], 2);
  a.close();
  const b = new JournalWriter(dir, { specHash: 'sha256:b', runId: 'second' });
  journalThrough(b, ['b0', 'b1', 'b2'], 3);
  b.close();
  assert.equal(readdirSync(dir).sort(), [segmentName(1), segmentName(2)]);
  const path = join(dir, segmentName(2));
  truncateSync(path, statSync(path).size - 10); // crash in the middle of the last record
  const r = readJournal(dir);
  assert.ok(r.torn);
  assert.equal(
    r.records.map((x) => `${x.run_id}:${dec.decode(x.payload)}`),
    ['first:a0', 'first:a1', 'second:b0', 'second:b1'],
  );
  assert.equal(r.spec_hashes, ['sha256:a', 'sha256:b']);
});

test('a file that is not a journal segment is refused with exit 6', () => {
  const dir = tempDir('byteor-journal-');
  writeFileSync(join(dir, segmentName(1)), Buffer.alloc(64, 7));
  try {
    readJournal(dir);
    assert.unreachable('should throw');
  } catch (e) {
    assert.is((e as ByteorError).code, 'BYTEOR_E_JOURNAL_INVALID');
    assert.is((e as ByteorError).exitCode, 6);
  }
  appendFileSync(join(dir, 'notes.txt'), 'ignored');
  assert.equal(readJournal(tempDir('byteor-journal-empty-')).records, []);
});

test.run();
