// Fails when the TypeScript files under a folder import each other in a cycle. Every kind of
// import counts (`import type` too, `export … from`, `require`, `import()`): a cycle of types
// still means two files that cannot be understood one without the other. TypeScript itself reads
// the imports (ts.preProcessFile) and resolves them (ts.resolveModuleName, with tsconfig.json's
// options); only files under the folder are followed.
// (eslint's import/no-cycle skips type imports and took 13 s here; madge conflicts with TS 6.)
//
// Usage: node scripts/check-cycles.mjs [folder=src] [tsconfig=tsconfig.json]
// Exit 0: no cycle; 1: cycles, each printed as a chain of files.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'src');
const configFile = resolve(process.argv[3] ?? 'tsconfig.json');
const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(config ?? {}, ts.sys, resolve(configFile, '..'));

function files(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Each file's imports of other files under the root. */
const graph = new Map();
for (const file of files(root)) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const deps = new Set();
  for (const { fileName } of importedFiles) {
    const target = ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule?.resolvedFileName;
    if (target && !target.endsWith('.d.ts') && resolve(target).startsWith(root)) deps.add(resolve(target));
  }
  graph.set(file, [...deps].sort());
}

// Tarjan's strongly connected components: every component of two or more files (or a file that
// imports itself) holds a cycle.
let index = 0;
const at = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function connect(v) {
  at.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!at.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), at.get(w)));
  }
  if (low.get(v) === at.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
  }
}
for (const v of [...graph.keys()].sort()) if (!at.has(v)) connect(v);

/** One cycle through a component's first file, by breadth-first search back to it. */
function cycleThrough(component) {
  const inside = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (w === start) {
        const path = [];
        for (let u = v; u !== null; u = previous.get(u)) path.unshift(u);
        return [...path, start];
      }
      if (inside.has(w) && !previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

const name = (f) => relative(process.cwd(), f);
if (components.length === 0) {
  console.log(`check-cycles: no import cycles among the ${graph.size} files under ${name(root) || '.'}`);
  process.exit(0);
}
console.error(`check-cycles: ${components.length} import cycle${components.length === 1 ? '' : 's'} under ${name(root) || '.'} (type imports count too):`);
for (const component of components) {
  console.error(`  ${cycleThrough(component).map(name).join(' → ')}`);
  if (component.length > 2) console.error(`    (${component.length} files in all: ${component.map(name).sort().join(', ')})`);
}
console.error('Move what both sides need (often a type) into a file that imports neither, or turn one import around.');
process.exit(1);
