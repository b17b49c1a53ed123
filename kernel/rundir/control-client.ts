/**
 * The client side of the control socket: `queryRuntime(runDir, op)` sends one request and
 * resolves with the runtime's answer, or throws BYTEOR_E_RUNTIME_UNREACHABLE when no runtime
 * answers (no socket, connection refused, timeout) so that callers can fall back to the state
 * file. Used by the `snapshot` verb.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { ControlResponse, type ControlOp } from './control-protocol.ts';
import { CONTROL_SOCKET } from './run-dir.ts';
import { KernelErrors } from '../errors/kernel-errors.ts';

export interface QueryOptions {
  timeoutMs?: number;
  /** `target` is the socket path itself, not a run directory */
  socketPath?: boolean;
}

export function queryRuntime(target: string, op: ControlOp, opts: QueryOptions = {}): Promise<ControlResponse> {
  const path = opts.socketPath ? target : join(target, CONTROL_SOCKET);
  const timeoutMs = opts.timeoutMs ?? 3000;
  return new Promise((resolve, reject) => {
    const unreachable = (why: string) =>
      KernelErrors.error('BYTEOR_E_RUNTIME_UNREACHABLE', `no runtime answers on ${path} (${why})`, { socket: path });
    const socket = connect(path);
    let buf = '';
    let settled = false;
    const finish = (f: () => void) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        f();
      }
    };
    const timer = setTimeout(() => finish(() => reject(unreachable(`no answer within ${timeoutMs} ms`))), timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${JSON.stringify({ op })}\n`));
    socket.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      finish(() => {
        try {
          const parsed = ControlResponse.safeParse(JSON.parse(buf.slice(0, nl)));
          if (parsed.success) resolve(parsed.data);
          else
            reject(
              KernelErrors.error(
                'BYTEOR_E_CONTROL_BAD_RESPONSE',
                `the runtime on ${path} answered something that is not a control response`,
              ),
            );
        } catch {
          reject(
            KernelErrors.error(
              'BYTEOR_E_CONTROL_BAD_RESPONSE',
              `the runtime on ${path} answered something that is not JSON`,
            ),
          );
        }
      });
    });
    socket.once('error', (e) => finish(() => reject(unreachable((e as NodeJS.ErrnoException).code ?? e.message))));
    socket.once('close', () => finish(() => reject(unreachable('connection closed without an answer'))));
  });
}
