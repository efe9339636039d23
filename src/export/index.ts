/**
 * Exports of a notebook for people without bmnb: one self-contained HTML file drawn by the
 * notebook renderers' own code (html.ts), and Markdown with images and tables (markdown.ts).
 * Called by `bmnb export` (src/cli) and the editor's commands (src/extension).
 */
export { loadReportAssets, type ReportAssets } from './assets';
export { exportHtml } from './html';
export { exportMarkdown, type MarkdownExport } from './markdown';
