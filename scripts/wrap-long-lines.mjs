#!/usr/bin/env node
// The long-line codemod (issue 19, item 5), run by scripts/format.mjs between two `biome format
// --write` passes. Biome keeps code within 120 characters but breaks neither string literals nor
// comments; this does, for every line still over the limit (scripts/line-length.mjs):
// - a string literal or template literal on such a line is split at word boundaries into
//   parts joined by `+`, in parentheses (Biome drops those it does not need and lays the parts
//   out): the string's value is byte-identical; escapes are never cut, templates are cut only in
//   their text, tagged templates, module names, directives, property names and literal types
//   are left alone;
// - a `//` comment line is re-wrapped at word boundaries with its indentation and prefix; a
//   trailing `//` comment that makes its line too long moves above the line; a line of a
//   `/* */` comment is re-wrapped with its indentation and ` * ` prefix.
// What cannot be broken (one word longer than the line) stays and is listed by the check.
//   node scripts/wrap-long-lines.mjs [files...]   (default: the files the line-length check reads)
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import { MAX_LINE, sourceFiles } from './line-length.mjs';

const root = new URL('..', import.meta.url).pathname;
const width = (s) => [...s].length;

function scriptKind(file) {
  if (/\.(mjs|cjs|js)$/.test(file)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function lineOf(starts, pos) {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// Positions (absolute) inside raw literal text [from, to) where a cut may go: right after a space
// that is itself not part of an escape sequence.
function cutPoints(text, from, to) {
  const out = [];
  let i = from;
  while (i < to) {
    if (text[i] === '\\') {
      if (text[i + 1] === 'n' && i + 2 < to) out.push(i + 2); // after a \n escape
      i += 2; // the escape's first two characters; the rest (digits, braces) are never spaces
      continue;
    }
    if (text[i] === ' ' && i + 1 < to && text[i + 1] !== ' ') out.push(i + 1);
    i++;
  }
  return out;
}

// Text ranges [from, to) of a literal's raw content where cuts may go.
function textRanges(node, _text) {
  const k = node.kind;
  const s = node.getStart();
  if (k === ts.SyntaxKind.StringLiteral || k === ts.SyntaxKind.NoSubstitutionTemplateLiteral)
    return [[s + 1, node.end - 1]];
  if (k === ts.SyntaxKind.TemplateExpression) {
    const out = [[s + 1, node.head.end - 2]];
    for (const span of node.templateSpans) {
      const lit = span.literal;
      const ls = lit.getStart();
      out.push([ls + 1, lit.kind === ts.SyntaxKind.TemplateTail ? lit.end - 1 : lit.end - 2]);
    }
    return out;
  }
  return [];
}

function splittable(node) {
  const p = node.parent;
  if (!p) return false;
  // inside a template's ${...}: Biome does not lay out code there, so a cut would not help
  for (let a = p; a; a = a.parent) if (a.kind === ts.SyntaxKind.TemplateSpan) return false;
  if (p.kind === ts.SyntaxKind.TaggedTemplateExpression) return false;
  if (
    p.kind === ts.SyntaxKind.LiteralType ||
    p.kind === ts.SyntaxKind.ImportDeclaration ||
    p.kind === ts.SyntaxKind.ExportDeclaration ||
    p.kind === ts.SyntaxKind.ExternalModuleReference ||
    p.kind === ts.SyntaxKind.ImportType ||
    p.kind === ts.SyntaxKind.ExpressionStatement ||
    p.kind === ts.SyntaxKind.ModuleDeclaration ||
    p.kind === ts.SyntaxKind.ImportAttribute ||
    p.kind === ts.SyntaxKind.CaseClause // a case label stays a plain literal
  )
    return false;
  if (p.name === node || p.propertyName === node) return false;
  if (p.kind === ts.SyntaxKind.CallExpression && p.expression.kind === ts.SyntaxKind.ImportKeyword) return false;
  return true;
}

// In a template with substitutions, a cut may also go right before a `${` or right after its `}`
// (not at the template's very start or end): `a${x}b` is `a` + `${x}b`.
function boundaryCuts(node) {
  if (node.kind !== ts.SyntaxKind.TemplateExpression) return [];
  const out = [];
  const s = node.getStart();
  if (node.head.end - 2 > s + 1) out.push(node.head.end - 2);
  for (const span of node.templateSpans) {
    const lit = span.literal;
    const ls = lit.getStart();
    const tail = lit.kind === ts.SyntaxKind.TemplateTail;
    if (!tail || lit.end - 1 > ls + 1) out.push(ls + 1);
    if (!tail && lit.end - 2 > ls + 1) out.push(lit.end - 2);
  }
  return out;
}

// One pass over a file: returns the new text, or null when nothing changed.
export function wrapOnce(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const starts = lineStarts(text);
  const lineEnd = (l) => (l + 1 < starts.length ? starts[l + 1] - 1 : text.length);
  const lineText = (l) => text.slice(starts[l], lineEnd(l));
  const isLong = (l) => width(lineText(l)) > MAX_LINE;
  const edits = []; // [pos, end, replacement]

  // literals
  const visit = (node) => {
    const k = node.kind;
    if (
      k === ts.SyntaxKind.StringLiteral ||
      k === ts.SyntaxKind.NoSubstitutionTemplateLiteral ||
      k === ts.SyntaxKind.TemplateExpression
    ) {
      const s = node.getStart();
      const first = lineOf(starts, s);
      const last = lineOf(starts, node.end);
      const cuts = [];
      const ranges = textRanges(node, text);
      for (let l = first; l <= last && splittable(node); l++) {
        if (!isLong(l)) continue;
        const points = [
          ...new Set([...ranges.flatMap(([from, to]) => cutPoints(text, from, to)), ...boundaryCuts(node)]),
        ]
          .filter((c) => lineOf(starts, c) === l)
          .sort((a, b) => a - b);
        if (points.length === 0) continue;
        const indent = /^\s*/.exec(lineText(l))[0].length;
        const room = Math.max(40, MAX_LINE - indent - 8);
        const col = (c) => width(text.slice(starts[l], c));
        let from = l === first ? s : starts[l];
        if (l !== first) {
          // a line inside a multi-line template stays where it is: its first piece must fit there
          const fit = points.filter((c) => col(c) <= MAX_LINE - 3);
          const c = fit.length ? fit[fit.length - 1] : points[0];
          cuts.push(c);
          from = c;
        }
        let candidate = -1;
        for (const c of points) {
          if (c <= from) continue;
          if (c - from <= room) candidate = c;
          else if (candidate > from) {
            cuts.push(candidate);
            from = candidate;
            candidate = c - from <= room ? c : -1;
          } else {
            cuts.push(c);
            from = c;
          }
        }
        const lineEndPos = Math.min(node.end, lineEnd(l));
        if (candidate > from && lineEndPos - from > room) {
          cuts.push(candidate);
        }
        if (cuts.length === 0) {
          // the literal fits a line of its own but its line is too long (e.g. a test's name, which
          // Biome keeps on the test(...) line): one cut, the one nearest the middle, so that Biome
          // moves the parts to a line of their own
          const mid = (from + Math.min(node.end, lineEnd(l))) / 2;
          cuts.push(points.reduce((a, b) => (Math.abs(b - mid) < Math.abs(a - mid) ? b : a)));
        }
      }
      if (cuts.length) {
        {
          const q = k === ts.SyntaxKind.StringLiteral ? text[s] : '`';
          let out = '(';
          let prev = s;
          for (const c of [...new Set(cuts)].sort((a, b) => a - b)) {
            out += `${text.slice(prev, c)}${q} + ${q}`;
            prev = c;
          }
          out += `${text.slice(prev, node.end)})`;
          edits.push([s, node.end, out]);
          return; // nested literals are cut on a later pass
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);

  // comments
  const seen = new Set();
  const comments = [];
  const collect = (ranges) => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.add(r.pos);
      comments.push(r);
    }
  };
  const walk = (node) => {
    collect(ts.getLeadingCommentRanges(text, node.pos));
    collect(ts.getTrailingCommentRanges(text, node.end));
    for (const c of node.getChildren(sf)) walk(c);
  };
  walk(sf);
  collect(ts.getLeadingCommentRanges(text, 0));

  const consumed = new Set(); // `//` lines taken into the line above
  comments.sort((a, b) => a.pos - b.pos);
  for (const c of comments) {
    if (edits.some(([p, e]) => c.pos < e && p < c.end)) continue;
    const l = lineOf(starts, c.pos);
    if (c.kind === ts.SyntaxKind.SingleLineCommentTrivia) {
      if (!isLong(l)) continue;
      const line = lineText(l);
      const before = text.slice(starts[l], c.pos);
      const body = text.slice(c.pos, c.end);
      const m = /^(\/\/+\s*)(.*)$/.exec(body);
      const indent = /^\s*/.exec(line)[0];
      if (before.trim() === '') {
        if (consumed.has(l)) continue;
        // the next line, when it goes on with the same paragraph, takes the overflow
        const next = l + 1 < starts.length ? continuation(lineText(l + 1), indent + m[1]) : null;
        const wrapped = wrapWords(next === null ? m[2] : `${m[2]} ${next}`, indent + m[1]);
        if (wrapped) edits.push([starts[l], next === null ? c.end : lineEnd(l + 1), wrapped]);
        if (next !== null) consumed.add(l + 1);
      } else if (text.slice(c.end, lineEnd(l)).trim() === '' && width(before.trimEnd()) <= MAX_LINE) {
        // a trailing comment: moves above its line
        const wrapped = wrapWords(m[2], indent + m[1]) ?? indent + body;
        edits.push([starts[l], c.end, `${wrapped}\n${before.trimEnd()}`]);
      }
    } else {
      const first = l;
      const last = lineOf(starts, c.end);
      const startsOnOwnLine = text.slice(starts[first], c.pos).trim() === '';
      for (let i = first; i <= last; i++) {
        if (!isLong(i)) continue;
        const line = lineText(i);
        if (i === first && first === last) {
          if (!startsOnOwnLine || text.slice(c.end, lineEnd(i)).trim() !== '') continue;
          // a one-line /** */ or /* */ comment: becomes a block of lines
          const m = /^(\s*)(\/\*\*?)\s*(.*?)\s*\*\/$/.exec(line);
          if (!m) continue;
          const wrapped = wrapWords(m[3], `${m[1]} * `, `${m[1]} * `, 1);
          if (wrapped) edits.push([starts[i], lineEnd(i), `${m[1]}${m[2]}\n${wrapped}\n${m[1]} */`]);
          continue;
        }
        if (i === first) {
          if (!startsOnOwnLine) continue;
          const m = /^(\s*\/\*\*?\s*)(.*)$/.exec(line);
          const indent = /^\s*/.exec(line)[0];
          const next = i + 1 < last ? continuation(lineText(i + 1), `${indent} * `) : null;
          const wrapped = wrapWords(next === null ? m[2] : `${m[2]} ${next}`, `${indent} * `, m[1]);
          if (wrapped) edits.push([starts[i], lineEnd(next === null ? i : i + 1), wrapped]);
          if (next !== null) i++;
          continue;
        }
        const closing = i === last;
        const m = /^(\s*\*?\s*)(.*?)(\s*\*\/)?$/.exec(line);
        if (closing && !m[3]) continue;
        const next = i + 1 < last ? continuation(lineText(i + 1), m[1]) : null;
        const wrapped = wrapWords(next === null ? m[2] : `${m[2]} ${next}`, m[1]);
        if (wrapped) edits.push([starts[i], lineEnd(next === null ? i : i + 1), wrapped + (closing ? m[3] : '')]);
        if (next !== null) i++;
      }
    }
  }

  if (edits.length === 0) return null;
  edits.sort((a, b) => b[0] - a[0]);
  let out = text;
  let floor = Infinity;
  for (const [p, e, r] of edits) {
    if (e > floor) continue; // overlaps an edit already made
    out = out.slice(0, p) + r + out.slice(e);
    floor = p;
  }
  return out === text ? null : out;
}

// The text of `line` when it is a comment line with exactly `prefix` that goes on with a
// paragraph (not blank, not a list item, a tag, a code sample or a table row); otherwise null.
function continuation(line, prefix) {
  if (!line.startsWith(prefix)) return null;
  const body = line.slice(prefix.length);
  if (body === '' || /^\s/.test(body) || /\*\/\s*$/.test(body)) return null;
  if (/^([-*+•>|@#`]|\d+[.)]\s|[A-Z_]+:\s|e\.g\.)/.test(body)) return null;
  return body.trimEnd();
}

// Greedy word wrap of `body` after `prefix` (the first line's prefix may differ); null when
// the result would have fewer than minLines lines.
function wrapWords(body, prefix, firstPrefix = prefix, minLines = 2) {
  // words with the spaces before them, which are kept between words that stay on one line
  const words = [...body.matchAll(/( *)(\S+)/g)].map((m) => [m[1], m[2]]);
  if (words.length < minLines) return null;
  const lines = [];
  let cur = firstPrefix;
  let empty = true;
  for (const [gap, w] of words) {
    if (!empty && width(cur) + width(gap) + width(w) > MAX_LINE) {
      lines.push(cur);
      cur = prefix + w;
    } else {
      cur += (empty ? '' : gap) + w;
    }
    empty = false;
  }
  lines.push(cur);
  return lines.length < minLines ? null : lines.map((x) => x.trimEnd()).join('\n');
}

export function wrapFile(file) {
  const path = `${root}${file}`;
  const before = readFileSync(path, 'utf8');
  let text = before;
  const next = wrapOnce(file, text); // one pass: Biome lays out the parts before the next
  if (next !== null) text = next;
  if (text !== before) writeFileSync(path, text);
  return text !== before;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2).length ? process.argv.slice(2) : sourceFiles();
  let changed = 0;
  for (const f of files) if (wrapFile(f)) changed++;
  console.log(`wrap-long-lines: ${changed} file(s) changed`);
}
