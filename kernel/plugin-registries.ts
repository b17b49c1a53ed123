import type {
  AdapterFactory,
  BundleArtifact,
  SnapshotSection,
  StageFamily,
  VerbDefinition,
  VerbExtension,
} from './plugin-contract.ts';

export type Owned<T> = { plugin: string } & T;

/**
 * What the kernel's plugins registered, each with its owner. Only the staging host of
 * kernel/plugin-host.ts adds to it (after its checks, when a setup returns or a direct
 * `Kernel.register*` call passed them); lookups are the Kernel's.
 */
export class PluginRegistries {
  readonly verbs = new Map<string, Owned<{ verb: VerbDefinition<any> }>>();
  readonly verbExt = new Map<string, Owned<{ ext: VerbExtension<any> }>[]>();
  readonly exact = new Map<string, Owned<{ family: StageFamily }>>();
  readonly prefix: Owned<{ family: StageFamily }>[] = [];
  readonly adapters = new Map<string, Owned<{ adapter: AdapterFactory }>>();
  readonly sections = new Map<string, Owned<{ section: SnapshotSection }>>();
  readonly artifacts = new Map<string, Owned<{ artifact: BundleArtifact }>>();

  addVerb(verb: VerbDefinition<any>, plugin: string): void {
    this.verbs.set(verb.name, { verb, plugin });
  }
  addVerbExtension(ext: VerbExtension<any>, plugin: string): void {
    const list = this.verbExt.get(ext.verb) ?? [];
    list.push({ ext, plugin });
    this.verbExt.set(ext.verb, list);
  }
  addStage(family: StageFamily, plugin: string): void {
    if (family.key !== undefined) this.exact.set(family.key, { family, plugin });
    else this.prefix.push({ family, plugin });
  }
  addAdapter(adapter: AdapterFactory, plugin: string): void {
    this.adapters.set(adapter.kind, { adapter, plugin });
  }
  addSnapshotSection(section: SnapshotSection, plugin: string): void {
    this.sections.set(section.name, { section, plugin });
  }
  addBundleArtifact(artifact: BundleArtifact, plugin: string): void {
    this.artifacts.set(artifact.file, { artifact, plugin });
  }
}
