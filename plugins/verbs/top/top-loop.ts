import { ByteorError } from '../../../kernel/errors.ts';
import { ExitCode } from '../../../kernel/exit-codes.ts';
import type { VerbContext } from '../../../kernel/plugin-contract.ts';
import { locateRunDir } from '../../../kernel/rundir/run-dir.ts';
import { captureSnapshot } from '../../../kernel/snapshot/capture.ts';
import { runtimeView } from '../../../kernel/snapshot/runtime-view.ts';
import { FrameBuilder } from './frame-builder.ts';
import { renderFrame } from './render.ts';
import { TerminalScreen } from './terminal-screen.ts';
import { TopFrame } from './top-frame.ts';
import { TopErrors } from './errors.ts';

/**
 * The `top` loop: every --interval a snapshot (live over the control socket, else the state
 * file a dead runtime left), flattened into a frame. Three outputs:
 *   - a terminal on stdout: full screen, redrawn in place, until `q` (or Ctrl-C, SIGTERM);
 *   - --json: one JSON line per refresh on stdout;
 *   - stdout not a terminal: plain text frames separated by a blank line, no escape codes.
 * --once prints one frame (the first, so without rates) and exits; --count=N stops after N.
 * The first capture must succeed (exit 6 otherwise, as `snapshot`); a later failure is shown
 * in place of the frame and retried at the next refresh.
 */
export interface TopFlags {
  'run-dir'?: string | undefined;
  interval: number;
  once: boolean;
  count?: number | undefined;
  'timeout-ms': number;
}

export async function runTop(
  ctx: VerbContext<TopFlags>,
  stdout: NodeJS.WriteStream = process.stdout,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<number> {
  const f = ctx.flags;
  const runDir = locateRunDir(f['run-dir']);
  const builder = new FrameBuilder();
  const limit = f.once ? 1 : (f.count ?? Infinity);
  const fullScreen = !f.once && !ctx.json && stdout.isTTY === true;
  const capture = async () => {
    const cap = await captureSnapshot(runDir, { timeoutMs: f['timeout-ms'] });
    return TopFrame.parse(builder.next(runtimeView(cap.snapshot), cap.liveError));
  };
  let frame = await capture(); // the first failure is the verb's (exit 6)

  let quit = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    quit = true;
    wake?.();
  };
  const screen = fullScreen ? new TerminalScreen(stdout, stdin, stop) : null;
  const onSignal = () => stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let lastError: string | null = null;
  const clock = () => new Date().toISOString().slice(11, 19);
  const show = () => {
    if (screen) {
      const lines = renderFrame(frame, screen.size, clock());
      if (lastError)
        lines.splice(Math.max(0, lines.length - 1), 0, `refresh failed: ${lastError}`.slice(0, screen.size.cols));
      screen.draw(lines);
    }
  };
  try {
    screen?.open(show);
    for (let n = 1; ; n++) {
      if (screen) show();
      else if (ctx.json) ctx.io.out(`${JSON.stringify(frame)}\n`);
      else ctx.io.out(`${n > 1 ? '\n' : ''}${renderFrame(frame, { cols: 120, rows: 10_000 }, clock()).join('\n')}\n`);
      if (n >= limit || quit) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, f.interval * 1000);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
      if (quit) break;
      try {
        frame = await capture();
        lastError = null;
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
        if (!screen) ctx.io.err(`warning: refresh failed: ${lastError}\n`);
      }
    }
  } catch (e) {
    throw e instanceof ByteorError
      ? e
      : TopErrors.error(
          'BYTEOR_E_TOP_FAILED',
          `top stopped: ${e instanceof Error ? e.message : String(e)}; run byteor snapshot --run-dir=${runDir} ` +
            `to see the state`,
        );
  } finally {
    screen?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return ExitCode.OK;
}
