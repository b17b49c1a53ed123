/**
 * `byteor plugin init DIR`: write the scaffold (scaffold-files.ts) into a new or empty directory.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ByteorError } from '../../../kernel/errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import type { VerbContext } from '../../../kernel/plugin-contract.ts';
import { PLUGIN_NAME } from '../../../kernel/plugin-definition.ts';
import { packageVersion } from '../../../kernel/version.ts';
import type { PluginVerbFlags } from './flags.ts';
import { scaffoldFiles, type ScaffoldNames } from './scaffold-files.ts';
import { KernelErrors } from '../../../kernel/errors/kernel-errors.ts';
import { PluginErrors } from './errors.ts';

function usage(message: string): ByteorError {
  return KernelErrors.error('BYTEOR_E_USAGE_BAD_ACTION', `${message}; run "byteor plugin --help"`);
}

/** The names the scaffold uses, from the package name. */
export function scaffoldNames(name: string, byteorVersion: string): ScaffoldNames {
  const bare = name.replace(/^@[^/]+\//, '');
  const id = bare.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'plugin';
  const flag = `${bare.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'plugin'}-note`;
  const [major, minor] = byteorVersion.split('.');
  return { name, id, flag, byteorRange: major === '0' ? `^0.${minor ?? '0'}.0` : `^${major}.0.0` };
}

export async function runPluginInit(ctx: VerbContext<PluginVerbFlags>): Promise<number> {
  const [action, dirArg, ...rest] = ctx.positionals;
  if (action !== 'init') throw usage(`plugin needs an action, init${action ? ` (got "${action}")` : ''}`);
  if (!dirArg || rest.length) throw usage('plugin init needs one directory: byteor plugin init DIR');
  const dir = resolve(dirArg);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw PluginErrors.error(
      'BYTEOR_E_PLUGIN_INIT_NOT_EMPTY',
      `${dir} ${statSync(dir).isDirectory() ? 'is not empty' : 'is not a directory'}; plugin init writes only ` +
        `into a new or empty directory: name another one`,
      { dir },
    );
  }
  const name = ctx.flags.name ?? basename(dir).toLowerCase();
  if (!PLUGIN_NAME.test(name)) {
    throw KernelErrors.error(
      'BYTEOR_E_USAGE_BAD_FLAG',
      `--name: "${name}" is not an npm-style plugin name (lower case, digits, . _ ~ -, optional @scope/); pass ` +
        `--name=NAME${ctx.flags.name ? '' : ` (it defaults to the directory's base name, ${basename(dir)})`}`,
      { flag: '--name' },
    );
  }
  const files = scaffoldFiles(scaffoldNames(name, packageVersion()));
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    try {
      writeFileSync(path, text, { flag: 'wx' });
    } catch (e) {
      throw KernelErrors.error(
        'BYTEOR_E_ARTIFACT_WRITE',
        `cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`,
        { path },
      );
    }
  }
  if (ctx.json) ctx.io.out(`${JSON.stringify({ ok: true, dir, name, files: Object.keys(files).sort() })}\n`);
  else {
    ctx.io.out(
      `created plugin ${name} in ${dir}:\n${Object.keys(files)
        .sort()
        .map((f) => `  ${f}`)
        .join('\n')}\n`,
    );
    ctx.io.err(`next: cd ${dirArg} && npm install && npm test (docs/plugins.md §1)\n`);
  }
  return ExitCode.OK;
}
