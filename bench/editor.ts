/**
 * Editor latency in a real VS Code (code-server + headless Chromium, the packaged .vsix):
 * Run All on a one-cell notebook until its first output shows, cold (a new kernel: after
 * Restart Kernel) and warm (the same kernel), median of 5 each. `npm run bench:editor` writes
 * bench/results/editor.md and editor.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeNotebook } from '../src/format';
import { REPO_ROOT, startVSCode } from '../test/e2e/harness';

const RUNS = Number(process.env.BENCH_EDITOR_RUNS ?? 5);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;

async function main(): Promise<void> {
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const ws = mkdtempSync(join(tmpdir(), 'bmnb-bench-editor-'));
  writeFileSync(
    join(ws, 'one.bmnb'),
    serializeNotebook({ bmnb: 1, metadata: {}, cells: [{ id: 'one', kind: 'code', language: 'typescript', source: ['`run ${Date.now()}`'] }] }),
  );
  const vscode = await startVSCode({ workspace: ws, vsix: join(REPO_ROOT, `bmnb-${version}.vsix`), name: 'bench-editor' });
  const cold: number[] = [];
  const warm: number[] = [];
  try {
    await vscode.openFile('one.bmnb');
    await vscode.waitForKernel('TensorFlow.js (bmnb)', { select: true });
    const runOnce = async (): Promise<number> => {
      const before = await vscode.notebookOutputText();
      const t0 = performance.now();
      // The notebook toolbar's Run All button, as a person clicks it.
      await vscode.page.click('.notebookOverlay .notebook-toolbar-container .action-label[aria-label^="Run All"]');
      await vscode.waitFor('a new output', async () => {
        const now = await vscode.notebookOutputText();
        return now.includes('run ') && now !== before;
      }, { intervalMs: 20 });
      return performance.now() - t0;
    };
    for (let i = 0; i < RUNS; i++) {
      await vscode.runCommand('Big Model Notebooks: Restart Kernel');
      cold.push(await runOnce());
      warm.push(await runOnce());
    }
  } finally {
    await vscode.close();
  }
  const results = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, code-server 4.139.1 in headless Chromium`,
    runs: RUNS,
    coldMedianMs: Math.round(median(cold)),
    warmMedianMs: Math.round(median(warm)),
    coldMs: cold.map(Math.round),
    warmMs: warm.map(Math.round),
  };
  const md = [
    '# Editor latency',
    '',
    `${results.date.slice(0, 10)} · ${results.machine}`,
    '',
    '| Run All on a one-cell notebook → first output | runs | median | all |',
    '| --- | ---: | ---: | --- |',
    `| cold (new kernel) | ${RUNS} | ${results.coldMedianMs} ms | ${results.coldMs.join(', ')} |`,
    `| warm (same kernel) | ${RUNS} | ${results.warmMedianMs} ms | ${results.warmMs.join(', ')} |`,
    '',
    'From the click on the toolbar\'s Run All to the output text in the page (polled every 20 ms). Reproduce: `npm run bench:editor`.',
    '',
  ].join('\n');
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'bench', 'results', 'editor.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(REPO_ROOT, 'bench', 'results', 'editor.md'), md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
