// Runs the CLI in this process (kernel/cli.ts main) with captured stdout/stderr, and writes
// temporary spec and input files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../kernel/cli.ts';
import type { VerbIO } from '../../kernel/index.ts';

export async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  let out = '';
  let err = '';
  const io: VerbIO = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    tty: false,
    color: false,
  };
  const code = await main(argv, { io, env: { ...process.env, ...env } });
  return { code, out, err };
}

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh private directory, removed when the test process exits. */
export function tempDir(prefix = 'byteor-run-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export function writeTemp(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** A SingleRing spec.kv with the given stage keys as a chain. */
export function chainSpec(keys: string[], extra: Record<string, string | number> = {}): string {
  const lines = ['spec.version=1', 'spec.model=single_ring', 'spec.name=test'];
  for (const [k, v] of Object.entries(extra)) lines.push(`single_ring.${k}=${v}`);
  keys.forEach((k, i) => {
    lines.push(`single_ring.stages.${i}.key=${k}`);
    if (i > 0) lines.push(`single_ring.stages.${i}.depends_on.0=${i - 1}`);
  });
  return `${lines.join('\n')}\n`;
}
