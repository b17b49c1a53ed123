import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ByteorError } from '../errors.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/**
 * The journal window of an incident bundle: `journal/<lane>.records`, the most recent ingress
 * records of one journal lane, oldest first, each as a 4-byte little-endian length followed by
 * the record's bytes. (The runtime's own journal segments are read with the journal reader and
 * re-written in this simple, self-contained form, so a bundle does not depend on the
 * runtime's segment format.) SingleRing's one lane is `ingress`.
 */
export const BUNDLE_JOURNAL_DIR = 'journal';
export const JOURNAL_EXT = '.records';
const LANE = /^[A-Za-z0-9_.-]{1,64}$/;

export function journalWindowPath(lane: string): string {
  return `${BUNDLE_JOURNAL_DIR}/${lane}${JOURNAL_EXT}`;
}

/** Write a lane's records into `<bundleDir>/journal/<lane>.records`; returns the relative path. */
export function writeJournalWindow(bundleDir: string, lane: string, records: readonly Uint8Array[]): string {
  if (!LANE.test(lane)) throw new TypeError(`journal lane name ${JSON.stringify(lane)} is not a plain name`);
  let total = 0;
  for (const r of records) total += 4 + r.length;
  const buf = Buffer.allocUnsafe(total);
  let o = 0;
  for (const r of records) {
    buf.writeUInt32LE(r.length, o);
    o += 4;
    buf.set(r, o);
    o += r.length;
  }
  mkdirSync(join(bundleDir, BUNDLE_JOURNAL_DIR), { recursive: true });
  writeFileSync(join(bundleDir, journalWindowPath(lane)), buf);
  return journalWindowPath(lane);
}

/** The lanes a bundle holds a journal window for, sorted. */
export function journalWindowLanes(bundleDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(bundleDir, BUNDLE_JOURNAL_DIR));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(JOURNAL_EXT))
    .map((n) => n.slice(0, -JOURNAL_EXT.length))
    .filter((l) => LANE.test(l))
    .sort();
}

/** Read a lane's records (views into one buffer). A truncated file is an invalid bundle (exit 6). */
export function readJournalWindow(bundleDir: string, lane: string): Uint8Array[] {
  const path = join(bundleDir, journalWindowPath(lane));
  const buf = readFileSync(path);
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < buf.length) {
    if (o + 4 > buf.length) throw truncated(path, out.length);
    const n = buf.readUInt32LE(o);
    o += 4;
    if (o + n > buf.length) throw truncated(path, out.length);
    out.push(buf.subarray(o, o + n));
    o += n;
  }
  return out;
}

function truncated(path: string, at: number): ByteorError {
  return KernelErrors.error(
    'BYTEOR_E_BUNDLE_INVALID',
    `journal window ${path} is truncated after record ${at}; re-export the bundle`,
    { path, record: at },
  );
}
