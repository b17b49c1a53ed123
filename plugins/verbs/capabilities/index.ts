import { RuntimeCapabilityDocument } from '../../../kernel/artifacts/capability-document.ts';
import { stableJson, writeJsonArtifact } from '../../../kernel/artifacts/json.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import { definePlugin, PLUGIN_API_VERSION } from '../../../kernel/plugin-contract.ts';
import { flag, flags } from '../../../kernel/flags.ts';
import { capabilityDocument, renderCapabilities } from './document.ts';

/**
 * `byteor capabilities [--plugin=...] [--out=FILE] [--json]`: every verb, stage key (exact and
 * prefix families), adapter kind, snapshot section and bundle artifact the loaded plugins
 * provide, with the plugin that provides it (runtime capability document v1, docs/plugins.md).
 */
const Flags = flags({
  out: flag.string({ value: 'FILE', description: 'also write the capability document (JSON) to FILE' }),
});

export default definePlugin({
  name: 'capabilities',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  setup(host) {
    host.registerVerb({
      name: 'capabilities',
      summary:
        'list the verbs, stage keys, adapters, snapshot sections and bundle artifacts the loaded plugins provide',
      usage:
        'Load more plugins with --plugin=NAME|PATH|PACKAGE to see what they add.\nWith --out=FILE the ' +
        'capability document is also written as JSON to FILE.',
      flags: Flags,
      run(ctx) {
        const doc = capabilityDocument(ctx.catalog);
        if (ctx.flags.out) {
          writeJsonArtifact(ctx.flags.out, RuntimeCapabilityDocument, doc);
          ctx.io.err(`capabilities: wrote ${ctx.flags.out}\n`);
        }
        ctx.io.out(ctx.json ? stableJson(doc) : renderCapabilities(doc));
        return ExitCode.OK;
      },
    });
  },
});
