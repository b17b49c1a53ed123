import type { ChannelModel } from 'amqplib';
import { amqpClient } from './clients.ts';
import { Backoff, sleep } from './backoff.ts';
import { errorText, type HealthTracker } from './health.ts';
import { int, redactUrl, text, url } from './settings.ts';
import { transportError } from './source-failure.ts';

/**
 * One AMQP 0-9-1 connection (amqplib) to RabbitMQ for a `rabbitmq_streams` binding, with the
 * settings ingress and egress share. `openAmqp` retries with backoff until `deadline`; the
 * bindings call it again after the connection is lost (amqplib does not reconnect by itself
 * here: each binding knows where to resume).
 */

export const amqpConnectionSettings = {
  url: url(['amqp', 'amqps']),
  /** the stream queue */
  queue: text(),
  heartbeat_s: int(0, 3_600).default(10),
  connect_timeout_ms: int(1, 3_600_000).default(10_000),
  backoff_ms: int(1, 600_000).default(100),
  backoff_max_ms: int(1, 600_000).default(2_000),
};

export interface AmqpConnSettings {
  url: string;
  queue: string;
  heartbeat_s: number;
  connect_timeout_ms: number;
  backoff_ms: number;
  backoff_max_ms: number;
}

export function amqpEndpoint(s: { url: string; queue: string }, what = ''): string {
  return `${redactUrl(s.url)} stream ${s.queue}${what ? ` ${what}` : ''}`;
}

/** the stream queue's declaration: the same arguments on both sides, or the broker refuses it */
export const STREAM_QUEUE = { durable: true, arguments: { 'x-queue-type': 'stream' } } as const;

/**
 * Connects, retrying with backoff until `deadline` (epoch ms) or `stop`; throws
 * BYTEOR_E_EDGEPLANE_TRANSPORT naming the url (credentials removed) when it cannot.
 */
export async function openAmqp(
  kind: string,
  s: AmqpConnSettings,
  h: HealthTracker,
  deadline: number,
  stop?: AbortSignal,
): Promise<ChannelModel> {
  const amqp = await amqpClient();
  const backoff = new Backoff(s.backoff_ms, s.backoff_max_ms);
  const target = new URL(s.url);
  if (!target.searchParams.has('heartbeat')) target.searchParams.set('heartbeat', String(s.heartbeat_s));
  for (;;) {
    try {
      const conn = await amqp.connect(target.toString(), {
        timeout: Math.max(1, Math.min(5_000, deadline - Date.now())),
        noDelay: true,
      });
      h.set('connected');
      return conn;
    } catch (e) {
      h.fail(`connect ${redactUrl(s.url)}: ${errorText(e)}`);
      if (Date.now() >= deadline || stop?.aborted) {
        throw transportError(
          kind,
          `cannot connect to ${redactUrl(s.url)} within ${s.connect_timeout_ms} ms: ${errorText(e)}; check the ` +
            `url and credentials (is rabbitmq-server running?)`,
          e,
        );
      }
      await sleep(backoff.next(), stop);
    }
  }
}

/** close without waiting on a broker that is gone */
export async function closeAmqp(conn: ChannelModel | null): Promise<void> {
  if (!conn) return;
  await Promise.race([conn.close().catch(() => {}), sleep(2_000)]);
}

/** a 404 / 406 channel error from the broker (the queue is missing or of another type) */
export function amqpReplyCode(e: unknown): number | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
}
