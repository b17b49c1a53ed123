/**
 * One bench in its own process (started by bench/suite/child-process.ts): a fresh heap, JIT
 * and thread set per bench, and the GC probe preloaded into every thread. Runs the named bench,
 * peer or micro suite with the options from BYTEOR_BENCH_OPTIONS and sends the result to the
 * parent over IPC (or prints it as JSON when started by hand), then exits even if a thread of
 * the contender is still winding down.
 */
import { setRuntimeV8Flags } from '../../kernel/runtime-flags.ts';
import { usableCores } from './machine.ts';
import { SuiteOptions } from './options.ts';
import { batchOneBase, isContender, isMicro, referenceOf } from './registry.ts';
import { loadContender, loadMicro } from './loaders.ts';
import { microMaxTime } from './micro-time.ts';

// the flags the CLI sets on itself (kernel/main.ts), before any contender starts a worker
setRuntimeV8Flags();
const name = process.argv[2] ?? '';
const options = SuiteOptions.parse(JSON.parse(process.env.BYTEOR_BENCH_OPTIONS ?? 'null'));

let message: unknown;
if (isContender(name)) {
  const def = await loadContender(name);
  // a batch-1 name runs its base module at one record per publish, reported under its own name
  const base = batchOneBase(name);
  const result = await def.run({ options: base ? { ...options, batch: 1 } : options, cores: usableCores() });
  message = { type: 'bench', result: base ? { ...result, name, reference: referenceOf(name) } : result };
} else if (isMicro(name)) {
  const def = await loadMicro(name);
  message = { type: 'micro', result: await def.run({ maxTimeS: microMaxTime(options.durationS) }) };
} else {
  process.stderr.write(`bench child: unknown name "${name}"\n`);
  process.exit(2);
}

if (process.send) process.send(message, () => process.exit(0));
else {
  process.stdout.write(`${JSON.stringify(message, null, 2)}\n`);
  process.exit(0);
}
