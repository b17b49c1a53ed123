import { spawn } from 'node:child_process';
import { ByteorError } from '../../kernel/errors.ts';
import type { StageContext, StageFamily, StageHandler } from '../../kernel/plugin-contract.ts';
import { performBatchActions } from './batch-actions.ts';
import { actionCounters, attemptAction, dryRunHandler } from './action-stage.ts';
import type { AttemptOutcome } from './retry.ts';
import { readActionSettings, type ActionSettings } from './settings.ts';
import { ActiongraphErrors } from './errors.ts';

/**
 * `exec:<program>|<arg>|...`: forwards every record unchanged and spawns <program> with the
 * arguments, without a shell (metacharacters are plain bytes), writing the record to its stdin
 * (ByteOr's `byteor_actions::exec`). Disabled unless BYTEOR_EXEC_ALLOWLIST names the program
 * exactly; BYTEOR_EXEC_TIMEOUT kills the child; a non-zero exit (or a signal) is a failure.
 */
export const EXEC_PREFIX = 'exec:';

export interface ExecCmd {
  program: string;
  args: string[];
}

export function parseExecCmd(argument: string): ExecCmd | { error: string } {
  const parts = argument.split('|');
  const program = parts[0]!;
  if (program.length === 0) return { error: 'exec: needs a program, e.g. exec:/usr/bin/logger|-t|byteor' };
  if (parts.some((p) => p.includes('\0')))
    return { error: 'exec: the program and its arguments cannot contain NUL bytes' };
  return { program, args: parts.slice(1) };
}

export function execNotAllowed(key: string, program: string, allowlist: readonly string[] | null): ByteorError {
  if (allowlist === null) {
    return ActiongraphErrors.error(
      'BYTEOR_E_ACTION_EXEC_DISABLED',
      `stage ${key}: exec stages are disabled; set BYTEOR_EXEC_ALLOWLIST to a comma-separated list of programs ` +
        `that may run (it must contain "${program}" exactly)`,
      { stage: key, program, variable: 'BYTEOR_EXEC_ALLOWLIST' },
    );
  }
  return ActiongraphErrors.error(
    'BYTEOR_E_ACTION_NOT_ALLOWLISTED',
    `stage ${key}: program "${program}" is not on BYTEOR_EXEC_ALLOWLIST (${allowlist.join(',')}); entries must ` +
      `match the program string exactly`,
    { stage: key, program, variable: 'BYTEOR_EXEC_ALLOWLIST' },
  );
}

/** Spawn failures that say "try again later"; every other failure is final. */
const TRANSIENT_SPAWN_ERRORS = new Set(['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM']);
const STDERR_TAIL_BYTES = 2048;

/** Run the program once with the record on stdin. */
export function execOnce(cmd: ExecCmd, bytes: Uint8Array, timeoutMs: number): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (o: AttemptOutcome) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(o);
      }
    };
    let timedOut = false;
    let stderr = '';
    const child = spawn(cmd.program, cmd.args, { shell: false, stdio: ['pipe', 'ignore', 'pipe'], windowsHide: true });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      settle({
        ok: false,
        retryable: TRANSIENT_SPAWN_ERRORS.has(e.code ?? ''),
        reason: `cannot start ${cmd.program}: ${e.code ?? e.message}`,
      });
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_TAIL_BYTES);
    });
    // a child that exits without reading its stdin closes the pipe: that alone is not a failure
    child.stdin!.on('error', () => {});
    child.stdin!.end(bytes);
    child.on('close', (code, signal) => {
      const tail = stderr.trim() ? ` (stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')})` : '';
      if (timedOut)
        settle({
          ok: false,
          retryable: false,
          timedOut: true,
          reason: `killed after ${timeoutMs} ms (BYTEOR_EXEC_TIMEOUT)${tail}`,
        });
      else if (code === 0) settle({ ok: true });
      else if (signal) settle({ ok: false, retryable: false, reason: `killed by ${signal}${tail}` });
      else settle({ ok: false, retryable: false, reason: `exit status ${code}${tail}` });
    });
  });
}

function createExec(ctx: StageContext, settings: ActionSettings = readActionSettings(ctx.env)): StageHandler {
  const cmd = parseExecCmd(ctx.argument);
  if ('error' in cmd) throw ActiongraphErrors.error('BYTEOR_E_ACTION_BAD_KEY', cmd.error, { stage: ctx.key });
  const c = actionCounters(ctx);
  if (ctx.dryRun) return dryRunHandler(c);
  if (settings.execAllowlist === null || !settings.execAllowlist.includes(cmd.program))
    throw execNotAllowed(ctx.key, cmd.program, settings.execAllowlist);
  const perform = async (bytes: Uint8Array, sequence: number): Promise<void> => {
    const { outcome, attempts } = await attemptAction(c, settings.retry, bytes, () =>
      execOnce(cmd, bytes, settings.execTimeoutMs),
    );
    if (outcome.ok) return;
    const timedOut = !outcome.ok && outcome.timedOut === true;
    throw ActiongraphErrors.error(
      timedOut ? 'BYTEOR_E_ACTION_EXEC_TIMEOUT' : 'BYTEOR_E_ACTION_EXEC_FAILED',
      `stage ${ctx.key} failed on record ${sequence}: ${cmd.program} ${outcome.reason}` +
        `${attempts > 1 ? ` after ${attempts} attempts` : ''}` +
        (timedOut
          ? '; make the program finish sooner or raise BYTEOR_EXEC_TIMEOUT'
          : '; the program must exit with status 0 for the record to pass'),
      { stage: ctx.key, sequence, program: cmd.program, attempts, reason: outcome.reason },
    );
  };
  return { onBatch: (batch) => performBatchActions(batch, settings.concurrency, perform) };
}

export const execFamily: StageFamily = {
  prefix: EXEC_PREFIX,
  summary: 'forward each record and run an allowlisted program (no shell) with the record on stdin',
  policyClass: 'side_effect',
  replay: 'dry_run_only',
  check(_key, argument) {
    const cmd = parseExecCmd(argument);
    return 'error' in cmd ? cmd.error : undefined;
  },
  capabilities: (key) => [key],
  create: (ctx) => createExec(ctx),
};
