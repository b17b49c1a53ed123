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
