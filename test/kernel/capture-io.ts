import type { VerbIO } from '../../kernel/index.ts';

/** A VerbIO that records stdout and stderr text, for running `main()` in-process. */
export function captureIO(): VerbIO & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    tty: false,
    color: false,
    stdout: () => out,
    stderr: () => err,
  };
}
