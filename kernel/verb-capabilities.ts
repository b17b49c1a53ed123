import type { KernelHost, VerbCapabilities } from './plugin-contract.ts';

/**
 * The capabilities a verb receives (VerbContext), over the kernel: the run lifecycle and spec
 * loading are imported when first used (a cold `byteor --help` loads neither).
 */
export function verbCapabilities(kernel: KernelHost): VerbCapabilities {
  const specs = () => import('./spec/load.ts');
  return {
    run: async (request) => (await import('./run/run-pipeline.ts')).runPipeline(kernel, request),
    loadSpec: async (path, opts) => (await specs()).loadSpecFile(path, kernel, opts),
    loadSpecText: async (text, opts) => (await specs()).loadSpecText(text, kernel, opts),
    checkSpec: async (path, opts) => (await specs()).validateSpecFile(path, kernel, opts),
    checkSpecText: async (text, opts) => (await specs()).validateSpecText(text, kernel, opts),
    catalog: Object.freeze({
      get plugins() {
        return kernel.plugins;
      },
      verbs: () => kernel.verbs(),
      verbExtensions: (verb: string) => kernel.verbExtensions(verb),
      stages: () => kernel.stages(),
      resolveStage: (key: string) => kernel.resolveStage(key),
      adapters: () => kernel.adapters(),
      snapshotSections: () => kernel.snapshotSections(),
      bundleArtifacts: () => kernel.bundleArtifacts(),
    }),
    prepareReplay: (prep) => kernel.hooks.replayPreparing.call(prep),
  };
}
