import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../kernel/plugin-host.ts';
import {
  definePlugin,
  defineErrors,
  ByteorError,
  ExitCode,
  flag,
  flags,
  PLUGIN_API_VERSION,
  type PluginDefinition,
  type PluginHost,
  type StageFamily,
} from '../../kernel/index.ts';

const stage = (key: string, extra: Partial<StageFamily> = {}): StageFamily => ({
  key,
  summary: key,
  policyClass: 'pure',
  replay: 'supported',
  create: () => ({ onBatch() {} }),
  ...extra,
});
const prefix = (p: string, extra: Partial<StageFamily> = {}): StageFamily => ({
  prefix: p,
  summary: p,
  policyClass: 'pure',
  replay: 'supported',
  create: () => ({ onBatch() {} }),
  ...extra,
});
/** flags from FlagOption-like records (the flag set a plugin would declare with flag.string/flag.boolean) */
const fs = (o: Record<string, { type: 'string' | 'boolean'; short?: string; description: string }>) =>
  flags(
    Object.fromEntries(Object.entries(o).map(([n, f]) => [n, f.type === 'boolean' ? flag.boolean(f) : flag.string(f)])),
  );
const verb = (name: string) => ({ name, summary: name, flags: flags({}), run: () => 0 });

function plugin(name: string, setup: (h: PluginHost) => void, more: Partial<PluginDefinition> = {}) {
  return definePlugin({ name, version: '1.0.0', apiVersion: PLUGIN_API_VERSION, setup, ...more });
}

/** Run fn, expect a ByteorError, return it. */
function throwsByteor(fn: () => unknown): ByteorError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ByteorError, `expected a ByteorError, got ${String(e)}`);
    return e as ByteorError;
  }
  throw new assert.Assertion({
    message: 'expected a throw',
    operator: 'throws',
    actual: 'no throw',
    expects: 'ByteorError',
  });
}
async function rejectsByteor(p: Promise<unknown>): Promise<ByteorError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ByteorError, `expected a ByteorError, got ${String(e)}`);
    return e as ByteorError;
  }
  throw new assert.Assertion({
    message: 'expected a rejection',
    operator: 'rejects',
    actual: 'resolved',
    expects: 'ByteorError',
  });
}

/** Everything a kernel has registered, to compare before/after a failed install. */
function inventory(k: Kernel) {
  return {
    plugins: k.plugins.map((p) => p.name),
    specifiers: [...k.pluginSpecifiers],
    verbs: k.verbs().map((v) => v.verb.name),
    stages: k.stages().map((s) => s.family.key ?? s.family.prefix),
    adapters: k.adapters().map((a) => a.adapter.kind),
    sections: k.snapshotSections().map((s) => s.section.name),
    artifacts: k.bundleArtifacts().map((a) => a.artifact.file),
    ext: k.verbExtensions('run').length,
    taps: Object.fromEntries(
      Object.entries(k.hooks).map(([n, h]) => [n, (h as unknown as { taps: unknown[] }).taps.length]),
    ),
  };
}

test('apiVersion mismatch names the plugin and both versions; nothing is installed', () => {
  const k = new Kernel();
  const before = inventory(k);
  const e = throwsByteor(() =>
    k.install(
      { name: 'future-plugin', version: '9.0.0', apiVersion: 2, setup: (h) => h.registerStage(stage('x')) },
      'file:///x.js',
    ),
  );
  assert.is(e.code, 'BYTEOR_E_PLUGIN_API_VERSION');
  assert.match(e.message, /"future-plugin"/);
  assert.match(e.message, /version 2\b/);
  assert.match(e.message, new RegExp(`version ${PLUGIN_API_VERSION}\\b`));
  assert.equal(e.details, {
    plugin: 'future-plugin',
    hook: 'load',
    plugin_api_version: 2,
    kernel_api_version: PLUGIN_API_VERSION,
  });
  assert.equal(inventory(k), before);
});

