/**
 * Hover in a code cell: what the identifier or dotted path under the mouse holds in the notebook's
 * running kernel (tensor shape, dtype, size, stats; model shapes and params; array length…).
 * The path comes from the cell's text (see hoverPath.ts) and the kernel only looks it up: no code
 * runs. No kernel yet, no answer within 300 ms, or a name the session does not have: no hover.
 */
import * as vscode from 'vscode';
import type { BmnbController } from './controller';
import { cellOf } from './bmnbNotebooks';
import { pathAt } from './hoverPath';
import { valueMarkdown } from './inspectFormat';

/** How long a hover waits for the kernel (it may be busy running a cell). */
export const HOVER_TIMEOUT_MS = 300;

export class KernelHover implements vscode.HoverProvider {
  constructor(private readonly controller: BmnbController) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const found = cellOf(document);
    if (!found) return undefined;
    const kernel = this.controller.runningKernel(found.notebook);
    if (!kernel) return undefined;
    const at = pathAt(document.lineAt(position.line).text, position.character);
    if (!at || token.isCancellationRequested) return undefined;
    let onCancel: vscode.Disposable | undefined;
    const cancelled = new Promise<undefined>((resolve) => {
      onCancel = token.onCancellationRequested(() => resolve(undefined));
    });
    let result;
    try {
      result = await Promise.race([kernel.inspect(at.path, HOVER_TIMEOUT_MS).catch(() => undefined), cancelled]);
    } finally {
      onCancel?.dispose();
    }
    if (token.isCancellationRequested || !result?.info) return undefined;
    const markdown = new vscode.MarkdownString(valueMarkdown(result.info));
    markdown.isTrusted = false;
    markdown.supportHtml = false;
    markdown.supportThemeIcons = false;
    return new vscode.Hover(markdown, new vscode.Range(position.line, at.start, position.line, at.end));
  }
}
