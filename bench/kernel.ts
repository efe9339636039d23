/**
 * Kernel latency: start to the result of a `1 + 1` cell (cold: a new process each time), and a
 * trivial cell's round trip in one warm kernel. Run with `npm run bench`; writes
 * bench/results/kernel.md and kernel.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KernelClient } from '../src/host/kernelClient';
import { quantile, round } from './stats';

const ROOT = resolve(__dirname, '..');
const KERNEL = join(ROOT, 'dist', 'kernel.js');
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 10);
const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 200);

const ms = (n: number) => round(n);

async function cell(kernel: KernelClient, source: string): Promise<string | undefined> {
  const r = await kernel.execute({ cellId: 'bench', cellLabel: 'bench', language: 'typescript', source });
  if (r.status !== 'ok') throw new Error(`bench cell failed: ${r.error?.stack}`);
  return r.result?.[0]?.data as string | undefined;
}

async function main(): Promise<void> {
  const notebookDir = tmpdir();
  const cold: { total: number; start: number; firstCell: number }[] = [];
  let backend = '';
  let detail = '';
  for (let i = 0; i < COLD_RUNS; i++) {
    const t0 = performance.now();
    const kernel = await KernelClient.start({ kernelPath: KERNEL, notebookDir, backend: 'auto' });
    const t1 = performance.now();
    const value = await cell(kernel, '1 + 1');
    const t2 = performance.now();
    if (value !== '2') throw new Error(`1 + 1 gave ${value}`);
    backend = kernel.info.backend;
    detail = kernel.info.detail;
    cold.push({ total: t2 - t0, start: t1 - t0, firstCell: t2 - t1 });
    await kernel.shutdown();
  }

  const kernel = await KernelClient.start({ kernelPath: KERNEL, notebookDir, backend: 'auto' });
  for (let i = 0; i < 20; i++) await cell(kernel, '1'); // warm-up
  const warm: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    const t0 = performance.now();
    await cell(kernel, '1');
    warm.push(performance.now() - t0);
  }
  await kernel.shutdown();

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`;
  const results = {
    date: new Date().toISOString(),
    machine,
    backend: `${backend} (${detail})`,
    coldStart: {
      runs: COLD_RUNS,
      medianMs: ms(quantile(cold.map((c) => c.total), 0.5)),
      p90Ms: ms(quantile(cold.map((c) => c.total), 0.9)),
      medianStartMs: ms(quantile(cold.map((c) => c.start), 0.5)),
      medianFirstCellMs: ms(quantile(cold.map((c) => c.firstCell), 0.5)),
    },
    roundTrip: {
      runs: WARM_RUNS,
      medianMs: ms(quantile(warm, 0.5)),
      p99Ms: ms(quantile(warm, 0.99)),
      maxMs: ms(Math.max(...warm)),
    },
  };
  const md = [
    '# Kernel latency',
    '',
    `${results.date.slice(0, 10)} · ${machine} · backend ${results.backend}`,
    '',
    '| measure | runs | median | p90 / p99 |',
    '| --- | ---: | ---: | ---: |',
    `| kernel start → result of \`1 + 1\` (cold, new process) | ${COLD_RUNS} | ${results.coldStart.medianMs} ms | p90 ${results.coldStart.p90Ms} ms |`,
    `| · of which fork + tfjs + backend ready | ${COLD_RUNS} | ${results.coldStart.medianStartMs} ms | |`,
    `| · of which the first cell | ${COLD_RUNS} | ${results.coldStart.medianFirstCellMs} ms | |`,
    `| trivial cell round trip (warm kernel) | ${WARM_RUNS} | ${results.roundTrip.medianMs} ms | p99 ${results.roundTrip.p99Ms} ms |`,
    '',
    'Reproduce: `npm run bench` (BENCH_COLD_RUNS, BENCH_WARM_RUNS change the counts).',
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'kernel.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench', 'results', 'kernel.md'), md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
