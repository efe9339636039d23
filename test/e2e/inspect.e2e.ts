/**
 * Looking inside the kernel from the editor, in a real VS Code (code-server + headless Chromium,
 * the packaged .vsix installed): hover over a variable, shapes at the end of lines, the Notebook
 * Variables view, and tensor memory per cell with the leak warning.
 *
 *   npm run package && node --import tsx --test --test-concurrency=1 test/e2e/inspect.e2e.ts
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseNotebook } from '../../src/format';
import { startVSCode, REPO_ROOT, type VSCodeSession } from './harness';
import { FIXTURES } from './scenarios';
import { clearHover, hoverText, hoverWord, ROW } from './cells';

const VSIX = process.env.BMNB_E2E_VSIX ?? join(REPO_ROOT, `bmnb-${(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version}.vsix`);
const KERNEL_LABEL = 'TensorFlow.js (bmnb)';
/**
 * inspect.bmnb: cell 0 declares xTrain = tf.zeros([8 * 8, 28, 28, 1]) (the shape [64, 28, 28, 1]
 * is not in the source text), a small model and a nested array; cell 1 leaks one [8, 8] float32
 * tensor (256 bytes) per run; cell 2 uses tf.tidy and leaves nothing.
 */
const NOTEBOOK = 'inspect.bmnb';

/** The text a cell's editor shows, inlay hints included, lines joined by newlines. */
async function editorText(vscode: VSCodeSession, index: number): Promise<string> {
  return vscode.page.evaluate<string>(`[...document.querySelectorAll(${JSON.stringify(`${ROW(index)} .cell-editor-container .view-lines .view-line`)})]
    .map((l) => ({ top: parseFloat(l.style.top) || 0, text: l.textContent.replace(/\\u00a0/g, ' ') }))
    .sort((a, b) => a.top - b.top).map((l) => l.text).join('\\n')`);
}

/** Focuses cell `index`'s editor and runs it; waits until it has run once more and succeeded. */
async function runCell(vscode: VSCodeSession, index: number): Promise<void> {
  const before = (await vscode.cellStatus()).find((c) => c.index === index)?.executionOrder ?? 0;
  await vscode.page.click(`${ROW(index)} .cell-editor-container .monaco-editor .view-lines`);
  await vscode.waitFor(`the editor of cell ${index} to have focus`, () =>
    vscode.page.evaluate<boolean>(`!!document.activeElement?.closest(${JSON.stringify(`${ROW(index)} .cell-editor-container`)})`),
  );
  await vscode.runCommand('Notebook: Execute Cell');
  await vscode.waitForCells(`cell ${index} to run again and succeed`, (cells) => {
    const c = cells.find((x) => x.index === index);
    return !!c && c.state === 'success' && (c.executionOrder ?? 0) > before;
  });
}

/** The Notebook Variables view in the Explorer: expanded (opened if needed), with its rows and welcome text. */
async function variablesView(vscode: VSCodeSession): Promise<{ rows: string[]; welcome: string } | undefined> {
  return vscode.page.evaluate<{ rows: string[]; welcome: string } | undefined>(`(() => {
    const pane = [...document.querySelectorAll('.pane')].find((p) => (p.querySelector('.pane-header')?.textContent || '').includes('Notebook Variables'));
    if (!pane) return undefined;
    const header = pane.querySelector('.pane-header');
    if (!header.classList.contains('expanded')) { header.click(); return undefined; }
    return {
      rows: [...pane.querySelectorAll('.pane-body .monaco-list-row')].map((r) => r.getAttribute('aria-label') || r.innerText),
      welcome: [...pane.querySelectorAll('.pane-body .welcome-view-content')].filter((w) => w.checkVisibility()).map((w) => w.innerText).join('\\n'),
    };
  })()`);
}

