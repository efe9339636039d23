/**
 * What an HTML export inlines, read once from a built dist/ folder: the report runtime
 * (dist/renderers/report.js, src/renderers/report), its stylesheet, and the report's mermaid
 * chunks (dist/renderers/report-mermaid/), of which an export takes only what its diagrams need.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One chunk of mermaid's split build: its code and the chunks it imports, statically and on use. */
export interface MermaidChunk {
  name: string;
  code: string;
  /** Chunks it imports with `import … from "./x.js"` (needed before it runs). */
  staticDeps: string[];
  /** Chunks it loads with `import("./x.js")` (diagram types, layouts: needed only when used). */
  dynamicDeps: string[];
}

export interface ReportAssets {
  /** dist/renderers/report.js: draws the outputs, loads mermaid. */
  runtime: string;
  /** dist/renderers/report.css: the page, and the --vscode-* colours for light and dark. */
  css: string;
  /** dist/renderers/report-mermaid/: the entry's name and every chunk by name. */
  mermaid: { entry: string; chunks: Map<string, MermaidChunk> };
}

const DYNAMIC_IMPORT = /import\(\s*"\.\/([A-Za-z0-9_.-]+\.js)"\s*\)/g;
const SPECIFIER = /"\.\/([A-Za-z0-9_.-]+\.js)"/g;

/** The chunks a chunk's code names, split into static and dynamic imports (only names that are chunks count). */
export function parseChunk(name: string, code: string, known: (name: string) => boolean): MermaidChunk {
  const dynamicDeps = [...new Set([...code.matchAll(DYNAMIC_IMPORT)].map((m) => m[1]!))].filter(known);
  const withoutDynamic = code.replace(DYNAMIC_IMPORT, '');
  const staticDeps = [...new Set([...withoutDynamic.matchAll(SPECIFIER)].map((m) => m[1]!))].filter(known);
  return { name, code, staticDeps, dynamicDeps };
}

function read(file: string): string {
  if (!existsSync(file)) {
    throw new Error(`The HTML export needs ${file}, which is missing: the report runtime is not built. Run \`npm run build\` (or \`node esbuild.mjs\`) in the bmnb folder, then export again.`);
  }
  return readFileSync(file, 'utf8');
}

export function loadReportAssets(distDir: string): ReportAssets {
  const runtime = read(join(distDir, 'renderers', 'report.js'));
  const css = read(join(distDir, 'renderers', 'report.css'));
  const mermaidDir = join(distDir, 'renderers', 'report-mermaid');
  const entry = 'mermaid.js';
  read(join(mermaidDir, entry));
  const names = readdirSync(mermaidDir).filter((n) => n.endsWith('.js'));
  const known = new Set(names);
  const chunks = new Map<string, MermaidChunk>();
  for (const name of names) chunks.set(name, parseChunk(name, readFileSync(join(mermaidDir, name), 'utf8'), (n) => known.has(n)));
  return { runtime, css, mermaid: { entry, chunks } };
}