test('a plugin whose setup throws leaves nothing behind, and can be fixed and installed', () => {
  const k = new Kernel();
  k.install(
    plugin('base', (h) => h.registerStage(stage('base'))),
    'file:///base.js',
  );
  const before = inventory(k);
  const broken = plugin('half', (h) => {
    h.registerVerb(verb('half'));
    h.registerStage(stage('half_stage'));
    h.registerAdapter({ kind: 'half', summary: '', direction: 'both' });
    h.registerSnapshotSection({ name: 'half', collect: () => ({}) });
    h.registerBundleArtifact({ file: 'half.json', write: () => false });
    h.extendVerb({ verb: 'run', flags: fs({ half: { type: 'boolean', description: '' } }) });
    h.hooks.pluginsLoaded.tap('half', () => {});
    h.hooks.runStarting.tapPromise('half', async () => {});
    throw new Error('config file missing');
  });
  const e = throwsByteor(() => k.install(broken, 'file:///half.js'));
  assert.is(e.code, 'BYTEOR_E_PLUGIN_SETUP');
  assert.is(e.exitCode, ExitCode.RUNTIME_FAILURE);
  assert.equal(e.details, { plugin: 'half', hook: 'setup' });
  assert.match(e.message, /plugin "half" failed in setup: config file missing/);
  assert.equal(inventory(k), before);
  assert.not.ok(k.hasPlugin('half'));
  k.install(
    plugin('half', (h) => h.registerStage(stage('half_stage'))),
    'file:///half2.js',
  );
  assert.ok(k.resolveStage('half_stage'));
});

test('duplicate stage keys across plugins name both plugins; the second plugin is not installed at all', () => {
  const k = new Kernel();
  k.install(
    plugin('first', (h) => {
      h.registerStage(stage('enrich'));
      h.registerStage(prefix('geo:'));
    }),
    'file:///1.js',
  );
  const before = inventory(k);
  const e = throwsByteor(() =>
    k.install(
      plugin('second', (h) => {
        h.registerVerb(verb('second'));
        h.registerStage(stage('enrich'));
      }),
      'file:///2.js',
    ),
  );
  assert.is(e.code, 'BYTEOR_E_PLUGIN_DUPLICATE');
  assert.match(e.message, /plugin "second" registers stage key "enrich", which plugin "first" already provides/);
  assert.equal(e.details, { plugin: 'second', hook: 'setup', conflict: 'enrich', owner: 'first' });
  assert.equal(inventory(k), before);
  const p = throwsByteor(() =>
    k.install(
      plugin('third', (h) => h.registerStage(prefix('geo:'))),
      'file:///3.js',
    ),
  );
  assert.is(p.code, 'BYTEOR_E_PLUGIN_DUPLICATE');
  assert.match(p.message, /"geo:", which plugin "first"/);
});

test('duplicates within one plugin and of every other registry are refused', () => {
  const cases: Array<[string, (h: PluginHost) => void, RegExp]> = [
    [
      'stage twice',
      (h) => {
        h.registerStage(stage('a'));
        h.registerStage(stage('a'));
      },
      /stage key "a" twice/,
    ],
    [
      'prefix twice',
      (h) => {
        h.registerStage(prefix('p:'));
        h.registerStage(prefix('p:'));
      },
      /stage key "p:" twice/,
    ],
    [
      'verb twice',
      (h) => {
        h.registerVerb(verb('v'));
        h.registerVerb(verb('v'));
      },
      /verb "v" twice/,
    ],
    [
      'adapter twice',
      (h) => {
        h.registerAdapter({ kind: 'k', summary: '', direction: 'both' });
        h.registerAdapter({ kind: 'k', summary: '', direction: 'both' });
      },
      /adapter kind "k" twice/,
    ],
    [
      'section twice',
      (h) => {
        h.registerSnapshotSection({ name: 's', collect: () => 1 });
        h.registerSnapshotSection({ name: 's', collect: () => 1 });
      },
      /snapshot section "s" twice/,
    ],
    [
      'artifact twice',
      (h) => {
        h.registerBundleArtifact({ file: 'f', write: () => true });
        h.registerBundleArtifact({ file: 'f', write: () => true });
      },
      /bundle artifact "f" twice/,
    ],
    [
      'flag twice',
      (h) => {
        h.extendVerb({ verb: 'run', flags: fs({ x: { type: 'boolean', description: '' } }) });
        h.extendVerb({ verb: 'run', flags: fs({ x: { type: 'boolean', description: '' } }) });
      },
      /--x of verb run/,
    ],
  ];
  for (const [label, setup, re] of cases) {
    const k = new Kernel();
    const e = throwsByteor(() => k.install(plugin('dup', setup), 'file:///dup.js'));
    assert.is(e.code, 'BYTEOR_E_PLUGIN_DUPLICATE', label);
    assert.match(e.message, re, label);
    assert.is(k.plugins.length, 0, label);
  }
  const k = new Kernel();
  k.install(
    plugin('owner', (h) => {
      h.registerVerb(verb('v'));
      h.registerAdapter({ kind: 'k', summary: '', direction: 'both' });
      h.registerSnapshotSection({ name: 's', collect: () => 1 });
      h.registerBundleArtifact({ file: 'f', write: () => true });
      h.extendVerb({ verb: 'run', flags: fs({ x: { type: 'boolean', description: '' } }) });
    }),
    'file:///o.js',
  );
  for (const [what, setup] of [
    ['verb', (h: PluginHost) => h.registerVerb(verb('v'))],
    ['adapter kind', (h: PluginHost) => h.registerAdapter({ kind: 'k', summary: '', direction: 'both' })],
    ['snapshot section', (h: PluginHost) => h.registerSnapshotSection({ name: 's', collect: () => 1 })],
    ['bundle artifact', (h: PluginHost) => h.registerBundleArtifact({ file: 'f', write: () => true })],
    [
      'flag --x of verb',
      (h: PluginHost) => h.extendVerb({ verb: 'run', flags: fs({ x: { type: 'string', description: '' } }) }),
    ],
  ] as const) {
    const e = throwsByteor(() => k.install(plugin('other', setup), 'file:///other.js'));
    assert.is(e.code, 'BYTEOR_E_PLUGIN_DUPLICATE', what);
    assert.match(
      e.message,
      new RegExp(`registers ${what.replace(/-/g, '\\-')} .*which plugin "owner" already provides`),
      what,
    );
  }
  // a flag that the (already registered) verb itself has
  k.install(
    plugin('verb-owner', (h) =>
      h.registerVerb({ ...verb('w'), flags: fs({ mode: { type: 'string', description: '' } }) }),
    ),
    'file:///w.js',
  );
  const e = throwsByteor(() =>
    k.install(
      plugin('flagger', (h) => h.extendVerb({ verb: 'w', flags: fs({ mode: { type: 'string', description: '' } }) })),
      'file:///f.js',
    ),
  );
  assert.is(e.code, 'BYTEOR_E_PLUGIN_DUPLICATE');
  assert.match(e.message, /flag --mode of verb "w", which plugin "verb-owner" already provides/);
});

