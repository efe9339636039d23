/** What a bmnb notebook is in VS Code's terms: its notebook type, and its code cells as language features see them. */
import * as vscode from 'vscode';

/** The notebook type of `.bmnb` files (package.json `contributes.notebooks`). */
export const NOTEBOOK_TYPE = 'bmnb';

export function isBmnbNotebook(notebook: vscode.NotebookDocument | undefined): notebook is vscode.NotebookDocument {
  return notebook?.notebookType === NOTEBOOK_TYPE;
}

/** The code cells of `.bmnb` notebooks (any scheme: saved, untitled). */
export const CELL_SELECTOR: vscode.DocumentFilter[] = [
  { notebookType: NOTEBOOK_TYPE, language: 'typescript' },
  { notebookType: NOTEBOOK_TYPE, language: 'javascript' },
];

/** The bmnb notebook and cell a text document belongs to, if it is one of their cells. */
export function cellOf(document: vscode.TextDocument): { notebook: vscode.NotebookDocument; cell: vscode.NotebookCell } | undefined {
  if (document.uri.scheme !== 'vscode-notebook-cell') return undefined;
  for (const notebook of vscode.workspace.notebookDocuments) {
    if (!isBmnbNotebook(notebook)) continue;
    for (const cell of notebook.getCells()) if (cell.document === document) return { notebook, cell };
  }
  return undefined;
}
