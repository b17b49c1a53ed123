/**
 * Every name `npm run bench` knows, in run order: ByteOr's bench names, the peer set (compared
 * with single_ring_chain, the same topology) and the micro-benchmark suites. Names only, a leaf
 * module: the bench modules behind them are loaded by bench/suite/loaders.ts, which only the
 * bench child process imports (a bench module imports suite modules that read these names, so a
 * loader table here would be an import cycle).
 */

export const BENCH_NAMES = [
  'single_ring_chain',
  'single_ring_dag',
  'single_ring_sharded',
  'edgeplane_identity_stage',
  'actiongraph_http_post_dry_run',
  'dataguard_chain_mapkv',
  'dataguard_fused_mapkv',
] as const;

/** The peers, each the single_ring_chain topology over another transport. */
export const PEER_NAMES = ['peer_js_sab_ring', 'peer_ringbuf_js', 'peer_message_port', 'peer_piscina'] as const;
/** The bench the peers are compared with (ratios). */
export const PEER_REFERENCE = 'single_ring_chain';

export const MICRO_NAMES = ['micro_spec_codec', 'micro_validation', 'micro_msgpackr_slot', 'micro_startup'] as const;

export type BenchName = (typeof BENCH_NAMES)[number];
export type PeerName = (typeof PEER_NAMES)[number];
export type MicroName = (typeof MICRO_NAMES)[number];
export type ContenderName = BenchName | PeerName;

/** Run order: the reference bench and its peers back to back (same machine conditions), then the rest. */
export const ALL_NAMES: readonly string[] = [PEER_REFERENCE, ...PEER_NAMES, ...BENCH_NAMES.filter((n) => n !== PEER_REFERENCE), ...MICRO_NAMES];

export function isContender(name: string): name is ContenderName {
  return (BENCH_NAMES as readonly string[]).includes(name) || (PEER_NAMES as readonly string[]).includes(name);
}
export function isMicro(name: string): name is MicroName {
  return (MICRO_NAMES as readonly string[]).includes(name);
}
export function isPeer(name: string): name is PeerName {
  return (PEER_NAMES as readonly string[]).includes(name);
}

/**
 * The names a run executes, in suite order: none given = all of them; a peer brings its
 * reference bench; the reference bench brings the peer set ("peers in the same run").
 */
export function expandNames(given: readonly string[]): string[] {
  const want = new Set(given.length ? given : ALL_NAMES);
  if ([...want].some(isPeer)) want.add(PEER_REFERENCE);
  if (want.has(PEER_REFERENCE)) for (const p of PEER_NAMES) want.add(p);
  return ALL_NAMES.filter((n) => want.has(n));
}
