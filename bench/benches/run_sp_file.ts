/**
 * run_sp_file: `byteor run --sp` copying a file to a file through one identity stage, as a user
 * runs it: the built CLI (bin/byteor.js → dist/, `npm run build` first), a fresh process per
 * run, timed from spawn to exit (process start included). Fixed work: 1 M lines of 64 B.
 *
 *   file → LineIngress → ring → [identity] → LineEgress → file      (one process: main + 1 stage worker)
 *
 * Its peers, on the same input in the same way: peer_node_streams (createReadStream → a
 * line-splitting Transform → createWriteStream, what a Node user writes) and peer_cat (`cat`,
 * the I/O floor). Goal (issue 16): at least 2x peer_node_streams and 0.5x peer_cat.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineBench } from '../suite/bench-definition.ts';
import { measureFileCopy } from '../suite/file-copy.ts';
import { failedResult } from '../suite/measure.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const SPEC = fileURLToPath(new URL('./run_sp_file.kv', import.meta.url));

const disclosure = {
  topology: 'file → line ingress → P→0 (identity) → line egress → file, `byteor run --sp` (built CLI)',
  threads: 2,
  stages: 1,
  shards: 1,
  capacity: 4096,
  wait: 'backoff',
  batch: 1024,
  process_boundary: 'one fresh process per run (node bin/byteor.js → dist/), spawn to exit',
  transport: 'files in a temp directory (page cache), one SingleRing between main thread and stage worker',
};

export default defineBench({
  name: 'run_sp_file',
  kind: 'bench',
  summary: 'byteor run --sp file → identity → file, 1 M lines, whole process (built CLI)',
  async run() {
    const spec = { name: 'run_sp_file', kind: 'bench' as const, reference: null, notes: [] as string[] };
    if (!existsSync(`${repo}dist/kernel/main.js`)) {
      return failedResult(
        {
          ...spec,
          disclosure: { ...disclosure, wait_requested: null, payload_bytes: 64, payload_shape: '', batch: 1024 },
        },
        new Error('dist/ is missing: run "npm run build" (run_sp_file runs the built CLI)'),
      );
    }
    return measureFileCopy({
      name: 'run_sp_file',
      kind: 'bench',
      summary: this.summary,
      disclosure,
      command: () => ({
        argv: [
          process.execPath,
          'bin/byteor.js',
          'run',
          '--sp',
          `--spec=${SPEC}`,
          '--input={in}',
          '--output={out}',
          '--quiet',
        ],
        cwd: repo,
      }),
    });
  },
});
