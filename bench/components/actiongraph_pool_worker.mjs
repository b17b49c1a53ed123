// piscina worker for bench/components/actiongraph_pool_choice.ts: performs one http_post action per task.
import { createHash } from 'node:crypto';
import { workerData } from 'piscina';
import { Pool } from 'undici';

const url = new URL(workerData.url);
const pool = new Pool(url.origin, { connections: workerData.connections, pipelining: 1 });

export default async function post(bytes) {
  const key = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const res = await pool.request({
    path: url.pathname,
    method: 'POST',
    headers: { 'idempotency-key': key },
    body: bytes,
  });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  return res.statusCode;
}
