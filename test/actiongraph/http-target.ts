/**
 * Test support: a real node:http server on 127.0.0.1 (port 0) that records every request and
 * answers from a script (a status per request, the last one repeating; `hang` never answers).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}
export type Reply = number | 'hang' | ((req: SeenRequest) => number);

export interface HttpTarget {
  url: string;
  requests: SeenRequest[];
  /** most requests in flight at the same time */
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startHttpTarget(script: Reply[] = [200], opts: { delayMs?: number } = {}): Promise<HttpTarget> {
  const requests: SeenRequest[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const hung: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      const n = requests.push(seen);
      const step = script[Math.min(n - 1, script.length - 1)]!;
      const status = typeof step === 'function' ? step(seen) : step;
      const finish = () => {
        inFlight--;
        if (!res.writableEnded) res.writeHead(status as number).end('ok');
      };
      if (status === 'hang') {
        hung.push(() => {
          inFlight--;
          res.destroy();
        });
        return;
      }
      if (opts.delayMs) setTimeout(finish, opts.delayMs);
      else finish();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    async close() {
      for (const h of hung) h();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
