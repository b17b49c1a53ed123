// The rule the lazy CLI relies on (kernel/builtin-plugins.ts defaultPluginsFor): every built-in
// verb plugin registers exactly the verb it is named after, and nothing another verb needs, so
// `byteor <verb>` can load core-stages and that one plugin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_PLUGINS, defaultPluginsFor } from '../../kernel/builtin-plugins.ts';
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

test('a verb loads core-stages and itself; help, capabilities and unknown verbs load them all', () => {
  assert.equal(defaultPluginsFor('validate'), ['core-stages', 'validate']);
  assert.equal(defaultPluginsFor('run'), ['core-stages', 'run']);
  assert.equal(defaultPluginsFor(undefined), DEFAULT_PLUGINS);
  assert.equal(defaultPluginsFor('capabilities'), DEFAULT_PLUGINS);
  assert.equal(defaultPluginsFor('acme-verb'), DEFAULT_PLUGINS);
  assert.equal(defaultPluginsFor('core-stages'), DEFAULT_PLUGINS);
});

test('the global help still lists every built-in verb', async () => {
  let out = '';
  const code = await main(['--help'], { io: { out: (t) => { out += t; }, err: () => {}, tty: false, color: false } });
  assert.is(code, 0);
  for (const v of DEFAULT_PLUGINS.filter((p) => p !== 'core-stages')) assert.match(out, new RegExp(`^  ${v} `, 'm'), v);
});

test.run();
