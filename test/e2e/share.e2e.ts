/**
 * Sharing from the editor: Export as Jupyter Notebook, Export as HTML and Import Jupyter Notebook,
 * through the Command Palette and VS Code's own file dialogs in code-server.
 *
 *   npm run package && node --import tsx --test test/e2e/share.e2e.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseNotebook, serializeNotebook } from '../../src/format';
import { startVSCode, REPO_ROOT, type VSCodeSession } from './harness';

const VSIX = process.env.BMNB_E2E_VSIX ?? join(REPO_ROOT, `bmnb-${(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version}.vsix`);
const PAYLOADS = join(REPO_ROOT, 'test', 'fixtures', 'payloads');
const recorded = (name: string) => JSON.parse(readFileSync(join(PAYLOADS, `${name}.json`), 'utf8')) as { items: { mime: string; data: unknown }[] };

/** A trained notebook as the editor saves it: a diagram and a formula, a model summary, training curves, printed text. */
const TRAINED = {
  bmnb: 1,
  metadata: { title: 'Trained', backend: 'auto' },
  cells: [
    { id: 'intro', kind: 'markdown', language: 'markdown', source: ['# A trained model\n', '\n', '```mermaid\n', 'graph TD\n', '  A[images] --> B[conv]\n', '```\n', '\n', 'Loss: $L = -\\sum y \\log p$'] },
    { id: 'model', kind: 'code', language: 'typescript', source: ['model.summary()'], outputs: [recorded('model-cifar-cnn')], execution: { order: 1, success: true, durationMs: 12 } },
    { id: 'fit', kind: 'code', language: 'typescript', source: ['await model.fit(xs, ys, { epochs: 5 })'], outputs: [recorded('training-done')], execution: { order: 2, success: true, durationMs: 3400 } },
    { id: 'print', kind: 'code', language: 'typescript', source: ["console.log('accuracy 0.91')"], outputs: [{ items: [{ mime: 'application/vnd.code.notebook.stdout', data: 'accuracy 0.91\n' }] }], execution: { order: 3, success: true, durationMs: 1 } },
  ],
};

describe('sharing a notebook from the editor', () => {
  let vscode: VSCodeSession;
  let ws: string;
  // As the serializer writes it, so that the editor's unedited notebook is these very bytes.
  const bmnbText = serializeNotebook(parseNotebook(JSON.stringify(TRAINED)));

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'bmnb-e2e-share-'));
    writeFileSync(join(ws, 'trained.bmnb'), bmnbText);
    const tslab = readdirSync(join(REPO_ROOT, 'test', 'fixtures', 'ipynb')).find((f) => /tslab/i.test(f) && f.endsWith('.ipynb'));
    assert.ok(tslab, 'test/fixtures/ipynb has a tslab notebook');
    copyFileSync(join(REPO_ROOT, 'test', 'fixtures', 'ipynb', tslab), join(ws, 'from-tslab.ipynb'));
    vscode = await startVSCode({ workspace: ws, vsix: VSIX, name: 'bmnb-share' });
  });
  after(async () => {
    await vscode?.close();
  });

  test('Export as Jupyter Notebook writes an .ipynb with image fallbacks that converts back to the same .bmnb', async () => {
    await vscode.openFile('trained.bmnb');
    await vscode.waitForOutputText(/Total params/);
    await vscode.runCommand('Big Model Notebooks: Export as Jupyter Notebook (.ipynb)…');
    const out = await vscode.acceptFileDialog(join(ws, 'trained.ipynb'));
    await vscode.waitFor('trained.ipynb to be written', async () => existsSync(out) && statSync(out).size > 0, { timeoutMs: 60_000 });
    const ipynb = JSON.parse(readFileSync(out, 'utf8')) as { metadata: { kernelspec: { name: string } }; cells: { outputs?: { data?: Record<string, unknown> }[] }[] };
    assert.equal(ipynb.metadata.kernelspec.name, 'bmnb');
    const fit = ipynb.cells[2]!.outputs![0]!.data!;
    assert.ok(fit['application/vnd.bmnb.training+json'], 'the payload is kept');
    assert.match(String(fit['image/png']), /^iVBOR/, 'the curves gained a PNG GitHub can show');
    const back = join(ws, 'back.bmnb');
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'convert', out, back], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(back, 'utf8'), bmnbText, 'the editor exported exactly what the file holds');
    await vscode.screenshot('share-exported-ipynb');
  });

  test('Export as HTML writes one self-contained report', async () => {
    await vscode.runCommand('Big Model Notebooks: Export as HTML…');
    const out = await vscode.acceptFileDialog(join(ws, 'trained.html'));
    await vscode.waitFor('trained.html to be written', async () => existsSync(out) && statSync(out).size > 0, { timeoutMs: 60_000 });
    const html = readFileSync(out, 'utf8');
    assert.match(html, /accuracy 0\.91/);
    assert.doesNotMatch(html, /<script[^>]+src=["']?https?:/i, 'nothing loads from the network');
  });

  test('Import Jupyter Notebook turns a tslab notebook into a .bmnb and opens it', async () => {
    await vscode.runCommand('Big Model Notebooks: Import Jupyter Notebook (.ipynb)…');
    await vscode.acceptFileDialog(join(ws, 'from-tslab.ipynb'));
    // The save dialog suggests the .bmnb beside the .ipynb.
    const saved = await vscode.acceptFileDialog(undefined, { expect: /from-tslab\.bmnb$/ });
    assert.equal(saved, join(ws, 'from-tslab.bmnb'));
    await vscode.waitFor('from-tslab.bmnb to open as a notebook', async () => {
      const a = await vscode.activeEditor();
      return a?.kind === 'notebook' && a.path === saved;
    }, { timeoutMs: 60_000 });
    const nb = JSON.parse(readFileSync(saved, 'utf8')) as { cells: { kind: string; language: string }[] };
    assert.ok(nb.cells.some((c) => c.kind === 'code' && c.language === 'typescript'), 'tslab code cells are TypeScript cells');
  });
});
