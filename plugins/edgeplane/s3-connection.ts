import type { S3Client } from '@aws-sdk/client-s3';
import { s3Client } from './clients.ts';
import { bool, configError, int, redactUrl, text, url } from './settings.ts';

/**
 * The S3 client of an `s3` binding (`@aws-sdk/client-s3`) and the settings ingress and egress
 * share. `endpoint` points at an S3-compatible server (path-style addressing by default there);
 * without it the SDK's AWS endpoint for `region` is used. Credentials come from the settings or,
 * when absent, from the SDK's usual chain (AWS_* environment, profiles, instance roles).
 */

export const s3ConnectionSettings = {
  bucket: text(),
  /** keys under it (empty: the whole bucket) */
  prefix: text().optional(),
  endpoint: url(['http', 'https']).optional(),
  region: text().default('us-east-1'),
  access_key_id: text().optional(),
  secret_access_key: text().optional(),
  force_path_style: bool().optional(),
  request_timeout_ms: int(1, 3_600_000).default(30_000),
  backoff_ms: int(1, 600_000).default(100),
  backoff_max_ms: int(1, 600_000).default(5_000),
};

export interface S3ConnSettings {
  bucket: string;
  prefix?: string | undefined;
  endpoint?: string | undefined;
  region: string;
  access_key_id?: string | undefined;
  secret_access_key?: string | undefined;
  force_path_style?: boolean | undefined;
  request_timeout_ms: number;
}

export function s3Endpoint(s: S3ConnSettings): string {
  return `s3://${s.bucket}/${s.prefix ?? ''}${s.endpoint ? ` at ${redactUrl(s.endpoint)}` : ` (${s.region})`}`;
}

export async function openS3(s: S3ConnSettings, direction: string): Promise<S3Client> {
  if ((s.access_key_id === undefined) !== (s.secret_access_key === undefined)) {
    throw configError(
      `${direction}.${s.access_key_id === undefined ? 'access_key_id' : 'secret_access_key'}: required together ` +
        `with ${direction}.${s.access_key_id === undefined ? 'secret_access_key' : 'access_key_id'}; set both, or ` +
        `neither to use the AWS credential chain`,
    );
  }
  const { S3Client: Client } = await s3Client();
  return new Client({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    forcePathStyle: s.force_path_style ?? s.endpoint !== undefined,
    ...(s.access_key_id
      ? { credentials: { accessKeyId: s.access_key_id, secretAccessKey: s.secret_access_key! } }
      : {}),
    maxAttempts: 1, // the bindings retry with their own backoff and deadlines
    requestHandler: { requestTimeout: s.request_timeout_ms, connectionTimeout: Math.min(5_000, s.request_timeout_ms) },
  });
}

/** the HTTP status of an SDK error (404 missing bucket/key, 416 range past the end), if any */
export function s3Status(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** 4xx other than 408/429: the request itself is wrong and a retry will not help */
export function s3Permanent(e: unknown): boolean {
  const st = s3Status(e);
  return st !== undefined && st >= 400 && st < 500 && st !== 408 && st !== 429;
}

/** HeadBucket: a missing bucket is a config error (or created, for egress with `create=true`) */
export async function checkBucket(client: S3Client, bucket: string, direction: string, create: boolean): Promise<void> {
  const { HeadBucketCommand, CreateBucketCommand } = await s3Client();
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    if (s3Status(e) !== 404) throw e;
    if (!create)
      throw configError(
        `${direction}.bucket: bucket "${bucket}" does not exist; create it` +
          `${direction === 'egress' ? ' or set egress.create=true' : ''}`,
      );
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}
