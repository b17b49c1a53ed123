import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { z } from 'zod';
import { signApprovalCredential } from '../../../kernel/approval/credential.ts';
import { ApprovalErrorCode } from '../../../kernel/approval/error-codes.ts';
import { generateSigningKey, readKeySet } from '../../../kernel/approval/key-set.ts';
import { findApprovalCredential } from '../../../kernel/approval/material.ts';
import { EnvironmentPosture, SpecHash, Capability, type ApprovalPayloadV1 } from '../../../kernel/approval/payload.ts';
import { verifyApprovalCredential } from '../../../kernel/approval/verify.ts';
import { writeJsonArtifact, stableJson } from '../../../kernel/artifacts/json.ts';
import { SigningKeySet, type SigningKey } from '../../../kernel/artifacts/signing-key-set.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import {
  definePlugin,
  PLUGIN_API_VERSION,
  type FlagValues,
  type VerbContext,
} from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { policyForEnvironment } from '../../../kernel/policy/engine.ts';
import type { Environment } from '../../../kernel/policy/environment.ts';
import { requiredCapabilities, specActions } from '../../../kernel/policy/spec-actions.ts';
import { parseDuration } from './duration.ts';
import { ApprovalErrors } from './errors.ts';
import { KernelErrors } from '../../../kernel/errors/kernel-errors.ts';

/**
 * `byteor approval keygen|sign|verify`: mint and check approval credentials v1 locally
 * (docs/approvals.md). One flag schema for the three actions; each action checks the flags it needs.
 */

const Flags = flags({
  kid: flag.string({ value: 'ID', description: 'signing key id (keygen, sign)' }),
  'private-key': flag.string({
    value: 'PATH',
    description: 'Ed25519 private key PEM (written by keygen, read by sign)',
  }),
  'key-set': flag.string({ value: 'PATH', description: 'trusted key set (default signing_keys.json)' }),
  spec: flag.string({
    value: 'PATH',
    description: 'the approved spec (its hash and required capabilities are derived)',
  }),
  'spec-hash': flag.string({
    value: 'sha256:HEX',
    description: 'the approved spec identity (as printed by validate), instead of --spec',
    schema: SpecHash.optional(),
  }),
  env: flag.string({
    value: 'dev|staging|prod',
    description: 'environment posture the approval is for',
    schema: EnvironmentPosture.optional(),
  }),
  capability: flag.list({
    value: 'CAP',
    description: 'granted (sign) or required (verify) capability',
    schema: z.array(Capability).optional(),
  }),
  ttl: flag.string({
    value: 'DURATION',
    description: 'validity of a signed credential: 90s, 30m, 2h, 7d (default 1h)',
    schema: z
      .string()
      .refine((s) => parseDuration(s) !== undefined, 'must be a duration such as 90s, 30m, 2h or 7d')
      .default('1h'),
  }),
  'org-id': flag.string({
    value: 'ID',
    description: 'payload org_id (default local)',
    schema: z.string().min(1).default('local'),
  }),
  'project-id': flag.string({
    value: 'ID',
    description: 'payload project_id (default local)',
    schema: z.string().min(1).default('local'),
  }),
  'environment-id': flag.string({ value: 'ID', description: 'payload environment_id (default: the --env posture)' }),
  'issued-by': flag.string({ value: 'WHO', description: 'payload issued_by (default $USER@host)' }),
  'approval-id': flag.string({ value: 'ID', description: 'payload approval_id (default a random UUID)' }),
  approval: flag.string({ value: 'PATH|TOKEN', description: 'credential to verify' }),
  out: flag.string({ value: 'PATH', description: 'write the signed credential here (mode 0600) instead of stdout' }),
  now: flag.string({
    value: 'RFC3339',
    description: 'use this time instead of the clock (sign: issued_at; verify: expiry check)',
    schema: z.string().optional(),
  }),
});
type Flags = FlagValues<typeof Flags>;

const ACTIONS = ['keygen', 'sign', 'verify'] as const;