test(
  'a duplicate flag is refused when it is registered, whichever of the verb and the extension comes first; ' +
    'nothing is left',
  () => {
    const ext = (
      v: string,
      options: Record<string, { type: 'string' | 'boolean'; short?: string; description: string }>,
    ) => ({ verb: v, flags: fs(options) });
    const withOpts = (
      name: string,
      options: Record<string, { type: 'string' | 'boolean'; short?: string; description: string }>,
    ) => ({ ...verb(name), flags: fs(options) });

    // the extension first, the verb (another plugin) later: the verb's plugin is refused, naming both
    const k = new Kernel();
    k.install(
      plugin('ext-first', (h) => h.extendVerb(ext('late', { mode: { type: 'string', description: '' } }))),
      'file:///e.js',
    );
    const before = inventory(k);
    const e = throwsByteor(() =>
      k.install(
        plugin('verb-late', (h) => {
          h.registerStage(stage('late_stage'));
          h.registerVerb(withOpts('late', { mode: { type: 'string', description: '' } }));
        }),
        'file:///v.js',
      ),
    );
    assert.is(e.code, 'BYTEOR_E_PLUGIN_DUPLICATE');
    assert.match(
      e.message,
      /plugin "verb-late" registers flag --mode of verb "late", which plugin "ext-first" already provides/,
    );
    assert.equal(e.details, {
      plugin: 'verb-late',
      hook: 'setup',
      conflict: '--mode',
      verb: 'late',
      owner: 'ext-first',
    });
    assert.equal(inventory(k), before);
    assert.is(k.verb('late'), undefined);
    // a short flag counts too: -m of an extension against a verb's -m
    const k2 = new Kernel();
    k2.install(
      plugin('short-ext', (h) => h.extendVerb(ext('s', { mine: { type: 'boolean', short: 'm', description: '' } }))),
      'file:///se.js',
    );
    const s2 = throwsByteor(() =>
      k2.install(
        plugin('short-verb', (h) =>
          h.registerVerb(withOpts('s', { mode: { type: 'string', short: 'm', description: '' } })),
        ),
        'file:///sv.js',
      ),
    );
    assert.is(s2.code, 'BYTEOR_E_PLUGIN_DUPLICATE');
    assert.match(
      s2.message,
      /plugin "short-verb" registers flag -m of verb "s", which plugin "short-ext" already provides/,
    );
    const s3 = throwsByteor(() =>
      k2.install(
        plugin('short-ext2', (h) =>
          h.extendVerb(ext('s', { other: { type: 'boolean', short: 'm', description: '' } })),
        ),
        'file:///se2.js',
      ),
    );
    assert.match(
      s3.message,
      /plugin "short-ext2" registers flag -m of verb "s", which plugin "short-ext" already provides/,
    );

    // a global flag (--plugin, --json, --help, -h), added by an extension or declared by a verb
    for (const [label, setup, flag] of [
      [
        'ext --json',
        (h: PluginHost) => h.extendVerb(ext('run', { json: { type: 'string', description: '' } })),
        '--json',
      ],
      [
        'ext --plugin',
        (h: PluginHost) => h.extendVerb(ext('run', { plugin: { type: 'string', description: '' } })),
        '--plugin',
      ],
      [
        'ext -h',
        (h: PluginHost) => h.extendVerb(ext('run', { hush: { type: 'boolean', short: 'h', description: '' } })),
        '-h',
      ],
      [
        'verb --help',
        (h: PluginHost) => h.registerVerb(withOpts('g', { help: { type: 'boolean', description: '' } })),
        '--help',
      ],
    ] as const) {
      const kg = new Kernel();
      const g = throwsByteor(() => kg.install(plugin('globalist', setup), 'file:///g.js'));
      assert.is(g.code, 'BYTEOR_E_PLUGIN_DUPLICATE', label);
      assert.match(
        g.message,
        new RegExp(
          `plugin "globalist" adds flag ${flag} to verb "(run|g)", which already has it: ${flag} is a global flag`,
        ),
        label,
      );
      assert.is(kg.plugins.length, 0, label);
    }

    // one plugin that registers a verb and extends it with the same flag, in either order
    for (const order of ['verb first', 'extension first']) {
      const k3 = new Kernel();
      const e3 = throwsByteor(() =>
        k3.install(
          plugin('selfish', (h) => {
            const v = () => h.registerVerb(withOpts('own', { x: { type: 'boolean', description: '' } }));
            const x = () => h.extendVerb(ext('own', { x: { type: 'boolean', description: '' } }));
            if (order === 'verb first') {
              v();
              x();
            } else {
              x();
              v();
            }
          }),
          'file:///s.js',
        ),
      );
      assert.is(e3.code, 'BYTEOR_E_PLUGIN_DUPLICATE', order);
      assert.match(e3.message, /plugin "selfish" registers flag "--x of verb own" twice/, order);
      assert.equal(inventory(k3).verbs, [], order);
    }

    // distinct flags still combine, whatever the order
    const k4 = new Kernel();
    k4.install(
      plugin('ext-a', (h) => h.extendVerb(ext('w', { a: { type: 'boolean', short: 'a', description: '' } }))),
      'file:///a.js',
    );
    k4.install(
      plugin('verb-w', (h) => h.registerVerb(withOpts('w', { b: { type: 'boolean', short: 'b', description: '' } }))),
      'file:///w.js',
    );
    k4.install(
      plugin('ext-c', (h) => h.extendVerb(ext('w', { c: { type: 'boolean', description: '' } }))),
      'file:///c.js',
    );
    assert.equal(
      k4.verbExtensions('w').map((x) => x.plugin),
      ['ext-a', 'ext-c'],
    );
  },
);

