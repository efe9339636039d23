/**
 * Sharing a notebook from the editor: Export as Jupyter Notebook, Export as HTML / Markdown, and
 * Import Jupyter Notebook. Each runs `bmnb convert` / `bmnb export` (dist/cli.js) in a process of
 * its own with the kernel's Node, as Backend Doctor does: the fallbacks (PNG images, HTML tables)
 * are made by a kernel process and the HTML assembles the renderer bundles, never in the extension
 * host. The notebook is exported as the editor shows it, unsaved edits included.
 */
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { BmnbSerializer } from './serializer';
import { readSettings } from './settings';

/** Runs dist/cli.js with `args`; resolves with its exit code and what it printed. */
function runCli(extensionPath: string, args: string[], cwd: string): Promise<{ code: number; text: string }> {
  const settings = readSettings();
  const node = settings.nodePath || process.execPath;
  const env = { ...process.env, ...(settings.nodePath ? {} : { ELECTRON_RUN_AS_NODE: '1' }) };
  return new Promise((resolve) => {
    execFile(node, [join(extensionPath, 'dist', 'cli.js'), ...args], { cwd, env, encoding: 'utf8', timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, text: `${stdout}${stderr}`.trim() || (err ? err.message : '') });
    });
  });
}

/** The CLI's own error lines, without its `bmnb: ` prefix, for a message box. */
const why = (text: string) =>
  text
    .split('\n')
    .filter((l) => !l.startsWith("Run 'bmnb --help'"))
    .map((l) => l.replace(/^bmnb: /, ''))
    .join(' ');

/** The notebook as the editor holds it, as .bmnb text. */
function notebookText(nb: vscode.NotebookDocument): Uint8Array {
  const data = new vscode.NotebookData(
    nb.getCells().map((cell) => {
      const d = new vscode.NotebookCellData(cell.kind, cell.document.getText(), cell.document.languageId);
      d.outputs = [...cell.outputs];
      d.metadata = cell.metadata;
      d.executionSummary = cell.executionSummary;
      return d;
    }),
  );
  data.metadata = nb.metadata;
  return new BmnbSerializer().serializeNotebook(data);
}

export type ExportFormat = 'ipynb' | 'html' | 'markdown';
const FORMATS: Record<ExportFormat, { ext: string; filter: string; what: string }> = {
  ipynb: { ext: '.ipynb', filter: 'Jupyter Notebook', what: 'Jupyter notebook' },
  html: { ext: '.html', filter: 'HTML', what: 'HTML report' },
  markdown: { ext: '.md', filter: 'Markdown', what: 'Markdown' },
};

/** Export as Jupyter Notebook / HTML / Markdown: asks where, writes it, offers to open it. */
export async function exportNotebook(nb: vscode.NotebookDocument, format: ExportFormat, extensionPath: string): Promise<vscode.Uri | undefined> {
  const f = FORMATS[format];
  const name = nb.uri.scheme === 'untitled' ? 'notebook' : basename(nb.uri.path, extname(nb.uri.path));
  const folder = nb.uri.scheme === 'file' ? vscode.Uri.file(dirname(nb.uri.fsPath)) : vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: `Export as ${f.filter}`,
    defaultUri: folder ? vscode.Uri.joinPath(folder, `${name}${f.ext}`) : undefined,
    filters: { [f.filter]: [f.ext.slice(1)] },
  });
  if (!target) return undefined;
  if (target.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Export needs a file on this machine's disk, not ${target.scheme}:.`);
    return undefined;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'bmnb-export-'));
  try {
    const source = join(tmp, `${name}.bmnb`);
    writeFileSync(source, notebookText(nb));
    const args = format === 'ipynb' ? ['convert', source, target.fsPath, '--force'] : ['export', source, '--to', format, '--out', target.fsPath];
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Exporting ${basename(target.fsPath)}…` }, () =>
      runCli(extensionPath, args, dirname(target.fsPath)),
    );
    if (r.code !== 0) {
      void vscode.window.showErrorMessage(`The notebook could not be exported: ${why(r.text)}`);
      return undefined;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  void vscode.window.showInformationMessage(`Exported the ${f.what} ${basename(target.fsPath)}.`, 'Open').then((pick) => {
    if (pick !== 'Open') return;
    if (format === 'html') void vscode.env.openExternal(target);
    else void vscode.commands.executeCommand('vscode.open', target);
  });
  return target;
}

/**
 * Import Jupyter Notebook: an .ipynb (of bmnb, tslab, Deno, IJavascript, or Python: its code cells
 * become markdown code blocks) becomes a .bmnb beside it, which opens.
 */
export async function importNotebook(extensionPath: string, from?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const source =
    from ??
    (await vscode.window.showOpenDialog({ title: 'Import Jupyter Notebook', canSelectMany: false, filters: { 'Jupyter Notebook': ['ipynb'] } }))?.[0];
  if (!source) return undefined;
  if (source.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Import needs a file on this machine's disk, not ${source.scheme}:.`);
    return undefined;
  }
  const target = await vscode.window.showSaveDialog({
    title: 'Save the imported notebook as',
    defaultUri: vscode.Uri.file(join(dirname(source.fsPath), `${basename(source.fsPath, extname(source.fsPath))}.bmnb`)),
    filters: { 'Big Model Notebook': ['bmnb'] },
  });
  if (!target) return undefined;
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Importing ${basename(source.fsPath)}…` }, () =>
    runCli(extensionPath, ['convert', source.fsPath, target.fsPath, '--force'], dirname(source.fsPath)),
  );
  if (r.code !== 0) {
    void vscode.window.showErrorMessage(`${basename(source.fsPath)} could not be imported: ${why(r.text)}`);
    return undefined;
  }
  const notes = r.text
    .split('\n')
    .filter((l) => l.startsWith('bmnb: ') && !l.startsWith('bmnb: wrote '))
    .map((l) => l.slice(6));
  await vscode.window.showNotebookDocument(await vscode.workspace.openNotebookDocument(target));
  if (notes.length) void vscode.window.showInformationMessage(`Imported ${basename(source.fsPath)}: ${notes.join(' ')}`);
  return target;
}
