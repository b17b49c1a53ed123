/**
 * A stage of peer_message_port: every message (one batch of records, a Uint8Array) that arrives
 * on the port from the stage before it is posted on to the next (structured clone: a copy per
 * hop). The event loop is the wait strategy.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';

const d = workerData as { input: MessagePort; output: MessagePort };
d.input.on('message', (m: Uint8Array) => d.output.postMessage(m));
d.input.once('close', () => d.output.close());
parentPort!.postMessage('ready');
