/**
 * bmnb's faster wasm Conv2DBackpropInput and MaxPoolGrad must give the cpu backend's answers
 * (ties after a ReLU included), leave no tensors or wasm buffers behind, and train a CNN.
 *
 * Run: node --import tsx --test src/kernel/kernels/wasmConvGrad.test.ts
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasmTraining';
import { registerWasmConvGradKernels } from './wasmConvGrad';
import { assertClose, compareKernel, on, rand, sizeOf, wasmDataIds, type Pad, type Shape4 } from './kernelTesting';

const FAST = Symbol.for('bmnb.wasmConvGrad');

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmTrainingKernels(tf);
  registerWasmConvGradKernels(tf);
});

describe('registration', () => {
  test('replaces Conv2DBackpropInput and MaxPoolGrad once, and is idempotent', () => {
    const names = registerWasmConvGradKernels(tf);
    assert.deepEqual(names, ['Conv2DBackpropInput', 'MaxPoolGrad']);
    const funcs = names.map((n) => tf.getKernel(n, 'wasm').kernelFunc);
    for (const f of funcs) assert.equal((f as unknown as Record<symbol, unknown>)[FAST], true);
    assert.deepEqual(registerWasmConvGradKernels(tf), names);
    assert.deepEqual(names.map((n) => tf.getKernel(n, 'wasm').kernelFunc), funcs, 'a second call must not wrap again');
  });
});

describe('Conv2DBackpropInput matches cpu', () => {
  const cases: Array<{ x: Shape4; f: Shape4; strides: number | [number, number]; pad: Pad }> = [
    { x: [2, 13, 13, 32], f: [3, 3, 32, 64], strides: 1, pad: 'valid' }, // the article CNN's second conv
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 2, pad: 'valid' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same' },
    { x: [3, 10, 6, 2], f: [5, 3, 2, 3], strides: 2, pad: 'same' },
    { x: [2, 7, 9, 5], f: [2, 4, 5, 6], strides: [2, 1], pad: 'same' },
    { x: [4, 6, 6, 8], f: [1, 1, 8, 5], strides: 1, pad: 'valid' },
    { x: [2, 11, 8, 3], f: [3, 3, 3, 2], strides: 1, pad: 1 },
    { x: [2, 11, 8, 3], f: [3, 3, 3, 2], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
    { x: [1, 6, 6, 2], f: [2, 2, 2, 3], strides: 1, pad: [[0, 0], [3, 0], [0, 0], [0, 0]] }, // pad > filter - 1: the original kernel
  ];
  for (const [i, c] of cases.entries()) {
    const what = `x[${c.x}] f[${c.f}] strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}`;
    test(what, async () => {
      const y = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.strides, c.pad));
      const dyShape = y.shape.slice();
      y.dispose();
      const fv = rand(sizeOf(c.f), 40 + i);
      const dyv = rand(sizeOf(dyShape), 50 + i);
      await compareKernel(
        'Conv2DBackpropInput',
        { dy: { shape: dyShape, values: dyv }, filter: { shape: c.f, values: fv } },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
        what,
      );
    });
  }

  test('leaves one new buffer (the output) and frees its temporaries, strided or not', async () => {
    await tf.setBackend('wasm');
    for (const strides of [1, 2]) {
      const dyShape = strides === 1 ? [2, 7, 7, 4] : [2, 4, 4, 4];
      const dy = tf.tensor(rand(sizeOf(dyShape), 3), dyShape);
      const f = tf.tensor4d(rand(36 * 4, 4), [3, 3, 4, 4]);
      const tensors = tf.memory().numTensors;
      const ids = wasmDataIds();
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, {
        strides, pad: 'valid', dataFormat: 'NHWC', inputShape: [2, 9, 9, 4],
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      assert.equal(wasmDataIds(), ids + 1, `strides ${strides}: one new buffer`);
      dx.dispose();
      assert.equal(tf.memory().numTensors, tensors);
      assert.equal(wasmDataIds(), ids);
      tf.dispose([dy, f]);
    }
  });
});

describe('MaxPoolGrad matches cpu', () => {
  const cases: Array<{ x: Shape4; size: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same'; relu?: boolean }> = [
    { x: [2, 26, 26, 32], size: 2, strides: 2, pad: 'valid', relu: true }, // after the article CNN's first conv: many tied zeros
    { x: [2, 11, 11, 8], size: 2, strides: 2, pad: 'valid' }, // odd size: the last row and column are dropped
    { x: [2, 9, 9, 3], size: 3, strides: 2, pad: 'same' }, // overlapping windows, padded
    { x: [1, 8, 7, 5], size: [3, 2], strides: [1, 2], pad: 'valid', relu: true },
    { x: [3, 5, 5, 1], size: 2, strides: 1, pad: 'same' },
  ];
  for (const [i, c] of cases.entries()) {
    const what = `x[${c.x}] size ${JSON.stringify(c.size)} strides ${JSON.stringify(c.strides)} ${c.pad}${c.relu ? ' after relu' : ''}`;
    test(what, async () => {
      const xv = rand(sizeOf(c.x), 60 + i).map((v) => (c.relu ? Math.max(0, v) : v));
      const grads = () => {
        const x = tf.tensor4d(xv, c.x);
        const y = tf.maxPool(x, c.size, c.strides, c.pad);
        const dy = tf.tensor(rand(y.size, 70 + i), y.shape);
        return tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.size, c.strides, c.pad).mul(dy).sum())(x);
      };
      const expected = await on('cpu', grads);
      const actual = await on('wasm', grads);
      assertClose(actual, expected, what);
      // Every gradient value lands on the same element as on cpu (no tolerance for a moved one).
      const moved = actual.values.findIndex((v, j) => (v === 0) !== (expected.values[j] === 0));
      assert.equal(moved, -1, `${what}: gradient at element ${moved} differs in where it lands`);
    });
  }

  test('NaN is never the maximum, and a window of -Infinity gets no gradient (as on cpu)', async () => {
    const xv = new Float32Array([NaN, 1, 2, NaN, -Infinity, -Infinity, -Infinity, -Infinity, 3, 3, 0, 5, NaN, NaN, NaN, NaN]);
    const grads = () => {
      const x = tf.tensor4d(xv, [1, 4, 4, 1]);
      // 2×2 windows over rows/cols: [NaN,1;-Inf,-Inf] [2,NaN;-Inf,-Inf] [3,3;NaN,NaN] [0,5;NaN,NaN]
      return tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid').mul(tf.tensor4d([10, 20, 30, 40], [1, 2, 2, 1])).sum())(x);
    };
    const cpu = await on('cpu', grads);
    const wasm = await on('wasm', grads);
    assert.deepEqual(Array.from(wasm.values), Array.from(cpu.values));
  });

  test('leaves one new buffer (the output)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(rand(2 * 8 * 8 * 3, 9), [2, 8, 8, 3]);
    const y = tf.maxPool(x, 2, 2, 'valid');
    const dy = tf.onesLike(y);
    const tensors = tf.memory().numTensors;
    const ids = wasmDataIds();
    const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, {
      filterSize: 2, strides: 2, pad: 'valid',
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    assert.equal(wasmDataIds(), ids + 1);
    assert.equal(dx.sum().dataSync()[0], y.size, 'each window passes its gradient once');
    dx.dispose();
    assert.equal(tf.memory().numTensors, tensors + 1, 'only the sum above remains');
    tf.dispose([x, y, dy]);
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
