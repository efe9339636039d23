/**
 * What the exported HTML and its runtime agree on (src/export writes the same names: the export
 * layer may not import the renderers, so test/renderers/export.browser.ts checks they meet).
 */

/** An output: `data-kind`, `data-mime`, and its value as JSON in a `script.bmnb-output-data`. */
export const OUTPUT_CLASS = 'bmnb-output';
export const OUTPUT_DATA_CLASS = 'bmnb-output-data';
/** `payload`: drawn by a renderer; the rest are text, put in as text. */
export type OutputKind = 'payload' | 'stdout' | 'stderr' | 'error' | 'text';
/** The inlined mermaid chunks: `{ entry, chunks: [{ name, code, deps }] }`, deps first. */
export const MERMAID_DATA_ID = 'bmnb-mermaid-chunks';