test('a stage family needs exactly one of key or prefix, a non-empty id and create()', () => {
  const k = new Kernel();
  for (const fam of [
    { summary: '', policyClass: 'pure', replay: 'supported', create: () => ({ onBatch() {} }) },
    { key: 'a', prefix: 'a:', summary: '', policyClass: 'pure', replay: 'supported', create: () => ({ onBatch() {} }) },
    { key: '', summary: '', policyClass: 'pure', replay: 'supported', create: () => ({ onBatch() {} }) },
    { key: 'nocreate', summary: '', policyClass: 'pure', replay: 'supported' },
  ]) {
    const e = throwsByteor(() =>
      k.install(
        plugin('bad-stage', (h) => h.registerStage(fam as StageFamily)),
        'file:///b.js',
      ),
    );
    assert.is(e.code, 'BYTEOR_E_PLUGIN_STAGE');
    assert.equal(e.details, { plugin: 'bad-stage', hook: 'setup' });
  }
});

test('a missing dependency is refused naming the plugin and the dependency', () => {
  const k = new Kernel();
  const e = throwsByteor(() =>
    k.install(
      plugin('needs-base', () => {}, { dependencies: ['base'] }),
      'file:///n.js',
    ),
  );
  assert.is(e.code, 'BYTEOR_E_PLUGIN_DEPENDENCY');
  assert.match(e.message, /plugin "needs-base" depends on plugin "base", which is not loaded/);
  assert.equal(e.details, { plugin: 'needs-base', hook: 'load', dependency: 'base' });
  k.install(
    plugin('base', () => {}),
    'file:///base.js',
  );
  k.install(
    plugin('needs-base', () => {}, { dependencies: ['base'] }),
    'file:///n.js',
  );
  assert.equal(
    k.plugins.map((p) => [p.name, p.dependencies]),
    [
      ['base', []],
      ['needs-base', ['base']],
    ],
  );
});

