/**
 * What `import('mermaid')` gives inside the report runtime's bundle (esbuild aliases `mermaid` to
 * this file for that build only): the mermaid that mermaidLoader.ts loaded from the chunks inlined
 * in the exported file, set before any diagram is drawn.
 */
import type { Mermaid } from 'mermaid';

const loaded = (globalThis as { __bmnbMermaid?: Mermaid }).__bmnbMermaid;
if (!loaded) throw new Error('Mermaid is not in this exported file: it was exported from a notebook without mermaid diagrams.');

export default loaded;
