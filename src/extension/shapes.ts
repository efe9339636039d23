/**
 * Shapes at a glance: after a cell runs, each top-level tensor it declared shows its shape at the
 * end of its line (`▸ [60000, 28, 28, 1]`, the dtype in the tooltip), as an inlay hint. A hint
 * belongs to the text that ran: once the cell is edited its hints are gone until it runs again,
 * and they go with the kernel that made them (restart, death). `bmnb.shapes.inlineHints` turns
 * them off.
 *
 * Inlay hints rather than after-decorations: the editor asks for them whenever a cell editor is
 * (re)created, so they survive the notebook's virtualized cell list and need no TextEditor.
 */
import * as vscode from 'vscode';
import type { TensorBinding } from '../protocol';
import type { KernelClient } from '../host/kernelClient';
import type { BmnbController } from './controller';
import { cellOf } from './bmnbNotebooks';
import { shapeHintLabel, shapeHintTooltip } from './inspectFormat';
import { readSettings } from './settings';

interface CellShapes {
  /** The cell document's version that ran: any edit since makes the lines stale. */
  version: number;
  kernel: KernelClient;
  /** Bindings by 0-based line. */
  lines: Map<number, TensorBinding[]>;
}

export class ShapeHints implements vscode.InlayHintsProvider, vscode.Disposable {
  private readonly cells = new Map<string, CellShapes>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly controller: BmnbController) {
    this.disposables.push(
      this.changed,
      controller.onDidExecuteCell(({ cell, result, kernel, version }) => {
        const key = cell.document.uri.toString();
        const lines = new Map<number, TensorBinding[]>();
        for (const b of result.tensors ?? []) lines.set(b.line, [...(lines.get(b.line) ?? []), b]);
        if (lines.size) this.cells.set(key, { version, kernel, lines });
        else if (!this.cells.delete(key)) return;
        this.changed.fire();
      }),
      // A restart or a dead kernel takes its tensors along.
      controller.onDidChangeKernel((notebook) => {
        let stale = false;
        for (const cell of notebook.getCells()) {
          const entry = this.cells.get(cell.document.uri.toString());
          if (entry && !entry.kernel.alive) stale = this.cells.delete(cell.document.uri.toString()) || stale;
        }
        if (stale) this.changed.fire();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length) this.cells.delete(e.document.uri.toString());
      }),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => {
        for (const cell of notebook.getCells()) this.cells.delete(cell.document.uri.toString());
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('bmnb.shapes.inlineHints')) this.changed.fire();
      }),
    );
  }

  provideInlayHints(document: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    const entry = this.cells.get(document.uri.toString());
    if (!entry || entry.version !== document.version || !entry.kernel.alive || !readSettings().shapesInlineHints) return [];
    const found = cellOf(document);
    if (!found || this.controller.runningKernel(found.notebook) !== entry.kernel) return [];
    const hints: vscode.InlayHint[] = [];
    for (const [line, bindings] of entry.lines) {
      if (line < range.start.line || line > range.end.line || line >= document.lineCount) continue;
      const hint = new vscode.InlayHint(document.lineAt(line).range.end, shapeHintLabel(bindings), vscode.InlayHintKind.Type);
      hint.tooltip = shapeHintTooltip(bindings);
      hint.paddingLeft = true;
      hints.push(hint);
    }
    return hints;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.cells.clear();
  }
}
