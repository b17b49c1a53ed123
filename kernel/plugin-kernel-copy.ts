/**
 * What to do when a plugin does not talk to the kernel that loads it: it imported `byteor/plugin`
 * from another copy of byteor (a second install next to the plugin), or, under Deno, could not
 * resolve `byteor/plugin` at all. On Node the kernel maps the two specifiers itself
 * (plugin-module-resolution.ts); Deno has no `module.register`, so there the fix is an import map
 * naming this kernel's modules.
 */
import { KERNEL_MODULES } from './plugin-module-resolution.ts';

export const IS_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';

/** The import map that makes a plugin under Deno resolve byteor to this kernel. */
export function denoImportMap(): string {
  return JSON.stringify({
    imports: { 'byteor/plugin': KERNEL_MODULES['byteor/plugin'], byteor: KERNEL_MODULES.byteor },
  });
}

/** The next step, for the runtime this process is. */
export function kernelCopyFix(): string {
  if (IS_DENO) {
    return (
      `under Deno, map byteor to this kernel with an import map: write ${denoImportMap()} to map.json and run ` +
      `deno run -A --import-map=map.json <byteor's bin/byteor.js> ... (docs/plugins.md, "Deno")`
    );
  }
  return (
    'import the kernel only as "byteor/plugin" (or "byteor"), never by a path into a byteor directory, so that ' +
    'the kernel resolves it to itself (docs/plugins.md, "How byteor/plugin resolves")'
  );
}
