import { z } from 'zod';
import { PolicyClassId, ReplaySupportId } from './compatibility-report.ts';

/**
 * Runtime capability document v1 (`byteor capabilities --json`): every verb, stage key family,
 * adapter kind, snapshot section and bundle artifact the loaded plugins provide, each with the
 * plugin that provides it. Named after ByteOr's `byteor_app_kit::capabilities`
 * (`RuntimeCapabilityDocument`, `StageCatalogEntry`, `StageKeyKind`) and, like its
 * compatibility report, spelled in camelCase.
 */
export const CAPABILITY_DOCUMENT_VERSION = 1 as const;

export const StageCatalogEntry = z.object({
  /** exact key, or the prefix including its separator (`http_post:`) */
  key: z.string().min(1),
  keyKind: z.enum(['exact', 'prefix']),
  source: z.enum(['built_in', 'catalog_stable', 'catalog_prefix']),
  plugin: z.string(),
  summary: z.string(),
  policyClass: PolicyClassId,
  replaySupport: ReplaySupportId,
});
export type StageCatalogEntry = z.infer<typeof StageCatalogEntry>;

export const RuntimeCapabilityDocument = z.object({
  documentVersion: z.literal(CAPABILITY_DOCUMENT_VERSION),
  runtime: z.object({ name: z.string(), version: z.string() }),
  pluginApiVersion: z.number().int(),
  /** loaded plugins in load order (stage workers load the same list) */
  plugins: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      specifier: z.string(),
      dependencies: z.array(z.string()),
    }),
  ),
  verbs: z.array(
    z.object({
      name: z.string(),
      summary: z.string(),
      plugin: z.string(),
      flags: z.array(z.string()),
      /** flags other plugins add to this verb (extendVerb) */
      extensions: z.array(z.object({ plugin: z.string(), flags: z.array(z.string()) })),
    }),
  ),
  stages: z.array(StageCatalogEntry),
  adapters: z.array(
    z.object({
      kind: z.string(),
      direction: z.enum(['ingress', 'egress', 'both']),
      experimental: z.boolean(),
      plugin: z.string(),
      summary: z.string(),
    }),
  ),
  snapshotSections: z.array(z.object({ name: z.string(), plugin: z.string() })),
  bundleArtifacts: z.array(z.object({ file: z.string(), plugin: z.string() })),
});
export type RuntimeCapabilityDocument = z.infer<typeof RuntimeCapabilityDocument>;
