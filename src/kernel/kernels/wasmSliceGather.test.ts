/**
 * bmnb's wasm Slice and GatherV2 must give the cpu backend's answers for every rank, dtype and
 * axis, reject bad indices with tfjs's message, allocate one buffer per call, and keep
 * `model.fit` (which gathers every batch) training.
 *
 * Run: node --import tsx --test src/kernel/kernels/wasmSliceGather.test.ts
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmSliceGatherKernels } from './wasmSliceGather';
import { on, rand, sizeOf, wasmDataIds } from './kernelTesting';

const FAST = Symbol.for('bmnb.wasmSliceGather');

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmSliceGatherKernels(tf);
});

type DType = 'float32' | 'int32' | 'bool';

function values(shape: number[], dtype: DType, seed: number): tf.Tensor {
  const v = rand(sizeOf(shape), seed);
  if (dtype === 'float32') return tf.tensor(v, shape);
  if (dtype === 'int32') return tf.tensor(Int32Array.from(v, (x) => Math.round(x * 1000)), shape, 'int32');
  return tf.tensor(Uint8Array.from(v, (x) => (x > 0 ? 1 : 0)), shape, 'bool');
}

/** Runs f on cpu and on wasm and asserts the same shape, dtype and values, exactly. */
async function sameOnBoth(f: () => tf.Tensor, what: string): Promise<void> {
  let dtypes: string[] = [];
  const g = () => {
    const r = f();
    dtypes.push(r.dtype);
    return r.toFloat();
  };
  const expected = await on('cpu', g);
  const actual = await on('wasm', g);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(dtypes[1], dtypes[0], `${what}: dtype`);
  assert.ok(expected.values.length === 0 || expected.values.some((v) => v !== 0), `${what}: the reference is all zeros`);
  assert.deepEqual(Array.from(actual.values), Array.from(expected.values), `${what}: values`);
  dtypes = [];
}

describe('registration', () => {
  test('replaces Slice and GatherV2 once, and is idempotent', () => {
    const names = registerWasmSliceGatherKernels(tf);
    assert.deepEqual(names, ['Slice', 'GatherV2']);
    const funcs = names.map((n) => tf.getKernel(n, 'wasm').kernelFunc);
    for (const f of funcs) assert.equal((f as unknown as Record<symbol, unknown>)[FAST], true);
    assert.deepEqual(registerWasmSliceGatherKernels(tf), names);
    assert.deepEqual(names.map((n) => tf.getKernel(n, 'wasm').kernelFunc), funcs, 'a second call must not wrap again');
  });
});

describe('Slice matches cpu', () => {
  const cases: Array<{ shape: number[]; begin: number[]; size: number[]; dtype?: DType }> = [
    { shape: [600, 28, 28, 1], begin: [128, 0, 0, 0], size: [128, -1, -1, -1] }, // a batch of MNIST rows: contiguous
    { shape: [50], begin: [7], size: [20], dtype: 'int32' },
    { shape: [6, 40], begin: [1, 3], size: [4, 30] }, // runs of 30: set()
    { shape: [6, 40], begin: [2, 5], size: [3, 4], dtype: 'int32' }, // runs of 4: loop
    { shape: [4, 5, 6], begin: [1, 2, 1], size: [2, 3, 5], dtype: 'bool' },
    { shape: [3, 7, 9, 20], begin: [1, 2, 3, 0], size: [2, 4, 5, 20] }, // whole last axis, not contiguous above it
    { shape: [3, 7, 9, 20], begin: [0, 0, 0, 17], size: [-1, -1, -1, 3] },
    { shape: [2, 3, 4, 5, 6], begin: [1, 0, 1, 2, 3], size: [1, 3, 2, 3, 3] }, // rank 5
    { shape: [2, 3, 4, 5, 6, 2], begin: [0, 1, 1, 0, 2, 1], size: [2, 2, 3, 5, 4, 1], dtype: 'int32' }, // rank 6
    { shape: [5, 4], begin: [2, 0], size: [0, 4] }, // empty
  ];
  for (const [i, c] of cases.entries()) {
    test(`[${c.shape}] begin [${c.begin}] size [${c.size}] ${c.dtype ?? 'float32'}`, async () => {
      await sameOnBoth(() => tf.slice(values(c.shape, c.dtype ?? 'float32', 10 + i), c.begin, c.size), 'slice');
    });
  }

  test('tf.split and tensor.slice(begin) of a wasm tensor, as cells write them', async () => {
    await sameOnBoth(() => tf.concat(tf.split(values([6, 10, 3], 'float32', 3), [2, 3, 5], 1).map((t) => t.reverse(1)), 1), 'split');
    await sameOnBoth(() => values([40, 3], 'int32', 4).slice(35), 'slice(35)');
  });

  test('a string tensor still slices (the original kernel)', async () => {
    await tf.setBackend('wasm');
    const t = tf.tensor(['a', 'b', 'c', 'd'], [2, 2]);
    assert.deepEqual(tf.slice(t, [1, 0], [1, 2]).arraySync(), [['c', 'd']]);
  });
});

