/**
 * The webgpu backend's own costs, in a real kernel on this machine's adapter (lavapipe, software
 * Vulkan, where there is no GPU: figures for correctness work only, not speed):
 * - a synchronous read (`dataSync`, run by hand through Dawn's event processing) against the
 *   asynchronous one (`await data()`), for a small (4 KB) and a 1 MB tensor computed on the GPU,
 *   median of BENCH_WEBGPU_READS each, taking turns;
 * - kernel start on webgpu and on wasm, and `auto`'s start (it asks Dawn for an adapter first);
 * - the first training step of article 004's CNN (shader compiles) and the steps after it, on
 *   webgpu and wasm, batch BENCH_WEBGPU_BATCH (default 64).
 *
 * Run: `node esbuild.mjs && node --import tsx bench/webgpu.ts`; writes bench/results/webgpu.md/json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { KernelClient } from '../src/host/kernelClient';
import type { BackendName } from '../src/protocol';
import { round } from './stats';

const ROOT = resolve(__dirname, '..');
const KERNEL = join(ROOT, 'dist', 'kernel.js');
const READS = Number(process.env.BENCH_WEBGPU_READS ?? 30);
const BATCH = Number(process.env.BENCH_WEBGPU_BATCH ?? 64);
const STEPS = Number(process.env.BENCH_WEBGPU_STEPS ?? 3);

async function start(backend: BackendName | 'auto'): Promise<{ kernel: KernelClient; ms: number }> {
  const t0 = performance.now();
  const kernel = await KernelClient.start({ kernelPath: KERNEL, notebookDir: ROOT, backend });
  return { kernel, ms: performance.now() - t0 };
}

async function cell(kernel: KernelClient, source: string): Promise<string> {
  let out = '';
  const r = await kernel.execute({ cellId: 'bench', cellLabel: 'bench', language: 'typescript', source }, { onStream: (s) => (out += s.text) });
  if (r.status !== 'ok') throw new Error(`${r.error?.message}\n${source}`);
  return out.trim().split('\n').at(-1) ?? '';
}

const READ_CELL = (elements: number) => `{
const a = tf.randomNormal([${elements}]);
const sync: number[] = [], async_: number[] = [];
for (let i = 0; i < ${READS}; i++) {
  const x = a.mul(1.5).add(i); let t = performance.now(); x.dataSync(); sync.push(performance.now() - t); x.dispose();
  const y = a.mul(1.5).add(i); t = performance.now(); await y.data(); async_.push(performance.now() - t); y.dispose();
}
const med = (v: number[]) => v.sort((p, q) => p - q)[v.length >> 1];
console.log(JSON.stringify({ sync: med(sync), async: med(async_) }));
}`;

const TRAIN_CELL = `{
const model = tf.sequential({ layers: [
  tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
  tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(),
  tf.layers.dense({ units: 128, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' }) ] });
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
const xs = tf.randomUniform([${BATCH * STEPS}, 28, 28, 1]); const ys = tf.tensor1d(Array.from({ length: ${BATCH * STEPS} }, (_, i) => i % 10));
let t = performance.now();
await model.fit(xs.slice(0, ${BATCH}), ys.slice(0, ${BATCH}), { epochs: 1, batchSize: ${BATCH}, verbose: 0 });
const first = performance.now() - t;
t = performance.now();
await model.fit(xs, ys, { epochs: 1, batchSize: ${BATCH}, verbose: 0 });
const rest = (performance.now() - t) / ${STEPS};
console.log(JSON.stringify({ first, step: rest, samplesPerSecond: ${BATCH} / (rest / 1000) }));
}`;

async function main(): Promise<void> {
  const starts: Record<string, number> = {};
  const reads: Record<string, { sync: number; async: number }> = {};
  const training: Record<string, { first: number; step: number; samplesPerSecond: number }> = {};
  let adapter = '';
  for (const backend of ['webgpu', 'wasm', 'auto'] as const) {
    const { kernel, ms } = await start(backend);
    starts[backend] = round(ms);
    if (backend === 'webgpu') adapter = kernel.info.detail;
    if (backend !== 'auto') {
      await cell(kernel, "import * as tf from '@tensorflow/tfjs';");
      if (backend === 'webgpu') {
        for (const [label, n] of [['4 KB', 1024], ['1 MB', 262144]] as const) reads[label] = JSON.parse(await cell(kernel, READ_CELL(n)));
      }
      training[backend] = JSON.parse(await cell(kernel, TRAIN_CELL));
    }
    await kernel.shutdown();
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}`;
  const results = { date: new Date().toISOString(), machine, adapter, starts, reads, training, batch: BATCH };
  const md = [
    '# webgpu (bench/webgpu.ts)',
    '',
    `${results.date.slice(0, 10)} · ${machine} · adapter: ${adapter}`,
    '',
    '| read of a tensor on the GPU | dataSync (ms) | await data() (ms) | sync / async |',
    '| --- | ---: | ---: | ---: |',
    ...Object.entries(reads).map(([k, v]) => `| ${k} | ${round(v.sync, 2)} | ${round(v.async, 2)} | ${round(v.sync / v.async, 2)}× |`),
    '',
    '| kernel start | ms |',
    '| --- | ---: |',
    ...Object.entries(starts).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `| article 004 CNN, batch ${BATCH} | first step (ms) | later steps (ms) | samples/s |`,
    '| --- | ---: | ---: | ---: |',
    ...Object.entries(training).map(([k, v]) => `| ${k} | ${round(v.first)} | ${round(v.step)} | ${round(v.samplesPerSecond)} |`),
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'webgpu.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench', 'results', 'webgpu.md'), md);
  process.stdout.write(md);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
