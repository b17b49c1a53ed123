// No import cycles in kernel/, plugins/, bench/ or scripts/ (issue 19), type-only imports and
// dynamic imports included: a cycle makes module evaluation order matter and drags a whole
// strongly connected set into every importer (the byteor/plugin barrel once tied ~26 kernel
// modules together; bench/suite/registry.ts once lazily imported the benches that import it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+\.(?:ts|mjs))'|import\(\s*'(\.[^']+\.(?:ts|mjs))'\s*\)/g;

function graphOf(dirs: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const d of dirs) {
    for (const f of readdirSync(join(root, d), { recursive: true }) as string[]) {
      if (!/\.(?:ts|mjs)$/.test(f)) continue;
      const file = resolve(root, d, f);
      const deps = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => resolve(dirname(file), (m[1] ?? m[2])!));
      graph.set(
        file,
        deps.filter((x) => existsSync(x)),
      );
    }
  }
  return graph;
}

/** Tarjan's strongly connected components of more than one module (or a module importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(relative(root, w));
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

test('the cycle finder finds a planted cycle (it can fail)', () => {
  const g = new Map([
    ['/a.ts', ['/b.ts']],
    ['/b.ts', ['/c.ts']],
    ['/c.ts', ['/a.ts']],
    ['/d.ts', ['/a.ts']],
  ]);
  assert.is(cycles(g).length, 1);
  assert.is(cycles(g)[0]!.length, 3);
});

test('kernel/ and plugins/ import no module that imports them back', () => {
  assert.equal(cycles(graphOf(['kernel', 'plugins'])), []);
});

test('bench/ and scripts/ import no module that imports them back', () => {
  const graph = graphOf(['bench', 'scripts']);
  assert.ok(graph.has(resolve(root, 'bench/suite/registry.ts')), 'the bench graph is read');
  assert.ok(
    (graph.get(resolve(root, 'bench/suite/loaders.ts')) ?? []).includes(
      resolve(root, 'bench/benches/single_ring_chain.ts'),
    ),
    'dynamic imports are edges',
  );
  assert.equal(cycles(graph), []);
});

test.run();
