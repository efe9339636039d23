/**
 * TypeScript that knows the whole notebook, in a real VS Code (code-server + headless Chromium,
 * the packaged .vsix installed): completions after `model.` in a later cell, signature help, a type
 * error underlined in its cell and listed in Problems, F12 to the declaring cell, F2 across cells,
 * Run refusing a cell with type errors (bmnb.typecheck.onRun "block"), and, once a kernel runs,
 * `model.fit(x, y)` flagged when the kernel's shapes do not fit the model.
 *
 *   npm run package && node --import tsx --test test/e2e/language.e2e.ts
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startVSCode, REPO_ROOT, type VSCodeSession } from './harness';
import { FIXTURES } from './scenarios';
import { hoverText, hoverWord, ROW } from './cells';

const VSIX = process.env.BMNB_E2E_VSIX ?? join(REPO_ROOT, `bmnb-${(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version}.vsix`);

/** language.bmnb: cell 0 declares `model`, cell 1 `rate` and `again`, cell 2 assigns `rate` to a string (an error), cell 3 is for typing. */
const NOTEBOOK = 'language.bmnb';

/** Puts the cursor at the end of cell `index` (clicking into its editor). */
async function focusEnd(vscode: VSCodeSession, index: number): Promise<void> {
  await vscode.page.click(`${ROW(index)} .cell-editor-container .monaco-editor .view-lines`);
  await vscode.waitFor(`the editor of cell ${index} to have focus`, () =>
    vscode.page.evaluate<boolean>(`!!document.activeElement?.closest(${JSON.stringify(`${ROW(index)} .cell-editor-container`)})`),
  );
  await vscode.page.keyboard.press('Control+End');
}

const visibleText = (vscode: VSCodeSession, selector: string) =>
  vscode.page.evaluate<string>(`[...document.querySelectorAll(${JSON.stringify(selector)})].filter((e) => e.checkVisibility()).map((e) => e.innerText).join('\\n')`);

