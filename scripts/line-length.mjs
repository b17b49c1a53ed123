#!/usr/bin/env node
// The line-length check (issue 19, item 5): every line of the tracked (and new, not ignored)
// .ts/.mts/.mjs/.cjs/.js sources under the folders below is at most 120 characters (code
// points). Biome's formatter keeps code within 120 but does not break string literals or
// comments; scripts/wrap-long-lines.mjs does (run both with `npm run format`).
//   node scripts/line-length.mjs          lists the offenders and exits 1 if there are any
//   node scripts/line-length.mjs --check  the same (the form `npm test` runs)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const MAX_LINE = 120;
export const FOLDERS = ['kernel', 'plugins', 'bench', 'test', 'scripts', 'bin', 'assembly', 'examples'];
export const EXTENSIONS = ['.ts', '.mts', '.mjs', '.cjs', '.js'];
// Lines that cannot be broken: [file, a substring of the line, why]. Keep this list short.
// The entries below are one `${...}` substitution too long for a line: Biome does not lay out code
// inside a template's substitution and the codemod does not rewrite code; hoisting the
// expression into a const by hand removes the entry.
const LONG_SUBSTITUTION = 'a template substitution Biome cannot break: hoist it into a const';
export const EXCEPTIONS = [
  ['bench/micro/startup.ts', 'dist/kernel/main.js`).mtimeMs', LONG_SUBSTITUTION],
  ['bench/suite/svg.ts', '(coordinated omission corrected)', LONG_SUBSTITUTION],
  ['bench/suite/table.ts', "Math.round(c.mean_ns / 1000) + ' µs'", LONG_SUBSTITUTION],
  ['plugins/verbs/capabilities/document.ts', "p.dependencies.join(', ')", LONG_SUBSTITUTION],
  ['plugins/verbs/capabilities/document.ts', 's.replaySupport}`, s.plugin', LONG_SUBSTITUTION],
  ['plugins/verbs/capabilities/document.ts', "' (experimental)'", LONG_SUBSTITUTION],
  ['plugins/verbs/compatibility/index.ts', "'no loaded plugin provides it: load one with", LONG_SUBSTITUTION],
  ['plugins/verbs/doctor/checks.ts', 'use the default profile or a host with more CPUs', LONG_SUBSTITUTION],
  ['plugins/verbs/inspect/state-step.ts', "e.sequence}` : ''})", LONG_SUBSTITUTION],
];
// A line that holds only a regular expression literal (then `,`, `;` or `)`) is not counted: it
// cannot be broken without turning it into a RegExp constructor call, which is a code change.
const REGEX_ONLY = /^\s*\/.+\/[dgimsuvy]*[,;)]*$/;

const root = new URL('..', import.meta.url).pathname;

export function sourceFiles() {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', ...FOLDERS], {
    cwd: root,
    encoding: 'utf8',
  });
  return [...new Set(out.split('\0'))].filter((f) => f && EXTENSIONS.some((e) => f.endsWith(e))).sort();
}

export function longLines(file, text) {
  const out = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const width = [...lines[i]].length;
    if (width <= MAX_LINE || REGEX_ONLY.test(lines[i])) continue;
    if (EXCEPTIONS.some(([f, part]) => f === file && lines[i].includes(part))) continue;
    out.push({ file, line: i + 1, width });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const offenders = [];
  for (const file of sourceFiles()) {
    let text;
    try {
      text = readFileSync(`${root}${file}`, 'utf8');
    } catch {
      continue; // deleted in the work tree but still in the index
    }
    offenders.push(...longLines(file, text));
  }
  for (const o of offenders) console.log(`${o.file}:${o.line}: ${o.width} characters (at most ${MAX_LINE})`);
  if (offenders.length) {
    console.log(`${offenders.length} line(s) over ${MAX_LINE} characters: run \`npm run format\` (scripts/format.mjs)`);
    process.exitCode = 1;
  } else console.log(`line length: every line is at most ${MAX_LINE} characters`);
}
