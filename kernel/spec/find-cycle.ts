/**
 * Cycle detection for the graphs of plans (nodes and connections) and of explicit LaneGraph specs
 * (roles and endpoints over lanes).
 */

/** A cycle as a node path ending where it starts, or undefined (iterative DFS, deterministic). */
export function findCycle(nodes: readonly string[], next: (n: string) => readonly string[]): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  for (const start of nodes) {
    if (state.has(start)) continue;
    const stack: Array<{ n: string; i: number }> = [{ n: start, i: 0 }];
    const path: string[] = [start];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const succ = next(top.n);
      if (top.i < succ.length) {
        const m = succ[top.i++]!;
        const s = state.get(m);
        if (s === 1) return [...path.slice(path.indexOf(m)), m];
        if (s === undefined) {
          state.set(m, 1);
          stack.push({ n: m, i: 0 });
          path.push(m);
        }
      } else {
        state.set(top.n, 2);
        stack.pop();
        path.pop();
      }
    }
  }
  return undefined;
}
