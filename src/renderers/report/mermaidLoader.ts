/**
 * Loads mermaid from the chunks an export inlined (page.ts's MERMAID_DATA_ID): each chunk becomes a
 * blob: module, dependencies first, its `"./chunk.js"` imports rewritten to their blob: URLs. The
 * export rewrote each dynamic `import("./x.js")` to `import(globalThis.__bmnbChunk("x.js"))`, so
 * a diagram type mermaid loads on use resolves here; one the export left out rejects with a
 * message saying so, which the diagram shows. The result is what mermaidShim.ts gives
 * `import('mermaid')`.
 */
import type { Mermaid } from 'mermaid';
import { MERMAID_DATA_ID } from './page';

interface MermaidChunks {
  entry: string;
  chunks: { name: string; code: string; deps: string[] }[];
}

type Global = { __bmnbMermaid?: Mermaid; __bmnbChunk?: (name: string) => string };

function moduleUrl(code: string): string {
  return URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
}

let loading: Promise<Mermaid> | undefined;

export function loadMermaid(): Promise<Mermaid> {
  loading ??= load();
  return loading;
}

async function load(): Promise<Mermaid> {
  const element = document.getElementById(MERMAID_DATA_ID);
  if (!element) throw new Error('this file has no mermaid');
  const data = JSON.parse(element.textContent ?? '') as MermaidChunks;
  const urls = new Map<string, string>();
  const missing = moduleUrl('throw new Error("This diagram type was not included when the notebook was exported.");');
  const g = globalThis as Global;
  g.__bmnbChunk = (name) => urls.get(name) ?? missing;
  for (const chunk of data.chunks) {
    let code = chunk.code;
    for (const dep of chunk.deps) {
      const url = urls.get(dep);
      if (!url) throw new Error(`mermaid chunk ${chunk.name} needs ${dep}, which comes later`);
      code = code.split(`"./${dep}"`).join(JSON.stringify(url));
    }
    urls.set(chunk.name, moduleUrl(code));
  }
  const entry = urls.get(data.entry);
  if (!entry) throw new Error(`the mermaid entry ${data.entry} is missing`);
  const mod = (await import(/* @vite-ignore */ entry)) as { default: Mermaid };
  g.__bmnbMermaid = mod.default;
  return mod.default;
}