test('invalid plugin definitions are refused with the field named', () => {
  const k = new Kernel();
  const bad: Array<[unknown, RegExp]> = [
    [{ name: 'Bad Name', version: '1', apiVersion: 1, setup() {} }, /field "name"/],
    [{ name: 'ok', version: '', apiVersion: 1, setup() {} }, /field "version"/],
    [{ name: 'ok', version: '1', apiVersion: 1 }, /field "setup"/],
    [{ name: 'ok', version: '1', apiVersion: 1, setup() {}, dependencies: 'base' }, /field "dependencies"/],
    [{ name: 'ok', version: '1', apiVersion: 1, setup() {}, dependencies: ['ok'] }, /lists itself/],
  ];
  for (const [def, re] of bad) {
    const e = throwsByteor(() => k.install(def as PluginDefinition, 'file:///bad.js'));
    assert.is(e.code, 'BYTEOR_E_PLUGIN_INVALID');
    assert.match(e.message, re);
  }
  assert.is(k.plugins.length, 0);
});

test('a throwing tap names the plugin and hook; a ByteorError keeps its code and exit status', async () => {
  const k = new Kernel();
  k.install(
    plugin('gate', (h) => {
      h.hooks.runStarting.tapPromise('gate', async () => {
        throw new ByteorError('BYTEOR_E_POLICY_TEST', 'approval required', ExitCode.POLICY_DENIED, {
          capabilities: ['x'],
        });
      });
    }),
    'file:///gate.js',
  );
  k.install(
    plugin('buggy', (h) => {
      h.hooks.validateSpec.tap('buggy', () => {
        throw new TypeError('cannot read x of undefined');
      });
      h.hooks.runStopped.tapAsync('buggy', (_r, _s, cb) => cb(new Error('report failed')));
      h.hooks.pluginsLoaded.tap('buggy', () => {
        throw new Error('late config');
      });
    }),
    'file:///buggy.js',
  );
  const run = {
    spec: {} as never,
    specHash: 'sha256:0',
    specPath: null,
    runDir: null,
    oneShot: true,
    dryRun: false,
    flags: {},
    env: {},
  };
  const gate = await rejectsByteor(k.hooks.runStarting.promise(run));
  assert.is(gate.code, 'BYTEOR_E_POLICY_TEST');
  assert.is(gate.exitCode, ExitCode.POLICY_DENIED);
  assert.equal(gate.details, { plugin: 'gate', hook: 'runStarting', capabilities: ['x'] });
  const v = throwsByteor(() => k.hooks.validateSpec.call({} as never, { error() {}, warning() {} }));
  assert.is(v.code, 'BYTEOR_E_PLUGIN_HOOK');
  assert.equal(v.details, { plugin: 'buggy', hook: 'validateSpec' });
  assert.match(v.message, /plugin "buggy" failed in hook "validateSpec": cannot read x of undefined/);
  const s = await rejectsByteor(
    k.hooks.runStopped.promise(run, {
      records_in: 0,
      records_out: 0,
      dropped: 0,
      refused: 0,
      undelivered: 0,
      elapsed_ms: 0,
      ok: true,
      counters: [],
    }),
  );
  assert.equal(s.details, { plugin: 'buggy', hook: 'runStopped' });
  const l = throwsByteor(() => k.hooks.pluginsLoaded.call());
  assert.equal(l.details, { plugin: 'buggy', hook: 'pluginsLoaded' });
});

test('plugins may tap but not intercept hooks, and cannot add or replace hooks', () => {
  const k = new Kernel();
  const e = throwsByteor(() =>
    k.install(
      plugin('sneaky', (h) => {
        (h.hooks.runStarting as unknown as { intercept(x: unknown): void }).intercept({});
      }),
      'file:///s.js',
    ),
  );
  assert.is(e.code, 'BYTEOR_E_PLUGIN_HOOK');
  assert.equal(e.details, { plugin: 'sneaky', hook: 'runStarting' });
  assert.ok(Object.isFrozen(k.hooks));
  assert.throws(() => {
    (k.hooks as unknown as Record<string, unknown>).extra = 1;
  });
  assert.is(k.plugins.length, 0);
});

