/** The VS Code extension: activate() only wires the parts together. */
import * as vscode from 'vscode';
import { BmnbSerializer } from './serializer';
import { BmnbController } from './controller';
import { KernelStatusBar } from './statusBar';
import { registerCommands } from './commands';
import { CELL_SELECTOR, NOTEBOOK_TYPE } from './bmnbNotebooks';
import { KernelHover } from './hover';
import { ShapeHints } from './shapes';
import { VariablesView } from './variablesView';
import { CellMemory } from './cellMemory';
import { NotebookLanguageFeatures } from './language';
import { FitShapeCheck } from './fitShapes';

let controller: BmnbController | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Big Model Notebooks', { log: true });
  const language = new NotebookLanguageFeatures(context.asAbsolutePath('dist/languageServer.js'), log, CELL_SELECTOR);
  controller = new BmnbController(context.asAbsolutePath('dist/kernel.js'), log, (cell) => language.cellErrors(cell));
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
    vscode.languages.registerHoverProvider(CELL_SELECTOR, new KernelHover(controller)),
  );
  const shapes = new ShapeHints(controller);
  context.subscriptions.push(
    shapes,
    vscode.languages.registerInlayHintsProvider(CELL_SELECTOR, shapes),
    new VariablesView(controller),
    new CellMemory(controller),
    language,
    language.followKernel(controller),
    new FitShapeCheck(controller),
  );
}

/** No kernel outlives the window. */
export async function deactivate(): Promise<void> {
  controller?.dispose();
  controller = undefined;
}