/** The Notebook Variables view's focused row (aria-label), and where its first row is on screen. */
async function variablesFocus(vscode: VSCodeSession): Promise<{ focused: string; first?: { x: number; y: number } }> {
  return vscode.page.evaluate(`(() => {
    const pane = [...document.querySelectorAll('.pane')].find((p) => (p.querySelector('.pane-header')?.textContent || '').includes('Notebook Variables'));
    const rows = pane ? [...pane.querySelectorAll('.pane-body .monaco-list-row')] : [];
    const focused = rows.find((r) => r.classList.contains('focused'));
    const b = rows[0]?.getBoundingClientRect();
    return { focused: focused?.getAttribute('aria-label') || '', first: b ? { x: b.left + 40, y: b.top + b.height / 2 } : undefined };
  })()`);
}

/** Flips "Bmnb › Shapes: Inline Hints" in the Settings editor as a person does, then closes it (back to the notebook). */
async function toggleHintsSetting(vscode: VSCodeSession): Promise<void> {
  await vscode.runCommand('Preferences: Open Settings (UI)');
  await vscode.waitFor('the Settings editor search box', () => vscode.page.evaluate<boolean>(`!!document.activeElement?.closest('.settings-editor .search-container')`));
  await vscode.page.keyboard.type('bmnb.shapes.inlineHints');
  const checkbox = '.settings-editor [data-key="bmnb.shapes.inlineHints"] .setting-value-checkbox';
  await vscode.waitFor('the Inline Hints setting', () => vscode.page.evaluate<boolean>(`!!document.querySelector(${JSON.stringify(checkbox)})?.checkVisibility()`));
  const before = await vscode.page.evaluate<string>(`document.querySelector(${JSON.stringify(checkbox)}).getAttribute('aria-checked')`);
  await vscode.page.click(checkbox);
  // The Settings editor writes a moment after the click (closing it sooner drops the change): wait for the file.
  const settingsFile = join(vscode.dirs.userData, 'User', 'settings.json');
  const want = before === 'true' ? 'false' : 'true';
  // Back to the default (true) removes the entry.
  await vscode.waitFor(`bmnb.shapes.inlineHints ${want} in the user settings`, async () => {
    const m = /"bmnb\.shapes\.inlineHints":\s*(true|false)/.exec(readFileSync(settingsFile, 'utf8'));
    return (m?.[1] ?? 'true') === want;
  });
  // This VS Code shows Settings as a modal editor that Escape closes; elsewhere it is a tab.
  await vscode.page.keyboard.press('Escape');
  const open = () => vscode.page.evaluate<boolean>(`!!document.querySelector('.settings-editor')?.checkVisibility()`);
  const closed = await vscode.waitFor('the Settings editor to close', async () => !(await open()), { timeoutMs: 2_000, quiet: true }).catch(() => false);
  if (!closed) await vscode.runCommand('View: Close Editor');
  await vscode.waitFor('the notebook to be the active editor again', async () => (await vscode.activeEditor())?.kind === 'notebook');
}

