/**
 * What wasm threads are worth, measured side by side: three kernels, one per thread setting,
 * take turns (round after round, so the machine's drift hits all three alike) at
 * - training each article model on MNIST (`fit`, batch 128, one epoch over a fixed slice), and
 * - one matMul of each of a range of sizes (the crossover between "threads pay" and "they cost").
 *
 * Settings: `1 thread` (BMNB_WASM_THREADS=1: the package's own single-threaded build),
 * `N threads, every kernel` (BMNB_WASM_THREAD_MIN_MFLOPS=0: what tfjs would do), and the default,
 * `N threads from 2 MFLOP` (products and convs of at least MIN_THREADED_FLOPS on all threads,
 * everything else on one; src/backends/wasmThreadPool.ts).
 *
 * Run: `node --import tsx bench/threads.ts` (part of `npm run bench`); writes
 * bench/results/threads.md and threads.json. BENCH_THREADS_ROUNDS (default 5).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { KernelClient } from '../src/host/kernelClient';
import { MIME } from '../src/protocol';
import { MIN_THREADED_FLOPS } from '../src/backends/wasmThreadPool';
import { median, round } from './stats';

const ROOT = resolve(__dirname, '..');
const KERNEL = join(ROOT, 'dist', 'kernel.js');
const ROUNDS = Number(process.env.BENCH_THREADS_ROUNDS ?? 5);
const THREADS = Math.min(8, availableParallelism());

const SETTINGS = [
  { id: '1', label: '1 thread', env: { BMNB_WASM_THREADS: '1' } },
  { id: 'all', label: `${THREADS} threads, every kernel`, env: { BMNB_WASM_THREAD_MIN_MFLOPS: '0' } },
  { id: 'default', label: `${THREADS} threads from ${MIN_THREADED_FLOPS / 1e6} MFLOP (default)`, env: {} },
];

const conv = (filters: number, first = false) =>
  `tf.layers.conv2d({ ${first ? 'inputShape: [28, 28, 1], ' : ''}filters: ${filters}, kernelSize: 3, activation: 'relu' })`;
const pool = `tf.layers.maxPooling2d({ poolSize: 2 })`;
const dense = (units: number, act = 'relu') => `tf.layers.dense({ units: ${units}, activation: '${act}' })`;
const MODELS = [
  { id: 'dense', name: 'dense 784-64-10 (003)', samples: 25600, layers: [`tf.layers.flatten({ inputShape: [28, 28, 1] })`, dense(64)] },
  { id: 'cnn', name: 'CNN conv32-pool-dense128 (004)', samples: 2560, layers: [conv(32, true), pool, 'tf.layers.flatten()', dense(128)] },
  { id: 'cnn3', name: 'CNN conv32-pool-conv64-pool-conv64-dense64 (000/002)', samples: 1536, layers: [conv(32, true), pool, conv(64), pool, conv(64), 'tf.layers.flatten()', dense(64)] },
];
const MATMULS: Array<[number, number, number]> = [[128, 64, 10], [128, 128, 32], [128, 256, 64], [128, 784, 64], [128, 5408, 128], [512, 512, 512]];

async function cell(kernel: KernelClient, source: string): Promise<string> {
  const r = await kernel.execute({ cellId: 'bench', cellLabel: 'bench', language: 'typescript', source });
  if (r.status !== 'ok') throw new Error(`cell failed: ${r.error?.message}\n${source}`);
  return String(r.result?.find((i) => i.mime === MIME.text)?.data ?? '');
}

async function main(): Promise<void> {
  const kernels = await Promise.all(SETTINGS.map((s) => KernelClient.start({ kernelPath: KERNEL, notebookDir: ROOT, backend: 'wasm', env: s.env })));
  const details = kernels.map((k) => k.info.detail);
  process.stderr.write(`${details.join('\n')}\n`);
  try {
    for (const k of kernels) {
      await cell(k, `import * as tf from '@tensorflow/tfjs';
import { datasets, oneHot } from 'bmnb';
const B: any = {};
{
  const { xTrain, yTrain, xTest, yTest } = await datasets.mnist({ trainSize: ${Math.max(...MODELS.map((m) => m.samples))}, testSize: 0 });
  B.x = xTrain; B.y = oneHot(yTrain, 10); tf.dispose([yTrain, xTest, yTest]);
}
1`);
    }
    const training: Record<string, Record<string, number[]>> = {};
    for (const m of MODELS) {
      training[m.id] = Object.fromEntries(SETTINGS.map((s) => [s.id, [] as number[]]));
      for (const k of kernels) {
        await cell(k, `if (B.model) B.model.dispose();
B.model = tf.sequential({ layers: [${m.layers.join(', ')}, tf.layers.dense({ units: 10, activation: 'softmax' })] });
B.model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
tf.dispose([B.mx, B.my]); B.mx = B.x.slice(0, ${m.samples}); B.my = B.y.slice(0, ${m.samples});
await B.model.fit(B.mx.slice(0, 256), B.my.slice(0, 256), { epochs: 1, batchSize: 128, verbose: 0 }); 1`);
      }
      for (let r = 0; r < ROUNDS; r++) {
        for (const [i, k] of kernels.entries()) {
          const s = Number(await cell(k, `const t0 = performance.now(); await B.model.fit(B.mx, B.my, { epochs: 1, batchSize: 128, verbose: 0 }); (performance.now() - t0) / 1000`));
          training[m.id][SETTINGS[i].id].push(m.samples / s);
        }
      }
      process.stderr.write(`${m.id}: ${SETTINGS.map((s) => `${s.id} ${round(median(training[m.id][s.id]), 0)}`).join(', ')} samples/s\n`);
    }
    const matmul: Record<string, Record<string, number[]>> = {};
    for (const [a, b, c] of MATMULS) {
      const key = `${a}×${b}×${c}`;
      matmul[key] = Object.fromEntries(SETTINGS.map((s) => [s.id, [] as number[]]));
      const reps = Math.max(5, Math.min(2000, Math.round(1e9 / (2 * a * b * c))));
      for (const k of kernels) await cell(k, `tf.dispose([B.a, B.b]); B.a = tf.randomUniform([${a}, ${b}]); B.b = tf.randomUniform([${b}, ${c}]); tf.matMul(B.a, B.b).dispose(); 1`);
      for (let r = 0; r < ROUNDS; r++) {
        for (const [i, k] of kernels.entries()) {
          const us = Number(await cell(k, `const t1 = performance.now(); for (let i = 0; i < ${reps}; i++) tf.matMul(B.a, B.b).dispose(); (performance.now() - t1) * 1000 / ${reps}`));
          matmul[key][SETTINGS[i].id].push(us);
        }
      }
    }

    const ratio = (xs: number[], base: number[]) => round(median(xs.map((x, j) => x / base[j])), 2);
    const md: string[] = [
      '# wasm threads',
      '',
      `${new Date().toISOString().slice(0, 10)} · ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`,
      '',
      `Three kernels, one per setting, taking turns for ${ROUNDS} rounds: medians, and in brackets the median of each round's ratio to 1 thread.`,
      '',
      `| model (MNIST, batch 128, samples/s) | ${SETTINGS.map((s) => s.label).join(' | ')} |`,
      `| --- | ${SETTINGS.map(() => '---:').join(' | ')} |`,
    ];
    for (const m of MODELS) {
      const t = training[m.id];
      md.push(`| ${m.name} | ${SETTINGS.map((s) => `${round(median(t[s.id]), 0).toLocaleString('en-US')}${s.id === '1' ? '' : ` (${ratio(t[s.id], t['1'])}×)`}`).join(' | ')} |`);
    }
    md.push('', `| matMul (µs per call) | MFLOP | ${SETTINGS.map((s) => s.label).join(' | ')} |`, `| --- | ---: | ${SETTINGS.map(() => '---:').join(' | ')} |`);
    for (const [a, b, c] of MATMULS) {
      const t = matmul[`${a}×${b}×${c}`];
      md.push(`| ${a}×${b} · ${b}×${c} | ${round((2 * a * b * c) / 1e6, 2)} | ${SETTINGS.map((s) => `${round(median(t[s.id]), 1)}${s.id === '1' ? '' : ` (${ratio(t['1'], t[s.id])}× faster)`}`).join(' | ')} |`);
    }
    md.push('', 'Kernels:', '', ...SETTINGS.map((s, i) => `- ${s.label}: ${details[i]}`), '', 'Reproduce: `npm run bench`, or `node esbuild.mjs && node --import tsx bench/threads.ts` (BENCH_THREADS_ROUNDS).', '');
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'threads.json'), `${JSON.stringify({ date: new Date().toISOString(), settings: SETTINGS, details, training, matmul }, null, 2)}\n`);
    writeFileSync(join(ROOT, 'bench', 'results', 'threads.md'), md.join('\n'));
    process.stdout.write(md.join('\n'));
  } finally {
    await Promise.all(kernels.map((k) => k.shutdown()));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
