/**
 * `reply=delivered` for request/reply ingresses (HTTP, gRPC): each record is pushed with a
 * receipt token; the runtime acknowledges the token once the record left through egress
 * (`IngressAdapter.ack`), and the request is answered only then, or with a timeout error
 * (the record is in the pipeline, so a client retry may duplicate it).
 */
export interface DeliveryReceipt {
  resolve(): void;
}

/** A receipt token to push with a record, and the promise its acknowledgement settles. */
export function deliveryReceipt(): { token: DeliveryReceipt; delivered: Promise<void> } {
  let resolve!: () => void;
  const delivered = new Promise<void>((r) => {
    resolve = r;
  });
  return { token: { resolve }, delivered };
}

/** Waits for every receipt; true when they all arrived within `timeoutMs`. */
export async function awaitDelivered(delivered: Promise<void>[], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const ok = await Promise.race([
    Promise.all(delivered).then(() => true),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return ok;
}

/** `IngressAdapter.ack` of a request/reply ingress: settle the receipts among the tokens. */
export function acknowledgeReceipts(tokens: unknown[]): void {
  for (const t of tokens)
    if (t && typeof (t as DeliveryReceipt).resolve === 'function') (t as DeliveryReceipt).resolve();
}
