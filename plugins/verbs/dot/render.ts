import { spawnSync } from 'node:child_process';
import { DotErrors } from './errors.ts';

/** The command that installs Graphviz on Debian/Ubuntu (named in the error when `dot` is missing). */
export const GRAPHVIZ_INSTALL = 'apt-get install graphviz';

/**
 * Render DOT text to a file with the real Graphviz `dot` (found on PATH in `env`).
 * `dot` missing: BYTEOR_E_DOT_GRAPHVIZ_MISSING (exit 5, host not ready) naming the install
 * command; `dot` failing: BYTEOR_E_DOT_RENDER_FAILED (exit 1) with its stderr.
 */
export function renderWithGraphviz(
  dotText: string,
  format: 'svg',
  outPath: string,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const r = spawnSync('dot', [`-T${format}`, '-o', outPath], {
    input: dotText,
    env: env as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw DotErrors.error(
        'BYTEOR_E_DOT_GRAPHVIZ_MISSING',
        `cannot render ${outPath}: Graphviz "dot" is not installed (not found on PATH); install it with "` +
          `${GRAPHVIZ_INSTALL}" (Debian/Ubuntu), or write DOT instead with --out=FILE.dot`,
        { out: outPath },
      );
    }
    throw DotErrors.error(
      'BYTEOR_E_DOT_RENDER_FAILED',
      `cannot render ${outPath}: running Graphviz "dot" failed: ${r.error.message}`,
      { out: outPath },
    );
  }
  if (r.status !== 0) {
    throw DotErrors.error(
      'BYTEOR_E_DOT_RENDER_FAILED',
      `Graphviz "dot" failed rendering ${outPath} (exit ${r.status ?? r.signal}): ` +
        `${(r.stderr ?? '').trim() || 'no message'}`,
      { out: outPath },
    );
  }
}
