/** The commands of the extension (titles in package.json). */
import * as vscode from 'vscode';
import { BACKENDS, type BackendName } from '../protocol';
import { NOTEBOOK_TYPE, backendFor, type BmnbController } from './controller';

function activeNotebook(): vscode.NotebookDocument | undefined {
  const nb = vscode.window.activeNotebookEditor?.notebook;
  if (nb?.notebookType === NOTEBOOK_TYPE) return nb;
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
    { label: `${current === 'auto' ? '$(check) ' : ''}auto`, description: 'the first that loads of tensorflow-gpu, tensorflow, wasm, cpu', backend: 'auto', available: true },
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
  const keep = (notebook.metadata?.bmnb ?? { metadata: {}, extra: {} }) as { metadata: Record<string, unknown>; extra: Record<string, unknown> };
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [vscode.NotebookEdit.updateNotebookMetadata({ ...notebook.metadata, bmnb: { ...keep, metadata: { ...keep.metadata, backend: pick.backend } } })]);
  await vscode.workspace.applyEdit(edit);
  await controller.restart(notebook);
  void vscode.window.showInformationMessage(`Backend: ${pick.backend}. The kernel restarts with it on the next run.`);
}

export function registerCommands(controller: BmnbController, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return [
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
  ];
}
