import { z } from 'zod';

/**
 * The control socket protocol (`<run dir>/control.sock`, a unix stream socket): JSON lines.
 * Each request is one line `{"op": ...}`; the runtime answers each with one line, in order.
 *   {"op":"ping"}      → {"ok":true,"op":"ping","pid":N,"spec_hash":"sha256:…","state":"running"}
 *   {"op":"snapshot"}  → {"ok":true,"op":"snapshot","snapshot":{…single_ring_snapshot, source "live"}}
 *   {"op":"stop"}      → {"ok":true,"op":"stop","state":"draining"}   (drain, then exit 0)
 * A bad line or unknown op → {"ok":false,"error":{"code":"BYTEOR_E_CONTROL_BAD_REQUEST","message":…}}.
 */
export const ControlOp = z.enum(['ping', 'snapshot', 'stop']);
export type ControlOp = z.infer<typeof ControlOp>;

export const ControlRequest = z.object({ op: ControlOp });
export type ControlRequest = z.infer<typeof ControlRequest>;

export const ControlError = z.object({ code: z.string(), message: z.string() });

export const ControlResponse = z.union([
  z.object({
    ok: z.literal(true),
    op: z.literal('ping'),
    pid: z.number().int(),
    spec_hash: z.string(),
    state: z.string(),
  }),
  z.object({ ok: z.literal(true), op: z.literal('snapshot'), snapshot: z.unknown() }),
  z.object({ ok: z.literal(true), op: z.literal('stop'), state: z.string() }),
  z.object({ ok: z.literal(false), error: ControlError }),
]);
export type ControlResponse = z.infer<typeof ControlResponse>;

/** Longest request line the runtime reads. */
export const MAX_CONTROL_LINE = 4096;
