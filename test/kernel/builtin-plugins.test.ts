// The rule the lazy CLI relies on (kernel/builtin-plugins.ts defaultPluginsFor): every built-in
// verb plugin registers exactly the verb it is named after, and nothing another verb needs, so
// `byteor <verb>` can load core-stages and that one plugin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_PLUGINS, VERB_EXTENSION_PLUGINS, defaultPluginsFor } from '../../kernel/builtin-plugins.ts';
import { Kernel } from '../../kernel/plugin-host.ts';
import { loadPlugins } from '../../kernel/plugin-loader.ts';
import { main } from '../../kernel/cli.ts';

test('each built-in verb plugin alone registers exactly its own verb; core-stages registers none', async () => {
  for (const name of DEFAULT_PLUGINS) {
    const k = new Kernel();
    await loadPlugins(k, [name]);
    const verbs = k.verbs().map((v) => v.verb.name);
    assert.equal(verbs, name === 'core-stages' ? [] : [name], name);
    assert.equal(k.adapters().length, 0, `${name} registers no adapter`);
  }
});

test('a verb extension plugin registers no verb and no adapter; metrics adds --metrics to run', async () => {
  const m = new Kernel();
  await loadPlugins(m, ['core-stages', 'run', 'metrics']);
  assert.equal(
    m.verbExtensions('run').map((e) => Object.keys(e.ext.flags.options)),
    [['metrics']],
  );
  for (const [verb, names] of Object.entries(VERB_EXTENSION_PLUGINS)) {
    for (const name of names) {
      const k = new Kernel();
      await loadPlugins(k, ['core-stages', verb, name]);
      assert.equal(
        k.verbs().map((v) => v.verb.name),
        [verb],
        name,
      );
      assert.ok(
        k.verbExtensions(verb).every((e) => e.plugin === name),
        `${name} extends only ${verb}`,
      );
      assert.equal(k.adapters().length, 0, `${name} registers no adapter`);
    }
  }
});

test('a verb loads core-stages, itself and its extensions; help, capabilities and unknown verbs load them all', () => {
  const all = [...DEFAULT_PLUGINS, 'metrics', 'agent-reporting'];
  assert.equal(defaultPluginsFor('validate'), ['core-stages', 'validate']);
  assert.equal(defaultPluginsFor('top'), ['core-stages', 'top']);
  assert.equal(defaultPluginsFor('run'), ['core-stages', 'run', 'metrics', 'agent-reporting']);
  assert.equal(defaultPluginsFor(undefined), all);
  assert.equal(defaultPluginsFor('capabilities'), all);
  assert.equal(defaultPluginsFor('acme-verb'), all);
  assert.equal(defaultPluginsFor('core-stages'), all);
});

test('the global help still lists every built-in verb', async () => {
  let out = '';
  const code = await main(['--help'], {
    io: {
      out: (t) => {
        out += t;
      },
      err: () => {},
      tty: false,
      color: false,
    },
  });
  assert.is(code, 0);
  for (const v of DEFAULT_PLUGINS.filter((p) => p !== 'core-stages')) assert.match(out, new RegExp(`^  ${v} `, 'm'), v);
});

test.run();
