/**
 * `state.json` in the run directory: the runtime's last snapshot (source `state_file`),
 * rewritten atomically (tmp + rename) about once a second and once more at stop, so a reader
 * never sees a torn file and a dead runtime's last state stays readable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ByteorError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import { writeJsonArtifact } from '../artifacts/json.ts';
import { SingleRingSnapshot } from '../artifacts/single-ring-snapshot.ts';
import { RuntimeStateDocument } from '../artifacts/runtime-state.ts';
import { STATE_FILE } from './run-dir.ts';

export const STATE_INTERVAL_MS = 1000;

export function writeStateFile(runDir: string, snapshot: SingleRingSnapshot): void {
  writeJsonArtifact(join(runDir, STATE_FILE), SingleRingSnapshot, { ...snapshot, source: 'state_file' });
}

/** Read and validate a run directory's state file, either model (throws exit 6 when missing or invalid). */
export function readStateFile(runDir: string): RuntimeStateDocument {
  const path = join(runDir, STATE_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ByteorError('BYTEOR_E_STATE_UNREADABLE', `cannot read the state file ${path} (${(e as Error).message})`, ExitCode.ARTIFACT_INVALID, { path });
  }
  const parsed = RuntimeStateDocument.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ByteorError('BYTEOR_E_STATE_INVALID', `the state file ${path} fails its schema at ${issue.path.join('.') || '(root)'}: ${issue.message}`, ExitCode.ARTIFACT_INVALID, { path });
  }
  return parsed.data;
}
