/**
 * Every wasm op of register.ts together, as a notebook's kernel registers them: gradients and
 * training steps leak no tensor or wasm buffer, CNNs train on wasm, and a step of article
 * 000/002's three-conv CNN gives the cpu backend's loss and weights.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerOps } from './register';
import { rand, useOps, wasmDataIds } from './testing';

before(async () => {
  await useOps();
  registerOps(tf, 'wasm');
});

describe('no leaks', () => {
  test('repeated kernel calls and gradients leave tensor and wasm buffer counts unchanged', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(rand(2 * 9 * 7 * 3, 90), [2, 9, 7, 3]);
    const f = tf.tensor4d(rand(3 * 3 * 3 * 4, 91), [3, 3, 3, 4]);
    const d = tf.tensor4d(rand(3 * 3 * 3 * 2, 92), [3, 3, 3, 2]);
    const step = () => {
      const gs = [
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').sum())([x, f]),
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same').sum(),
        )([x, d]),
        [tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d([0, 1, 1], 'int32')).sum())(f)],
      ].flat();
      for (const g of gs) g.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    const beforeIds = wasmDataIds();
    for (let i = 0; i < 5; i++) step();
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: tf.ones([2, 5, 4, 4]) }, {
          strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4],
        });
      });
    }
    assert.equal(tf.memory().numTensors, before, 'numTensors');
    assert.equal(wasmDataIds(), beforeIds, 'wasm backend data ids');
    tf.dispose([x, f, d]);
  });

  test('optimizer.minimize on a conv net does not leak', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(rand(4 * 8 * 8 * 2, 93), [4, 8, 8, 2]);
    const w = tf.variable(tf.tensor4d(rand(3 * 3 * 2 * 3, 94), [3, 3, 2, 3]));
    const dw = tf.variable(tf.tensor4d(rand(3 * 3 * 3 * 1, 95), [3, 3, 3, 1]));
    const opt = tf.train.sgd(0.01);
    const loss = () => tf.depthwiseConv2d(tf.conv2d(x, w, 1, 'same'), dw, 2, 'same').square().mean() as tf.Scalar;
    opt.minimize(loss);
    const before = tf.memory().numTensors;
    const beforeIds = wasmDataIds();
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const l = opt.minimize(loss, true);
      assert.ok(l != null);
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'numTensors');
    assert.equal(wasmDataIds(), beforeIds, 'wasm backend data ids');
    assert.ok(losses[4] < losses[0], `loss decreases: ${losses.join(', ')}`);
    opt.dispose();
    tf.dispose([x, w, dw]);
  });
});

describe('training a CNN on wasm', () => {
  test('conv2d -> maxPooling2d -> flatten -> dense: fit succeeds, loss decreases, no leak', async () => {
    await tf.setBackend('wasm');
    const start = tf.memory().numTensors;
    // Learnable toy task: the class (0..3) is the quadrant holding a bright 4x4 blob, plus noise.
    const n = 256;
    const size = 12;
    const xs = new Float32Array(n * size * size);
    const ys = new Float32Array(n);
    const noise = rand(xs.length, 100);
    for (let i = 0; i < n; i++) {
      const cls = i % 4;
      ys[i] = cls;
      const r0 = cls < 2 ? 1 : 7;
      const c0 = cls % 2 === 0 ? 1 : 7;
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          const inBlob = r >= r0 && r < r0 + 4 && c >= c0 && c < c0 + 4;
          xs[(i * size + r) * size + c] = 0.3 * noise[(i * size + r) * size + c] + (inBlob ? 1 : 0);
        }
      }
    }
    const x = tf.tensor4d(xs, [n, size, size, 1]);
    const y = tf.tensor1d(ys);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [size, size, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const optimizer = tf.train.adam(0.01);
    model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 2, batchSize: 16, shuffle: true, verbose: 0 });
    const loss = h.history.loss as number[];
    assert.equal(loss.length, 2);
    assert.ok(loss.every(Number.isFinite), `finite loss: ${loss.join(', ')}`);
    assert.ok(loss[1] < loss[0], `loss decreases: ${loss.join(', ')}`);
    // The task is easy; correct conv gradients make the second epoch's loss far lower.
    assert.ok(loss[1] < 0.5 * loss[0], `loss at least halves: ${loss.join(', ')}`);

    // A further fit must not grow the tensor count (steady state after the optimizer's slots exist).
    const mid = tf.memory().numTensors;
    const midIds = wasmDataIds();
    await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    assert.equal(tf.memory().numTensors, mid, 'numTensors after another fit');
    assert.equal(wasmDataIds(), midIds, 'wasm backend data ids after another fit');

    model.dispose();
    optimizer.dispose();
    tf.dispose([x, y]);
    assert.equal(tf.memory().numTensors, start, 'numTensors after disposing model and data');
  });

  test('fit of depthwise/separable/batchNorm/dropout/avgPool/embedding models succeeds on wasm', async () => {
    await tf.setBackend('wasm');
    const L = tf.layers;
    const x = tf.tensor4d(rand(32 * 10 * 10 * 3, 110), [32, 10, 10, 3]);
    const y = tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 4));
    const models: Array<[string, tf.Sequential, tf.Tensor]> = [
      ['depthwise/bn/dropout', tf.sequential({
        layers: [
          L.depthwiseConv2d({ inputShape: [10, 10, 3], kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }),
          L.batchNormalization(),
          L.dropout({ rate: 0.2 }),
          L.averagePooling2d({ poolSize: 2 }),
          L.flatten(),
          L.dense({ units: 4, activation: 'softmax' }),
        ],
      }), x],
      ['separable', tf.sequential({
        layers: [
          L.separableConv2d({ inputShape: [10, 10, 3], kernelSize: 3, filters: 6, activation: 'relu' }),
          L.globalAveragePooling2d({}),
          L.dense({ units: 4, activation: 'softmax' }),
        ],
      }), x],
      ['embedding', tf.sequential({
        layers: [
          L.embedding({ inputDim: 10, outputDim: 4, inputLength: 5 }),
          L.flatten(),
          L.dense({ units: 4, activation: 'softmax' }),
        ],
      }), tf.tensor2d(Array.from({ length: 160 }, (_, i) => (i * 7) % 10), [32, 5])],
    ];
    for (const [name, model, input] of models) {
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      const h = await model.fit(input, y, { epochs: 1, batchSize: 16, verbose: 0 });
      const loss = h.history.loss as number[];
      assert.ok(Number.isFinite(loss[0]), `${name}: finite loss ${loss[0]}`);
      model.dispose();
      if (input !== x) input.dispose();
    }
    tf.dispose([x, y]);
  });
});

describe('training with the faster kernels', () => {
  test("article 000/002's three-conv CNN: one step gives cpu's loss and weights, and leaks nothing", async () => {
    const build = () => {
      const m = tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: 'ones', biasInitializer: 'zeros' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.randomUniform({ seed: 1 }) }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.randomUniform({ seed: 2 }) }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.randomUniform({ seed: 3 }) }),
        ],
      });
      m.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
      return m;
    };
    const xv = rand(16 * 28 * 28, 11).map((v) => Math.max(0, v));
    const labels = Array.from({ length: 16 }, (_, i) => i % 10);
    const step = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const m = build();
      const x = tf.tensor4d(xv, [16, 28, 28, 1]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat();
      const before = tf.memory().numTensors;
      const loss = (await m.trainOnBatch(x, y)) as number;
      assert.equal(tf.memory().numTensors, before, `${backend}: tensors after a training step`);
      const w = m.getWeights().map((t) => Array.from(t.dataSync()));
      tf.dispose([x, y]);
      m.dispose();
      return { loss, w: w.flat() };
    };
    const cpu = await step('cpu');
    const wasm = await step('wasm');
    assert.ok(Math.abs(cpu.loss - wasm.loss) < 1e-4, `loss ${wasm.loss} vs cpu ${cpu.loss}`);
    const diff = Math.max(...wasm.w.map((v, i) => Math.abs(v - cpu.w[i])));
    assert.ok(diff < 1e-4, `weights after one step differ from cpu by ${diff}`);
  });
});
