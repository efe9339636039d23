/** The commands of the extension (titles in package.json). */
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { BACKENDS, type BackendName } from '../protocol';
import { NOTEBOOK_TYPE, isBmnbNotebook } from './bmnbNotebooks';
import { backendFor, type BmnbController } from './controller';
import { withNotebookBackend } from './metadata';
import { readSettings } from './settings';
import { exportNotebook, importNotebook } from './share';

let doctorChannel: vscode.OutputChannel | undefined;

/**
 * Backend Doctor: runs `bmnb doctor` (dist/cli.js, which probes each backend in its own child
 * process, never in the extension host) with the kernel's Node, from the active notebook's folder
 * (where native backends are looked for), and shows its report in an output channel.
 */
async function backendDoctor(extensionPath: string): Promise<void> {
  const nb = vscode.window.activeNotebookEditor?.notebook;
  const dir =
    isBmnbNotebook(nb) && nb.uri.scheme === 'file'
      ? dirname(nb.uri.fsPath)
      : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? extensionPath);
  const settings = readSettings();
  const node = settings.nodePath || process.execPath;
  const env = { ...process.env, ...(settings.nodePath ? {} : { ELECTRON_RUN_AS_NODE: '1' }) };
  const { text, code } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Big Model Notebooks: checking TensorFlow.js backends…' },
    () =>
      new Promise<{ text: string; code: number }>((resolve) => {
        execFile(node, [join(extensionPath, 'dist', 'cli.js'), 'doctor'], { cwd: dir, env, encoding: 'utf8', timeout: 180_000 }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ text: `${stdout}${stderr ? `\n${stderr}` : ''}${err && !stdout ? `\nThe doctor could not run: ${err.message}\n` : ''}`, code });
        });
      }),
  );
  doctorChannel ??= vscode.window.createOutputChannel('Big Model Notebooks: Backend Doctor');
  doctorChannel.clear();
  doctorChannel.append(text);
  doctorChannel.show(true);
  if (code !== 0) void vscode.window.showWarningMessage('No TensorFlow.js backend loads here: see the Backend Doctor output for why and how to install one.');
}

function activeNotebook(): vscode.NotebookDocument | undefined {
  const nb = vscode.window.activeNotebookEditor?.notebook;
  if (isBmnbNotebook(nb)) return nb;
  void vscode.window.showInformationMessage('Open a Big Model Notebook (.bmnb) first.');
  return undefined;
}

async function newNotebook(): Promise<void> {
  const cell = new vscode.NotebookCellData(vscode.NotebookCellKind.Code, "import * as tf from '@tensorflow/tfjs';\n\ntf.tensor([1, 2, 3]).square()", 'typescript');
  const doc = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, new vscode.NotebookData([cell]));
  await vscode.window.showNotebookDocument(doc);
}

async function selectBackend(controller: BmnbController): Promise<void> {
  const notebook = activeNotebook();
  if (!notebook) return;
  const current = backendFor(notebook);
  const statuses = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Checking TensorFlow.js backends…' },
    async () => (await controller.session(notebook).kernel()).backends(),
  );
  type Item = vscode.QuickPickItem & { backend: BackendName | 'auto'; available: boolean; install?: string };
  const items: Item[] = [
    { label: `${current === 'auto' ? '$(check) ' : ''}auto`, description: 'the first that loads of tensorflow-gpu, tensorflow, webgpu (on a hardware GPU), wasm, cpu', backend: 'auto', available: true },
    ...BACKENDS.map((name): Item => {
      const s = statuses.find((x) => x.name === name);
      return {
        label: `${current === name ? '$(check) ' : ''}${name}`,
        description: s?.available ? `available — ${s.detail}` : `not available — ${s?.detail ?? 'unknown'}`,
        detail: s?.available ? undefined : `To install: ${s?.install ?? ''}`,
        backend: name,
        available: Boolean(s?.available),
        install: s?.install,
      };
    }),
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'TensorFlow.js backend for this notebook (restarts its kernel)', matchOnDescription: true });
  if (!pick) return;
  if (!pick.available) {
    void vscode.window.showWarningMessage(`${pick.backend} is not available here. To install it: ${pick.install}`);
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [vscode.NotebookEdit.updateNotebookMetadata(withNotebookBackend(notebook.metadata, pick.backend))]);
  await vscode.workspace.applyEdit(edit);
  await controller.restart(notebook);
  void vscode.window.showInformationMessage(`Backend: ${pick.backend}. The kernel restarts with it on the next run.`);
}

export function registerCommands(controller: BmnbController, log: vscode.LogOutputChannel, extensionPath?: string): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('bmnb.backendDoctor', () => backendDoctor(extensionPath ?? join(__dirname, '..'))),
    vscode.commands.registerCommand('bmnb.newNotebook', newNotebook),
    vscode.commands.registerCommand('bmnb.restartKernel', async () => {
      const nb = activeNotebook();
      if (!nb) return;
      await controller.restart(nb);
      void vscode.window.setStatusBarMessage('bmnb: kernel restarted — variables cleared', 4000);
    }),
    vscode.commands.registerCommand('bmnb.interruptKernel', () => {
      const nb = activeNotebook();
      if (nb) controller.interrupt(nb);
    }),
    vscode.commands.registerCommand('bmnb.selectBackend', () => selectBackend(controller)),
    vscode.commands.registerCommand('bmnb.showKernelLog', () => log.show()),
    ...(['ipynb', 'html', 'markdown'] as const).map((format) =>
      vscode.commands.registerCommand(`bmnb.export.${format}`, () => {
        const nb = activeNotebook();
        return nb ? exportNotebook(nb, format, extensionPath ?? join(__dirname, '..')) : undefined;
      }),
    ),
    vscode.commands.registerCommand('bmnb.importIpynb', (from?: vscode.Uri) => importNotebook(extensionPath ?? join(__dirname, '..'), from instanceof vscode.Uri ? from : undefined)),
  ];
}