test('a plugin sees a tap-only hook table: calling a hook does not compile, and is not there at run time', () => {
  const k = new Kernel();
  let seen: PluginHost | undefined;
  k.install(
    plugin('caller', (h) => {
      seen = h;
      // @ts-expect-error only the kernel calls hooks (TapOnly<HookTable>)
      void h.hooks.runStarting.promise;
      // @ts-expect-error only the kernel calls hooks
      void h.hooks.pluginsLoaded.call;
      h.hooks.runStarted.tapPromise('caller', async () => {});
    }),
    'file:///caller.js',
  );
  const hooks = seen!.hooks as unknown as Record<string, Record<string, unknown>>;
  assert.is(hooks.runStarting!.promise, undefined);
  assert.is(hooks.pluginsLoaded!.call, undefined);
  assert.is(hooks.validateSpec!.call, undefined);
  assert.is((k.hooks.runStarted as unknown as { taps: unknown[] }).taps.length, 1);
});

test('Kernel.register* (outside a plugin) passes the same checks as a plugin, owned by "(kernel)"', () => {
  const k = new Kernel();
  k.install(
    plugin('owner', (h) => {
      h.registerStage(stage('taken'));
      h.registerVerb({ ...verb('taken-verb'), flags: fs({ mode: { type: 'string', description: '' } }) });
    }),
    'file:///owner.js',
  );
  const before = inventory(k);
  const dup = throwsByteor(() => k.registerStage(stage('taken')));
  assert.is(dup.code, 'BYTEOR_E_PLUGIN_DUPLICATE');
  assert.equal(dup.details, { plugin: '(kernel)', hook: 'setup', conflict: 'taken', owner: 'owner' });
  const shape = throwsByteor(() =>
    k.registerStage({
      key: 'both',
      prefix: 'both:',
      summary: '',
      policyClass: 'pure',
      replay: 'supported',
      create: () => ({ onBatch() {} }),
    }),
  );
  assert.is(shape.code, 'BYTEOR_E_PLUGIN_STAGE');
  const flag = throwsByteor(() =>
    k.extendVerb({ verb: 'taken-verb', flags: fs({ mode: { type: 'string', description: '' } }) }),
  );
  assert.is(flag.code, 'BYTEOR_E_PLUGIN_DUPLICATE');
  assert.equal(flag.details, {
    plugin: '(kernel)',
    hook: 'setup',
    conflict: '--mode',
    verb: 'taken-verb',
    owner: 'owner',
  });
  const global = throwsByteor(() =>
    k.registerVerb({ ...verb('g'), flags: fs({ json: { type: 'boolean', description: '' } }) }),
  );
  assert.is(global.code, 'BYTEOR_E_PLUGIN_DUPLICATE');
  assert.equal(inventory(k), before);

  // accepted ones are committed at once, owned by "(kernel)", their callbacks wrapped like a plugin's
  k.registerStage(
    stage('mine', {
      check: () => {
        throw new Error('bad argument');
      },
    }),
  );
  const hit = k.resolveStage('mine')!;
  assert.is(hit.plugin, '(kernel)');
  const wrapped = throwsByteor(() => hit.family.check!('mine', ''));
  assert.is(wrapped.code, 'BYTEOR_E_PLUGIN_HOOK');
  assert.equal(wrapped.details, { plugin: '(kernel)', hook: 'stage mine check' });
  const again = throwsByteor(() => k.registerStage(stage('mine')));
  assert.match(again.message, /stage key "mine" twice/);
});

test('registering after setup returned is refused (never silently lost)', () => {
  const k = new Kernel();
  let saved: PluginHost | undefined;
  k.install(
    plugin('lazy', (h) => {
      saved = h;
    }),
    'file:///lazy.js',
  );
  const e = throwsByteor(() => saved!.registerStage(stage('later')));
  assert.is(e.code, 'BYTEOR_E_PLUGIN_LATE_REGISTRATION');
  assert.equal(e.details, { plugin: 'lazy', hook: 'setup' });
  const t = throwsByteor(() => saved!.hooks.runStarted.tapPromise('lazy', async () => {}));
  assert.is(t.code, 'BYTEOR_E_PLUGIN_LATE_REGISTRATION');
  assert.is(k.resolveStage('later'), undefined);
});

test('an async setup is refused and commits nothing', async () => {
  const k = new Kernel();
  let unhandled = 0;
  const onUnhandled = () => {
    unhandled++;
  };
  process.on('unhandledRejection', onUnhandled);
  const e = throwsByteor(() =>
    k.install(
      plugin('async', (async (h: PluginHost) => {
        h.registerStage(stage('early'));
        await new Promise((r) => setTimeout(r, 1));
        throw new Error('after await');
      }) as unknown as (h: PluginHost) => void),
      'file:///a.js',
    ),
  );
  assert.is(e.code, 'BYTEOR_E_PLUGIN_SETUP_ASYNC');
  assert.is(k.resolveStage('early'), undefined);
  await new Promise((r) => setTimeout(r, 20));
  process.off('unhandledRejection', onUnhandled);
  assert.is(unhandled, 0);
});

