/** The VS Code extension: activate() only wires the parts together. */
import * as vscode from 'vscode';
import { BmnbSerializer } from './serializer';
import { BmnbController, NOTEBOOK_TYPE } from './controller';
import { KernelStatusBar } from './statusBar';
import { registerCommands } from './commands';

let controller: BmnbController | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Big Model Notebooks', { log: true });
  controller = new BmnbController(context.asAbsolutePath('dist/kernel.js'), log);
  context.subscriptions.push(
    log,
    vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, new BmnbSerializer(), {
      transientOutputs: false,
      transientDocumentMetadata: {},
      transientCellMetadata: {},
    }),
    controller,
    new KernelStatusBar(controller),
    ...registerCommands(controller, log),
  );
}

/** No kernel outlives the window. */
export async function deactivate(): Promise<void> {
  controller?.dispose();
  controller = undefined;
}
