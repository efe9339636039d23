/** Places in a notebook's cells on screen, for the e2e suites: a cell's row, hovering a word in its editor. */
import type { VSCodeSession } from './harness';

/** The list row of the cell at `index`. */
export const ROW = (index: number) => `.notebookOverlay .cell-list-container .monaco-list-row[data-index="${index}"]`;

/** Moves the mouse away and waits until no hover is on screen (one could cover the next word). */
export async function clearHover(vscode: VSCodeSession): Promise<void> {
  await vscode.page.mouse.move(900, 650);
  await vscode.waitFor('the hover to close', async () => (await hoverText(vscode)) === '', { timeoutMs: 10_000 });
}

/** Moves the mouse over the first `word` on line `line` of cell `index`'s editor (after any hover on screen has gone). */
export async function hoverWord(vscode: VSCodeSession, index: number, word: string, line: number): Promise<void> {
  await clearHover(vscode);
  const at = await vscode.page.evaluate<{ x: number; y: number } | null>(`(() => {
    const lines = [...document.querySelectorAll(${JSON.stringify(`${ROW(index)} .cell-editor-container .view-lines .view-line`)})]
      .sort((a, b) => (parseFloat(a.style.top) || 0) - (parseFloat(b.style.top) || 0));
    const el = lines[${line}];
    if (!el) return null;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const k = n.textContent.indexOf(${JSON.stringify(word)});
      if (k < 0) continue;
      const r = document.createRange();
      r.setStart(n, k + 1);
      r.setEnd(n, k + ${word.length} - 1);
      const b = r.getBoundingClientRect();
      return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
    }
    return null;
  })()`);
  if (!at) throw await vscode.failure(`hoverWord: "${word}" is not on line ${line} of cell ${index}`);
  await vscode.page.mouse.move(at.x, at.y, { steps: 4 });
}

/** Text of the hover widgets on screen. */
export async function hoverText(vscode: VSCodeSession): Promise<string> {
  return vscode.page.evaluate<string>(`[...document.querySelectorAll('.monaco-hover')]
    .filter((h) => h.checkVisibility() && h.getBoundingClientRect().height > 0)
    .map((h) => h.innerText).join('\\n')`);
}
