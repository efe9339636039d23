/**
 * Shapes that do not fit, flagged before the cell runs: for each `model.fit(x, y` in a cell, the
 * running kernel is asked what `model`, `x` and `y` are (no user code runs), and a mismatch is a
 * warning on the call (src/host/fitCheck.ts). Checked after a pause in typing and after each run;
 * with no kernel running there is nothing to compare, and nothing is shown.
 */
import * as vscode from 'vscode';
import { fitCalls, fitMismatch } from '../host/fitCheck';
import { cellOf, isBmnbNotebook } from './bmnbNotebooks';
import type { BmnbController } from './controller';

const DELAY_MS = 400;

export class FitShapeCheck implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('bmnb-shapes');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly controller: BmnbController) {
    this.disposables.push(
      this.diagnostics,
      vscode.workspace.onDidChangeTextDocument((e) => {
        const owner = cellOf(e.document);
        if (owner) this.schedule(owner.cell);
      }),
      controller.onDidExecuteCell(({ notebook }) => {
        for (const cell of notebook.getCells()) if (cell.kind === vscode.NotebookCellKind.Code) this.schedule(cell);
      }),
      vscode.workspace.onDidCloseNotebookDocument((nb) => {
        for (const cell of nb.getCells()) this.diagnostics.delete(cell.document.uri);
      }),
    );
  }

  private schedule(cell: vscode.NotebookCell): void {
    const key = cell.document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.check(cell);
      }, DELAY_MS),
    );
  }

  private async check(cell: vscode.NotebookCell): Promise<void> {
    if (!isBmnbNotebook(cell.notebook) || cell.notebook.isClosed) return;
    const kernel = this.controller.runningKernel(cell.notebook);
    const calls = fitCalls(cell.document.getText());
    if (!kernel || calls.length === 0) {
      this.diagnostics.delete(cell.document.uri);
      return;
    }
    const found: vscode.Diagnostic[] = [];
    for (const call of calls) {
      const [model, x, y] = await Promise.all([call.model, call.x, call.y].map((name) => kernel.inspect(name).then((r) => r?.info, () => undefined)));
      const why = fitMismatch(call, model, x, y);
      if (!why) continue;
      const d = new vscode.Diagnostic(new vscode.Range(call.line, call.character, call.line, call.endCharacter), why, vscode.DiagnosticSeverity.Warning);
      d.source = 'bmnb';
      found.push(d);
    }
    if (!cell.notebook.isClosed) this.diagnostics.set(cell.document.uri, found);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
