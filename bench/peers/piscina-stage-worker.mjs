// piscina task of bench/peers/piscina_pool.ts (peer_piscina): one stage hop. The task is a batch
// of records (a Uint8Array); a forwarding stage returns it unchanged (structured-cloned back).
// Plain JavaScript because piscina starts its own worker threads, where the tsx loader of the
// main thread is not registered on Node 20 (like bench/components/actiongraph_pool_worker.mjs).
export default function hop(batch) {
  return batch;
}
