/**
 * The lazy loader of every bench, peer and micro-benchmark module, by name (bench/suite/registry.ts
 * lists the names). Only the bench child process (child.ts) imports this: a child loads only the
 * bench it runs, and no bench or suite module below reaches back here (no import cycle).
 */
import type { BenchDefinition } from './bench-definition.ts';
import type { MicroDefinition } from './micro-definition.ts';
import type { ContenderName, MicroName } from './registry.ts';

const contenders: Record<ContenderName, () => Promise<{ default: BenchDefinition }>> = {
  single_ring_chain: () => import('../benches/single_ring_chain.ts'),
  single_ring_chain_b1: () => import('../benches/single_ring_chain.ts'),
  single_ring_dag: () => import('../benches/single_ring_dag.ts'),
  single_ring_sharded: () => import('../benches/single_ring_sharded.ts'),
  edgeplane_identity_stage: () => import('../benches/edgeplane_identity_stage.ts'),
  actiongraph_http_post_dry_run: () => import('../benches/actiongraph_http_post_dry_run.ts'),
  dataguard_chain_mapkv: () => import('../benches/dataguard_chain_mapkv.ts'),
  dataguard_fused_mapkv: () => import('../benches/dataguard_fused_mapkv.ts'),
  run_sp_file: () => import('../benches/run_sp_file.ts'),
  peer_js_sab_ring: () => import('../peers/js_sab_ring.ts'),
  peer_ringbuf_js: () => import('../peers/ringbuf_js.ts'),
  peer_message_port: () => import('../peers/message_port.ts'),
  peer_js_sab_ring_b1: () => import('../peers/js_sab_ring.ts'),
  peer_message_port_b1: () => import('../peers/message_port.ts'),
  peer_piscina: () => import('../peers/piscina_pool.ts'),
  peer_node_streams: () => import('../peers/node_streams.ts'),
  peer_cat: () => import('../peers/cat.ts'),
};

const micros: Record<MicroName, () => Promise<{ default: MicroDefinition }>> = {
  micro_spec_codec: () => import('../micro/spec_codec.ts'),
  micro_validation: () => import('../micro/validation.ts'),
  micro_msgpackr_slot: () => import('../micro/msgpackr_slot.ts'),
  micro_startup: () => import('../micro/startup.ts'),
};

export async function loadContender(name: ContenderName): Promise<BenchDefinition> {
  return (await contenders[name]()).default;
}

export async function loadMicro(name: MicroName): Promise<MicroDefinition> {
  return (await micros[name]()).default;
}
