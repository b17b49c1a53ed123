/**
 * peer_node_streams: run_sp_file's work done the way a Node user writes it without ByteOr
 * (bench/peers/node-streams-copy.mjs): createReadStream → a Transform that splits lines and
 * pushes each one → createWriteStream, a fresh `node` process per run, timed like run_sp_file.
 */
import { fileURLToPath } from 'node:url';
import { defineBench } from '../suite/bench-definition.ts';
import { measureFileCopy } from '../suite/file-copy.ts';

const SCRIPT = fileURLToPath(new URL('./node-streams-copy.mjs', import.meta.url));

export default defineBench({
  name: 'peer_node_streams',
  kind: 'peer',
  summary: 'node: createReadStream → line-splitting Transform → createWriteStream, whole process',
  async run() {
    return measureFileCopy({
      name: 'peer_node_streams',
      kind: 'peer',
      summary: this.summary,
      disclosure: {
        topology: 'file → fs.ReadStream → Transform (split lines, push each) → fs.WriteStream → file',
        threads: 1,
        stages: 1,
        shards: 1,
        capacity: 0,
        wait: 'n/a (stream backpressure)',
        batch: 1,
        process_boundary: 'one fresh node process per run, spawn to exit',
        transport: 'files in a temp directory (page cache), Node streams in one thread',
      },
      command: () => ({ argv: [process.execPath, SCRIPT, '{in}', '{out}'] }),
    });
  },
});
