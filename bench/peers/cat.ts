/**
 * peer_cat: run_sp_file's input copied by `cat` (stdout opened on the output file), a fresh
 * process per run, timed like run_sp_file: the floor of moving these bytes through a process.
 */
import { defineBench } from '../suite/bench-definition.ts';
import { measureFileCopy } from '../suite/file-copy.ts';

export default defineBench({
  name: 'peer_cat',
  kind: 'peer',
  summary: 'cat IN > OUT: the I/O floor, whole process',
  async run() {
    return measureFileCopy({
      name: 'peer_cat',
      kind: 'peer',
      summary: this.summary,
      disclosure: {
        topology: 'file → cat → file (no record boundaries)',
        threads: 1,
        stages: 0,
        shards: 1,
        capacity: 0,
        wait: 'n/a',
        batch: 0,
        process_boundary: 'one fresh cat process per run, spawn to exit',
        transport: 'files in a temp directory (page cache)',
      },
      command: () => ({ argv: ['cat', '{in}'], stdoutToOutput: true }),
    });
  },
});
