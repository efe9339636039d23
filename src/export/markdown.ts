/**
 * A notebook as Markdown for READMEs and docs (GitHub, nbconvert's layout): markdown cells as they
 * are (math and mermaid fences included: GitHub draws both), code cells as ```ts / ```js fences,
 * and each output as what a Markdown viewer can show: the `image/png` fallback the kernel made for
 * a bmnb payload (written to `<filesDir>/`, linked as `![](<filesDir>/name.png)`) and its
 * `text/html` table inline (GitHub keeps sanitized tables); streams, errors and text in fenced
 * blocks. A payload without fallbacks shows its `text/plain`.
 */
import type { CellOutput, NotebookCell, NotebookFile, OutputItem } from '../format';
import { MIME } from '../protocol';
import { errorText, itemText, PAYLOAD_MIMES, stripAnsi } from './outputs';

export interface MarkdownExport {
  markdown: string;
  /** Files to write into `filesDir`, by bare name. */
  files: { name: string; bytes: Uint8Array }[];
}

const IMAGE_EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/svg+xml': 'svg' };

/** A fence longer than any run of backticks in `text`, so the text cannot end it. */
export function fenced(text: string, info = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}`;
}

/** A path segment for a Markdown link: spaces and parentheses escaped. */
function linkPath(path: string): string {
  return path.split('/').map((p) => encodeURIComponent(p)).join('/');
}

export function exportMarkdown(nb: NotebookFile, options: { filesDir: string }): MarkdownExport {
  const files: MarkdownExport['files'] = [];
  const blocks: string[] = [];
  const title = typeof nb.metadata?.title === 'string' ? nb.metadata.title : undefined;
  const firstIsHeading = nb.cells[0]?.kind === 'markdown' && /^\s*#\s/.test(nb.cells[0].source.join(''));
  if (title && !firstIsHeading) blocks.push(`# ${title}`);

  const addFile = (cellIndex: number, outputIndex: number, mime: string, bytes: Uint8Array): string => {
    const name = `cell${cellIndex + 1}_output${outputIndex + 1}.${IMAGE_EXT[mime] ?? 'bin'}`;
    files.push({ name, bytes });
    return `${linkPath(options.filesDir)}/${name}`;
  };

  const outputBlocks = (output: CellOutput, cellIndex: number, outputIndex: number): string[] => {
    const find = (mime: string): OutputItem | undefined => output.items.find((i) => i.mime === mime);
    const text = find(MIME.text);
    const payload = output.items.find((i) => PAYLOAD_MIMES.includes(i.mime));
    const out: string[] = [];
    const image = ['image/png', 'image/jpeg', 'image/gif', 'image/svg+xml'].map(find).find(Boolean);
    const html = find('text/html');
    if (payload || image || html) {
      if (image) {
        const bytes = image.mime === 'image/svg+xml' ? new TextEncoder().encode(itemText(image)) : Buffer.from(typeof image.data === 'string' ? image.data : '', 'base64');
        const alt = (payload ? describePayload(payload) : '') || 'output';
        out.push(`![${alt.replace(/[[\]\\]/g, '')}](${addFile(cellIndex, outputIndex, image.mime, bytes)})`);
      }
      // The kernel's HTML fallback carries its PNG too (for frontends that show only the HTML):
      // here the PNG is a file beside the Markdown, so the inline copy is dropped.
      if (html) out.push(itemText(html).replace(/^<p><img [^>]*src="data:image\/png;base64,[^"]*"><\/p>\n?/, '').trim());
      if (!image && !html && text) out.push(fenced(stripAnsi(itemText(text))));
      return out;
    }
    const stream = find(MIME.stdout) ?? find(MIME.stderr);
    if (stream) return [fenced(stripAnsi(itemText(stream)))];
    const error = find(MIME.error);
    if (error) return [fenced(stripAnsi(errorText(error)))];
    const markdown = find('text/markdown');
    if (markdown) return [itemText(markdown)];
    if (text) return [fenced(stripAnsi(itemText(text)))];
    const json = find('application/json');
    if (json) return [fenced(JSON.stringify(json.data, null, 2), 'json')];
    return [];
  };

  nb.cells.forEach((cell: NotebookCell, cellIndex) => {
    const source = cell.source.join('');
    if (cell.kind === 'markdown') {
      blocks.push(source.trimEnd());
      return;
    }
    blocks.push(fenced(source, cell.language === 'javascript' ? 'js' : 'ts'));
    (cell.outputs ?? []).forEach((output, outputIndex) => blocks.push(...outputBlocks(output, cellIndex, outputIndex)));
  });
  return { markdown: `${blocks.filter((b) => b.length > 0).join('\n\n')}\n`, files };
}

/** Words for an image's alt text: what the payload is. */
function describePayload(item: OutputItem): string {
  const p = item.data as { name?: unknown; title?: unknown; kind?: unknown } | null;
  const label = typeof p?.title === 'string' ? p.title : typeof p?.name === 'string' ? p.name : '';
  const what = item.mime === MIME.tensor ? 'tensor' : item.mime === MIME.modelSummary ? 'model summary' : item.mime === MIME.training ? 'training curves' : 'chart';
  return label ? `${what}: ${label}` : what;
}
