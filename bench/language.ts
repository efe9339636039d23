/**
 * The notebook language server (dist/languageServer.js) as the editor drives it, on the largest
 * sample notebook (samples/000-cifar10-cnn.bmnb):
 * - cold start: fork → initialize → cells sent → the first completion answered;
 * - completion latency after a keystroke: the last cell's text grows by one character, the cells are
 *   sent again, then completions are asked at the end (BENCH_LANGUAGE_KEYSTROKES times);
 * - whole-notebook diagnostics after an edit;
 * - after a cell ran: the ranks the kernel saw sent, the casts worked out, diagnostics again;
 * - the server's peak memory (VmHWM).
 * Targets (issue 17, 2 vCPUs): completions p50 ≤ 50 ms and p90 ≤ 100 ms, diagnostics ≤ 250 ms,
 * cold start ≤ 3 s, memory ≤ 500 MB. Run with `node --import tsx bench/language.ts`; writes
 * bench/results/language.md and language.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { linesToSource, parseNotebook } from '../src/format';
import { LanguageClient } from '../src/host/languageClient';
import type { LanguageCell } from '../src/protocol/language';
import { median, round } from './stats';

const ROOT = resolve(__dirname, '..');
const NOTEBOOK = join(ROOT, 'samples', '000-cifar10-cnn.bmnb');
const KEYSTROKES = Number(process.env.BENCH_LANGUAGE_KEYSTROKES ?? 60);
const EDITS = Number(process.env.BENCH_LANGUAGE_EDITS ?? 15);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function peakMB(pid: number | undefined): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? round(Number(m[1]) / 1024, 1) : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const nb = parseNotebook(readFileSync(NOTEBOOK, 'utf8'));
  const cells: LanguageCell[] = nb.cells
    .filter((c) => c.kind === 'code')
    .map((c) => ({ id: c.id, language: c.language === 'javascript' ? 'javascript' : 'typescript', source: linesToSource(c.source), tags: (c.metadata?.tags as string[] | undefined) ?? [] }));
  // A new last cell where the "user" types: `model.` then a member name, a key at a time.
  const typed = 'model.compile({ optimizer: tf.train.adam(0.001), loss: "categoricalCrossentropy" })';
  const t0 = performance.now();
  const client = await LanguageClient.start({ serverPath: join(ROOT, 'dist', 'languageServer.js'), notebookDir: join(ROOT, 'samples') });
  const withLast = (text: string) => [...cells, { id: 'typing', language: 'typescript' as const, source: text }];
  client.update(withLast('model.'));
  const first = await client.completions({ cellIndex: cells.length, line: 0, character: 6 });
  const coldMs = performance.now() - t0;
  if (!first.some((c) => c.name === 'fit')) throw new Error('the first completion did not list fit');

  const completionMs: number[] = [];
  for (let i = 0; i < KEYSTROKES; i++) {
    const text = typed.slice(0, 6 + (i % (typed.length - 6)) + 1);
    const start = performance.now();
    client.update(withLast(text));
    await client.completions({ cellIndex: cells.length, line: 0, character: text.length });
    completionMs.push(performance.now() - start);
  }
  const diagnosticsMs: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const start = performance.now();
    client.update(withLast(`const edit${i}: number = ${i};\nmodel.summary();`));
    await client.diagnostics();
    diagnosticsMs.push(performance.now() - start);
  }
  // A cell ran: its tensors' ranks are sent (the casts are worked out), then the whole notebook is
  // checked again, as the editor does. The ranks alternate, so each run changes the program.
  const ran = 'const batch = tf.randomNormal([8, 32, 32, 3]);\nconst preds = model.predict(batch);\npreds.argMax(-1);';
  client.update(withLast(ran));
  await client.diagnostics();
  const afterRunMs: number[] = [];
  let casts = 0;
  for (let i = 0; i < EDITS; i++) {
    const start = performance.now();
    client.kernelTensors({ cellId: 'typing', source: ran, tensors: [{ name: 'batch', rank: 4 - (i % 2) }, { name: 'preds', rank: 2 + (i % 2) }] });
    const found = await client.diagnostics();
    afterRunMs.push(performance.now() - start);
    if (!found.some((d) => /argMax/.test(d.message))) casts++;
  }
  if (casts !== EDITS) throw new Error(`the kernel's ranks typed preds in ${casts} of ${EDITS} runs`);
  const memoryMB = peakMB((client as unknown as { child: { pid?: number } }).child.pid);
  client.dispose();

  const results = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`,
    notebook: 'samples/000-cifar10-cnn.bmnb',
    cells: cells.length + 1,
    typescript: client.typescriptVersion,
    coldStartMs: round(coldMs),
    completion: { runs: KEYSTROKES, p50Ms: round(median(completionMs)), p90Ms: round(percentile(completionMs, 90)), maxMs: round(Math.max(...completionMs)) },
    diagnostics: { runs: EDITS, p50Ms: round(median(diagnosticsMs)), p90Ms: round(percentile(diagnosticsMs, 90)) },
    afterRun: { runs: EDITS, p50Ms: round(median(afterRunMs)), p90Ms: round(percentile(afterRunMs, 90)) },
    serverPeakMB: memoryMB,
  };
  const ok = (v: number | undefined, limit: number) => (v !== undefined && v <= limit ? 'yes' : '**no**');
  const md = [
    '# The notebook language server',
    '',
    `${results.date} · ${results.machine} · TypeScript ${results.typescript} · ${results.notebook} (${results.cells} code cells, one of them typed into)`,
    '',
    '| measure | result | target | met |',
    '| --- | ---: | ---: | :---: |',
    `| cold start → first completion | ${results.coldStartMs} ms | ≤ 3,000 ms | ${ok(results.coldStartMs, 3000)} |`,
    `| completion after a keystroke, p50 (${KEYSTROKES}) | ${results.completion.p50Ms} ms | ≤ 50 ms | ${ok(results.completion.p50Ms, 50)} |`,
    `| completion after a keystroke, p90 | ${results.completion.p90Ms} ms | ≤ 100 ms | ${ok(results.completion.p90Ms, 100)} |`,
    `| whole-notebook diagnostics after an edit, p50 (${EDITS}) | ${results.diagnostics.p50Ms} ms | ≤ 250 ms | ${ok(results.diagnostics.p50Ms, 250)} |`,
    `| whole-notebook diagnostics after an edit, p90 | ${results.diagnostics.p90Ms} ms | | |`,
    `| a cell ran: its tensors' ranks typed, whole notebook checked again, p50 (${EDITS}) | ${results.afterRun.p50Ms} ms | ≤ 250 ms | ${ok(results.afterRun.p50Ms, 250)} |`,
    `| server peak memory | ${results.serverPeakMB ?? 'n/a'} MB | ≤ 500 MB | ${ok(results.serverPeakMB, 500)} |`,
    '',
    'Reproduce: `node esbuild.mjs && node --import tsx bench/language.ts` (BENCH_LANGUAGE_KEYSTROKES, BENCH_LANGUAGE_EDITS).',
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'language.md'), md);
  writeFileSync(join(ROOT, 'bench', 'results', 'language.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(md);
}

void main();
