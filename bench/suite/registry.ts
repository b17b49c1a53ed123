/**
 * Every name `npm run bench` knows, in run order: ByteOr's bench names, the peer sets (each
 * compared with one bench: the ring peers with single_ring_chain, the same topology; the file
 * peers with run_sp_file, the same work) and the micro-benchmark suites. Names only, a leaf
 * module: the bench modules behind them are loaded by bench/suite/loaders.ts, which only the
 * bench child process imports (a bench module imports suite modules that read these names, so a
 * loader table here would be an import cycle).
 */

export const BENCH_NAMES = [
  'single_ring_chain',
  'single_ring_chain_b1',
  'single_ring_dag',
  'single_ring_sharded',
  'edgeplane_identity_stage',
  'actiongraph_http_post_dry_run',
  'dataguard_chain_mapkv',
  'dataguard_fused_mapkv',
  'run_sp_file',
] as const;

/** The peers, each the single_ring_chain topology over another transport. */
export const PEER_NAMES = ['peer_js_sab_ring', 'peer_ringbuf_js', 'peer_message_port', 'peer_piscina'] as const;
/** The bench the peers are compared with (ratios). */
export const PEER_REFERENCE = 'single_ring_chain';
/** The file-copy peers: run_sp_file's work (a file's lines to a file) by other programs. */
export const FILE_PEER_NAMES = ['peer_node_streams', 'peer_cat'] as const;
export const FILE_PEER_REFERENCE = 'run_sp_file';
/**
 * One record per publish (issue 16 goal 2): the chain and the peers it is judged against at batch
 * 1, whatever --batch says. Each runs the module of its base name (without `_b1`) at batch 1.
 */
export const BATCH1_REFERENCE = 'single_ring_chain_b1';
export const BATCH1_PEER_NAMES = ['peer_js_sab_ring_b1', 'peer_message_port_b1'] as const;
const BATCH1_SUFFIX = '_b1';
/** Each bench with peers, and its peers (they run right after it: same machine conditions). */
const PEER_SETS: ReadonlyArray<readonly [string, readonly string[]]> = [
  [PEER_REFERENCE, PEER_NAMES],
  [BATCH1_REFERENCE, BATCH1_PEER_NAMES],
  [FILE_PEER_REFERENCE, FILE_PEER_NAMES],
];

export const MICRO_NAMES = ['micro_spec_codec', 'micro_validation', 'micro_msgpackr_slot', 'micro_startup'] as const;

export type BenchName = (typeof BENCH_NAMES)[number];
export type PeerName =
  | (typeof PEER_NAMES)[number]
  | (typeof BATCH1_PEER_NAMES)[number]
  | (typeof FILE_PEER_NAMES)[number];
export type MicroName = (typeof MICRO_NAMES)[number];
export type ContenderName = BenchName | PeerName;

/**
 * Run order: ByteOr's benches, each reference bench followed by its peers (same machine conditions), then the micro
 * suites.
 */
export const ALL_NAMES: readonly string[] = [
  PEER_REFERENCE,
  ...PEER_NAMES,
  ...BENCH_NAMES.filter((n) => n !== PEER_REFERENCE).flatMap((n) => [
    n,
    ...(PEER_SETS.find(([r]) => r === n)?.[1] ?? []),
  ]),
  ...MICRO_NAMES,
];

export function isContender(name: string): name is ContenderName {
  return (BENCH_NAMES as readonly string[]).includes(name) || isPeer(name);
}
export function isMicro(name: string): name is MicroName {
  return (MICRO_NAMES as readonly string[]).includes(name);
}
/** The bench a peer is compared with (null for a name that is not a peer). */
export function referenceOf(name: string): string | null {
  return PEER_SETS.find(([, peers]) => peers.includes(name))?.[0] ?? null;
}

/** The contender a batch-1 name runs at batch 1 (`single_ring_chain_b1` → `single_ring_chain`), or null. */
export function batchOneBase(name: string): ContenderName | null {
  if (name !== BATCH1_REFERENCE && !(BATCH1_PEER_NAMES as readonly string[]).includes(name)) return null;
  return name.slice(0, -BATCH1_SUFFIX.length) as ContenderName;
}

export function isPeer(name: string): name is PeerName {
  return PEER_SETS.some(([, peers]) => peers.includes(name));
}

/**
 * The names a run executes, in suite order: none given = all of them; a peer brings its
 * reference bench; a reference bench brings its peer set ("peers in the same run").
 */
export function expandNames(given: readonly string[]): string[] {
  const want = new Set(given.length ? given : ALL_NAMES);
  for (const [reference, peers] of PEER_SETS) {
    if (peers.some((p) => want.has(p))) want.add(reference);
    if (want.has(reference)) for (const p of peers) want.add(p);
  }
  return ALL_NAMES.filter((n) => want.has(n));
}
