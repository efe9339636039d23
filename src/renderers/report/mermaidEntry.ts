/**
 * Mermaid for HTML exports (dist/renderers/report-mermaid/mermaid.js and its chunks): the export
 * inlines this entry's static imports and the chunks of the diagram types a notebook uses, and the
 * report runtime loads them as blob: modules (see mermaidLoader.ts).
 */
export { default } from 'mermaid';
