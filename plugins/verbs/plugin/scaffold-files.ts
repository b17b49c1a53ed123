/**
 * The files `byteor plugin init` writes: a surface package with a stage family, a `run` flag, a
 * snapshot section, a test (byteor/testing) and a README, built with tsc against the installed
 * byteor (a peer dependency).
 */

export interface ScaffoldNames {
  /** the npm package and plugin name, e.g. `geo-tag` or `@acme/geo-tag` */
  name: string;
  /** an identifier from the name: the stage prefix (`geo_tag:`) and the snapshot section (`geo_tag`) */
  id: string;
  /** the flag added to `run`, without dashes (`geo-tag-note`) */
  flag: string;
  /** the byteor version range of the peer dependency (`^0.1.0`) */
  byteorRange: string;
}

const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;

/**
 * The module texts below write their import lines as `@import`: this file is bundled into
 * dist/, whose import scanner (test/release/package.test.ts) must not take the scaffold's imports
 * for byteor's own. `source` turns them back into import lines.
 */
const source = (text: string) => text.replace(/^@import /gm, 'import ');

export function scaffoldFiles(n: ScaffoldNames): Record<string, string> {
  const prefix = `${n.id}:`;
  return {
    'package.json': json({
      name: n.name,
      version: '0.1.0',
      description:
        `a byteor plugin: the ${prefix}<label> stage family, ` + `--${n.flag} on run, the ${n.id} snapshot section`,
      type: 'module',
      exports: { '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' } },
      files: ['dist/src', 'README.md'],
      keywords: ['byteor', 'byteor-plugin'],
      scripts: {
        build: 'tsc -p .',
        test: 'npm run build && node --test dist/test/plugin.test.js',
        prepublishOnly: 'npm test',
      },
      peerDependencies: { byteor: n.byteorRange },
      devDependencies: { byteor: n.byteorRange, typescript: '^5.9.0', '@types/node': '^20.19.0' },
    }),
    'tsconfig.json': json({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        declaration: true,
        allowImportingTsExtensions: true,
        rewriteRelativeImportExtensions: true,
        skipLibCheck: true,
        types: ['node'],
        rootDir: '.',
        outDir: 'dist',
      },
      include: ['src', 'test'],
    }),
    '.gitignore': 'node_modules/\ndist/\n',
    'src/index.ts': source(
      `@import { definePlugin, flag, flags, PLUGIN_API_VERSION, z } from 'byteor/plugin';
@import { tagStage } from './tag-stage.ts';
@import { TagState } from './tag-state.ts';

/**
 * ${n.name}: a byteor plugin.
 *   byteor capabilities --plugin=${n.name}
 *   byteor run --sp --spec=SPEC --plugin=${n.name} --${n.flag}=TEXT --state-out=state.json
 * Stage workers import this module too and run setup with host.inWorker === true: register
 * stage families before the \`if (host.inWorker) return\` line, the rest after it.
 */
export default definePlugin({
  name: '${n.name}',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(host) {
    host.registerStage(tagStage);
    if (host.inWorker) return;

    host.extendVerb({
      verb: 'run',
      flags: flags({
        '${n.flag}': flag.string({ value: 'TEXT', description: 'a note kept in the ${n.id} snapshot section (` +
        `${n.name})', schema: z.string().min(1).max(200).optional() }),
      }),
    });
    const state = new TagState('${n.flag}');
    host.registerSnapshotSection({ name: '${n.id}', collect: () => state.snapshot() });
    host.hooks.runStarted.tap('${n.name}', (run) => state.started(run));
    host.hooks.ingressBatch.tap('${n.name}', (batch) => state.batch(batch));
    host.hooks.runStopped.tap('${n.name}', (_run, summary) => state.stopped(summary));
  },
});
`,
    ),
    'src/tag-stage.ts': source(
      `@import type { StageFamily } from 'byteor/plugin';

const LABEL = /^[a-z0-9_-]{1,16}$/;

/**
 * \`${prefix}<label>\`: prefix each record with "<label>:" in place. A record that would no longer
 * fit in its slot is dropped and counted (\`too_long\`), never truncated.
 */
export const tagStage: StageFamily = {
  prefix: '${prefix}',
  summary: 'prefix each record with "<label>:" in place (records that would not fit are dropped and counted)',
  policyClass: 'pure',
  replay: 'supported',
  check: (_key, label) => (LABEL.test(label) ? undefined : '${prefix} needs a label of 1 to 16 characters a-z 0-9 _ ` +
        `-, e.g. ${prefix}eu'),
  create(ctx) {
    const tag = new TextEncoder().encode(\`\${ctx.argument}:\`);
    const tagged = ctx.counter('tagged');
    const tooLong = ctx.counter('too_long');
    return {
      onBatch(b) {
        for (let i = 0; i < b.count; i++) {
          if (!b.live(i)) continue;
          const at = b.offset(i);
          const len = b.length(i);
          if (len + tag.length > b.slotBytes) { b.drop(i); tooLong.add(1); continue; }
          b.memory.copyWithin(at + tag.length, at, at + len);
          b.memory.set(tag, at);
          b.setLength(i, len + tag.length);
          tagged.add(1);
        }
      },
    };
  },
};
`,
    ),
    'src/tag-state.ts': source(
      `@import type { BatchEvent, RunInfo, RunSummary } from 'byteor/plugin';

/** What the ${n.id} snapshot section shows: the run's note, ingress batches and records, and the outcome once ` +
        `stopped. */
export class TagState {
  private note: string | null = null;
  private batches = 0;
  private records = 0;
  private outcome: { ok: boolean; records_in: number; records_out: number; dropped: number } | null = null;

  constructor(private readonly flag: string) {}

  started(run: RunInfo): void {
    const note = run.flags[this.flag];
    this.note = typeof note === 'string' ? note : null;
    this.batches = 0;
    this.records = 0;
    this.outcome = null;
  }

  batch(b: BatchEvent): void {
    this.batches++;
    this.records += b.count;
  }

  stopped(s: RunSummary): void {
    this.outcome = { ok: s.ok, records_in: s.records_in, records_out: s.records_out, dropped: s.dropped };
  }

  snapshot() {
    return { note: this.note, batches: this.batches, records: this.records, outcome: this.outcome };
  }
}
`,
    ),
    'test/plugin.test.ts': source(
      `@import { test } from 'node:test';
@import assert from 'node:assert/strict';
@import { fileURLToPath } from 'node:url';
@import { runPlugin, runStage } from 'byteor/testing';
@import plugin from '../src/index.ts';

/** this package's directory (the test runs from dist/test/) */
const packageDir = fileURLToPath(new URL('../..', import.meta.url));

test('the stage family over records, in process', async () => {
  const r = await runStage({ plugin, key: '${prefix}eu', records: ['a', 'bb', 'cccccc'], slotBytes: 8 });
  assert.deepEqual(r.text, ['eu:a', 'eu:bb']);
  assert.deepEqual(r.dropped, [2]);
  assert.deepEqual(r.counters, { tagged: 2, too_long: 1 });
});

test('the plugin through byteor run --sp: stage workers, the flag, the snapshot section', async () => {
  const r = await runPlugin({ plugin: packageDir, stages: ['${prefix}eu', 'upper'], records: ['a', 'bb'], flags: { '` +
        `${n.flag}': 'test' } });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(r.output, ['EU:A', 'EU:BB']);
  assert.deepEqual(r.sections['${n.id}'], { note: 'test', batches: 1, records: 2, outcome: { ok: true, records_in: ` +
        `2, records_out: 2, dropped: 0 } });
});
`,
    ),
    'README.md':
      `# ${n.name}

A [byteor](https://www.npmjs.com/package/byteor) plugin. It adds:

| what | name |
|---|---|
| stage family | \`${prefix}<label>\` — prefixes each record with \`<label>:\` in place; a record that would not fit ` +
      `is dropped and counted (\`too_long\`) |
| flag on \`run\` | \`--${n.flag}=TEXT\` — a note kept in the snapshot section |
| snapshot section | \`${n.id}\` — the note, ingress batches and records, the outcome once the run stopped |

## Use

\`\`\`sh
npm install byteor ${n.name}
byteor capabilities --plugin=${n.name}
byteor run --sp --spec=my.kv --input=records.txt --plugin=${n.name} --${n.flag}=drill --state-out=state.json
\`\`\`

A spec can name it instead of the flag: \`plugins.0=${n.name}\`. Stage keys: \`single_ring.stages.0.key=${prefix}eu\`.
The section is in \`state.json\` of a long-running run's directory, in \`byteor snapshot --run-dir=DIR --plugin=` +
      `${n.name}\`,
and in the \`--state-out\` file of any run.

## Develop

\`\`\`sh
npm install        # byteor (peer and dev dependency), typescript, @types/node
npm run build      # tsc -p . → dist/
npm test           # builds, then node --test: the stage in process and the plugin through byteor run --sp ` +
      `(byteor/testing)
npm publish        # runs the tests first (prepublishOnly)
\`\`\`

Under Deno, load it by file with an import map that maps \`byteor/plugin\` and \`byteor\` to the byteor you run
(docs/plugins.md in byteor, "Deno").
`,
  };
}
