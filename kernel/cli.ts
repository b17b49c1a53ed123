import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageVersion } from './version.ts';
import { DEFAULT_PLUGINS, defaultPluginsFor } from './builtin-plugins.ts';
import { ByteorError, isByteorError } from './errors.ts';
import { EXIT_CODE_TABLE, ExitCode } from './exit-codes.ts';
import { GLOBAL_FLAGS, GLOBAL_OPTIONS } from './global-options.ts';
import { flagSynopsis, parseArgsOptions, type FlagOption } from './flags.ts';
import { Kernel } from './plugin-host.ts';
import { loadPlugins } from './plugin-loader.ts';
import { closestName } from './suggest.ts';
import { verbCapabilities } from './verb-capabilities.ts';
import { PACKAGE_ROOT } from './package-paths.ts';
import type { z } from 'zod';
import type { VerbDefinition, VerbIO } from './plugin-contract.ts';
import { KernelErrors } from './errors/kernel-errors.ts';
import { discardSpareStageWorker } from './exec/stage-worker-start.ts';
import { prescan, startAhead } from './cli-prescan.ts';

export { GLOBAL_OPTIONS } from './global-options.ts';

export interface CliOptions {
  /** plugins loaded before `--plugin` ones (the product shortcut binaries) */
  preload?: readonly string[];
  /** program name for help text */
  prog?: string;
  io?: VerbIO;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}

export function defaultIO(): VerbIO {
  const tty = Boolean(process.stderr.isTTY);
  return {
    out: (t) => {
      process.stdout.write(t);
    },
    err: (t) => {
      process.stderr.write(t);
    },
    tty,
    color: tty && !process.env.NO_COLOR,
  };
}

export { packageVersion } from './version.ts';

/** Run one CLI invocation; returns the exit code (never calls process.exit). */
export async function main(argv: readonly string[], opts: CliOptions = {}): Promise<number> {
  const io = opts.io ?? defaultIO();
  const prog = opts.prog ?? 'byteor';
  const wantsJson = argv.includes('--json');
  try {
    const scanned = prescan(argv);
    const { plugins, verbName, rest } = scanned;
    startAhead(scanned);
    if (argv.includes('--version') && !verbName) {
      io.out(`${packageVersion()}\n`);
      return ExitCode.OK;
    }
    const kernel = new Kernel();
    await loadPlugins(kernel, [...defaultPluginsFor(verbName), ...(opts.preload ?? []), ...plugins], opts.cwd);
    kernel.hooks.pluginsLoaded.call();

    if (!verbName) {
      const asked = argv.includes('--help') || argv.includes('-h');
      (asked ? io.out : io.err)(globalHelp(kernel, prog));
      return asked ? ExitCode.OK : ExitCode.USAGE;
    }
    const entry = kernel.verb(verbName);
    if (!entry) {
      const near = closestName(
        verbName,
        kernel.verbs().map((v) => v.verb.name),
      );
      throw KernelErrors.error(
        'BYTEOR_E_USAGE_UNKNOWN_VERB',
        `unknown verb "${verbName}"${near ? `; did you mean "${near}"?` : ''}; run "${prog} --help" for the ` +
          `list of verbs (a plugin may provide it: --plugin=NAME)`,
      );
    }
    const verb = entry.verb;
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(
        verbHelp(
          verb,
          prog,
          kernel.verbExtensions(verb.name).map((e) => e.ext.flags.options),
        ),
      );
      return ExitCode.OK;
    }

    const extensions = kernel.verbExtensions(verb.name);
    const options: Record<string, FlagOption> = { ...GLOBAL_OPTIONS, ...verb.flags.options };
    for (const { ext, plugin } of extensions) {
      for (const [name, o] of Object.entries(ext.flags.options)) {
        if (name in options)
          throw KernelErrors.error(
            'BYTEOR_E_PLUGIN_DUPLICATE',
            `plugin "${plugin}" adds flag --${name} to verb "${verb.name}", which already has it`,
          );
        options[name] = o;
      }
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: parseArgsOptions(options),
        strict: true,
        allowPositionals: true,
      });
    } catch (e) {
      throw badFlag(e, options, prog, verb.name);
    }
    const values = { ...parsed.values } as Record<string, unknown>;
    const { json } = GLOBAL_FLAGS.schema.parse(pick(values, Object.keys(GLOBAL_OPTIONS)));
    const merged: Record<string, unknown> = {
      ...(parseFlags(verb.flags.schema, pick(values, Object.keys(verb.flags.options)), prog, verb.name) as object),
    };
    for (const { ext } of extensions)
      Object.assign(
        merged,
        parseFlags(ext.flags.schema, pick(values, Object.keys(ext.flags.options)), prog, verb.name),
      );
    return await verb.run({
      ...verbCapabilities(kernel),
      flags: merged,
      json,
      positionals: parsed.positionals,
      io,
      env: opts.env ?? process.env,
      argv: [...argv],
    });
  } catch (e) {
    return reportError(e, io, wantsJson);
  } finally {
    await discardSpareStageWorker();
  }
}

