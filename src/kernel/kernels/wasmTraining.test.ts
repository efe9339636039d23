/**
 * Tests for bmnb's wasm training kernels: each kernel must give the cpu backend's answer, CNN
 * training must work on wasm without leaking tensors, and registration must be idempotent.
 *
 * Run: node --import tsx --test src/kernel/kernels/wasmTraining.test.ts
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasmTraining';
import { assertClose, compareKernel, on, rand, sizeOf, wasmDataIds, type Pad, type Shape4 } from './kernelTesting';

const KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
];

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmTrainingKernels(tf);
});

describe('registration', () => {
  test('registers the kernels tfjs-backend-wasm 4.22 lacks, and is idempotent', async () => {
    const names = registerWasmTrainingKernels(tf);
    assert.deepEqual([...names].sort(), [...KERNELS].sort());
    const funcs = names.map((n) => tf.getKernel(n, 'wasm').kernelFunc);
    const again = registerWasmTrainingKernels(tf);
    assert.deepEqual(again, names);
    assert.deepEqual(
      names.map((n) => tf.getKernel(n, 'wasm').kernelFunc),
      funcs,
      'a second call must not replace the registered kernels',
    );
    const wasmKernels = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    for (const n of [...KERNELS, 'Conv2DBackpropInput', 'MaxPoolGrad', 'AvgPoolGrad', 'FusedBatchNorm']) {
      assert.ok(wasmKernels.has(n), `${n} registered for wasm`);
    }
  });
});

describe('Conv2DBackpropFilter matches cpu', () => {
  const cases: Array<{ x: Shape4; f: Shape4; strides: number | [number, number]; pad: Pad }> = [
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: 'valid' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 2, pad: 'valid' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same' },
    { x: [1, 8, 8, 1], f: [3, 3, 1, 8], strides: 1, pad: 'same' },
    { x: [3, 10, 6, 2], f: [5, 3, 2, 3], strides: 2, pad: 'same' },
    { x: [2, 7, 9, 5], f: [2, 4, 5, 6], strides: [2, 1], pad: 'same' },
    { x: [4, 6, 6, 8], f: [1, 1, 8, 5], strides: 1, pad: 'valid' },
    { x: [2, 11, 8, 3], f: [3, 3, 3, 2], strides: 1, pad: 1 },
    { x: [2, 11, 8, 3], f: [3, 3, 3, 2], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
    { x: [5, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, pad: 'valid' },
  ];
  for (const [i, c] of cases.entries()) {
    const what = `x[${c.x}] f[${c.f}] strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}`;
    test(what, async () => {
      const xv = rand(sizeOf(c.x), 10 + i);
      const fv = rand(sizeOf(c.f), 20 + i);
      const y = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.strides, c.pad));
      const dyShape = y.shape.slice();
      y.dispose();
      const dyv = rand(sizeOf(dyShape), 30 + i);
      // Through the kernel directly.
      await compareKernel(
        'Conv2DBackpropFilter',
        { x: { shape: c.x, values: xv }, dy: { shape: dyShape, values: dyv } },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f },
        what,
      );
      // Through autodiff, as model.fit uses it: d/df and d/dx of sum(conv2d(x, f) * dy) (d/dx runs
      // the wasm backend's own Conv2DBackpropInput).
      const grads = () => {
        const dy = tf.tensor(dyv, dyShape);
        const [gx, gf] = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
          tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad).mul(dy).sum(),
        )([tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.f)]);
        return tf.concat([gf.flatten(), gx.flatten()]);
      };
      assertClose(await on('wasm', grads), await on('cpu', grads), `tf.grads ${what}`);
    });
  }

  test('large input processed in several im2col chunks (split mid-image), without leaks', async () => {
    const x: Shape4 = [3, 128, 128, 8];
    const f: Shape4 = [7, 7, 8, 1];
    const dyShape = [3, 128, 128, 1];
    const xv = rand(sizeOf(x), 1);
    const dyv = rand(sizeOf(dyShape), 2);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: f };
    await compareKernel('Conv2DBackpropFilter', { x: { shape: x, values: xv }, dy: { shape: dyShape, values: dyv } }, attrs, 'chunked');
    await tf.setBackend('wasm');
    const xt = tf.tensor4d(xv, x);
    const dyt = tf.tensor(dyv, dyShape);
    const before = tf.memory().numTensors;
    const beforeIds = wasmDataIds();
    (tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor).dispose();
    assert.equal(tf.memory().numTensors, before, 'numTensors');
    assert.equal(wasmDataIds(), beforeIds, 'wasm backend data ids');
    tf.dispose([xt, dyt]);
  });

  test('NCHW is refused with a clear error', async () => {
    await tf.setBackend('wasm');
    assert.throws(
      () =>
        tf.tidy(() =>
          tf.engine().runKernel(
            'Conv2DBackpropFilter',
            { x: tf.zeros([1, 3, 5, 5]), dy: tf.zeros([1, 2, 3, 3]) },
            { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 3, 2] },
          ),
        ),
      /only dataFormat 'NHWC'/,
    );
  });
});

describe('depthwise conv gradients match cpu', () => {
  const cases: Array<{ x: Shape4; f: Shape4; strides: number | [number, number]; pad: Pad }> = [
    { x: [2, 9, 7, 3], f: [3, 3, 3, 1], strides: 1, pad: 'valid' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 2], strides: 1, pad: 'same' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 2], strides: 2, pad: 'valid' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 1], strides: 2, pad: 'same' },
    { x: [1, 8, 8, 4], f: [5, 5, 4, 1], strides: 2, pad: 'same' },
    { x: [3, 10, 6, 2], f: [2, 3, 2, 3], strides: [1, 2], pad: 'same' },
    { x: [2, 11, 8, 3], f: [3, 3, 3, 2], strides: 1, pad: 1 },
    { x: [2, 9, 9, 3], f: [3, 3, 3, 1], strides: 2, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
    // Padding past the far edge: the input gradient takes the plain-loop path.
    { x: [2, 5, 6, 3], f: [3, 3, 3, 2], strides: 1, pad: [[0, 0], [0, 3], [2, 0], [0, 0]] },
    { x: [4, 16, 16, 32], f: [3, 3, 32, 1], strides: 2, pad: 'same' },
  ];
  for (const [i, c] of cases.entries()) {
    const what = `x[${c.x}] f[${c.f}] strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}`;
    test(what, async () => {
      const xv = rand(sizeOf(c.x), 40 + i);
      const fv = rand(sizeOf(c.f), 50 + i);
      const y = tf.tidy(() =>
        tf.depthwiseConv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.strides, c.pad),
      );
      const dyShape = y.shape.slice();
      y.dispose();
      const dyv = rand(sizeOf(dyShape), 60 + i);
      await compareKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: { shape: c.x, values: xv }, dy: { shape: dyShape, values: dyv } },
        { strides: c.strides, pad: c.pad, dilations: [1, 1], filterShape: c.f },
        what,
      );
      await compareKernel(
        'DepthwiseConv2dNativeBackpropInput',
        { dy: { shape: dyShape, values: dyv }, filter: { shape: c.f, values: fv } },
        { strides: c.strides, pad: c.pad, dilations: [1, 1], inputShape: c.x },
        what,
      );
      const grads = () => {
        const dy = tf.tensor(dyv, dyShape);
        const [gx, gf] = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
          tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad).mul(dy).sum(),
        )([tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.f)]);
        return tf.concat([gx.flatten(), gf.flatten()]);
      };
      assertClose(await on('wasm', grads), await on('cpu', grads), `tf.grads ${what}`);
    });
  }

  test('separableConv2d gradients (depthwise + pointwise) match cpu', async () => {
    const xv = rand(2 * 9 * 7 * 3, 70);
    const dv = rand(3 * 3 * 3 * 2, 71);
    const pv = rand(6 * 5, 72);
    const grads = () => {
      const [gx, gd, gp] = tf.grads((x: tf.Tensor, d: tf.Tensor, p: tf.Tensor) =>
        tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 2, 'same').square().sum(),
      )([tf.tensor4d(xv, [2, 9, 7, 3]), tf.tensor4d(dv, [3, 3, 3, 2]), tf.tensor4d(pv, [1, 1, 6, 5])]);
      return tf.concat([gx.flatten(), gd.flatten(), gp.flatten()]);
    };
    assertClose(await on('wasm', grads), await on('cpu', grads), 'separableConv2d grads');
  });

  test('dilations other than 1 are refused with a clear error', async () => {
    await tf.setBackend('wasm');
    assert.throws(
      () =>
        tf.tidy(() =>
          tf.engine().runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: tf.zeros([1, 9, 9, 2]), dy: tf.zeros([1, 5, 5, 2]) },
            { strides: 1, pad: 'valid', dilations: 2, filterShape: [3, 3, 2, 1] },
          ),
        ),
      /only dilations 1/,
    );
  });
});

describe('UnsortedSegmentSum matches cpu', () => {
  test('1-D ids with out-of-range ids dropped', async () => {
    await compareKernel(
      'UnsortedSegmentSum',
      {
        x: { shape: [6, 4], values: rand(24, 80) },
        segmentIds: { shape: [6], values: Int32Array.from([0, 2, 0, 5, 1, -1]), dtype: 'int32' },
      },
      { numSegments: 4 },
      '[6,4]',
    );
  });
  test('rank-3 x', async () => {
    await compareKernel(
      'UnsortedSegmentSum',
      {
        x: { shape: [5, 2, 3], values: rand(30, 81) },
        segmentIds: { shape: [5], values: Int32Array.from([2, 0, 2, 2, 1]), dtype: 'int32' },
      },
      { numSegments: 3 },
      '[5,2,3]',
    );
  });
  test('gather gradient (embedding lookups) matches cpu', async () => {
    const table = rand(10 * 4, 82);
    const grad = () => {
      const idx = tf.tensor2d([1, 3, 3, 9, 0, 1, 1, 1], [2, 4], 'int32');
      return tf.grad((t: tf.Tensor) => tf.gather(t, idx).square().sum())(tf.tensor2d(table, [10, 4]));
    };
    assertClose(await on('wasm', grad), await on('cpu', grad), 'gather grad');
  });
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
