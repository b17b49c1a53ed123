import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { flag, flags, flagSynopsis, isFlagSet, parseArgsOptions, type FlagValues } from '../../kernel/flags.ts';
import { main } from '../../kernel/cli.ts';
import { Kernel } from '../../kernel/plugin-host.ts';
import { definePlugin, PLUGIN_API_VERSION, type ByteorError } from '../../kernel/index.ts';
import { ExitCode } from '../../kernel/exit-codes.ts';
import { captureIO } from './capture-io.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const ECHO = './test/kernel/fixtures/echo-verb-plugin.ts';

const F = flags({
  spec: flag.string({ value: 'PATH', description: 'the spec' }),
  sp: flag.boolean({ description: 'one-shot' }),
  tag: flag.list({ short: 't', value: 'TAG', description: 'a tag' }),
  n: flag.string({
    value: 'N',
    description: 'a count',
    schema: z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).default(3),
  }),
  mode: flag.string({ value: 'a|b', description: 'a mode', schema: z.enum(['a', 'b']).optional() }),
  quiet: flag.boolean({ description: 'quiet', schema: z.boolean().optional() }),
});

// the parsed type is inferred from the one declaration (a wrong inference fails `tsc --noEmit`)
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const inferred: Equal<
  FlagValues<typeof F>,
  {
    spec?: string | undefined;
    sp: boolean;
    tag: string[];
    n: number;
    mode?: 'a' | 'b' | undefined;
    quiet?: boolean | undefined;
  }
> = true;

test('flags(): parse facts and help facts per flag, in declaration order, without the schema', () => {
  assert.ok(inferred);
  assert.equal(Object.keys(F.options), ['spec', 'sp', 'tag', 'n', 'mode', 'quiet']);
  assert.equal(F.options.spec, { type: 'string', value: 'PATH', description: 'the spec' });
  assert.equal(F.options.sp, { type: 'boolean', description: 'one-shot' });
  assert.equal(F.options.tag, { type: 'string', multiple: true, short: 't', value: 'TAG', description: 'a tag' });
  assert.equal(Object.keys(F.schema.shape), Object.keys(F.options));
  assert.equal(parseArgsOptions(F.options), {
    spec: { type: 'string' },
    sp: { type: 'boolean' },
    tag: { type: 'string', multiple: true, short: 't' },
    n: { type: 'string' },
    mode: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  assert.is(flagSynopsis('spec', F.options.spec!), '--spec=PATH');
  assert.is(flagSynopsis('tag', F.options.tag!), '--tag=TAG (repeatable)');
  assert.is(flagSynopsis('sp', F.options.sp!), '--sp');
  assert.ok(isFlagSet(F));
  assert.not.ok(isFlagSet({ options: {}, schema: {} }));
  assert.not.ok(isFlagSet(undefined));
});

test('defaults: a string flag is optional, a switch false, a list empty; a given schema supplies its own', () => {
  assert.equal(F.schema.parse({}), { sp: false, tag: [], n: 3 });
  const { values } = parseArgs({
    args: ['--spec=s.kv', '--sp', '-t', 'a', '--tag=b', '--n=12', '--mode=b', '--quiet'],
    options: parseArgsOptions(F.options),
    strict: true,
  });
  const v = F.schema.parse(values);
  assert.equal(v, { spec: 's.kv', sp: true, tag: ['a', 'b'], n: 12, mode: 'b', quiet: true });
  assert.is(typeof v.n, 'number');
});

test("validation: the default string schema refuses an empty value; a given schema's messages are kept", () => {
  const empty = F.schema.safeParse({ spec: '' });
  assert.not.ok(empty.success);
  assert.equal(empty.error!.issues[0]!.path, ['spec']);
  const bad = F.schema.safeParse({ n: 'x' });
  assert.is(bad.error!.issues[0]!.message, 'must be a whole number');
  assert.not.ok(F.schema.safeParse({ mode: 'c' }).success);
});

async function cli(args: string[]) {
  const io = captureIO();
  const code = await main(args, { io, cwd: repo, env: {} });
  return { code, out: io.stdout(), err: io.stderr() };
}

test(
  "through the CLI: a bad value is BYTEOR_E_USAGE_BAD_FLAG with the schema's message; a value given to a switch " +
    'is refused',
  async () => {
    const r = await cli(['echo', `--plugin=${ECHO}`, '--count=zero']);
    assert.is(r.code, ExitCode.USAGE);
    assert.is(
      r.err,
      'error[BYTEOR_E_USAGE_BAD_FLAG]: --count: must be a positive whole number; run "byteor echo --help"\n',
    );
    const s = await cli(['echo', `--plugin=${ECHO}`, '--loud=yes']);
    assert.is(s.code, ExitCode.USAGE);
    assert.match(s.err, /--loud takes no value/);
    const run = await cli(['run', '--sp', '--adapter-max-messages=0']);
    assert.is(
      run.err,
      'error[BYTEOR_E_USAGE_BAD_FLAG]: --adapter-max-messages: must be a whole number >= 1; run "byteor run --help"\n',
    );
  },
);

test("a plugin that declares a verb's or an extension's flags without flags() is refused when it registers", () => {
  for (const [label, setup] of [
    [
      'verb',
      (h: import('../../kernel/plugin-contract.ts').PluginHost) =>
        h.registerVerb({ name: 'old', summary: 'old', options: {}, schema: z.object({}), run: () => 0 } as never),
    ],
    [
      'extension',
      (h: import('../../kernel/plugin-contract.ts').PluginHost) =>
        h.extendVerb({
          verb: 'run',
          options: { x: { type: 'boolean', description: '' } },
          schema: z.object({}),
        } as never),
    ],
  ] as const) {
    const k = new Kernel();
    let err: ByteorError | undefined;
    try {
      k.install(
        definePlugin({ name: 'old-style', version: '1.0.0', apiVersion: PLUGIN_API_VERSION, setup }),
        'file:///old.js',
      );
    } catch (e) {
      err = e as ByteorError;
    }
    assert.ok(err, label);
    assert.is(err!.code, 'BYTEOR_E_PLUGIN_INVALID', label);
    assert.match(err!.message, /plugin "old-style" declares the flags of .* without flags\(\{\.\.\.\}\)/, label);
    assert.is(k.plugins.length, 0, label);
  }
});

test.run();
