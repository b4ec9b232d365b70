import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { REPO } from './helpers/paths';

// The layout rules of the house (README, "Layout"), checked on the TypeScript sources so that a
// file growing past the limit, an arrow into test hardware or a circle between modules fails CI
// the day it appears, not at the next review.

const SRC = join(REPO, 'src');
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/** Relative module specifiers of a file: static imports, `export ... from`, `import()` and `require()`. */
function relativeImports(text: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  // Comments may name paths in prose; strip them first (strings keep their content).
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const fromRe = /^\s*(import|export)\s+(type\s+)?[^;]*?\sfrom\s+['"](\.[^'"]+)['"]/gm;
  for (const m of code.matchAll(fromRe)) out.push({ spec: m[3], typeOnly: m[2] !== undefined });
  const bareRe = /^\s*import\s+['"](\.[^'"]+)['"]/gm;
  for (const m of code.matchAll(bareRe)) out.push({ spec: m[1], typeOnly: false });
  const dynRe = /\b(?:require|import)\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const m of code.matchAll(dynRe)) out.push({ spec: m[1], typeOnly: false });
  return out;
}

/** The file a relative specifier resolves to (TypeScript's rules for this project), or undefined. */
function resolveSpec(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const c of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return undefined;
}

const files = sourceFiles(SRC);
const rel = (p: string) => relative(REPO, p).split(sep).join('/');

test('no file under src/ is over 400 lines', () => {
  const over = files
    .map((f) => ({ f: rel(f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((x) => x.lines > MAX_LINES);
  assert.deepEqual(over.map((x) => `${x.f}: ${x.lines} lines`), [], `files over ${MAX_LINES} lines`);
});

test('only src/cli/ imports hardware/ or test/ (the composition root)', () => {
  const bad: string[] = [];
  for (const f of files) {
    if (rel(f).startsWith('src/cli/')) continue;
    for (const { spec } of relativeImports(readFileSync(f, 'utf8'))) {
      const target = rel(resolve(dirname(f), spec));
      if (!target.startsWith('src/')) bad.push(`${rel(f)} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('no import cycle in src/ (type-only imports included: they are arrows of the design too)', () => {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps = new Set<string>();
    for (const { spec } of relativeImports(readFileSync(f, 'utf8'))) {
      const t = resolveSpec(f, spec);
      if (t && t.startsWith(SRC + sep)) deps.add(t);
    }
    graph.set(f, [...deps].sort());
  }
  // Tarjan's strongly connected components: every component of more than one file is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(rel(w));
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(comp.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  assert.deepEqual(cycles, [], 'import cycles (each line: the files of one cycle)');
});

test('the import scanner sees every form used in this code base', () => {
  // Guards the checks above against passing because the scanner went blind.
  const sample = [
    "import { a } from './a';",
    "import type { B } from '../b';",
    "export { c } from './c';",
    "import './d';",
    "const e = require('./e') as E;",
    "// import { z } from './commented';",
  ].join('\n');
  assert.deepEqual(relativeImports(sample).map((x) => x.spec).sort(), ['../b', './a', './c', './d', './e']);
  const total = files.reduce((n, f) => n + relativeImports(readFileSync(f, 'utf8')).length, 0);
  assert.ok(total > files.length, `found ${total} relative imports in ${files.length} files`);
});
