/**
 * The transport client libraries, each imported on first use: loading the edgeplane plugin
 * (every `byteor-edgeplane` invocation, `--help` and `validate` included) costs none of them,
 * and a run pays only for the transports its config names (~40–70 ms each on this class of
 * machine: bench micro_startup). Types come from `import type` where they are used.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

export const natsClient = onFirstUse(() => import('nats'));
export const pgClient = onFirstUse(async () => (await import('pg')).default);
export const redisClient = onFirstUse(async () => (await import('ioredis')).Redis);
export const wsClient = onFirstUse(() => import('ws'));
export const undiciClient = onFirstUse(() => import('undici'));
export const grpcClient = onFirstUse(() => import('@grpc/grpc-js'));
export const protoLoader = onFirstUse(() => import('@grpc/proto-loader'));
export const amqpClient = onFirstUse(() => import('amqplib'));
export const s3Client = onFirstUse(() => {
  // the SDK warns on every process that Node 20 support ends in 2027 (engines says >=20): the
  // run's stderr stays the run's own unless the operator asks for it (set the variable to false)
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return import('@aws-sdk/client-s3');
});