describe('GatherV2 matches cpu', () => {
  const cases: Array<{ shape: number[]; ids: number[]; idsShape?: number[]; axis: number; batchDims?: number; dtype?: DType }> = [
    { shape: [600, 784], ids: [5, 599, 0, 5, 17, 300], axis: 0 }, // fit's batch rows
    { shape: [100, 28, 28, 1], ids: Array.from({ length: 32 }, (_, i) => (i * 37) % 100), axis: 0 },
    { shape: [50, 10], ids: [3, 1, 4, 1, 5, 9, 2, 6], axis: 0, dtype: 'int32' },
    { shape: [4, 9, 3], ids: [8, 0, 4], axis: 1, dtype: 'bool' },
    { shape: [4, 9, 3], ids: [2, 0, 1, 1], idsShape: [2, 2], axis: 2 },
    { shape: [1000, 16], ids: [[1, 2], [3, 999], [0, 0]].flat(), idsShape: [3, 2], axis: 0 }, // an embedding lookup
    { shape: [3, 5, 4], ids: [4, 0, 1, 3, 2, 2], idsShape: [3, 2], axis: 1, batchDims: 1 },
    { shape: [2, 3, 6, 5], ids: [5, 0, 1, 2, 3, 4, 0, 0], idsShape: [2, 4], axis: 2, batchDims: 1 },
    { shape: [7], ids: [6, 0, 3], axis: 0 },
    { shape: [5, 3], ids: [], axis: 0 }, // no indices
  ];
  for (const [i, c] of cases.entries()) {
    test(`[${c.shape}] ${c.ids.length} indices, axis ${c.axis}, batchDims ${c.batchDims ?? 0} ${c.dtype ?? 'float32'}`, async () => {
      await sameOnBoth(
        () => tf.gather(values(c.shape, c.dtype ?? 'float32', 30 + i), tf.tensor(c.ids, c.idsShape ?? [c.ids.length], 'int32'), c.axis, c.batchDims),
        'gather',
      );
    });
  }

  test('an index out of range is an error that names it and the range', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([10, 3]);
    assert.throws(() => tf.gather(x, tf.tensor1d([2, 10], 'int32')), /GatherV2: the index value 10 is not in \[0, 9\]/);
    assert.throws(() => tf.gather(x, tf.tensor1d([-1], 'int32')), /the index value -1 is not in \[0, 9\]/);
    x.dispose();
  });
});

describe('on the wasm heap', () => {
  test('each call leaves exactly one new buffer (its output) and no tensor behind', async () => {
    await tf.setBackend('wasm');
    const x = values([64, 12, 12, 3], 'float32', 7);
    const ids = tf.tensor1d([1, 5, 63], 'int32');
    const cols = tf.tensor1d([0, 11], 'int32');
    const calls = [() => tf.slice(x, [2, 0, 0, 0], [3, -1, -1, -1]), () => tf.slice(x, [0, 1, 2, 1], [5, 3, 4, 2]), () => tf.gather(x, ids), () => tf.gather(x, cols, 2)];
    for (const call of calls) {
      const buffers = wasmDataIds();
      const tensors = tf.memory().numTensors;
      const y = call();
      assert.equal(wasmDataIds(), buffers + 1);
      assert.equal(tf.memory().numTensors, tensors + 1);
      y.dispose();
      assert.equal(wasmDataIds(), buffers);
    }
    tf.dispose([x, ids, cols]);
  });

  test('a slice taken after the heap has grown reads the right values', async () => {
    await tf.setBackend('wasm');
    const x = tf.range(0, 4096, 1, 'float32').reshape([64, 64]);
    const grow = tf.zeros([64 * 1024 * 1024]); // 256 MB: the heap grows and old views detach
    const y = tf.slice(x, [10, 3], [2, 4]);
    assert.deepEqual(Array.from(y.dataSync()), [643, 644, 645, 646, 707, 708, 709, 710]);
    tf.dispose([x, grow, y]);
  });

  test('model.fit with shuffling (a gather per batch) still learns', async () => {
    await tf.setBackend('wasm');
    const xs = tf.tensor(rand(512 * 8, 5), [512, 8]);
    const ys = xs.sum(1, true).greater(0).toFloat();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(xs, ys, { epochs: 15, batchSize: 32, shuffle: true, verbose: 0 });
    const acc = h.history.acc as number[];
    assert.ok(acc[acc.length - 1] > 0.9, `accuracy after 15 epochs: ${acc[acc.length - 1]}`);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
