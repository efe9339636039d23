/**
 * The editor scenarios of test/e2e/scenarios.ts through VS Code's API, inside the extension host
 * (run by test/electron/runTest.ts). Bundled to dist/test/electronSuite.js.
 */
import * as vscode from 'vscode';
import Mocha from 'mocha';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_NOTEBOOK, INTERRUPT, INTERRUPT_NOTEBOOK, RUN_ALL } from '../e2e/scenarios';

const workspace = () => process.env.BMNB_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders![0]!.uri.fsPath;

async function open(name: string): Promise<vscode.NotebookEditor> {
  const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.file(join(workspace(), name)));
  return vscode.window.showNotebookDocument(doc);
}

function outputText(cell: vscode.NotebookCell): string {
  const decoder = new TextDecoder();
  return cell.outputs.flatMap((o) => o.items.map((i) => decoder.decode(i.data))).join('\n');
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runCell(editor: vscode.NotebookEditor, index: number): Promise<void> {
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: index, end: index + 1 }], document: editor.notebook.uri });
}

function suite(mocha: Mocha): void {
  const s = Mocha.Suite.create(mocha.suite, 'bmnb in VS Code');
  s.timeout(120_000);
  s.addTest(
    new Mocha.Test('save without edits gives the same bytes', async () => {
      const before = readFileSync(join(workspace(), E2E_NOTEBOOK), 'utf8');
      const editor = await open(E2E_NOTEBOOK);
      await editor.notebook.save();
      assert.equal(readFileSync(join(workspace(), E2E_NOTEBOOK), 'utf8'), before);
    }),
  );
  s.addTest(
    new Mocha.Test('Run All shows text, streamed lines and an error with its cell line, and stops there', async () => {
      const editor = await open(E2E_NOTEBOOK);
      await vscode.commands.executeCommand('notebook.execute');
      const cells = editor.notebook.getCells();
      await until('the failing cell', () => cells[3]!.executionSummary?.success === false);
      assert.match(outputText(cells[0]!), new RegExp(RUN_ALL.text));
      const streamed = outputText(cells[2]!);
      assert.deepEqual(streamed.trim().split('\n'), RUN_ALL.streamed);
      assert.match(outputText(cells[3]!), new RegExp(RUN_ALL.errorMessage));
      assert.ok(outputText(cells[3]!).includes(RUN_ALL.errorFrame));
      assert.equal(cells[4]!.executionSummary?.executionOrder, undefined);
      await editor.notebook.save();
      const saved = readFileSync(join(workspace(), E2E_NOTEBOOK), 'utf8');
      assert.ok(saved.includes('"x-root-extra"') && saved.includes('"x-cell-extra"'), 'unknown fields survive');
      assert.ok(saved.includes(RUN_ALL.text));
    }),
  );
  s.addTest(
    new Mocha.Test('interrupt stops while(true) and keeps variables; restart clears them', async () => {
      const editor = await open(INTERRUPT_NOTEBOOK);
      const cells = editor.notebook.getCells();
      await runCell(editor, 0);
      await until('cell 1', () => cells[0]!.executionSummary?.success === true);
      void runCell(editor, 1);
      await new Promise((r) => setTimeout(r, 1000));
      await vscode.commands.executeCommand('notebook.cancelExecution');
      await until('the interrupted cell', () => cells[1]!.executionSummary?.success === false);
      await runCell(editor, 2);
      await until('cell 3', () => cells[2]!.executionSummary?.success === true);
      assert.equal(outputText(cells[2]!).trim(), INTERRUPT.afterInterrupt);
      await vscode.commands.executeCommand('bmnb.restartKernel');
      await runCell(editor, 2);
      await until('cell 3 after restart', () => cells[2]!.executionSummary?.success === false);
      assert.match(outputText(cells[2]!), new RegExp(INTERRUPT.afterRestart));
    }),
  );
}

/** Called by @vscode/test-electron inside the extension host. */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000 });
  suite(mocha);
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