describe('hover, shapes, variables view and memory per cell in code-server', () => {
  let vscode: VSCodeSession;
  let ws: string;

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'bmnb-e2e-inspect-'));
    cpSync(FIXTURES, ws, { recursive: true });
    vscode = await startVSCode({ workspace: ws, vsix: VSIX, name: 'bmnb-inspect' });
    await vscode.openFile(NOTEBOOK);
    await vscode.waitForKernel(KERNEL_LABEL, { select: true });
  });
  after(async () => {
    await vscode?.close();
  });

  test('before any run the Notebook Variables view says how to start the kernel', async () => {
    const view = await vscode.waitFor('the Notebook Variables view with its welcome text', async () => {
      const v = await variablesView(vscode);
      return v?.welcome.includes('Run a cell to start the kernel') ? v : undefined;
    });
    assert.deepEqual(view.rows, []);
    // Without a kernel a hover has the static type only (the language server needs no kernel), no
    // dtype or shape; no kernel is started.
    await hoverWord(vscode, 0, 'xTrain', 1);
    const text = await vscode.waitFor('the static type in the hover', async () => {
      const t = await hoverText(vscode);
      return t.includes('const xTrain: tf.Tensor<tf.Rank>') ? t : undefined;
    });
    assert.doesNotMatch(text, /float32|\[64, 28, 28, 1\]/, text);
    await clearHover(vscode);
    assert.equal((await variablesView(vscode))?.welcome.includes('Run a cell to start the kernel'), true, 'hovering started no kernel');
  });

  test('after a cell runs, each tensor it declared shows its shape at the end of its line', async () => {
    await runCell(vscode, 0);
    const text = await vscode.waitFor('the shape hint on the xTrain line', async () => {
      const t = await editorText(vscode, 0);
      return t.includes('▸ [64, 28, 28, 1]') ? t : undefined;
    });
    const lines = text.split('\n');
    assert.match(lines[1]!, /^const xTrain = tf\.zeros\(\[8 \* 8, 28, 28, 1\]\);\s*▸ \[64, 28, 28, 1\]$/, 'at the end of its own line');
    assert.equal(lines.filter((l) => l.includes('▸')).length, 1, `only tensor bindings get a hint: ${text}`);
    await vscode.screenshot('inspect-shape-hint');
  });

  test('hovering a tensor shows its dtype, shape, size, backend and stats; a model its shapes and params; an array its shape', async () => {
    await hoverWord(vscode, 0, 'xTrain', 1);
    const tensor = await vscode.waitFor('a hover with the tensor', async () => {
      const t = await hoverText(vscode);
      return t.includes('xTrain: Tensor float32 [64, 28, 28, 1]') ? t : undefined;
    });
    await vscode.screenshot('inspect-hover-tensor');
    assert.match(tensor, /xTrain: Tensor float32 \[64, 28, 28, 1\] · 196\.0 KB · wasm/);
    assert.match(tensor, /min 0 · max 0 · mean 0/);
    assert.match(tensor, /NaN 0 · Inf 0/);

    await hoverWord(vscode, 0, 'model', 2);
    const model = await vscode.waitFor('a hover with the model', async () => {
      const t = await hoverText(vscode);
      return t.includes('model: Sequential') ? t : undefined;
    });
    assert.match(model, /input \[null, 28, 28, 1\] → output \[null, 10\]/);
    assert.match(model, /2 layers · 7,850 params \(7,850 trainable\)/);

    await hoverWord(vscode, 0, 'sizes', 3);
    const array = await vscode.waitFor('a hover with the array', async () => {
      const t = await hoverText(vscode);
      return t.includes('sizes: ') ? t : undefined;
    });
    assert.match(array, /length 3/);
    assert.match(array, /shape \[3, 2\]/);
    await clearHover(vscode);
  });

  test('the Notebook Variables view lists the kernel\'s variables with tensor shapes and model params', async () => {
    const view = await vscode.waitFor('xTrain in the Notebook Variables view', async () => {
      const v = await variablesView(vscode);
      return v?.rows.some((r) => r.startsWith('xTrain')) ? v : undefined;
    });
    await vscode.screenshot('inspect-variables');
    const row = (name: string) => view.rows.find((r) => r.startsWith(`${name}:`)) ?? '';
    assert.equal(row('xTrain'), 'xTrain: Tensor float32 [64, 28, 28, 1] · 196.0 KB');
    assert.match(row('model'), /^model: Sequential · 7,850 params/);
    assert.match(row('sizes'), /length 3 · \[3, 2\]/);
    assert.match(row('note'), /string/);
  });

  test('each run records its tensor memory on the cell; a cell that grows three runs in a row is warned about, naming tf.tidy and dispose', async () => {
    await runCell(vscode, 2);
    const tidy = await vscode.waitForCells('the tidy cell to say it left nothing', (c) => !!c.find((x) => x.index === 2)?.statusText.includes('no new tensors'));
    assert.ok(!tidy.find((x) => x.index === 2)!.statusText.includes('tf.tidy'), 'no warning for a cell that leaves nothing');

    for (let run = 1; run <= 3; run++) {
      await runCell(vscode, 1);
      const cells = await vscode.waitForCells(`run ${run} of the leaking cell to show its memory`, (c) => !!c.find((x) => x.index === 1)?.statusText.includes('+1 tensor · +256 B'));
      const status = cells.find((x) => x.index === 1)!.statusText;
      if (run < 3) assert.ok(!status.includes('tf.tidy'), `no warning after ${run} run(s): ${status}`);
    }
    const cells = await vscode.waitForCells('the leak warning on the cell', (c) => !!c.find((x) => x.index === 1)?.statusText.includes('tf.tidy / dispose'));
    assert.match(cells.find((x) => x.index === 1)!.statusText, /\+1 tensor · \+256 B/);
    const note = await vscode.waitFor('the leak notification', async () => (await vscode.notifications()).find((n) => n.includes('tf.tidy')));
    assert.match(note, /Cell 2 leaks tensors: each of its last 3 runs left more in memory \(\+1 tensor, \+256 B this time\)/);
    assert.match(note, /dispose\(\)/);
    await vscode.screenshot('inspect-memory-warning');
    await vscode.dismissNotifications();

    // The record is saved with the cell's execution.
    await vscode.save();
    const saved = parseNotebook(readFileSync(join(ws, NOTEBOOK), 'utf8'));
    assert.deepEqual(saved.cells[1]!.execution?.memory, { tensors: 1, bytes: 256 });
    assert.deepEqual(saved.cells[2]!.execution?.memory, { tensors: 0, bytes: 0 });
    assert.equal(saved.cells[1]!.execution?.success, true);
  });

  test('editing a cell takes its shape hints away until it runs again', async () => {
    assert.match(await editorText(vscode, 1), /▸ \[8, 8\]/);
    const edited = "import * as tf from '@tensorflow/tfjs';\nconst noise = tf.randomNormal([4, 8]);";
    await vscode.setCellSource(1, edited); // waits until the editor shows exactly this: no hint left
    await vscode.runCommand('Notebook: Execute Cell');
    await vscode.waitFor('the new shape hint', async () => ((await editorText(vscode, 1)).includes('▸ [4, 8]') ? true : undefined));
  });

  test('turning bmnb.shapes.inlineHints off in the Settings editor takes the hints away, on brings them back', async () => {
    assert.match(await editorText(vscode, 1), /▸ \[4, 8\]/);
    await toggleHintsSetting(vscode);
    await vscode.waitFor('the hint to go with the setting off', async () => (!(await editorText(vscode, 1)).includes('▸') ? true : undefined));
    await toggleHintsSetting(vscode);
    await vscode.waitFor('the hint to come back with the setting on', async () => ((await editorText(vscode, 1)).includes('▸ [4, 8]') ? true : undefined));
  });

  test('a large session is listed 500 variables at a time, with a "Load more (N more)" item at the end', async () => {
    await runCell(vscode, 3);
    // The list is virtualized (only the rows on screen exist): walk it with the keyboard.
    const { first } = await variablesFocus(vscode);
    assert.ok(first, 'the view has rows');
    await vscode.page.mouse.click(first.x, first.y);
    const more = await vscode.waitFor('the last row to be "Load more"', async () => {
      await vscode.page.keyboard.press('End');
      const f = (await variablesFocus(vscode)).focused;
      return /^Load more \(\d+ more\)/.test(f) ? f : undefined;
    }, { intervalMs: 300 });
    const remaining = Number(/\((\d+) more\)/.exec(more)![1]);
    assert.ok(remaining > 100 && remaining < 200, `600 variables and a few more, 500 listed: ${more}`);
    await vscode.screenshot('inspect-variables-load-more');
    await vscode.page.keyboard.press('Enter');
    await vscode.waitFor('every variable listed, xTrain (sorted last) at the end', async () => {
      await vscode.page.keyboard.press('End');
      return (await variablesFocus(vscode)).focused.startsWith('xTrain:') ? true : undefined;
    }, { intervalMs: 300 });
  });
});
