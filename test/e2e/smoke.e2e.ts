/**
 * Proves the e2e harness against code-server itself, without the bmnb extension.
 *
 *   scripts/e2e-setup.sh && node --import tsx --test test/e2e/smoke.e2e.ts
 *
 * 1. The built-in ipynb support shows a saved output and renders markdown (no kernel involved);
 *    start-up is timed cold (first start in this process) and warm.
 * 2. A fixture extension (test/e2e/fixtures/echo-controller, packed into a .vsix here) is installed
 *    and runs cells: Run All through the Command Palette, live and error outputs, cell status, save.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startVSCode, type VSCodeSession } from './harness';
import { packVsix } from './vsix';

function ipynb(cells: object[]): string {
  return JSON.stringify(
    {
      cells,
      metadata: {
        kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
        language_info: { name: 'python' },
      },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
}

const SAVED = ipynb([
  { cell_type: 'markdown', id: 'md1', metadata: {}, source: ['# Smoke heading\n', '\n', 'Some *emphasised* markdown text.'] },
  {
    cell_type: 'code',
    execution_count: 7,
    id: 'code1',
    metadata: {},
    outputs: [{ name: 'stdout', output_type: 'stream', text: ['saved output 42\n', 'second line\n'] }],
    source: ["print('saved output 42')\n", "print('second line')"],
  },
]);

const RUNNABLE = ipynb([
  { cell_type: 'code', execution_count: null, id: 'ok', metadata: {}, outputs: [], source: ["print('alpha')"] },
  { cell_type: 'code', execution_count: null, id: 'bad', metadata: {}, outputs: [], source: ["raise ValueError('beta')"] },
]);

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

function workspace(files: Record<string, string>): string {
  const dir = tempDir('bmnb-e2e-ws-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const sessions: VSCodeSession[] = [];
after(async () => {
  for (const s of sessions) await s.close();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** Starts a session (closed in `after` even if the test fails) and logs its timings. */
async function start(label: string, opts: Parameters<typeof startVSCode>[0]): Promise<VSCodeSession> {
  const t = Date.now();
  const vs = await startVSCode(opts);
  sessions.push(vs);
  console.log(`[smoke] startVSCode ${label}: ${Date.now() - t} ms ${JSON.stringify(vs.timings)}`);
  return vs;
}

async function finish(vs: VSCodeSession): Promise<void> {
  await vs.close();
  assert.deepEqual(vs.leftoverProcesses(), [], 'close() leaves no processes behind');
}

test('built-in ipynb: saved output and markdown are visible (cold and warm start)', { timeout: 300_000 }, async () => {
  for (const label of ['cold', 'warm']) {
    const vs = await start(label, { workspace: workspace({ 'saved.ipynb': SAVED, 'notes.txt': 'plain text file\n' }), name: `smoke-${label}` });

    await vs.openFile('saved.ipynb');
    const out = await vs.waitForOutputText('saved output 42');
    assert.match(out, /saved output 42\s*\n\s*second line/);

    const md = await vs.waitFor('the markdown cell to render', async () => {
      const text = await vs.notebookMarkdownText();
      return text.includes('Smoke heading') ? text : undefined;
    });
    assert.match(md, /Smoke heading\s*\n\s*Some emphasised markdown text\./);

    const cells = await vs.cellStatus();
    assert.deepEqual(
      cells.map((c) => [c.index, c.kind, c.executionOrder]),
      [
        [0, 'markdown', null],
        [1, 'code', 7],
      ],
    );
    assert.equal(cells[1].source, "print('saved output 42')\nprint('second line')");
    if (label === 'cold') {
      console.log(`[smoke] screenshot ${await vs.screenshot('smoke-ipynb')}`);
      // A text file opens too (the other editor kind openFile waits for).
      await vs.openFile('notes.txt');
      assert.deepEqual(await vs.notebookOutputs(), [], 'no notebook visible, no outputs');
      await vs.openFile('saved.ipynb');
      await vs.waitForOutputText('second line');
    }
    await finish(vs);
  }
});

test('a .vsix extension runs cells: Run All, outputs, errors, cell status, save', { timeout: 300_000 }, async () => {
  const vsix = packVsix(join(__dirname, 'fixtures', 'echo-controller'), join(tempDir('bmnb-e2e-vsix-'), 'echo.vsix'));
  const ws = workspace({ 'run.ipynb': RUNNABLE });
  const vs = await start('with vsix', { workspace: ws, vsix, name: 'smoke-vsix' });

  await vs.openFile('run.ipynb');
  // The fixture's controller is the only (preferred) one: VS Code selects it once it registers.
  await vs.waitForKernel('E2E Echo');
  await vs.runCommand('Notebook: Run All');
  const cells = await vs.waitForCells('both cells to finish', (c) => c.length === 2 && c.every((x) => x.state === 'success' || x.state === 'error'));
  assert.deepEqual(
    cells.map((c) => [c.executionOrder, c.state]),
    [
      [1, 'success'],
      [2, 'error'],
    ],
  );
  const text = await vs.waitForOutputText('echo failure');
  assert.match(text, /echo: print\('alpha'\)/);
  assert.match(text, /EchoError: echo failure: raise ValueError\('beta'\)/);
  const outputs = await vs.notebookOutputs();
  assert.equal(outputs.length, 2);
  console.log(`[smoke] screenshot ${await vs.screenshot('smoke-vsix')}`);

  await vs.save();
  const saved = JSON.parse(readFileSync(join(ws, 'run.ipynb'), 'utf8')) as { cells: { execution_count: number | null; outputs: unknown[] }[] };
  assert.deepEqual(
    saved.cells.map((c) => [c.execution_count, c.outputs.length]),
    [
      [1, 1],
      [2, 1],
    ],
  );
  assert.match(vs.browserLog, /\[e2e-echo\] activated/);
  assert.match(vs.outputChannel('E2E Echo'), /\[e2e-echo\] activated/);

  // Edit a cell and run it.
  await vs.setCellSource(0, "print('gamma')\nprint(\"two\")");
  await vs.runCommand('Notebook: Execute Cell');
  await vs.waitForOutputText(`echo: print('gamma')\nprint("two")`);
  await vs.waitForCells('cell 0 to run again and succeed', (c) => c[0]?.executionOrder === 3 && c[0].state === 'success' && c[1]?.state === 'error');
  await finish(vs);
});
