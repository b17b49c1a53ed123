// The error tables (defineErrors) are the one place a code gets its exit code: every BYTEOR_E_*
// code the sources name is in exactly one table, every table code is raised somewhere, each
// plugin declares its table, and no ByteorError is built with an explicit exit code outside the
// table module (so two call sites cannot give one code two exit codes again).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { codeMentions, files, loadErrorTables, root, SOURCE_DIRS } from '../../scripts/error-tables.mjs';
import { defineErrors, rephrase } from '../../kernel/errors/define-errors.ts';
import { ByteorError } from '../../kernel/errors.ts';
import { ExitCode } from '../../kernel/exit-codes.ts';
import { KernelErrors } from '../../kernel/errors/kernel-errors.ts';

const tables = await loadErrorTables();

test(
  'every code named in bin/, kernel/, plugins/ and bench/ is in exactly one error table, and every table code is ' +
    'used',
  () => {
    const owners = new Map<string, string[]>();
    for (const t of tables)
      for (const code of Object.keys(t.entries))
        owners.set(code, [...(owners.get(code) ?? []), `${t.owner} (${t.file})`]);
    const mentions = codeMentions(tables);
    assert.ok(mentions.size > 200, `found only ${mentions.size} codes`);
    const inNoTable = [...mentions]
      .filter(([c]) => !owners.has(c))
      .map(([c, where]) => `${c} (${[...where].join(', ')})`);
    assert.equal(inNoTable, [], "add these codes to their owner's error table");
    const inTwo = [...owners].filter(([, o]) => o.length > 1).map(([c, o]) => `${c}: ${o.join(', ')}`);
    assert.equal(inTwo, [], 'a code belongs to one table');
    const unused = [...owners.keys()].filter((c) => !mentions.has(c));
    assert.equal(unused, [], 'table codes no source raises');
  },
);

test('each table has its own owner, and each plugin declares its table in its definition', async () => {
  const names = tables.map((t) => t.owner);
  assert.equal(names.length, new Set(names).size, `owners: ${names.join(', ')}`);
  for (const t of tables.filter((x) => x.file.startsWith('plugins/'))) {
    const index = join(root, dirname(t.file), 'index.ts');
    const def = (await import(pathToFileURL(index).href)).default;
    assert.is(def.name, t.owner, `${t.file}: the owner is the plugin's name`);
    assert.is(def.errors?.owner, t.owner, `${relative(root, index)} declares errors: ${t.name}`);
    assert.equal(def.errors.entries, t.entries);
  }
});

test('no ByteorError is built with an explicit exit code outside the error-table module', () => {
  const allowed = new Set(['kernel/errors/define-errors.ts']);
  const offenders: string[] = [];
  for (const dir of [...SOURCE_DIRS, 'examples']) {
    for (const f of files(join(root, dir), ['.ts', '.js', '.mjs', '.cjs'])) {
      const rel = relative(root, f);
      if (allowed.has(rel) || rel.includes('/node_modules/')) continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/new ByteorError\s*\(/.test(line)) offenders.push(`${rel}:${i + 1}`);
        });
    }
  }
  assert.equal(offenders, [], "build errors with the owner's table: Table.error(code, message, details?)");
});

test('the topic documents give each code the exit code of its table', () => {
  const exit = new Map<string, number>();
  for (const t of tables) for (const [code, e] of Object.entries(t.entries)) exit.set(code, e.exit);
  const wrong: string[] = [];
  let checked = 0;
  for (const f of [...files(join(root, 'docs'), ['.md']), join(root, 'README.md')]) {
    if (f.endsWith('/errors.md')) continue;
    const text = readFileSync(f, 'utf8');
    // a row of an error table (`| \`CODE\` | 2 | ... |`), or prose (`\`CODE\` (exit 2`, `\`CODE\`, exit 2`)
    const uses = [
      ...text.matchAll(/^\|\s*`(BYTEOR_E_[A-Z0-9_]+)`\s*\|\s*(\d)\b/gm),
      ...text.matchAll(/`(BYTEOR_E_[A-Z0-9_]+)`,? \(?exit (\d)\b/g),
    ];
    for (const m of uses) {
      if (!exit.has(m[1]!)) continue; // the example plugin's codes
      checked++;
      if (exit.get(m[1]!) !== Number(m[2]))
        wrong.push(`${relative(root, f)}: ${m[1]} exit ${m[2]}, its table says ${exit.get(m[1]!)}`);
    }
  }
  assert.ok(checked > 150, `checked only ${checked} mentions`);
  assert.equal(wrong, []);
});

test('a table builds errors with its exit code; relay keeps a foreign code; rephrase keeps code and exit code', () => {
  const T = defineErrors('t', {
    BYTEOR_E_T_USAGE: { exit: ExitCode.USAGE, summary: 'u' },
    BYTEOR_E_T_FAILED: { exit: ExitCode.RUNTIME_FAILURE, summary: 'f' },
  });
  const e = T.error('BYTEOR_E_T_USAGE', 'bad', { flag: '--x' });
  assert.instance(e, ByteorError);
  assert.equal(e.toJSON(), { code: 'BYTEOR_E_T_USAGE', message: 'bad', exit_code: 2, details: { flag: '--x' } });
  const r = T.relay('BYTEOR_E_SOMEONE_ELSES', 'BYTEOR_E_T_FAILED', 'relayed');
  assert.equal([r.code, r.exitCode], ['BYTEOR_E_SOMEONE_ELSES', 1]);
  const p = rephrase(e, 'context: bad');
  assert.equal(p.toJSON(), {
    code: 'BYTEOR_E_T_USAGE',
    message: 'context: bad',
    exit_code: 2,
    details: { flag: '--x' },
  });
  assert.ok(T.has('BYTEOR_E_T_USAGE'));
  assert.not.ok(T.has('BYTEOR_E_NOPE'));
  assert.not.ok(T.has('toString'));
  // a typo is a compile error (tsc checks this file); at run time it throws rather than inventing an exit code
  // @ts-expect-error not a code of the table
  assert.throws(() => T.error('BYTEOR_E_T_USAG', 'typo'), /error table "t" has no code BYTEOR_E_T_USAG/);
  assert.is(KernelErrors.error('BYTEOR_E_USAGE_BAD_FLAG', 'x').exitCode, ExitCode.USAGE);
});

test('defineErrors refuses a malformed table', () => {
  assert.throws(
    () => defineErrors('bad', { BYTEOR_E_lower: { exit: ExitCode.USAGE, summary: 'x' } }),
    /invalid error code BYTEOR_E_lower/,
  );
  assert.throws(
    () => defineErrors('bad', { BYTEOR_E_X: { exit: 0 as never, summary: 'x' } }),
    /BYTEOR_E_X has no valid exit code/,
  );
  assert.throws(
    () => defineErrors('bad', { BYTEOR_E_X: { exit: ExitCode.USAGE, summary: '' } }),
    /BYTEOR_E_X has no summary/,
  );
});

test.run();