test('callbacks a plugin registers name the plugin and hook when they fail', async () => {
  const k = new Kernel();
  k.install(
    plugin('cb', (h) => {
      h.registerStage(
        prefix('geo:', {
          check: () => {
            throw new Error('check blew up');
          },
          create: async () => {
            throw new Error('no model file');
          },
        }),
      );
      h.registerSnapshotSection({
        name: 'geo',
        collect: async () => {
          throw new Error('collect failed');
        },
      });
      h.registerBundleArtifact({
        file: 'geo.json',
        write: () => {
          throw new ByteorError('BYTEOR_E_GEO_WRITE', 'disk full', ExitCode.RUNTIME_FAILURE);
        },
      });
      h.registerAdapter({
        kind: 'geo',
        summary: '',
        direction: 'ingress',
        ingress: () => {
          throw new Error('bad url');
        },
      });
    }),
    'file:///cb.js',
  );
  const hit = k.resolveStage('geo:eu')!;
  assert.is(hit.plugin, 'cb');
  assert.is(hit.argument, 'eu');
  const c = throwsByteor(() => hit.family.check!('geo:eu', 'eu'));
  assert.equal(c.details, { plugin: 'cb', hook: 'stage geo: check' });
  const cr = await rejectsByteor(Promise.resolve().then(() => hit.family.create({} as never)));
  assert.equal(cr.details, { plugin: 'cb', hook: 'stage geo: create' });
  assert.match(cr.message, /no model file/);
  const s = await rejectsByteor(Promise.resolve(k.snapshotSections()[0]!.section.collect({} as never)));
  assert.equal(s.details, { plugin: 'cb', hook: 'snapshot section geo collect' });
  const w = throwsByteor(() => k.bundleArtifacts()[0]!.artifact.write({} as never));
  assert.is(w.code, 'BYTEOR_E_GEO_WRITE');
  assert.equal(w.details, { plugin: 'cb', hook: 'bundle artifact geo.json write' });
  const a = throwsByteor(() => k.adapter('geo')!.adapter.ingress!({}, {}));
  assert.equal(a.details, { plugin: 'cb', hook: 'adapter geo ingress' });
});

test('stage resolution: exact keys beat prefixes, the longest prefix wins', () => {
  const k = new Kernel();
  k.install(
    plugin('a', (h) => {
      h.registerStage(prefix('x:'));
      h.registerStage(stage('x:exact'));
    }),
    'file:///a.js',
  );
  k.install(
    plugin('b', (h) => h.registerStage(prefix('x:long:'))),
    'file:///b.js',
  );
  assert.equal([k.resolveStage('x:exact')!.plugin, k.resolveStage('x:exact')!.argument], ['a', '']);
  assert.equal([k.resolveStage('x:long:1')!.plugin, k.resolveStage('x:long:1')!.argument], ['b', '1']);
  assert.equal([k.resolveStage('x:other')!.plugin, k.resolveStage('x:other')!.argument], ['a', 'other']);
  assert.is(k.resolveStage('y'), undefined);
});

test('installing a plugin of the same name twice is a no-op; the host reports load order', () => {
  const k = new Kernel({ inWorker: true });
  let calls = 0;
  const p = plugin('once', (h) => {
    calls++;
    assert.ok(h.inWorker);
    h.registerStage(stage('once'));
  });
  k.install(p, 'file:///once.js');
  k.install(p, 'file:///once-again.js');
  assert.is(calls, 1);
  assert.equal(k.pluginSpecifiers, ['file:///once.js']);
  assert.equal(k.plugins, [{ name: 'once', version: '1.0.0', specifier: 'file:///once.js', dependencies: [] }]);
});

test(
  'a different plugin with an already-loaded name is ' + 'refused naming both specifiers; the same URL stays a no-op',
  () => {
    const k = new Kernel();
    let firstCalls = 0;
    let otherCalls = 0;
    const first = plugin('audit', (h) => {
      firstCalls++;
      h.registerStage(stage('audit_a'));
    });
    const other = plugin(
      'audit',
      (h) => {
        otherCalls++;
        h.registerStage(stage('audit_b'));
      },
      { version: '2.0.0' },
    );
    k.install(first, 'file:///vendor/audit.js');
    const before = inventory(k);
    const e = throwsByteor(() => k.install(other, 'file:///tmp/evil/audit.js'));
    assert.is(e.code, 'BYTEOR_E_PLUGIN_DUPLICATE');
    assert.is(e.exitCode, ExitCode.RUNTIME_FAILURE);
    assert.match(
      e.message,
      /plugin "audit" from file:\/\/\/tmp\/evil\/audit\.js .*plugin "audit" already loaded from file:\/\/\/vendor\/audit\.js/,
    );
    assert.equal(e.details, {
      plugin: 'audit',
      hook: 'load',
      conflict: 'audit',
      specifier: 'file:///tmp/evil/audit.js',
      loaded_specifier: 'file:///vendor/audit.js',
    });
    assert.is(otherCalls, 0);
    assert.equal(inventory(k), before);
    // the same plugin again by the same URL: nothing happens
    k.install(other, 'file:///vendor/audit.js');
    k.install(first, 'file:///vendor/audit.js');
    assert.is(firstCalls, 1);
    assert.equal(inventory(k), before);
  },
);

