/** Named counters as artifacts carry them: the same values, keys in sorted order (stable output). */
export function sortedCounters(o: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}
