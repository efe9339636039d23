/**
 * Which of mermaid's chunks an export inlines: the entry and its static imports (mermaid's core,
 * ~0.7 MB), plus, for each diagram type the notebook uses (read from each diagram's first
 * keyword), that type's chunks and their imports, and the layouts they draw with (dagre, cose-bilkent). A
 * keyword this table does not know takes every chunk (about 3.4 MB), so it still draws.
 */
import type { MermaidChunk, ReportAssets } from './assets';

/** A diagram's first keyword → the chunks (by name, without esbuild's hashes) it loads on use. */
const DIAGRAM_CHUNKS: Record<string, string[]> = {
  graph: ['flowDiagram', 'dagre'],
  flowchart: ['flowDiagram', 'dagre'],
  'flowchart-v2': ['flowDiagram', 'dagre'],
  sequencediagram: ['sequenceDiagram'],
  // mermaid draws `classDiagram` and `stateDiagram` with their v2 renderers unless told otherwise.
  classdiagram: ['classDiagram', 'classDiagram-v2', 'dagre'],
  'classdiagram-v2': ['classDiagram-v2', 'dagre'],
  statediagram: ['stateDiagram', 'stateDiagram-v2', 'dagre'],
  'statediagram-v2': ['stateDiagram-v2', 'dagre'],
  erdiagram: ['erDiagram', 'dagre'],
  gantt: ['ganttDiagram'],
  journey: ['journeyDiagram'],
  timeline: ['timeline-definition'],
  mindmap: ['mindmap-definition', 'cose-bilkent'],
  pie: ['pieDiagram', 'pie'],
  gitgraph: ['gitGraphDiagram', 'gitGraph'],
  quadrantchart: ['quadrantDiagram'],
  'xychart-beta': ['xychartDiagram'],
  xychart: ['xychartDiagram'],
  requirementdiagram: ['requirementDiagram', 'dagre'],
};
/** Chunks every diagram may load (text measuring). */
const ALWAYS = ['sizeCapture'];

/** `flowDiagram-HODETNUW-YENUH3AY.js` → `flowDiagram`: the source file's name without esbuild's hashes. */
export function chunkBaseName(name: string): string {
  let base = name.replace(/\.js$/, '');
  while (/-[A-Z0-9]{8}$/.test(base)) base = base.slice(0, -9);
  return base;
}

/** The first keyword of a diagram, lower-cased, after front matter, `%%` comments and `%%{init}%%` directives. */
export function diagramKeyword(source: string): string {
  let text = source.replace(/^\s*---\n[\s\S]*?\n---\s*\n/, '');
  text = text.replace(/%%\{[\s\S]*?\}%%/g, '');
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('%%')) continue;
    return (/^[A-Za-z0-9_-]+/.exec(t)?.[0] ?? '').toLowerCase();
  }
  return '';
}

export interface MermaidBundle {
  entry: string;
  /** Dependencies first; each chunk's dynamic imports are rewritten to `globalThis.__bmnbChunk("x.js")`. */
  chunks: { name: string; code: string; deps: string[] }[];
}

/** The chunks for diagrams `sources`, in an order where every chunk comes after its static imports. */
export function mermaidBundle(assets: ReportAssets, sources: string[]): MermaidBundle {
  const { entry, chunks } = assets.mermaid;
  const byBase = new Map<string, string[]>();
  for (const name of chunks.keys()) {
    const base = chunkBaseName(name);
    byBase.set(base, [...(byBase.get(base) ?? []), name]);
  }
  const roots = new Set<string>([entry]);
  let all = false;
  const wanted = new Set(ALWAYS);
  for (const source of sources) {
    const list = DIAGRAM_CHUNKS[diagramKeyword(source)];
    if (!list) all = true;
    else for (const base of list) wanted.add(base);
    if (source.includes('$$')) wanted.add('katex'); // math in labels
  }
  if (all) for (const name of chunks.keys()) roots.add(name);
  else for (const base of wanted) for (const name of byBase.get(base) ?? []) roots.add(name);

  const ordered: MermaidChunk[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`mermaid's chunks import each other in a cycle (${[...path, name].join(' → ')}): the report cannot load them one by one. Rebuild with \`npm run build\`.`);
    const chunk = chunks.get(name);
    if (!chunk) throw new Error(`mermaid chunk ${name} is missing from dist/renderers/report-mermaid: run \`npm run build\`.`);
    state.set(name, 'visiting');
    for (const dep of chunk.staticDeps) visit(dep, [...path, name]);
    state.set(name, 'done');
    ordered.push(chunk);
  };
  for (const root of roots) visit(root, []);
  return {
    entry,
    chunks: ordered.map((c) => ({
      name: c.name,
      code: c.code.replace(/import\(\s*"\.\/([A-Za-z0-9_.-]+\.js)"\s*\)/g, (_m, dep: string) => `import(globalThis.__bmnbChunk(${JSON.stringify(dep)}))`),
      deps: c.staticDeps,
    })),
  };
}