test('an error table that gives a registered code another exit code is refused; the same exit code is accepted', () => {
  const k = new Kernel();
  const before = inventory(k);
  // BYTEOR_E_USAGE_BAD_FLAG is the kernel's, exit 2
  const clash = defineErrors('clash', { BYTEOR_E_USAGE_BAD_FLAG: { exit: ExitCode.RUNTIME_FAILURE, summary: 'x' } });
  const e = throwsByteor(() =>
    k.install(
      plugin('clash', (h) => h.registerStage(stage('clash_stage')), { errors: clash }),
      'file:///clash.js',
    ),
  );
  assert.is(e.code, 'BYTEOR_E_PLUGIN_ERROR_CODE_CONFLICT');
  assert.is(e.exitCode, ExitCode.RUNTIME_FAILURE);
  assert.match(
    e.message,
    /plugin "clash" declares error code BYTEOR_E_USAGE_BAD_FLAG with exit code 1, but "kernel" already registered it with exit code 2/,
  );
  assert.equal(e.details, {
    plugin: 'clash',
    hook: 'load',
    code: 'BYTEOR_E_USAGE_BAD_FLAG',
    exit: 1,
    owner: 'kernel',
    registered_exit: 2,
  });
  assert.equal(inventory(k), before);

  // two plugins: the second may repeat the first's code only with its exit code
  const first = defineErrors('first', { BYTEOR_E_FIRST_THING: { exit: ExitCode.USAGE, summary: 'x' } });
  k.install(
    plugin('first', () => {}, { errors: first }),
    'file:///first.js',
  );
  assert.equal(k.errorCode('BYTEOR_E_FIRST_THING'), { owner: 'first', exit: ExitCode.USAGE });
  const same = defineErrors('same', { BYTEOR_E_FIRST_THING: { exit: ExitCode.USAGE, summary: 'y' } });
  k.install(
    plugin('same', () => {}, { errors: same }),
    'file:///same.js',
  );
  assert.equal(k.errorCode('BYTEOR_E_FIRST_THING'), { owner: 'first', exit: ExitCode.USAGE });
  const other = defineErrors('other', {
    BYTEOR_E_OTHER_THING: { exit: ExitCode.USAGE, summary: 'x' },
    BYTEOR_E_FIRST_THING: { exit: ExitCode.SPEC_INVALID, summary: 'z' },
  });
  const e2 = throwsByteor(() =>
    k.install(
      plugin('other', () => {}, { errors: other }),
      'file:///other.js',
    ),
  );
  assert.is(e2.code, 'BYTEOR_E_PLUGIN_ERROR_CODE_CONFLICT');
  assert.is((e2.details as { owner: string }).owner, 'first');
  assert.is(k.errorCode('BYTEOR_E_OTHER_THING'), undefined, 'nothing of a refused table is registered');
  assert.ok(!k.hasPlugin('other'));
});

test('a plugin whose setup fails registers nothing of its error table', () => {
  const k = new Kernel();
  const table = defineErrors('broken', { BYTEOR_E_BROKEN_THING: { exit: ExitCode.USAGE, summary: 'x' } });
  throwsByteor(() =>
    k.install(
      plugin(
        'broken',
        () => {
          throw new Error('boom');
        },
        { errors: table },
      ),
      'file:///broken.js',
    ),
  );
  assert.is(k.errorCode('BYTEOR_E_BROKEN_THING'), undefined);
  assert.equal(k.errorCode('BYTEOR_E_USAGE_BAD_FLAG'), { owner: 'kernel', exit: ExitCode.USAGE });
});

test('a definition whose errors field is not an error table is refused', () => {
  const k = new Kernel();
  const e = throwsByteor(() =>
    k.install(
      plugin('bad-errors', () => {}, { errors: { BYTEOR_E_X: 1 } as never }),
      'file:///bad-errors.js',
    ),
  );
  assert.is(e.code, 'BYTEOR_E_PLUGIN_INVALID');
  assert.match(e.message, /field "errors": must be an error table made with defineErrors/);
});

test.run();
