/**
 * The `.bmnb` notebook serializer VS Code calls: a thin adapter between VS Code's NotebookData
 * classes and the pure mapping of notebookData.ts (which keeps ids, unknown fields and the
 * execution record, so open → save without edits gives the same bytes).
 */
import * as vscode from 'vscode';
import { NotebookFormatError } from '../format';
import { fromNotebookData, toNotebookData, type PlainCell, type PlainNotebook, type PlainOutput } from './notebookData';

function toVscodeCell(cell: PlainCell): vscode.NotebookCellData {
  const kind = cell.kind === 'code' ? vscode.NotebookCellKind.Code : vscode.NotebookCellKind.Markup;
  const data = new vscode.NotebookCellData(kind, cell.value, cell.languageId);
  data.metadata = cell.metadata;
  if (cell.outputs) {
    data.outputs = cell.outputs.map((o) => new vscode.NotebookCellOutput(o.items.map((i) => new vscode.NotebookCellOutputItem(i.data, i.mime)), o.metadata));
  }
  if (cell.executionSummary) data.executionSummary = cell.executionSummary;
  return data;
}

function fromVscodeCell(cell: vscode.NotebookCellData): PlainCell {
  const outputs = cell.outputs?.map((o): PlainOutput => ({ items: o.items.map((i) => ({ mime: i.mime, data: i.data })), metadata: o.metadata }));
  return {
    kind: cell.kind === vscode.NotebookCellKind.Code ? 'code' : 'markup',
    value: cell.value,
    languageId: cell.languageId,
    metadata: cell.metadata,
    outputs,
    executionSummary: cell.executionSummary,
  };
}

export class BmnbSerializer implements vscode.NotebookSerializer {
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();

  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    const text = this.decoder.decode(content);
    // A new, empty file opens as an empty notebook with one TypeScript cell.
    if (text.trim() === '') return new vscode.NotebookData([new vscode.NotebookCellData(vscode.NotebookCellKind.Code, '', 'typescript')]);
    let plain: PlainNotebook;
    try {
      plain = toNotebookData(text);
    } catch (err) {
      // VS Code shows only "could not be opened" in the editor: say what is wrong where it is seen.
      if (err instanceof NotebookFormatError) {
        void vscode.window.showErrorMessage(`This .bmnb notebook cannot be opened. ${err.message}`, { modal: false });
      }
      throw err;
    }
    const data = new vscode.NotebookData(plain.cells.map(toVscodeCell));
    data.metadata = plain.metadata;
    return data;
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    return this.encoder.encode(fromNotebookData({ cells: data.cells.map(fromVscodeCell), metadata: data.metadata }));
  }
}
