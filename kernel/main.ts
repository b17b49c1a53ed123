/**
 * Process entry: `node kernel/main.ts` (dev, through tsx) and the compiled `bin/*.js`. Its V8
 * flags (`--no-liftoff`, `--no-memory-reducer`: kernel/runtime-flags.ts) are set before anything
 * compiles WebAssembly or starts a worker.
 */
import { setRuntimeV8Flags } from './runtime-flags.ts';
setRuntimeV8Flags();

// what this invocation starts ahead (byteor run --sp: its first stage worker) starts before the CLI
// loads; a bad argument is the CLI's to report
try {
  const { prescan, startAhead } = await import('./cli-prescan.ts');
  startAhead(prescan(process.argv.slice(2)));
} catch {
  /* reported by main() */
}
const { main } = await import('./cli.ts');
const preload = (process.env.BYTEOR_PRELOAD_PLUGINS ?? '').split(',').filter(Boolean);
process.exitCode = await main(process.argv.slice(2), { preload, prog: process.env.BYTEOR_PROG ?? 'byteor' });

// A plugin import that timed out cannot be cancelled, and a timer or socket its module code
// started would keep this process alive for ever: end it once what was reported is written.
const { abandonedPluginImports } = await import('./plugin-import-timeout.ts');
if (abandonedPluginImports() > 0) process.stdout.write('', () => process.stderr.write('', () => process.exit()));
