// peer_node_streams' program: what a Node user writes to pass a file's lines through a
// stage (here identity) to another file: createReadStream → a line-splitting Transform →
// createWriteStream, with stream backpressure.   node node-streams-copy.mjs IN OUT
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const [input, output] = process.argv.slice(2);
let rest = '';
const lines = new Transform({
  transform(chunk, _encoding, done) {
    const parts = (rest + chunk.toString('latin1')).split('\n');
    rest = parts.pop();
    for (const line of parts) this.push(`${line}\n`);
    done();
  },
  flush(done) {
    if (rest) this.push(`${rest}\n`);
    done();
  },
});
await pipeline(createReadStream(input), lines, createWriteStream(output));
