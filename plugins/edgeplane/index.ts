import { definePlugin, PLUGIN_API_VERSION } from '../../kernel/plugin-contract.ts';
import { collectAdapters } from './bindings.ts';
import { fileAdapter } from './file.ts';
import { grpcAdapter } from './grpc.ts';
import { httpAdapter } from './http.ts';
import { jetstreamAdapter } from './jetstream.ts';
import { natsAdapter } from './nats.ts';
import { postgresAdapter } from './postgres.ts';
import { rabbitmqStreamsAdapter } from './rabbitmq-streams.ts';
import { redisStreamsAdapter } from './redis-streams.ts';
import { s3Adapter } from './s3.ts';
import { stdioAdapter } from './stdio.ts';
import { websocketAdapter } from './websocket.ts';
import { EdgeplaneErrors } from './errors.ts';

/**
 * EdgePlane: the transport adapters that move bytes between external systems and a pipeline
 * (one ingress and one egress binding per run, chosen by `--config`), and their health in the
 * `adapters` snapshot section. See docs/edgeplane.md.
 */
export const EDGEPLANE_ADAPTERS = [
  fileAdapter,
  stdioAdapter,
  httpAdapter,
  websocketAdapter,
  natsAdapter,
  jetstreamAdapter,
  redisStreamsAdapter,
  postgresAdapter,
  grpcAdapter,
  rabbitmqStreamsAdapter,
  s3Adapter,
];

export default definePlugin({
  name: 'edgeplane',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  errors: EdgeplaneErrors,
  setup(host) {
    if (host.inWorker) return; // adapters run on the runtime's main thread only
    for (const a of EDGEPLANE_ADAPTERS) host.registerAdapter(a);
    host.registerSnapshotSection({ name: 'adapters', collect: () => collectAdapters() });
  },
});
