/**
 * `state.json` in the run directory: the runtime's last snapshot (source `state_file`),
 * rewritten atomically (tmp + rename) about once a second and once more at stop, so a reader
 * never sees a torn file and a dead runtime's last state stays readable.
 */
import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { z } from 'zod';
import { join } from 'node:path';
import { ByteorError } from '../errors.ts';
import { stableJson, writeJsonArtifact } from '../artifacts/json.ts';
import { SingleRingSnapshot } from '../artifacts/single-ring-snapshot.ts';
import { RuntimeStateDocument } from '../artifacts/runtime-state.ts';
import { STATE_FILE } from './run-dir.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export const STATE_INTERVAL_MS = 1000;

export function writeStateFile(runDir: string, snapshot: SingleRingSnapshot): void {
  writeStateDocument(join(runDir, STATE_FILE), SingleRingSnapshot, { ...snapshot, source: 'state_file' });
}

/**
 * Write a state document (either model) atomically. On a full file system (ENOSPC, EDQUOT: the
 * temporary file gets no block) the document is written over the existing state file in place
 * instead, so the last state (e.g. "failed" after a journal write failed for want of space) still
 * reaches the operator; a reader may then see a torn file for a moment.
 */
export function writeStateDocument<S extends z.ZodType>(path: string, schema: S, doc: z.input<S>): void {
  try {
    writeJsonArtifact(path, schema, doc);
  } catch (e) {
    const errno = e instanceof ByteorError ? e.details?.errno : undefined;
    if (errno !== 'ENOSPC' && errno !== 'EDQUOT') throw e;
    const text = Buffer.from(stableJson(schema.parse(doc)));
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
    } catch {
      throw e;
    }
    try {
      let done = 0;
      while (done < text.length) done += writeSync(fd, text, done, text.length - done, done);
      ftruncateSync(fd, text.length);
    } catch {
      throw e;
    } finally {
      closeSync(fd);
    }
  }
}

/** Read and validate a run directory's state file, either model (throws exit 6 when missing or invalid). */
export function readStateFile(runDir: string): RuntimeStateDocument {
  const path = join(runDir, STATE_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw KernelErrors.error(
      'BYTEOR_E_STATE_UNREADABLE',
      `cannot read the state file ${path} (${(e as Error).message})`,
      { path },
    );
  }
  const parsed = RuntimeStateDocument.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw KernelErrors.error(
      'BYTEOR_E_STATE_INVALID',
      `the state file ${path} fails its schema at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      { path },
    );
  }
  return parsed.data;
}
