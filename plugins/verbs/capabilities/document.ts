import {
  CAPABILITY_DOCUMENT_VERSION,
  RuntimeCapabilityDocument,
} from '../../../kernel/artifacts/capability-document.ts';
import { PLUGIN_API_VERSION, type PluginCatalog } from '../../../kernel/plugin-contract.ts';
import { stageCatalog } from '../../../kernel/stage-catalog.ts';
import { RUNTIME_NAME, packageVersion } from '../../../kernel/version.ts';
import type { z } from 'zod';

export type CapabilityDocument = z.output<typeof RuntimeCapabilityDocument>;

const byName =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** The runtime capability document of the loaded plugins (validated against its schema). */
export function capabilityDocument(host: PluginCatalog): CapabilityDocument {
  return RuntimeCapabilityDocument.parse({
    documentVersion: CAPABILITY_DOCUMENT_VERSION,
    runtime: { name: RUNTIME_NAME, version: packageVersion() },
    pluginApiVersion: PLUGIN_API_VERSION,
    plugins: host.plugins.map((p) => ({
      name: p.name,
      version: p.version,
      specifier: p.specifier,
      dependencies: [...p.dependencies],
    })),
    verbs: host.verbs().map(({ verb, plugin }) => ({
      name: verb.name,
      summary: verb.summary,
      plugin,
      flags: Object.keys(verb.flags.options).map((f) => `--${f}`),
      extensions: host
        .verbExtensions(verb.name)
        .map(({ ext, plugin: by }) => ({ plugin: by, flags: Object.keys(ext.flags.options).map((f) => `--${f}`) })),
    })),
    stages: stageCatalog(host),
    adapters: host
      .adapters()
      .map(({ adapter, plugin }) => ({
        kind: adapter.kind,
        direction: adapter.direction,
        experimental: adapter.experimental ?? false,
        plugin,
        summary: adapter.summary,
      }))
      .sort(byName((a) => a.kind)),
    snapshotSections: host
      .snapshotSections()
      .map(({ section, plugin }) => ({ name: section.name, plugin }))
      .sort(byName((s) => s.name)),
    bundleArtifacts: host
      .bundleArtifacts()
      .map(({ artifact, plugin }) => ({ file: artifact.file, plugin }))
      .sort(byName((a) => a.file)),
  });
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '  (none)\n';
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return (
    rows
      .map((r) => `  ${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')}`.trimEnd())
      .join('\n') + '\n'
  );
}

/** One line per verb; the flags other plugins add on indented lines below it. */
function verbLines(doc: CapabilityDocument): string {
  const rows = doc.verbs.map((v) => [v.name, v.plugin, v.summary]);
  const lines = table(rows).split('\n');
  const out: string[] = [];
  doc.verbs.forEach((v, i) => {
    out.push(lines[i]!);
    for (const e of v.extensions) out.push(`      + ${e.flags.join(' ')}  (${e.plugin})`);
  });
  return out.length ? `${out.join('\n')}\n` : '  (none)\n';
}

/** The document as text for an operator. */
export function renderCapabilities(doc: CapabilityDocument): string {
  const parts = [
    `${doc.runtime.name} ${doc.runtime.version} (plugin API ${doc.pluginApiVersion})\n`,
    `\nplugins (load order):\n` +
      `${table(doc.plugins.map((p) => [p.name, p.version, p.dependencies.length ? `needs ${p.dependencies.join(', ')}` : '', p.specifier]))}`,
    `\nverbs:\n${verbLines(doc)}`,
    `\nstage keys:\n` +
      `${table(doc.stages.map((s) => [s.keyKind === 'prefix' ? `${s.key}*` : s.key, s.source, s.policyClass, `replay:${s.replaySupport}`, s.plugin, s.summary]))}`,
    `\nadapters:\n` +
      `${table(doc.adapters.map((a) => [a.kind, a.direction, a.plugin, a.summary + (a.experimental ? ' (experimental)' : '')]))}`,
    `\nsnapshot sections:\n${table(doc.snapshotSections.map((s) => [s.name, s.plugin]))}`,
    `\nbundle artifacts:\n${table(doc.bundleArtifacts.map((a) => [a.file, a.plugin]))}`,
  ];
  return parts.join('');
}
