/**
 * What loading or checking a spec yields (kernel/spec/load.ts makes them). Its own module, with
 * no kernel imports, so that the plugin contract (VerbContext's spec capabilities) can name them.
 */
import type { CompileReportV1 } from '../artifacts/compile-report.ts';
import type { SpecModel } from './decode.ts';
import type { Diagnostic, PipelineSpecV1 } from './model.ts';

/** A valid spec, ready to run. */
export interface LoadedSpec {
  /** the file it was read from, or null for text */
  path: string | null;
  /** the text as written (authored form included) */
  text: string;
  /** the explicit spec (lowered when the text was an authored plan) */
  spec: PipelineSpecV1;
  /** canonical spec.kv text of `spec` */
  canonical: string;
  /** `sha256:<hex>` of `canonical` */
  hash: string;
  warnings: Diagnostic[];
  report: CompileReportV1;
  /** explicit spec key → 1-based line of the text it came from */
  lines: ReadonlyMap<string, number>;
}

/** The outcome of checking a spec, valid or not (never throws for problems of the spec itself). */
export interface SpecCheck {
  ok: boolean;
  path: string | null;
  text: string;
  model: SpecModel | null;
  /** present once the spec could be decoded (and lowered) */
  spec?: PipelineSpecV1;
  canonical?: string;
  hash: string | null;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  report?: CompileReportV1;
  lines: ReadonlyMap<string, number>;
  /** the spec's `plugins.<i>`, when they were not loaded (`specPlugins: false`) */
  unloadedSpecPlugins?: string[];
}

export interface CheckOptions {
  /** the path the text came from (messages name it; relative `plugins.<i>` paths resolve from its directory) */
  path?: string | null;
  /**
   * import the plugins the spec names (default true). False (`--no-spec-plugins`) checks an
   * untrusted spec without running its code: each `plugins.<i>` gets a warning, and stage keys
   * only they provide are unknown, saying why (kernel/spec/no-spec-plugins.ts).
   */
  specPlugins?: boolean;
}