function need<K extends keyof Flags>(flags: Flags, key: K, action: string): NonNullable<Flags[K]> {
  const v = flags[key];
  if (v === undefined)
    throw ApprovalErrors.error(
      'BYTEOR_E_USAGE_MISSING_FLAG',
      `approval ${action} needs --${String(key)}; run "byteor approval --help"`,
    );
  return v as NonNullable<Flags[K]>;
}

/**
 * The spec identity and capabilities an approval is about: `--spec` (its canonical hash, and the
 * capabilities its side-effecting stages need) or `--spec-hash` (capabilities from --capability).
 * Explicit --capability flags always win.
 */
async function specBinding(
  ctx: VerbContext<Flags>,
  action: string,
  env: Environment,
): Promise<{ specHash: string; capabilities: string[] }> {
  const { flags } = ctx;
  if ((flags.spec === undefined) === (flags['spec-hash'] === undefined)) {
    throw ApprovalErrors.error(
      'BYTEOR_E_USAGE_MISSING_FLAG',
      `approval ${action} needs exactly one of --spec=PATH and --spec-hash=sha256:HEX; run "byteor approval --help"`,
    );
  }
  if (flags['spec-hash'] !== undefined) return { specHash: flags['spec-hash'], capabilities: flags.capability ?? [] };
  const loaded = await ctx.loadSpec(flags.spec!);
  const ctxDecide = {
    policy: policyForEnvironment(env, ctx.env),
    mode: 'run' as const,
    dryRun: false,
    approvalPresent: false,
  };
  return {
    specHash: loaded.hash,
    capabilities: flags.capability ?? requiredCapabilities(specActions(loaded.spec, ctx.catalog, ctxDecide)),
  };
}

