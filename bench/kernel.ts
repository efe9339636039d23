/**
 * Kernel latency: start to the result of a `1 + 1` cell (cold: a new process each time), and a
 * trivial cell's round trip in one warm kernel; for the default backend and, beside it, taking
 * turns, wasm on one thread. Run with `npm run bench`; writes
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

/** The default, and the wasm backend on one thread (the threaded build costs its workers' start). */
const SETTINGS = [
  { id: 'default', label: 'default', env: {} as Record<string, string> },
  { id: 'one', label: 'BMNB_WASM_THREADS=1', env: { BMNB_WASM_THREADS: '1' } },
];

interface Cold {
  total: number;
  start: number;
  firstCell: number;
}

async function main(): Promise<void> {
  const notebookDir = tmpdir();
  const cold: Cold[][] = SETTINGS.map(() => []);
  const details: string[] = SETTINGS.map(() => '');
  // Cold starts alternate between the settings, so the machine's drift hits both alike.
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const [j, setting] of SETTINGS.entries()) {
      const t0 = performance.now();
      const kernel = await KernelClient.start({ kernelPath: KERNEL, notebookDir, backend: 'auto', env: setting.env });
      const t1 = performance.now();
      const value = await cell(kernel, '1 + 1');
      const t2 = performance.now();
      if (value !== '2') throw new Error(`1 + 1 gave ${value}`);
      details[j] = `${kernel.info.backend} (${kernel.info.detail})`;
      cold[j].push({ total: t2 - t0, start: t1 - t0, firstCell: t2 - t1 });
      await kernel.shutdown();
    }
  }

  const kernels = await Promise.all(SETTINGS.map((s) => KernelClient.start({ kernelPath: KERNEL, notebookDir, backend: 'auto', env: s.env })));
  // The same cell again (what re-running a cell costs), and a new one each time (`i + 1`, never
  // seen before: transpiled afresh).
  const warm: number[][] = SETTINGS.map(() => []);
  const fresh: number[][] = SETTINGS.map(() => []);
  try {
    for (const k of kernels) for (let i = 0; i < 20; i++) await cell(k, `${i}`); // warm-up
    for (let i = 0; i < WARM_RUNS; i++) {
      for (const [j, k] of kernels.entries()) {
        let t0 = performance.now();
        await cell(k, '1');
        warm[j].push(performance.now() - t0);
        t0 = performance.now();
        if ((await cell(k, `${i} + 1`)) !== String(i + 1)) throw new Error(`${i} + 1 went wrong`);
        fresh[j].push(performance.now() - t0);
      }
    }
  } finally {
    await Promise.all(kernels.map((k) => k.shutdown()));
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`;
  const summary = (j: number) => ({
    setting: SETTINGS[j].label,
    backend: details[j],
    coldStart: {
      runs: COLD_RUNS,
      medianMs: ms(quantile(cold[j].map((c) => c.total), 0.5)),
      p90Ms: ms(quantile(cold[j].map((c) => c.total), 0.9)),
      medianStartMs: ms(quantile(cold[j].map((c) => c.start), 0.5)),
      medianFirstCellMs: ms(quantile(cold[j].map((c) => c.firstCell), 0.5)),
    },
    roundTrip: {
      runs: WARM_RUNS,
      medianMs: ms(quantile(warm[j], 0.5)),
      p99Ms: ms(quantile(warm[j], 0.99)),
      maxMs: ms(Math.max(...warm[j])),
    },
    newCellRoundTrip: {
      runs: WARM_RUNS,
      medianMs: ms(quantile(fresh[j], 0.5)),
      p99Ms: ms(quantile(fresh[j], 0.99)),
    },
  });
  const [main, one] = SETTINGS.map((_, j) => summary(j));
  const results = { date: new Date().toISOString(), machine, ...main, oneThread: one };
  const md = [
    '# Kernel latency',
    '',
    `${results.date.slice(0, 10)} · ${machine} · backend ${main.backend}; beside it, ${one.backend} (BMNB_WASM_THREADS=1), the two taking turns`,
    '',
    '| measure | runs | median | p90 / p99 | 1 thread: median | p90 / p99 |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| kernel start → result of \`1 + 1\` (cold, new process) | ${COLD_RUNS} | ${main.coldStart.medianMs} ms | p90 ${main.coldStart.p90Ms} ms | ${one.coldStart.medianMs} ms | p90 ${one.coldStart.p90Ms} ms |`,
    `| · of which fork + tfjs + backend ready | ${COLD_RUNS} | ${main.coldStart.medianStartMs} ms | | ${one.coldStart.medianStartMs} ms | |`,
    `| · of which the first cell | ${COLD_RUNS} | ${main.coldStart.medianFirstCellMs} ms | | ${one.coldStart.medianFirstCellMs} ms | |`,
    `| trivial cell round trip (warm kernel), the same cell again | ${WARM_RUNS} | ${main.roundTrip.medianMs} ms | p99 ${main.roundTrip.p99Ms} ms | ${one.roundTrip.medianMs} ms | p99 ${one.roundTrip.p99Ms} ms |`,
    `| · a new trivial cell each time (\`i + 1\`: transpiled afresh) | ${WARM_RUNS} | ${main.newCellRoundTrip.medianMs} ms | p99 ${main.newCellRoundTrip.p99Ms} ms | ${one.newCellRoundTrip.medianMs} ms | p99 ${one.newCellRoundTrip.p99Ms} ms |`,
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