describe('TypeScript across the cells of a notebook, in code-server', () => {
  let vscode: VSCodeSession;
  let ws: string;

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'bmnb-e2e-language-'));
    cpSync(FIXTURES, ws, { recursive: true });
    // Suggestions and parameter hints as VS Code has them by default (the shared settings turn them
    // off for the other suites); cells with type errors do not run.
    vscode = await startVSCode({ workspace: ws, vsix: VSIX, name: 'bmnb-language', userSettings: { 'editor.suggestOnTriggerCharacters': true, 'editor.parameterHints.enabled': true, 'bmnb.typecheck.onRun': 'block' } });
    await vscode.openFile(NOTEBOOK);
  });
  after(async () => {
    await vscode?.close();
  });

  test('a type error is underlined in its cell and listed in Problems at its cell position; names of earlier cells are known', async () => {
    const problems = await vscode.waitFor('the type error in Problems', async () => {
      await vscode.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      const text = await visibleText(vscode, '.markers-panel');
      return text.includes("Type 'number' is not assignable to type 'string'") ? text : undefined;
    });
    assert.match(problems, /Type 'number' is not assignable to type 'string'\.\s*bmnb\s*2322\s*\[Ln 1, Col 7\]/);
    assert.doesNotMatch(problems, /Cannot find name 'rate'|Cannot find name 'model'/, 'no false "Cannot find name" for names of earlier cells');
    const squiggles = await vscode.page.evaluate<number>(`document.querySelectorAll(${JSON.stringify(`${ROW(2)} .squiggly-error`)}).length`);
    assert.ok(squiggles > 0, 'the error is underlined in cell 3');
    await vscode.page.keyboard.press('Control+J'); // the panel away again
  });

  test('typing `model.` in a later cell lists fit and compile; `tf.layers.dense(` shows its signature', async () => {
    await vscode.setCellSource(3, 'model');
    await focusEnd(vscode, 3);
    await vscode.page.keyboard.type('.');
    // The list is long (a model has many members): narrow it as a person would.
    const suggestions = () => visibleText(vscode, '.suggest-widget .monaco-list-row');
    await vscode.waitFor('completions for model.', async () => ((await suggestions()).includes('addLoss') ? true : undefined));
    await vscode.page.keyboard.type('fi');
    await vscode.waitFor('fit among the completions', async () => ((await suggestions()).includes('fit') ? true : undefined));
    await vscode.page.keyboard.press('Backspace');
    await vscode.page.keyboard.press('Backspace');
    await vscode.page.keyboard.type('comp');
    const rows = await vscode.waitFor('compile among the completions', async () => {
      const text = await suggestions();
      return text.includes('compile') ? text : undefined;
    });
    assert.match(rows, /compile/);
    await vscode.page.keyboard.press('Escape');
    await vscode.setCellSource(3, 'tf.layers.dense');
    await focusEnd(vscode, 3);
    await vscode.page.keyboard.type('(');
    const hint = await vscode.waitFor('signature help', async () => {
      const text = await visibleText(vscode, '.parameter-hints-widget');
      return text.includes('dense(') ? text : undefined;
    });
    assert.match(hint, /DenseLayerArgs/);
    await vscode.page.keyboard.press('Escape');
  });

  test('F12 on a name jumps to the cell that declared it; F2 renames it across cells', async () => {
    await vscode.setCellSource(3, 'rate');
    await focusEnd(vscode, 3);
    await vscode.page.keyboard.press('ArrowLeft');
    await vscode.page.keyboard.press('F12');
    await vscode.waitForCells('the cursor in cell 2 (where rate is declared)', (cells) => cells.find((c) => c.index === 1)?.focused === true);
    await focusEnd(vscode, 3);
    await vscode.page.keyboard.press('ArrowLeft');
    await vscode.page.keyboard.press('F2');
    await vscode.waitFor('the rename box, focused', () => vscode.page.evaluate<boolean>(`!!document.activeElement?.closest('.rename-box')`));
    await vscode.page.keyboard.press('Control+A');
    await vscode.page.keyboard.type('learningRate');
    await vscode.page.keyboard.press('Enter');
    const cells = await vscode.waitForCells('rate renamed in every cell', (c) =>
      c.find((x) => x.index === 1)?.source === 'const learningRate = 0.1;\nconst again = learningRate * 2;' &&
      c.find((x) => x.index === 2)?.source === 'const label: string = learningRate;' &&
      c.find((x) => x.index === 3)?.source === 'learningRate',
    );
    assert.ok(cells.length >= 4);
  });

  test('with bmnb.typecheck.onRun "block", Run on a cell with a type error fails it with the error and runs nothing', async () => {
    await focusEnd(vscode, 2);
    await vscode.runCommand('Notebook: Execute Cell');
    await vscode.waitForCells('the cell with a type error to fail', (c) => c.find((x) => x.index === 2)?.state === 'error');
    const text = await vscode.waitForOutputText('so it did not run (the setting bmnb.typecheck.onRun is "block")');
    assert.match(text, /line 1, column 7: error TS2322: Type 'number' is not assignable to type 'string'/);
    const status = await vscode.page.evaluate<string>(`document.querySelector('.statusbar')?.innerText ?? ''`);
    assert.match(status, /bmnb: no kernel/, 'no kernel was started for it');
  });

  test('before a cell trains, model.fit(x, y) with shapes the kernel says do not fit is flagged', async () => {
    await focusEnd(vscode, 0);
    await vscode.runCommand('Notebook: Execute Cell');
    await vscode.waitForCells('cell 1 to run', (c) => c.find((x) => x.index === 0)?.state === 'success');
    const made = 'const net = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });\nconst xs = tf.zeros([4, 5]);\nconst ys = tf.zeros([4, 2]);';
    await vscode.setCellSource(3, made);
    await vscode.runCommand('Notebook: Execute Cell');
    await vscode.waitForCells('cell 4 to run', (c) => c.find((x) => x.index === 3)?.state === 'success');
    await vscode.setCellSource(3, `${made}\nawait net.fit(xs, ys);`);
    const problems = await vscode.waitFor('the shape warning in Problems', async () => {
      await vscode.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      const text = await visibleText(vscode, '.markers-panel');
      return text.includes('net.fit: xs is [4, 5] but net takes [null, 3]') ? text : undefined;
    });
    assert.match(problems, /net\.fit: xs is \[4, 5\] but net takes \[null, 3\] \(the shapes the kernel holds now\)\s*bmnb\s*\[Ln 4, Col 7\]/);
    await vscode.page.keyboard.press('Control+J');
  });

  test('after a cell runs, a binding typed as any tensor is read as the rank the kernel saw: hover says tf.Tensor2D beside its shape, and no false error', async () => {
    const predicted = 'const net = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });\nconst scores = net.predict(tf.zeros([1, 3]));';
    await vscode.setCellSource(3, predicted);
    const before = (await vscode.cellStatus()).find((c) => c.index === 3)?.executionOrder ?? 0;
    await vscode.runCommand('Notebook: Execute Cell');
    await vscode.waitForCells('cell 4 to run again', (c) => c.some((x) => x.index === 3 && x.state === 'success' && (x.executionOrder ?? 0) > before));
    // predict's static type is Tensor | Tensor[]: without the kernel's rank, argMax would be an error
    // and the assignment to a Tensor3D would not be one.
    await vscode.setCellSource(3, `${predicted}\nscores.argMax(-1);\nconst cube: tf.Tensor3D = scores;`);
    await hoverWord(vscode, 3, 'scores', 2);
    const text = await vscode.waitFor('the hover with the rank the kernel saw', async () => {
      const t = await hoverText(vscode);
      return t.includes('const scores: tf.Tensor2D') && t.includes('[1, 2]') ? t : undefined;
    });
    assert.doesNotMatch(text, /scores: any/, "VS Code's own TypeScript says nothing of its own");
    const problems = await vscode.waitFor('the rank error in Problems', async () => {
      await vscode.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      const t = await visibleText(vscode, '.markers-panel');
      return t.includes("Type 'Tensor2D' is not assignable to type 'Tensor3D'") ? t : undefined;
    });
    assert.match(problems, /Type 'Tensor2D' is not assignable to type 'Tensor3D'[\s\S]*\[Ln 4, Col 7\]/);
    assert.doesNotMatch(problems, /argMax/, problems);
    await vscode.page.keyboard.press('Control+J');
  });
});