function keygen(ctx: VerbContext<Flags>): number {
  const { flags } = ctx;
  const kid = need(flags, 'kid', 'keygen');
  const privPath = need(flags, 'private-key', 'keygen');
  const setPath = flags['key-set'] ?? 'signing_keys.json';
  let keys: SigningKey[] = [];
  if (existsSync(setPath)) {
    keys = [...readKeySet(setPath).keys];
    if (keys.some((k) => k.kid === kid)) {
      throw ApprovalErrors.error(
        'BYTEOR_E_APPROVAL_KEYGEN_EXISTS',
        `key set ${setPath} already has a key "${kid}"; choose a new --kid (kids are never reused)`,
      );
    }
  }
  const { privateKeyPem, entry } = generateSigningKey(kid);
  try {
    writeFileSync(privPath, privateKeyPem, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw ApprovalErrors.error(
        'BYTEOR_E_APPROVAL_KEYGEN_EXISTS',
        `${privPath} already exists; keygen never overwrites a private key — choose another --private-key path`,
      );
    throw ApprovalErrors.error(
      'BYTEOR_E_APPROVAL_KEYGEN_WRITE',
      `cannot write ${privPath} (${code ?? (e as Error).message})`,
    );
  }
  writeJsonArtifact(setPath, SigningKeySet, { keys: [...keys, entry] });
  const result = { kid, alg: entry.alg, public_key: entry.public_key, private_key: privPath, key_set: setPath };
  if (ctx.json) ctx.io.out(stableJson(result));
  else
    ctx.io.out(
      `key ${kid}: private key ${privPath} (mode 0600, keep it secret), public key added to ${setPath} as active\n`,
    );
  return ExitCode.OK;
}

async function sign(ctx: VerbContext<Flags>): Promise<number> {
  const { flags } = ctx;
  const privPath = need(flags, 'private-key', 'sign');
  const env = need(flags, 'env', 'sign');
  const kid = need(flags, 'kid', 'sign');
  const { specHash, capabilities } = await specBinding(ctx, 'sign', env);
  let pem: string;
  try {
    pem = readFileSync(privPath, 'utf8');
  } catch (e) {
    throw KernelErrors.error(
      ApprovalErrorCode.PRIVATE_KEY_INVALID,
      `cannot read private key ${privPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const now = flags.now !== undefined ? parseNow(flags.now) : Date.now();
  const payload: ApprovalPayloadV1 = {
    v: 1,
    kid,
    org_id: flags['org-id'],
    project_id: flags['project-id'],
    environment_id: flags['environment-id'] ?? env,
    environment_posture: env,
    spec_hash: specHash,
    capabilities: [...new Set(capabilities)].sort(),
    issued_at: rfc3339(now),
    expires_at: rfc3339(now + parseDuration(flags.ttl)!),
    issued_by: flags['issued-by'] ?? defaultIssuer(ctx.env),
    approval_id: flags['approval-id'] ?? randomUUID(),
  };
  const cred = signApprovalCredential(payload, pem);
  if (flags.out !== undefined) {
    writeFileSync(flags.out, `${cred}\n`, { mode: 0o600 });
    ctx.io.err(
      `approval ${payload.approval_id} for ${payload.spec_hash} (${env}) until ${payload.expires_at} written to ` +
        `${flags.out}\n`,
    );
  }
  if (ctx.json) ctx.io.out(stableJson({ credential: cred, payload }));
  else if (flags.out === undefined) ctx.io.out(`${cred}\n`);
  return ExitCode.OK;
}

async function verify(ctx: VerbContext<Flags>): Promise<number> {
  const { flags } = ctx;
  const cred = findApprovalCredential({ approval: need(flags, 'approval', 'verify') });
  const keySet = readKeySet(flags['key-set'] ?? 'signing_keys.json');
  const environment = need(flags, 'env', 'verify');
  const { specHash, capabilities } = await specBinding(ctx, 'verify', environment);
  const payload = verifyApprovalCredential(cred!.text, keySet, {
    specHash,
    environment,
    capabilities,
    now: flags.now !== undefined ? parseNow(flags.now) : Date.now(),
  });
  if (ctx.json) ctx.io.out(stableJson({ ok: true, source: cred!.source, payload }));
  else
    ctx.io.out(
      `ok: approval ${payload.approval_id} by ${payload.issued_by} (key ${payload.kid}) for ${payload.spec_hash}` +
        ` in ${payload.environment_posture}, capabilities [${payload.capabilities.join(', ')}], expires ` +
        `${payload.expires_at}\n`,
    );
  return ExitCode.OK;
}

function parseNow(text: string): number {
  const t = Date.parse(text);
  if (!Number.isFinite(t))
    throw KernelErrors.error(
      'BYTEOR_E_USAGE_BAD_FLAG',
      `--now=${text} is not a time; use RFC 3339, e.g. 2025-06-01T12:00:00Z`,
    );
  return t;
}

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function defaultIssuer(env: Readonly<Record<string, string | undefined>>): string {
  let user = env.USER ?? env.LOGNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}

export default definePlugin({
  name: 'approval',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: ApprovalErrors,
  setup(host) {
    host.registerVerb({
      name: 'approval',
      summary: 'mint and check approval credentials v1 locally (keygen | sign | verify)',
      usage: [
        'byteor approval keygen --kid=ID --private-key=PATH [--key-set=signing_keys.json]',
        'byteor approval sign   --private-key=PATH --kid=ID (--spec=PATH | --spec-hash=sha256:HEX) ' +
          '--env=dev|staging|prod',
        '                       [--capability=CAP ...] [--ttl=1h] [--issued-by=WHO] [--out=approval.cred]',
        'byteor approval verify --approval=PATH|TOKEN [--key-set=signing_keys.json] (--spec=PATH | ' +
          '--spec-hash=sha256:HEX)',
        '                       --env=dev|staging|prod [--capability=CAP ...]',
        '',
        "With --spec the capabilities default to those the spec's side-effecting stages need.",
        'A capability is a side-effecting stage key (http_post:https://host/path, exec:/bin/prog|arg) or a',
        'family wildcard (http_post:*, exec:*). See docs/approvals.md.',
      ].join('\n'),
      flags: Flags,
      run(ctx) {
        const action = ctx.positionals[0];
        if (ctx.positionals.length !== 1 || !ACTIONS.includes(action as never)) {
          throw KernelErrors.error(
            'BYTEOR_E_USAGE_BAD_ACTION',
            `approval needs one action, keygen, sign or verify` +
              `${action ? ` (got "${ctx.positionals.join(' ')}")` : ''}; run "byteor approval --help"`,
          );
        }
        return action === 'keygen' ? keygen(ctx) : action === 'sign' ? sign(ctx) : verify(ctx);
      },
    });
  },
});
