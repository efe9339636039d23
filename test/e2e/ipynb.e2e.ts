/**
 * bmnb's renderers draw bmnb outputs in an .ipynb too (a notebook the Jupyter kernel or nbconvert
 * wrote, opened with VS Code's own ipynb support), in preference to the HTML and PNG fallbacks
 * saved beside them for other frontends.
 *
 *   npm run package && node --import tsx --test test/e2e/ipynb.e2e.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startVSCode, REPO_ROOT, type VSCodeSession } from './harness';

const VSIX = process.env.BMNB_E2E_VSIX ?? join(REPO_ROOT, `bmnb-${(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version}.vsix`);
const PAYLOADS = join(REPO_ROOT, 'test', 'fixtures', 'payloads');

/** An output as the Jupyter kernel sends it: bmnb's payload, then the fallbacks, then text/plain. */
function output(fixture: string, label: string): object {
  const { items } = JSON.parse(readFileSync(join(PAYLOADS, fixture), 'utf8')) as { items: { mime: string; data: unknown }[] };
  const data: Record<string, unknown> = {};
  for (const i of items) if (i.mime !== 'text/plain') data[i.mime] = i.data;
  data['text/html'] = `<p>HTML FALLBACK of ${label}</p>`;
  data['text/plain'] = `PLAIN FALLBACK of ${label}`;
  return { output_type: 'execute_result', execution_count: 1, metadata: {}, data };
}

describe('bmnb outputs in an .ipynb', () => {
  let vscode: VSCodeSession;
  let ws: string;

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'bmnb-e2e-ipynb-'));
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'bmnb', display_name: 'TypeScript (bmnb)', language: 'typescript' }, language_info: { name: 'typescript' } },
      cells: [
        { cell_type: 'code', id: 'model', metadata: {}, execution_count: 1, source: 'model', outputs: [output('model-cifar-cnn.json', 'the model')] },
        { cell_type: 'code', id: 'chart', metadata: {}, execution_count: 2, source: 'display.line(...)', outputs: [output('chart-line.json', 'the chart')] },
      ],
    };
    writeFileSync(join(ws, 'from-jupyter.ipynb'), JSON.stringify(nb, null, 1));
    vscode = await startVSCode({ workspace: ws, vsix: VSIX, name: 'bmnb-ipynb' });
  });
  after(async () => {
    await vscode?.close();
  });

  test("bmnb's renderers draw the model summary and the chart, not the HTML fallback", async () => {
    await vscode.openFile('from-jupyter.ipynb');
    const text = await vscode.waitForOutputText(/conv2d_Conv2D1/);
    await vscode.screenshot('ipynb-bmnb-outputs');
    assert.match(text, /Total params/);
    assert.doesNotMatch(text, /HTML FALLBACK|PLAIN FALLBACK/, text);
  });
});
