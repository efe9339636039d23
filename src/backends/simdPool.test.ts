/**
 * bmnb's SIMD kernels on the threaded wasm build, as the notebook's kernel loads it (two threads):
 * the ops that split their work across the SIMD pool's threads give the cpu backend's answers, a
 * worker thread really takes part, and a kernel that fails on any thread is an error that leaves
 * the pool working.
 *
 * Run: node --import tsx --test src/backends/simdPool.test.ts
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBackend } from './load';
import { simdBuilt, simdKernels, type SimdKernels, type WasmModuleLike } from './simd';
import { moving, SIZE } from './simdPool';
import type { Tfjs, TF } from './tfjs';
import { assertClose, rand, type Result } from './ops/testing';

let tf: Tfjs;
let simd: SimdKernels;

before(async () => {
  process.env.BMNB_WASM_THREADS = '2';
  tf = (await loadBackend('wasm', { notebookDir: process.cwd() })).tf;
  await tf.setBackend('wasm');
  const found = simdKernels((tf.backend() as unknown as { wasm: WasmModuleLike }).wasm);
  assert.ok(found, 'the SIMD kernels load over the threaded build');
  simd = found;
});

async function on(backend: 'cpu' | 'wasm', f: () => TF.Tensor): Promise<Result> {
  await tf.setBackend(backend);
  const r = tf.tidy(f);
  const out = { shape: r.shape.slice(), values: Float32Array.from(r.dataSync()) };
  r.dispose();
  return out;
}

const tensor = (shape: number[], seed: number) => tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed), shape);

describe('the SIMD kernels on two threads', () => {
  test('the module is built and its pool has two threads', () => {
    assert.ok(simdBuilt(), 'dist/simd-shared.wasm is built (npm run build; it needs clang and lld: bash scripts/simd-setup.sh)');
    assert.equal(simd.pool.threads, 2);
  });

  const filterCases: Array<{ what: string; x: number[]; filter: [number, number, number, number]; strides: number; pad: 'valid' | 'same' }> = [
    { what: "CIFAR's first conv (the product split by columns of dW)", x: [16, 32, 32, 3], filter: [3, 3, 3, 32], strides: 1, pad: 'valid' },
    { what: "the second conv (split by rows of dW)", x: [8, 15, 15, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid' },
    { what: "MNIST's first conv", x: [32, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid' },
    { what: 'odd sizes, strides 2, same padding (rows and columns past whole blocks)', x: [40, 19, 23, 5], filter: [3, 2, 5, 7], strides: 2, pad: 'same' },
  ];
  for (const c of filterCases) {
    test(`Conv2DBackpropFilter matches cpu: ${c.what}`, async () => {
      const f = () => {
        const x = tensor(c.x, 11);
        const y = tf.conv2d(x as TF.Tensor4D, tensor(c.filter, 12) as TF.Tensor4D, c.strides, c.pad);
        const dy = tensor(y.shape, 13);
        return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: c.filter } as unknown as TF.NamedAttrMap) as TF.Tensor;
      };
      assertClose(await on('wasm', f), await on('cpu', f), c.what);
    });
  }

  test('MaxPoolGrad and the Relu gradient match cpu on big batches', async () => {
    const pool = () => tf.grad((x: TF.Tensor) => tf.sum(tf.mul(tf.maxPool(x as TF.Tensor4D, 2, 2, 'valid'), tensor([64, 15, 15, 32], 21))))(tensor([64, 30, 30, 32], 22));
    assertClose(await on('wasm', pool), await on('cpu', pool), 'maxPool gradient');
    const relu = () => tf.grad((x: TF.Tensor) => tf.sum(tf.mul(tf.relu(x), tensor([300001], 23))))(tensor([300001], 24));
    assertClose(await on('wasm', relu), await on('cpu', relu), 'relu gradient');
  });

  test('tfjs-examples’ mnist-node CNN (convs without pooling between, rmsprop) trains as on cpu: losses and weights after 3 steps', async () => {
    // The model of tfjs-examples/mnist-node/model.js, without its dropout (random per backend), on
    // 16×16 images so that the cpu backend takes seconds, not minutes.
    const build = () => {
      const L = tf.layers;
      const model = tf.sequential({
        layers: [
          L.conv2d({ inputShape: [16, 16, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
          L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
          L.maxPooling2d({ poolSize: [2, 2] }),
          L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
          L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
          L.maxPooling2d({ poolSize: [2, 2] }),
          L.flatten(),
          L.dense({ units: 512, activation: 'relu' }),
          L.dense({ units: 10, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy' });
      return model;
    };
    const xs = rand(8 * 16 * 16, 51).map((v) => (v + 1) / 2);
    const labels = Array.from({ length: 8 }, (_, i) => (i * 7) % 10);
    await tf.setBackend('cpu');
    const initial = build().getWeights().map((w) => ({ shape: w.shape, values: w.dataSync().slice() }));
    const train = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const model = build();
      model.setWeights(initial.map((w) => tf.tensor(w.values, w.shape)));
      const x = tf.tensor(xs, [8, 16, 16, 1]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat();
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) losses.push(Number(await model.trainOnBatch(x, y)));
      const weights = model.getWeights().map((w) => w.dataSync().slice());
      model.dispose();
      tf.dispose([x, y]);
      return { losses, weights };
    };
    const cpu = await train('cpu');
    const wasm = await train('wasm');
    cpu.losses.forEach((l, i) => assert.ok(Math.abs(l - wasm.losses[i]!) <= 1e-4 * Math.max(1, Math.abs(l)), `loss ${i}: wasm ${wasm.losses[i]} vs cpu ${l}`));
    assert.ok(cpu.losses[2]! < cpu.losses[0]!, `the model learns: ${cpu.losses.join(', ')}`);
    cpu.weights.forEach((w, i) => {
      let diff = 0;
      for (let j = 0; j < w.length; j++) diff = Math.max(diff, Math.abs(w[j]! - wasm.weights[i]![j]!));
      assert.ok(diff < 1e-3, `weights ${i}: max difference ${diff}`);
    });
  });

  test('a worker thread takes chunks of a big job', async () => {
    await tf.setBackend('wasm');
    const x = tensor([1 << 22], 31);
    const before = simd.pool.workerChunks;
    for (let i = 0; i < 50 && simd.pool.workerChunks === before; i++) tf.tidy(() => tf.grad((t: TF.Tensor) => tf.sum(tf.relu(t)))(x));
    assert.ok(simd.pool.workerChunks > before, 'no chunk ran on the worker in 50 jobs');
    x.dispose();
  });

  test('a kernel that fails (here: outside the memory) is an error, and the pool works after it', async () => {
    await tf.setBackend('wasm');
    const memory = (tf.backend() as unknown as { wasm: WasmModuleLike }).wasm.wasmMemory!;
    const outside = memory.buffer.byteLength;
    assert.throws(
      () => simd.pool.run({ name: 'relu_grad', n: 1 << 20, unit: 1024, args: [moving(outside, 1), moving(outside, 1), moving(outside, 1), SIZE] }),
      /out of bounds|failed on a worker thread/,
    );
    const relu = () => tf.grad((x: TF.Tensor) => tf.sum(tf.mul(tf.relu(x), tensor([200000], 41))))(tensor([200000], 42));
    assertClose(await on('wasm', relu), await on('cpu', relu), 'relu gradient after the failure');
  });
});
