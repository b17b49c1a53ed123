// Types of scripts/test-servers.mjs for TypeScript callers (bench/components/edgeplane_adapters.ts).
export interface TestServers {
  /** BYTEOR_TEST_NATS_URL, BYTEOR_TEST_NATS_STORE, BYTEOR_TEST_REDIS_URL, BYTEOR_TEST_POSTGRES_URL,
   *  BYTEOR_TEST_RABBITMQ_URL, BYTEOR_TEST_S3_URL (each only when started) */
  env: Record<string, string>;
  stop(): Promise<void>;
}
export function startTestServers(): Promise<TestServers>;
