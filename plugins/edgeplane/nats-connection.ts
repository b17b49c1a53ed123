import type { NatsConnection } from 'nats';
import { natsClient } from './clients.ts';
import { z } from 'zod';
import { Backoff, sleep } from './backoff.ts';
import { errorText, type HealthTracker } from './health.ts';
import { int, redactUrl, text, url } from './settings.ts';
import { transportError } from './source-failure.ts';

/**
 * One NATS connection for a binding (core or JetStream), with the settings both share. The
 * first connect is retried with backoff for `connect_timeout_ms`; after that the client
 * reconnects forever with the same backoff and the binding's health follows the client's status
 * events (`reconnecting` while the server is away, `connected` again once it is back).
 */

export const natsConnectionSettings = {
  url: url(['nats', 'tls']),
  user: text().optional(),
  password: text().optional(),
  token: text().optional(),
  name: text().default('byteor-edgeplane'),
  connect_timeout_ms: int(1, 3_600_000).default(10_000),
  backoff_ms: int(1, 600_000).default(100),
  backoff_max_ms: int(1, 600_000).default(2_000),
};

const NatsConn = z.object(natsConnectionSettings);
type NatsConnSettings = z.output<typeof NatsConn>;

export function natsEndpoint(s: { url: string }, what: string): string {
  return `${redactUrl(s.url)} ${what}`;
}

export async function openNats(
  kind: string,
  s: NatsConnSettings,
  h: HealthTracker,
  stop: AbortSignal,
): Promise<NatsConnection> {
  const { connect } = await natsClient();
  const backoff = new Backoff(s.backoff_ms, s.backoff_max_ms);
  const until = Date.now() + s.connect_timeout_ms;
  let nc: NatsConnection;
  for (;;) {
    try {
      nc = await connect({
        servers: s.url,
        name: s.name,
        user: s.user,
        pass: s.password,
        token: s.token,
        timeout: Math.min(s.connect_timeout_ms, 5_000),
        maxReconnectAttempts: -1,
        reconnectDelayHandler: () => backoff.next(),
        pingInterval: 5_000,
        maxPingOut: 3,
      });
      break;
    } catch (e) {
      h.fail(`connect ${redactUrl(s.url)}: ${errorText(e)}`);
      if (Date.now() >= until || stop.aborted) {
        h.set('failed');
        throw transportError(
          kind,
          `cannot connect to ${redactUrl(s.url)} within ${s.connect_timeout_ms} ms: ${errorText(e)}; check the ` +
            `url (is nats-server running?)`,
          e,
        );
      }
      await sleep(backoff.next(), stop);
    }
  }
  h.set('connected');
  void (async () => {
    for await (const st of nc.status()) {
      if (st.type === 'disconnect' || st.type === 'reconnecting') h.set('reconnecting');
      else if (st.type === 'reconnect') {
        h.set('connected');
        backoff.reset();
      }
      if (st.type === 'disconnect' || st.type === 'error')
        h.fail(`${st.type}${st.data ? `: ${typeof st.data === 'string' ? st.data : errorText(st.data)}` : ''}`);
    }
  })();
  void nc.closed().then((err) => {
    if (err) {
      h.fail(`connection closed: ${errorText(err)}`);
      h.set('failed');
    } else h.set('closed');
  });
  return nc;
}

/** wait for the server to confirm what was published so far, within `ms` */
export async function flushWithin(nc: NatsConnection, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      nc.flush(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no flush confirmation from the server within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** drain (deliver what is buffered, then close), but never wait more than `ms` for a server that is away */
export async function closeNats(nc: NatsConnection | null, ms = 2_000): Promise<void> {
  if (!nc || nc.isClosed()) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    nc.drain().catch(() => {}),
    new Promise<void>((r) => {
      timer = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(timer);
  if (!nc.isClosed()) await nc.close().catch(() => {});
}
