import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { queryRuntime } from '../../kernel/rundir/control-client.ts';
import { captureSnapshot } from '../../kernel/snapshot/capture.ts';
import { hostPort } from './listen-address.ts';
import { runtimeRegistry, scrapeOf, type Scrape } from './runtime-metrics.ts';
import { MetricsErrors } from './errors.ts';

/**
 * The HTTP side of `run --metrics`: `GET /metrics` (Prometheus text format 0.0.4) and
 * `GET /healthz` (200 `ok <state>` while the runtime answers and is running or draining, else
 * 503). Values come from one snapshot of the runtime per scrape, asked over its control socket
 * — the document `byteor snapshot` returns — so a scrape costs one snapshot, and records cost
 * nothing. Concurrent scrapes within 250 ms share one snapshot.
 */
const SHARE_MS = 250;
const SNAPSHOT_TIMEOUT_MS = 2000;

export class MetricsServer {
  private server: Server | null = null;
  private last: { at: number; scrape: Promise<Scrape> } | null = null;
  private readonly registry = runtimeRegistry(() => this.scrape());

  constructor(
    private readonly runDir: string,
    private readonly specHash: string,
  ) {}

  private scrape(): Promise<Scrape> {
    const now = Date.now();
    if (this.last && now - this.last.at < SHARE_MS) return this.last.scrape;
    const scrape = captureSnapshot(this.runDir, { timeoutMs: SNAPSHOT_TIMEOUT_MS }).then(
      (c) => scrapeOf(c.snapshot.spec_hash === this.specHash ? c.snapshot : null),
      () => scrapeOf(null),
    );
    this.last = { at: now, scrape };
    return scrape;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      const body = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
    } else if (path === '/healthz') {
      let state: string;
      try {
        const r = await queryRuntime(this.runDir, 'ping', { timeoutMs: SNAPSHOT_TIMEOUT_MS });
        state = r.ok && r.op === 'ping' ? r.state : 'unknown';
      } catch {
        state = 'unreachable';
      }
      const ok = state === 'running' || state === 'draining';
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`${ok ? 'ok' : 'unhealthy'} ${state}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics or /healthz\n');
    }
  }

  /** Bind; resolves with the bound HOST:PORT. BYTEOR_E_METRICS_BIND (exit 5) when the address cannot be had. */
  listen(host: string, port: number): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        if (!res.headersSent) res.writeHead(500).end(`${e instanceof Error ? e.message : String(e)}\n`);
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          MetricsErrors.error(
            'BYTEOR_E_METRICS_BIND',
            `--metrics cannot listen on ${hostPort(host, port)} (${e.code ?? e.message}); give a free address, ` +
              `e.g. --metrics=127.0.0.1:0`,
            { host, port },
          ),
        ),
      );
      server.listen(port, host, () => {
        server.unref(); // never keeps a stopping runtime alive
        this.server = server;
        const a = server.address() as AddressInfo;
        resolve(hostPort(a.address, a.port));
      });
    });
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}
