/** Programmatic entry (`import { main } from 'byteor'`); plugin authors use `byteor/plugin`. */
export { main, defaultIO } from './cli.ts';
export { Kernel } from './plugin-host.ts';
export { loadPlugin, loadPlugins, resolvePluginSpecifier } from './plugin-loader.ts';
export { ByteorError } from './errors.ts';
export { ExitCode, EXIT_CODE_TABLE } from './exit-codes.ts';
export * from './plugin-api.ts';
export * from './public-api.ts';
