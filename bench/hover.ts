/**
 * Hover latency from the host: `session/inspect` round trips (KernelClient.inspect) against an
 * idle kernel, and against one running `await model.fit(...)` of a small MNIST-sized CNN
 * (conv32 3×3 → max-pool → dense128 → dense10, batches of 32), requests spaced at random so they
 * land anywhere in a batch. Also what the hovers cost the training (ms per batch with and without).
 * Run with `npm run bench:hover`; writes bench/results/hover.md and hover.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KernelClient } from '../src/host/kernelClient';
import { quantile, round } from './stats';

const ROOT = resolve(__dirname, '..');
const KERNEL = join(ROOT, 'dist', 'kernel.js');
const REQUESTS = Number(process.env.BENCH_HOVER_REQUESTS ?? 200);
/** The host's hover timeout (what a user waits at most). */
const HOVER_TIMEOUT_MS = 300;
/** Paths a hover asks for, in turn: a tensor (statistics cached after the first), a model, an array, a nested path. */
const PATHS = ['xTrain', 'model', 'history', 'model.layers', 'yTrain', 'losses', 'config.epochs'];

const ms = (n: number) => round(n);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

async function cell(kernel: KernelClient, source: string): Promise<string | undefined> {
  const r = await kernel.execute({ cellId: 'bench', cellLabel: 'bench', language: 'typescript', source });
  if (r.status !== 'ok') throw new Error(`bench cell failed: ${r.error?.stack}`);
  return r.result?.find((i) => i.mime === 'text/plain')?.data as string | undefined;
}

interface Series {
  requests: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests not answered within the host's 300 ms hover timeout. */
  over300: number;
}

function series(latencies: number[]): Series {
  return {
    requests: latencies.length,
    medianMs: ms(quantile(latencies, 0.5)),
    p90Ms: ms(quantile(latencies, 0.9)),
    p99Ms: ms(quantile(latencies, 0.99)),
    maxMs: ms(Math.max(...latencies)),
    over300: latencies.filter((l) => l > HOVER_TIMEOUT_MS).length,
  };
}

/** One hover; the real latency (a generous timeout, so slow answers are measured, not cut). */
async function hover(kernel: KernelClient, path: string): Promise<number> {
  const t0 = performance.now();
  const r = await kernel.inspect(path, 10_000);
  const t = performance.now() - t0;
  if (!r?.info) throw new Error(`no info for ${path}`);
  return t;
}

const SETUP = `import * as tf from '@tensorflow/tfjs';
const config = { epochs: 1000, batchSize: 32 };
const xTrain = tf.randomNormal([2048, 28, 28, 1]);
const yTrain = tf.oneHot(tf.randomUniform([2048], 0, 10, 'int32'), 10).toFloat();
const model = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
  tf.layers.maxPooling2d({ poolSize: 2 }),
  tf.layers.flatten(),
  tf.layers.dense({ units: 128, activation: 'relu' }),
  tf.layers.dense({ units: 10, activation: 'softmax' }),
] });
model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const history = await model.fit(xTrain.slice(0, 64), yTrain.slice(0, 64), { epochs: 1, batchSize: 32, verbose: 0 });
let losses: number[] = [];
let batchMs: number[] = [];
let lastBatch = 0;
const timing = { onBatchBegin: async () => { lastBatch = performance.now(); }, onBatchEnd: async (_: number, logs: any) => { batchMs.push(performance.now() - lastBatch); losses.push(logs.loss); } };`;

/** Starts a fit with the batch timer; stops it with an interrupt. */
function startFit(kernel: KernelClient): Promise<unknown> {
  return kernel.execute({
    cellId: 'fit',
    cellLabel: 'fit',
    language: 'typescript',
    source: `batchMs = []; await model.fit(xTrain, yTrain, { epochs: config.epochs, batchSize: config.batchSize, verbose: 0, callbacks: timing });`,
  });
}

async function batchesSoFar(kernel: KernelClient): Promise<number> {
  const r = await kernel.inspect('batchMs', 10_000);
  return r?.info?.array?.length ?? 0;
}

async function meanBatchMs(kernel: KernelClient): Promise<number> {
  // Leave out the first batches (warm-up of the wasm kernels after the restart of the fit).
  return Number(await cell(kernel, 'batchMs.slice(3).reduce((a, b) => a + b, 0) / Math.max(1, batchMs.length - 3)'));
}

async function main(): Promise<void> {
  const kernel = await KernelClient.start({ kernelPath: KERNEL, notebookDir: tmpdir(), backend: 'auto' });
  await cell(kernel, SETUP);

  // Idle: one hover after another.
  for (let i = 0; i < 20; i++) await hover(kernel, PATHS[i % PATHS.length]!); // warm-up (statistics cached)
  const idle: number[] = [];
  for (let i = 0; i < REQUESTS; i++) idle.push(await hover(kernel, PATHS[i % PATHS.length]!));

  // Training without hovers: the batch time to compare with.
  let fit = startFit(kernel);
  while ((await batchesSoFar(kernel)) < 60) await sleep(200);
  kernel.interrupt();
  await fit;
  const quietBatchMs = await meanBatchMs(kernel);

  // Training with hovers at random moments (0-100 ms apart).
  fit = startFit(kernel);
  while ((await batchesSoFar(kernel)) < 3) await sleep(50);
  const training: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    await sleep(Math.random() * 100);
    training.push(await hover(kernel, PATHS[i % PATHS.length]!));
  }
  kernel.interrupt();
  await fit;
  const busyBatchMs = await meanBatchMs(kernel);
  const batches = Number(await cell(kernel, 'batchMs.length'));
  await kernel.shutdown();

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`;
  const results = {
    date: new Date().toISOString(),
    machine,
    backend: `${kernel.info.backend} (${kernel.info.detail})`,
    paths: PATHS,
    idle: series(idle),
    duringFit: { ...series(training), batches, batchSize: 32 },
    batchMs: { withoutHovers: ms(quietBatchMs), withHovers: ms(busyBatchMs) },
  };
  const row = (label: string, s: Series) => `| ${label} | ${s.requests} | ${s.medianMs} ms | ${s.p90Ms} ms | ${s.p99Ms} ms | ${s.maxMs} ms | ${s.over300} |`;
  const md = [
    '# Hover latency',
    '',
    `${results.date.slice(0, 10)} · ${machine} · backend ${results.backend}`,
    '',
    `\`KernelClient.inspect(path)\` round trips from the host, over ${PATHS.map((p) => `\`${p}\``).join(', ')} in turn.`,
    'During fit: a conv32 3×3 → max-pool → dense128 → dense10 CNN on 2,048 MNIST-sized inputs, batches of 32,',
    'each hover sent after a random 0–100 ms pause so it lands anywhere in a batch.',
    '',
    '| kernel | requests | median | p90 | p99 | max | over 300 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('idle', results.idle),
    row(`running \`await model.fit(...)\` (${batches} batches)`, results.duringFit),
    '',
    `Training: ${results.batchMs.withoutHovers} ms per batch without hovers, ${results.batchMs.withHovers} ms with them.`,
    '',
    'A hover is answered when the kernel\'s event loop gets a turn: at once when idle or awaiting, and',
    'between batches during a fit (the kernel yields at the end of a batch at least every 25 ms). A batch',
    'itself cannot be interrupted, so the wait during a fit is bounded by one batch.',
    '',
    'Reproduce: `npm run bench:hover` (BENCH_HOVER_REQUESTS changes the count).',
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'hover.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench', 'results', 'hover.md'), md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