/** node:util parseArgs's error, said in our words: the flag, what is wrong, the nearest real flag. */
function badFlag(e: unknown, options: Record<string, FlagOption>, prog: string, verb: string): ByteorError {
  const help = `run "${prog} ${verb} --help" for its flags`;
  const code = (e as { code?: string }).code;
  const message = (e as Error).message ?? String(e);
  const named = /'(-{1,2}[^'\s=]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && named) {
    const typed = named.replace(/^-+/, '');
    const near = closestName(typed, Object.keys(options));
    return KernelErrors.error(
      'BYTEOR_E_USAGE_BAD_FLAG',
      `unknown flag ${named} for "${prog} ${verb}"${near ? `; did you mean --${near}?` : ''}; ${help}`,
      { flag: named },
    );
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && named) {
    const name = named.replace(/^-+/, '');
    const o = options[name] ?? Object.values(options).find((x) => x.short === name);
    const flag = options[name] ? `--${name}` : named;
    return KernelErrors.error(
      'BYTEOR_E_USAGE_BAD_FLAG',
      o?.type === 'boolean'
        ? `${flag} takes no value; ${help}`
        : `${flag} needs a value: ${flag}=${o?.value ?? 'VALUE'}; ${help}`,
      { flag },
    );
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return KernelErrors.error(
      'BYTEOR_E_USAGE_BAD_FLAG',
      `"${prog} ${verb}" takes no positional arguments: ${message.split('\n')[0]}; ${help}`,
    );
  }
  return KernelErrors.error('BYTEOR_E_USAGE_BAD_FLAG', `${message.split('\n')[0]}; ${help}`);
}

function pick(values: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (values[k] !== undefined) out[k] = values[k];
  return out;
}

function parseFlags(schema: z.ZodType, values: Record<string, unknown>, prog: string, verb: string): unknown {
  const r = schema.safeParse(values);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const flag = issue.path.length ? `--${issue.path.join('.')}` : 'flags';
  throw KernelErrors.error('BYTEOR_E_USAGE_BAD_FLAG', `${flag}: ${issue.message}; run "${prog} ${verb} --help"`);
}

export function reportError(e: unknown, io: VerbIO, json: boolean): number {
  const err: ByteorError = isByteorError(e)
    ? e
    : KernelErrors.error(
        'BYTEOR_E_INTERNAL',
        `internal error: ${e instanceof Error ? e.message : String(e)} (this is a bug; please report it with ` +
          `the command line)`,
      );
  io.err(`error[${err.code}]: ${err.message}\n`);
  if (!isByteorError(e) && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
  if (json) io.out(JSON.stringify({ ok: false, error: err.toJSON() }, null, 2) + '\n');
  return err.exitCode;
}

function exitTable(): string {
  return EXIT_CODE_TABLE.map(([c, m]) => `  ${c}  ${m}`).join('\n');
}

function flagLines(options: Record<string, FlagOption>): string {
  return Object.entries(options)
    .map(([name, o]) => {
      return `  ${flagSynopsis(name, o).padEnd(38)} ${o.description}`;
    })
    .join('\n');
}

export function globalHelp(kernel: Kernel, prog: string): string {
  const verbs = kernel
    .verbs()
    .map(
      ({ verb, plugin }) =>
        `  ${verb.name.padEnd(18)} ${verb.summary}` +
        `${plugin.startsWith('(') || isVerbPlugin(plugin) ? '' : `  [${plugin}]`}`,
    )
    .join('\n');
  return (
    `usage: ${prog} <verb> [--flags] [--plugin=NAME|PATH|PACKAGE] [--json]\n\nverbs:\n${verbs}\n\nglobal flags:\n` +
    `${flagLines(GLOBAL_OPTIONS)}\n\nexit codes:\n${exitTable()}\n\n"${prog} <verb> --help" shows a verb's flags.\n` +
    `${whereToRead(prog)}`
  );
}

/** Where the docs and examples are, in this installation (a checkout or node_modules/byteor). */
function whereToRead(prog: string): string {
  return (
    `docs: ${join(PACKAGE_ROOT, 'README.md')} and ${join(PACKAGE_ROOT, 'docs')}/ (cli.md, errors.md, ` +
    `operator-flow.md)\nexamples: ${join(PACKAGE_ROOT, 'examples')}/ (try: ${prog} run --sp --spec=` +
    `${join(PACKAGE_ROOT, 'examples', 'chain.kv')} --input=${join(PACKAGE_ROOT, 'examples', 'records.txt')})\n`
  );
}

function isVerbPlugin(p: string) {
  return DEFAULT_PLUGINS.includes(p);
}

export function verbHelp(verb: VerbDefinition<any>, prog: string, extra: Record<string, FlagOption>[] = []): string {
  const more = extra.map((o) => `\n${flagLines(o)}`).join('');
  return (
    `usage: ${prog} ${verb.name} [--flags]\n\n${verb.summary}\n${verb.usage ? `\n${verb.usage.trimEnd()}\n` : ''}` +
    `\nflags:\n${flagLines(verb.flags.options)}${more}\n${flagLines(GLOBAL_OPTIONS)}\n\nexit codes:\n${exitTable()}` +
    `\n\n${whereToRead(prog)}`
  );
}
