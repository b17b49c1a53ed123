/**
 * The CLI's first look at its arguments, before any plugin is loaded (plugins can add verbs and
 * flags, so full parsing waits for them): the `--plugin` values, the verb and the rest; and what
 * an invocation starts ahead of the CLI's loading (`startAhead`). Light on purpose: the process
 * entry (main.ts) reads it before it imports the CLI.
 */
import { prestartStageWorker } from './exec/stage-worker-start.ts';
import { KernelErrors } from './errors/kernel-errors.ts';

export interface Prescan {
  plugins: string[];
  verbName: string | undefined;
  rest: string[];
}

/** Find `--plugin` values and the verb before full parsing (plugins can add verbs and flags). */
export function prescan(argv: readonly string[]): Prescan {
  const plugins: string[] = [];
  const rest: string[] = [];
  let verbName: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--plugin') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--'))
        throw KernelErrors.error('BYTEOR_E_USAGE_BAD_FLAG', '--plugin needs a value: --plugin=NAME|PATH|PACKAGE');
      plugins.push(v);
    } else if (a.startsWith('--plugin=')) {
      const v = a.slice('--plugin='.length);
      if (!v) throw KernelErrors.error('BYTEOR_E_USAGE_BAD_FLAG', '--plugin needs a value: --plugin=NAME|PATH|PACKAGE');
      plugins.push(v);
    } else if (verbName === undefined && !a.startsWith('-')) {
      verbName = a;
    } else {
      rest.push(a);
    }
  }
  return { plugins, verbName, rest };
}

/**
 * `byteor run --sp`, a one-shot run, is over in a fraction of a second, of which its stage
 * worker's boot would be a large part: its first stage worker boots while the CLI, the plugins
 * and the spec load (kernel/exec/stage-worker-start.ts; the CLI terminates it if the run does not
 * take it). Not for help, nor the long-running form (its run directory is claimed first, and its
 * start-up is not its wall time). Idempotent.
 */
export function startAhead(scan: Prescan): void {
  const { verbName, rest } = scan;
  if (verbName === 'run' && rest.includes('--sp') && !rest.includes('--help') && !rest.includes('-h'))
    prestartStageWorker();
}
