/**
 * `bmnb convert IN OUT` (.bmnb ⇄ .ipynb) and `bmnb export IN --to html|markdown [--out FILE]`, and
 * what `bmnb run --out` writes when the file named is not a `.bmnb`. The conversions are pure
 * (src/format/ipynb.ts, src/export/); the static fallbacks of bmnb's payloads (PNG images, HTML
 * tables) are made by a kernel process, the code a Jupyter session uses (src/host renderFallbacks).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fromIpynb, parseNotebook, serializeNotebook, toIpynb, type NotebookFile, type OutputItem } from '../format';
import { renderFallbacks } from '../host/kernelClient';
import type { OutputItemPayload } from '../protocol';
import { writeFileAtomic } from './atomicWrite';
import { BadInputError, EXIT, readNotebookFile } from './run';

export const CONVERT_USAGE = `Usage: bmnb convert <in> <out> [--force]

Converts between bmnb's .bmnb and Jupyter's .ipynb (nbformat 4.5), by the files' extensions.
The .ipynb keeps bmnb's outputs and adds what GitHub, JupyterLab and nbconvert show (PNG images,
HTML tables), and converts back to the same .bmnb bytes. Importing takes notebooks of tslab,
Deno and IJavascript; a Python notebook's code cells become markdown code blocks.
  --force               replace <out> if it exists
Exit codes: 0 converted, 2 bad input (nothing is written).

Usage: bmnb export <file.bmnb|file.ipynb> --to html|markdown [--out <file>]

One self-contained HTML file (no network needed to open it; light and dark follow the reader's
system) or Markdown with images in <name>_files/. Default <out>: the input with .html or .md.`;

/** The notebook in a .bmnb or .ipynb file; bad input is a BadInputError naming the file. */
export function readAnyNotebook(file: string): { notebook: NotebookFile; notes: string[] } {
  return readNotebookFile(file, (text) => {
    if (extname(file).toLowerCase() !== '.ipynb') return { notebook: parseNotebook(text), notes: [] };
    const imported = fromIpynb(text);
    return { notebook: imported.notebook, notes: imported.notes };
  });
}

const isPayload = (mime: string) => mime.startsWith('application/vnd.bmnb.');

/**
 * For each cell and output, the fallback items a kernel made for its bmnb payloads (undefined where
 * there are none): one kernel process for the whole notebook, no backend loaded.
 */
export async function notebookFallbacks(nb: NotebookFile, kernelPath: string): Promise<(OutputItem[] | undefined)[][]> {
  const asked: OutputItemPayload[][] = [];
  const where: [number, number][] = [];
  nb.cells.forEach((cell, c) =>
    (cell.outputs ?? []).forEach((output, o) => {
      if (!output.items.some((i) => isPayload(i.mime))) return;
      asked.push(output.items.map((i) => ({ mime: i.mime, data: i.data }) as OutputItemPayload));
      where.push([c, o]);
    }),
  );
  const table: (OutputItem[] | undefined)[][] = nb.cells.map((cell) => (cell.outputs ?? []).map(() => undefined));
  if (!asked.length) return table;
  const added = await renderFallbacks(asked, { kernelPath, notebookDir: process.cwd() });
  where.forEach(([c, o], k) => {
    if (added[k]?.length) table[c]![o] = added[k]!.map((i) => ({ mime: i.mime, data: i.data }));
  });
  return table;
}

/** A copy of `nb` whose outputs carry their fallbacks too (before text/plain, as a Jupyter session's). */
function withFallbackItems(nb: NotebookFile, fallbacks: (OutputItem[] | undefined)[][]): NotebookFile {
  return {
    ...nb,
    cells: nb.cells.map((cell, c) => ({
      ...cell,
      ...(cell.outputs
        ? {
            outputs: cell.outputs.map((output, o) => {
              const extra = fallbacks[c]?.[o];
              if (!extra?.length) return output;
              const text = output.items.filter((i) => i.mime === 'text/plain');
              return { ...output, items: [...output.items.filter((i) => i.mime !== 'text/plain'), ...extra, ...text] };
            }),
          }
        : {}),
    })),
  };
}

export type OutKind = 'bmnb' | 'ipynb' | 'html' | 'markdown';

/** What a file name asks to be written as, by its extension. */
export function outKind(file: string): OutKind | undefined {
  const ext = extname(file).toLowerCase();
  return ext === '.bmnb' ? 'bmnb' : ext === '.ipynb' ? 'ipynb' : ext === '.html' || ext === '.htm' ? 'html' : ext === '.md' ? 'markdown' : undefined;
}

