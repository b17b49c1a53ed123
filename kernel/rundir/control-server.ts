/**
 * The runtime side of the control socket (control-protocol.ts). Runs on the main thread's event
 * loop, which the executor never blocks for long, so it answers while the pipeline is busy,
 * idle or blocked on a full ring.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { ByteorError } from '../errors.ts';
import { ControlRequest, MAX_CONTROL_LINE, type ControlResponse } from './control-protocol.ts';
import { queryRuntime } from './control-client.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export interface ControlHandlers {
  ping(): { pid: number; spec_hash: string; state: string };
  snapshot(): Promise<unknown>;
  stop(): string;
}

export class ControlServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly path: string,
    private readonly handlers: ControlHandlers,
  ) {}

  /** Listen; refuses when another live runtime answers on this socket, removes a stale one. */
  async listen(): Promise<void> {
    if (existsSync(this.path)) {
      let alive = false;
      try {
        await queryRuntime(this.path, 'ping', { timeoutMs: 500, socketPath: true });
        alive = true;
      } catch {
        /* stale */
      }
      if (alive) {
        throw KernelErrors.error(
          'BYTEOR_E_RUNDIR_BUSY',
          `another runtime is running with control socket ${this.path}; stop it first or give another --run-dir`,
          { socket: this.path },
        );
      }
      try {
        unlinkSync(this.path);
      } catch {
        /* gone meanwhile */
      }
    }
    const server = createServer((s) => this.serve(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) =>
        reject(KernelErrors.error('BYTEOR_E_CONTROL_LISTEN', `cannot listen on ${this.path}: ${e.message}`)),
      );
      server.listen(this.path, () => resolve());
    });
    // 0600 whatever the umask; no window for another user: the run dir is 0700 and ours (run-dir.ts)
    try {
      chmodSync(this.path, 0o600);
    } catch (e) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      this.server = null;
      throw KernelErrors.error(
        'BYTEOR_E_CONTROL_LISTEN',
        `cannot make ${this.path} private (mode 0600): ${(e as Error).message}`,
      );
    }
    server.unref();
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buf = '';
    let chain = Promise.resolve();
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buf += d;
      if (buf.length > MAX_CONTROL_LINE && !buf.includes('\n')) {
        socket.end(`${JSON.stringify(bad('request line too long'))}\n`);
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim() === '') continue;
        chain = chain.then(async () => {
          const res = await this.answer(line);
          if (!socket.destroyed) socket.write(`${JSON.stringify(res)}\n`);
        });
      }
    });
  }

  private async answer(line: string): Promise<ControlResponse> {
    let req: ControlRequest;
    try {
      const parsed = ControlRequest.safeParse(JSON.parse(line));
      if (!parsed.success) return bad('expected {"op":"ping"|"snapshot"|"stop"}');
      req = parsed.data;
    } catch {
      return bad('the request is not JSON');
    }
    try {
      switch (req.op) {
        case 'ping':
          return { ok: true, op: 'ping', ...this.handlers.ping() };
        case 'snapshot':
          return { ok: true, op: 'snapshot', snapshot: await this.handlers.snapshot() };
        case 'stop':
          return { ok: true, op: 'stop', state: this.handlers.stop() };
      }
    } catch (e) {
      const err = e instanceof ByteorError ? e : null;
      return {
        ok: false,
        error: { code: err?.code ?? 'BYTEOR_E_CONTROL_FAILED', message: e instanceof Error ? e.message : String(e) },
      };
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

function bad(message: string): ControlResponse {
  return { ok: false, error: { code: 'BYTEOR_E_CONTROL_BAD_REQUEST', message } };
}
