/**
 * A notebook as one self-contained HTML file: markdown, math and highlighted code made here, every
 * output embedded as JSON (escaped for <script>) and drawn on load by the report runtime with the
 * notebook renderers' own code, mermaid inlined only when there are diagrams and only the chunks
 * their types need. A Content-Security-Policy lets the page load nothing from outside: no network
 * when it is opened, whatever an output holds.
 *
 * Kernel strings reach the page as text only: streams, text and errors are JSON that the runtime
 * puts in with textContent; foreign `text/html` outputs (from an imported Jupyter notebook) go in
 * a sandboxed iframe's srcdoc without `allow-scripts`, so nothing in them runs; images are `<img>`
 * elements with data: URLs (SVG too, where it cannot run script).
 */
import type { CellOutput, NotebookCell, NotebookFile, OutputItem } from '../format';
import { MIME } from '../protocol';
import type { ReportAssets } from './assets';
import { escapeHtml, jsonForScript } from './escape';
import { highlight, renderMarkdown } from './markdownHtml';
import { mermaidBundle } from './mermaid';
import { errorText, htmlItem, IMAGE_MIMES, itemText, PAYLOAD_MIMES, stripAnsi } from './outputs';

/** Names shared with the runtime (src/renderers/report/page.ts). */
const OUTPUT_CLASS = 'bmnb-output';
const OUTPUT_DATA_CLASS = 'bmnb-output-data';
const MERMAID_DATA_ID = 'bmnb-mermaid-chunks';

/** Nothing from the network; inline script and style, blob: modules (mermaid's chunks), data: images. */
const CSP = "default-src 'none'; script-src 'unsafe-inline' blob:; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; frame-src 'self' data: blob: about:";

function sourceText(cell: NotebookCell): string {
  return cell.source.join('');
}

/** Inline text for a `<script>` element whose content is JavaScript or CSS we built (never kernel data). */
function inlineCode(code: string): string {
  return code.replace(/<\/(script|style)/gi, '<\\/$1');
}

function base64Of(item: OutputItem): string | undefined {
  if (typeof item.data !== 'string') return undefined;
  const b64 = item.data.replace(/\s+/g, '');
  return /^[A-Za-z0-9+/]*={0,2}$/.test(b64) ? b64 : undefined;
}

function embedded(kind: string, mime: string, value: unknown): string {
  return `<div class="${OUTPUT_CLASS}" data-kind="${kind}" data-mime="${escapeHtml(mime)}"><script type="application/json" class="${OUTPUT_DATA_CLASS}">${jsonForScript(value)}</script></div>`;
}

function outputHtml(output: CellOutput): string {
  const item = htmlItem(output);
  if (!item) return '';
  const { mime } = item;
  if (PAYLOAD_MIMES.includes(mime)) return embedded('payload', mime, item.data);
  if (mime === MIME.stdout) return embedded('stdout', mime, stripAnsi(itemText(item)));
  if (mime === MIME.stderr) return embedded('stderr', mime, stripAnsi(itemText(item)));
  if (mime === MIME.error) return embedded('error', mime, stripAnsi(errorText(item)));
  if (IMAGE_MIMES.includes(mime)) {
    const b64 = mime === 'image/svg+xml' ? Buffer.from(itemText(item), 'utf8').toString('base64') : base64Of(item);
    if (b64 === undefined) return embedded('text', mime, `[${mime} output that is not valid base64]`);
    const alt = output.items.find((i) => i.mime === MIME.text);
    return `<div class="${OUTPUT_CLASS}" data-kind="image" data-mime="${escapeHtml(mime)}"><img class="bmnb-image-output" src="data:${mime};base64,${b64}" alt="${escapeHtml(alt ? itemText(alt).slice(0, 500) : mime)}"></div>`;
  }
  if (mime === 'text/html') {
    // Foreign HTML (a pandas table from an imported Jupyter notebook): sandboxed, no scripts; the
    // page may read its height (allow-same-origin without allow-scripts lets nothing in it act).
    return `<div class="${OUTPUT_CLASS}" data-kind="html" data-mime="text/html"><iframe class="bmnb-html-output" sandbox="allow-same-origin" referrerpolicy="no-referrer" title="HTML output" srcdoc="${escapeHtml(`<!doctype html><meta charset="utf-8"><style>body{margin:4px;font-family:system-ui,sans-serif;font-size:13px}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd}</style>${itemText(item)}`)}"></iframe></div>`;
  }
  if (mime === 'text/markdown') return `<div class="${OUTPUT_CLASS} markdown-body" data-kind="markdown" data-mime="text/markdown">${renderMarkdown(itemText(item)).html}</div>`;
  return embedded('text', mime, stripAnsi(itemText(item)));
}

function codeCellHtml(cell: NotebookCell): string {
  const order = cell.execution?.order;
  const count = typeof order === 'number' ? `[${order}]` : '[ ]';
  const language = cell.language === 'javascript' ? 'javascript' : 'typescript';
  const outputs = (cell.outputs ?? []).map(outputHtml).filter(Boolean);
  return (
    `<section class="cell code-cell" id="cell-${escapeHtml(cell.id)}">` +
    `<div class="exec-count" title="Execution order">${count}</div>` +
    `<pre class="cell-source hljs"><code class="language-${language}">${highlight(sourceText(cell), language)}</code></pre>` +
    (outputs.length ? `<div class="cell-outputs">${outputs.join('\n')}</div>` : '') +
    `</section>`
  );
}

export function exportHtml(nb: NotebookFile, assets: ReportAssets, options: { title?: string } = {}): string {
  const diagrams: string[] = [];
  const cells = nb.cells.map((cell) => {
    if (cell.kind === 'markdown') {
      const { html, diagrams: found } = renderMarkdown(sourceText(cell));
      diagrams.push(...found);
      return `<section class="cell markdown-cell" id="cell-${escapeHtml(cell.id)}"><div class="markdown-body">${html}</div></section>`;
    }
    return codeCellHtml(cell);
  });
  const title = options.title ?? (typeof nb.metadata?.title === 'string' ? nb.metadata.title : undefined) ?? 'Notebook';
  const mermaid = diagrams.length ? `<script type="application/json" id="${MERMAID_DATA_ID}">${jsonForScript(mermaidBundle(assets, diagrams))}</script>\n` : '';
  return (
    `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="color-scheme" content="light dark">\n` +
    `<meta name="generator" content="bmnb">\n<title>${escapeHtml(title)}</title>\n` +
    `<style>\n${inlineCode(assets.css)}\n</style>\n</head>\n<body>\n<main class="bmnb-report">\n` +
    cells.join('\n') +
    `\n</main>\n${mermaid}<script type="module">\n${inlineCode(assets.runtime)}\n</script>\n</body>\n</html>\n`
  );
}
