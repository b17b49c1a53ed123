import * as nodeModule from 'node:module';
import { ownModuleUrl } from './package-paths.ts';

/**
 * Plugins import the kernel as `byteor/plugin` (and `byteor`). A plugin may live anywhere — a
 * directory outside any project, a package whose own node_modules holds another copy of
 * byteor, or none — so the kernel resolves those two specifiers itself, to the very modules it
 * is running from: every plugin talks to the kernel that loaded it (one ByteorError class, one
 * PLUGIN_API_VERSION; the API version check then tells a plugin built for another API apart).
 *
 * Node ≥ 20.6: a resolve hook registered with `module.register`, once per thread (stage
 * workers call this too, through the plugin loader). Where `module.register` does not exist
 * (Deno), plugins resolve `byteor/plugin` the ordinary way: install byteor next to them or use
 * an import map.
 */

/** The module URLs the bare specifiers map to in this process. */
export const KERNEL_MODULES: Readonly<Record<string, string>> = Object.freeze({
  'byteor/plugin': ownModuleUrl('kernel/plugin-api').href,
  byteor: ownModuleUrl('kernel/index').href,
});

const HOOKS = `
let map = {};
export async function initialize(data) { map = data; }
export async function resolve(specifier, context, next) {
  // resolved by the rest of the chain, so a loader such as tsx sees the kernel module it loads
  if (Object.prototype.hasOwnProperty.call(map, specifier)) return next(map[specifier], context);
  return next(specifier, context);
}
`;

let provided: boolean | undefined;

/** Make `byteor/plugin` and `byteor` resolve to this kernel in this thread (idempotent). */
export function provideKernelModules(): boolean {
  if (provided !== undefined) return provided;
  const register = (nodeModule as { register?: (specifier: string, options?: { data?: unknown }) => void }).register;
  if (typeof register !== 'function') return (provided = false);
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { ...KERNEL_MODULES } });
  return (provided = true);
}
