/** Code cells of bmnb notebooks as language features see them: text documents inside a notebook. */
import * as vscode from 'vscode';
import { NOTEBOOK_TYPE } from './controller';

/** The code cells of `.bmnb` notebooks (any scheme: saved, untitled). */
export const CELL_SELECTOR: vscode.DocumentFilter[] = [
  { notebookType: NOTEBOOK_TYPE, language: 'typescript' },
  { notebookType: NOTEBOOK_TYPE, language: 'javascript' },
];

/** The bmnb notebook and cell a text document belongs to, if it is one of their cells. */
export function cellOf(document: vscode.TextDocument): { notebook: vscode.NotebookDocument; cell: vscode.NotebookCell } | undefined {
  if (document.uri.scheme !== 'vscode-notebook-cell') return undefined;
  for (const notebook of vscode.workspace.notebookDocuments) {
    if (notebook.notebookType !== NOTEBOOK_TYPE) continue;
    for (const cell of notebook.getCells()) if (cell.document === document) return { notebook, cell };
  }
  return undefined;
}