/**
 * Writes `nb` to `out` as `kind`, atomically (a Markdown export writes its images first, then the
 * .md). `distDir` is where the built kernel and report runtime are (dist/).
 */
export async function writeNotebookAs(nb: NotebookFile, out: string, kind: OutKind, distDir: string): Promise<void> {
  const kernelPath = join(distDir, 'kernel.js');
  if (kind === 'bmnb') return writeFileAtomic(out, serializeNotebook(nb));
  if (kind === 'ipynb') return writeFileAtomic(out, toIpynb(nb, { fallbacks: await notebookFallbacks(nb, kernelPath) }));
  // Loaded on use: markdown-it, KaTeX and highlight.js are no start-up cost for `bmnb run`.
  const { exportHtml, exportMarkdown, loadReportAssets } = await import('../export');
  if (kind === 'html') return writeFileAtomic(out, exportHtml(nb, loadReportAssets(distDir), { title: nb.metadata?.title ?? basename(out, extname(out)) }));
  const filesDir = `${basename(out, extname(out))}_files`;
  const { markdown, files } = exportMarkdown(withFallbackItems(nb, await notebookFallbacks(nb, kernelPath)), { filesDir });
  if (files.length) mkdirSync(join(dirname(out), filesDir), { recursive: true });
  for (const f of files) writeFileSync(join(dirname(out), filesDir, f.name), f.bytes);
  writeFileAtomic(out, markdown);
}

function options(argv: string[], spec: NonNullable<ParseArgsConfig['options']>, command: string) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: spec });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/, '');
    throw new BadInputError(`${message}\nValid options of bmnb ${command}: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`);
  }
}

/** `bmnb convert IN OUT [--force]`. */
export async function convertCommand(argv: string[], distDir: string, stderr: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = options(argv, { force: { type: 'boolean', default: false } }, 'convert');
  if (positionals.length !== 2) throw new BadInputError(`bmnb convert needs an input and an output file: bmnb convert nb.bmnb nb.ipynb (or nb.ipynb nb.bmnb)`);
  const [input, output] = positionals as [string, string];
  const from = outKind(input);
  const to = outKind(output);
  if (from !== 'bmnb' && from !== 'ipynb') throw new BadInputError(`${input}: bmnb convert reads .bmnb and .ipynb files`);
  if (to !== 'bmnb' && to !== 'ipynb') {
    throw new BadInputError(`${output}: bmnb convert writes .bmnb and .ipynb files${to === 'html' || to === 'markdown' ? `; for ${to === 'html' ? 'HTML' : 'Markdown'} use bmnb export ${input} --to ${to}` : ''}`);
  }
  if (from === to) throw new BadInputError(`${input} and ${output} are both .${from}: name a .${from === 'bmnb' ? 'ipynb' : 'bmnb'} to convert to`);
  if (resolve(input) === resolve(output)) throw new BadInputError(`${output} is the input file`);
  if (existsSync(output) && !values.force) throw new BadInputError(`${output} exists; add --force to replace it`);
  const { notebook, notes } = readAnyNotebook(input);
  for (const note of notes) stderr.write(`bmnb: ${note}\n`);
  await writeNotebookAs(notebook, output, to, distDir);
  stderr.write(`bmnb: wrote ${output} (${notebook.cells.length} cell${notebook.cells.length === 1 ? '' : 's'})\n`);
  return EXIT.ok;
}

/** `bmnb export IN --to html|markdown [--out FILE]`. */
export async function exportCommand(argv: string[], distDir: string, stderr: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = options(argv, { to: { type: 'string' }, out: { type: 'string' } }, 'export');
  if (positionals.length !== 1) throw new BadInputError('bmnb export needs one notebook: bmnb export nb.bmnb --to html');
  const input = positionals[0]!;
  const to = values.to === 'md' ? 'markdown' : (values.to as string | undefined);
  if (to !== 'html' && to !== 'markdown') throw new BadInputError(`bmnb export --to expects html or markdown${values.to ? `, got '${values.to}'` : ''}`);
  const from = outKind(input);
  if (from !== 'bmnb' && from !== 'ipynb') throw new BadInputError(`${input}: bmnb export reads .bmnb and .ipynb files`);
  const output = (values.out as string | undefined) ?? join(dirname(input), `${basename(input, extname(input))}${to === 'html' ? '.html' : '.md'}`);
  if (resolve(input) === resolve(output)) throw new BadInputError(`${output} is the input file`);
  const { notebook, notes } = readAnyNotebook(input);
  for (const note of notes) stderr.write(`bmnb: ${note}\n`);
  await writeNotebookAs(notebook, output, to, distDir);
  stderr.write(`bmnb: wrote ${output}\n`);
  return EXIT.ok;
}
