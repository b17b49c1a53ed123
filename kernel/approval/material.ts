import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ApprovalErrorCode } from './error-codes.ts';
import { readKeySet } from './key-set.ts';
import type { ApprovalPayloadV1 } from './payload.ts';
import { verifyApprovalCredential, type ApprovalExpectation } from './verify.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

/**
 * Approval material lookup (ByteOr's shared enterprise convention):
 * - credential: `--approval=<path-or-token>`, else `approval.cred` next to the spec;
 * - trusted keys: `--approval-key-set=<path>`, else `signing_keys.json` next to the spec.
 * A verb whose material lies elsewhere (replay: next to the bundle) says so with `materialDir`.
 * Every error names the path that was actually looked at.
 * A `--approval` value that names an existing file is read from it. A value that looks like a
 * path (it contains `/` or `\`, or ends in `.cred` or `.json`) names a file, and that file is
 * missing; otherwise a value shaped like a credential (`<base64url>.<base64url>`) is the token
 * itself (`approval.cred` has that shape too, so the path test comes first), and anything else
 * names a missing file.
 */
export const APPROVAL_FILE = 'approval.cred';
export const KEY_SET_FILE = 'signing_keys.json';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** A real token never contains `/` or `\` (base64url) and its signature part is 86 characters. */
const PATH_SHAPE = /[/\\]|\.(cred|json)$/i;

export interface ApprovalFlags {
  /** `--approval=` */
  approval?: string;
  /** `--approval-key-set=` */
  approvalKeySet?: string;
  /** the spec file the run uses (material defaults lie next to it) */
  specPath?: string | null;
  /** where the default files lie instead of next to the spec (replay: next to the bundle) */
  materialDir?: string | null;
}

/** The directory of the default `approval.cred` / `signing_keys.json`, or null when there is none. */
function defaultsDir(flags: ApprovalFlags, cwd: string): string | null {
  if (flags.materialDir) return resolve(cwd, flags.materialDir);
  if (flags.specPath) return dirname(resolve(cwd, flags.specPath));
  return null;
}

export interface ApprovalCredentialText {
  text: string;
  /** the file it came from, or `inline` when `--approval` was the token itself */
  source: string;
}

function readCredentialFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw KernelErrors.error(
      ApprovalErrorCode.UNREADABLE,
      `approval credential ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` +
        `); check the path and its permissions`,
      { path },
    );
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Find the credential text, or null when none was given and none lies next to the spec. */
export function findApprovalCredential(flags: ApprovalFlags, cwd = process.cwd()): ApprovalCredentialText | null {
  if (flags.approval !== undefined) {
    const p = resolve(cwd, flags.approval);
    if (isFile(p)) return { text: readCredentialFile(p), source: p };
    const value = flags.approval.trim();
    if (!PATH_SHAPE.test(value) && TOKEN_SHAPE.test(value)) return { text: flags.approval, source: 'inline' };
    throw KernelErrors.error(
      ApprovalErrorCode.MISSING,
      `approval credential file ${p} does not exist (--approval=${flags.approval}); pass the path of an ` +
        `existing ${APPROVAL_FILE}, or the credential token itself`,
      { approval: flags.approval, path: p },
    );
  }
  const dir = defaultsDir(flags, cwd);
  if (dir) {
    const p = join(dir, APPROVAL_FILE);
    if (isFile(p)) return { text: readCredentialFile(p), source: p };
  }
  return null;
}

/** Where the default credential file would be (for messages), or null. */
export function defaultCredentialPath(flags: ApprovalFlags, cwd = process.cwd()): string | null {
  const dir = defaultsDir(flags, cwd);
  return dir ? join(dir, APPROVAL_FILE) : null;
}

/** The key set path: `--approval-key-set`, else signing_keys.json next to the spec (or in `materialDir`), else null. */
export function keySetPath(flags: ApprovalFlags, cwd = process.cwd()): string | null {
  if (flags.approvalKeySet !== undefined) return resolve(cwd, flags.approvalKeySet);
  const dir = defaultsDir(flags, cwd);
  return dir ? join(dir, KEY_SET_FILE) : null;
}

export interface VerifiedApproval {
  payload: ApprovalPayloadV1;
  credentialSource: string;
  keySetPath: string;
}

/**
 * Resolve and verify the approval material for a run that needs one. Throws
 * BYTEOR_E_APPROVAL_MISSING (exit 4) when there is no credential, BYTEOR_E_APPROVAL_KEY_SET_MISSING
 * when there is no key set, and any rejection of `verifyApprovalCredential`.
 */
export function verifyApprovalMaterial(
  flags: ApprovalFlags,
  expect: ApprovalExpectation,
  cwd = process.cwd(),
): VerifiedApproval {
  const cred = findApprovalCredential(flags, cwd);
  if (!cred) {
    const looked = defaultCredentialPath(flags, cwd);
    throw KernelErrors.error(
      ApprovalErrorCode.MISSING,
      `this run needs an approval (environment "${expect.environment}"` +
        `${expect.capabilities.length ? `, capabilities ${expect.capabilities.join(', ')}` : ''}) and none was ` +
        `found${looked ? ` (no --approval, and no ${looked})` : ' (no --approval)'}; pass --approval=PATH` +
        `${looked ? ` or put the credential at ${looked}` : ''} (mint one with "byteor approval sign")`,
      { environment: expect.environment, capabilities: [...expect.capabilities], ...(looked ? { looked } : {}) },
    );
  }
  const ksPath = keySetPath(flags, cwd);
  if (!ksPath) {
    throw KernelErrors.error(
      ApprovalErrorCode.KEY_SET_MISSING,
      `no trusted approval key set; pass --approval-key-set=PATH (a ${KEY_SET_FILE})`,
    );
  }
  const payload = verifyApprovalCredential(cred.text, readKeySet(ksPath), expect);
  return { payload, credentialSource: cred.source, keySetPath: ksPath };
}
